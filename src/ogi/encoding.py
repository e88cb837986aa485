"""Decoding agency web pages, shared by the crawler and the HTML extractor.

Agency sites are UTF-8 or GB2312/GBK, often without a charset declaration, or
with a wrong one. GB2312 and GBK labels are read as GB18030, their superset: a
page labelled GB2312 routinely contains GBK-only characters, and lxml given raw
bytes silently truncates it at the first one, so pages are always decoded here
and lxml gets text.
"""

from __future__ import annotations

import re

from charset_normalizer import from_bytes

META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([-\w]+)""", re.I)
GB_FAMILY = {"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "gb_2312-80", "euc-cn"}


def _normalised(label: str) -> str:
    label = label.strip(" \"';").lower()
    return "gb18030" if label in GB_FAMILY else label


def decode_page(body: bytes, declared: str | None = None) -> str:
    """Bytes of a page to text: BOM, then the HTTP charset (``declared`` is a
    Content-Type value), then <meta>, then UTF-8, then GB18030, then detection."""
    if body.startswith(b"\xef\xbb\xbf"):
        return body[3:].decode("utf-8", errors="replace")
    candidates = []
    if declared and "charset=" in declared.lower():
        candidates.append(_normalised(declared.lower().split("charset=")[-1]))
    meta = META_CHARSET.search(body[:4096])
    if meta:
        candidates.append(_normalised(meta.group(1).decode("ascii", "replace")))
    for encoding in dict.fromkeys([*candidates, "utf-8", "gb18030"]):
        try:
            return body.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    best = from_bytes(body).best()
    encoding = _normalised(best.encoding) if best is not None else "gb18030"
    return body.decode(encoding, errors="replace")
