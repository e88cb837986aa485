"""Label normalization: make printed labels comparable with the template's.

Printed labels differ from the template in width (（一） vs (一)), spacing
(商 业 企 业), line breaks, numbering (1. / 1、 / （1）) and punctuation; none of
that carries meaning, so all of it is removed before similarity matching.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPACE = re.compile(r"\s+")
_NUMBERING = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]?|\(?[一二三四五六七八九十]+\)|\(?\d{1,2}\)|\d{1,2}[.、．](?!\d))"
)
_PUNCT = re.compile(r"[\s\"'“”‘’`,，、。.．:：;；!！?？()（）\[\]【】《》<>〈〉/\\|_\-—–~·…*#]+")


def clean(text: str) -> str:
    """NFKC and collapsed whitespace: the printed text as a reader sees it."""
    text = unicodedata.normalize("NFKC", text.replace("\xa0", " ").replace("\u3000", " "))
    return _SPACE.sub(" ", text).strip()


@lru_cache(maxsize=1 << 16)
def label_key(text: str) -> str:
    """Comparable form of a label: no spaces, no numbering prefixes, no punctuation.
    (Cached: the same few hundred labels recur in every report of a batch.)"""
    text = _SPACE.sub("", unicodedata.normalize("NFKC", text.replace("\xa0", "")))
    previous = None
    while previous != text:
        previous = text
        text = _NUMBERING.sub("", text)
    return _PUNCT.sub("", text)


def compact(text: str) -> str:
    """Text without any whitespace (titles, headings split by line breaks or spaces)."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text.replace("\xa0", " ")))
