"""Finding a list's records in any JSON answer by their shape, not by their field names.

Every vendor names the fields differently (``title``/``doctitle``/``bt``/``wzbt``,
``url``/``docpuburl``/``linkUrl``/``wzlj``…). What they share is the shape: an
array of objects each carrying a title-like string (Chinese text, the longest
string of the record) and a link (a string that is an address), or an id that a
detail-URL pattern from the scripts turns into an address. Records may also come
as an HTML fragment inside the JSON (``{"data": {"html": "<li><a …>"}}``), and the
answer may be JSONP (``callback({...})``). Paging information (total, page count,
has-next) is read by the roles of ``data/list_params.toml``.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import lxml.html
from lxml import etree

from ogi.crawl.pages import Link, anchors

_DATA = Path(__file__).parent / "data" / "list_params.toml"
_CJK = re.compile(r"[\u4e00-\u9fff]")
_ADDRESS = re.compile(
    r"^(?:https?://|/|\./|\.\./)[^\s<>\"']+$|^[\w./-]+\.(?:s?html?|jsp|aspx?|php|pdf|docx?|wps)(?:\?\S*)?$"
)
_DATE = re.compile(r"^\d{4}[-/.年]\d{1,2}")
_JSONP = re.compile(r"^\s*[\w$.]+\s*\((.*)\)\s*;?\s*$", re.S)


@cache
def _answer_roles() -> dict[str, tuple[str, ...]]:
    return {k: tuple(v) for k, v in tomllib.loads(_DATA.read_text(encoding="utf-8"))["answer"].items()}


def parse_answer(text: str) -> Any:
    """JSON, or JSONP unwrapped; None when it is neither."""
    text = text.strip().lstrip("\ufeff")
    padded = _JSONP.match(text)
    for candidate in (text, padded.group(1) if padded else None):
        try:
            return json.loads(candidate) if candidate is not None else None
        except ValueError:
            continue
    return None


def _title_like(v: Any) -> bool:
    return isinstance(v, str) and len(_CJK.findall(v)) >= 4 and "<" not in v and not _ADDRESS.match(v)


def _address_like(v: Any) -> bool:
    return isinstance(v, str) and bool(_ADDRESS.match(v.strip())) and not _DATE.match(v)


def _id_like(v: Any) -> bool:
    return (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, str) and v.isdigit())


@dataclass
class Page:
    """What one answer holds: its records as links, how many records it had, paging hints."""

    links: list[Link]
    records: int
    total: int | None = None
    pages: int | None = None
    has_next: bool | None = None


def _lists(data: Any) -> list[list[dict]]:
    out, stack = [], [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            items = [x for x in node if isinstance(x, dict)]
            if items:
                out.append(items)
            stack.extend(node)
    return out


def _best_key(items: list[dict], test) -> str | None:
    counts = Counter(k for item in items for k, v in item.items() if test(v))
    return counts.most_common(1)[0][0] if counts else None


def _from_records(items: list[dict], base: str, patterns: list[tuple[str, str, str]]) -> list[Link] | None:
    """Links of a list of records when it has the shape of one (title-like and link or id)."""
    title_key = _best_key(items, _title_like)
    if title_key is None:
        return None
    link_key = _best_key(items, _address_like)
    pattern = None
    if link_key is None:
        keys = {k for item in items for k, v in item.items() if _id_like(v)}
        pattern = next((p for p in patterns if p[1] in keys), None)
        if pattern is None:
            return None
    links = []
    for item in items:
        title = item.get(title_key)
        if not isinstance(title, str):
            continue
        if pattern is None:
            href = item.get(link_key)
            if not _address_like(href):
                continue
        else:
            value = item.get(pattern[1])
            if not _id_like(value):
                continue
            href = f"{pattern[0]}{value}{pattern[2]}"
        links.append(Link(urljoin(base, href.strip()), re.sub(r"\s+", " ", title).strip()))
    return links


def _fragments(data: Any, base: str) -> list[Link]:
    """Links in HTML fragments carried as JSON strings."""
    out, stack = [], [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str) and "<a" in node and "href" in node:
            try:
                tree = lxml.html.document_fromstring(f"<html><body>{node}</body></html>")
            except (etree.ParserError, ValueError):
                continue
            out.extend(anchors(tree, base))
    return out


def _paging(data: Any) -> tuple[int | None, int | None, bool | None]:
    """Total records, page count and has-next, from fields named by role (first found, shallowest)."""
    r = _answer_roles()
    total = pages = has_next = None
    queue = [(data, 0)]
    while queue:
        node, depth = queue.pop(0)
        if not isinstance(node, dict) or depth > 3:
            continue
        for k, v in node.items():
            low = k.lower()
            if isinstance(v, bool):
                if has_next is None and low in r["has_next"]:
                    has_next = v
                elif has_next is None and low in r["last"]:
                    has_next = not v
            elif _id_like(v):
                n = int(v)
                if pages is None and low in r["pages"]:
                    pages = n
                elif total is None and low in r["total"]:
                    total = n
            elif isinstance(v, dict | list):
                for child in v if isinstance(v, list) else [v]:
                    if isinstance(child, dict):
                        queue.append((child, depth + 1))
    return total, pages, has_next


def read_page(data: Any, base: str, patterns: list[tuple[str, str, str]]) -> Page:
    """Every record list of the answer (by shape) and its fragments, as links in order."""
    links: list[Link] = []
    records = 0
    for items in _lists(data):
        found = _from_records(items, base, patterns)
        if found:
            links += found
            records += len(items)
    fragment_links = _fragments(data, base)
    links += fragment_links
    records += len(fragment_links)
    total, pages, has_next = _paging(data)
    return Page(list(dict.fromkeys(links)), records, total, pages, has_next)
