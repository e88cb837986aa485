"""Title, agency, report year and publication date.

The agency is the name as the title prints it (the title minus the year and
政府信息公开工作年度报告); the year is the calendar year reported on, which the
title states, never the publication date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ogi.parse.normalize import compact

_TITLE = re.compile(
    r"^(?P<pre>.*?)[（(]?(?P<year>(?:19|20)\d{2})[)）]?年?度?(?P<post>.*?)"
    r"(?:政府信息公开|政务公开|信息公开)(?:工作)?(?:年度)?(?:工作)?(?:报告|年报)"
)
_YEAR_AFTER = re.compile(
    r"^(?P<pre>.+?)(?:政府信息公开|信息公开)(?:工作)?(?:年度)?报告[（(](?P<year>(?:19|20)\d{2})年?度?[)）]$"
)
_NO_YEAR_TITLE = re.compile(r"^(?P<pre>.*?)(?:政府信息公开|信息公开)(?:工作)?年度报告")
_PERIOD = re.compile(r"统计期限.{0,12}?((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日")
_DATE = re.compile(r"((?:19|20)\d{2})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})\s*日?")
_AGENCY_TAIL = re.compile(r"(?:关于)?(?:的)?$")


@dataclass
class Meta:
    title: str | None
    agency: str | None
    year: int | None
    published: str | None


def _from_title(title: str) -> tuple[str | None, int | None]:
    trailing = _YEAR_AFTER.match(compact(title))
    if trailing:
        return (trailing["pre"] or None), int(trailing["year"])
    m = _TITLE.match(compact(title))
    if not m:
        m2 = _NO_YEAR_TITLE.match(compact(title))
        return (m2["pre"] or None) if m2 else None, None
    agency = (m["pre"] + m["post"]).strip("：:，, —-_")
    agency = _AGENCY_TAIL.sub("", agency)
    return agency or None, int(m["year"])


def _title_from_lines(lines: list[str]) -> str | None:
    """The title is near the top, often broken over two or three lines (agency, then
    year and 年度报告; or 年度报 / 告): the shortest run of lines ending in the report
    title that names both an agency and a year."""
    head = [compact(line) for line in lines[:15]]
    fallback = None
    for end in range(len(head)):
        for size in (1, 2, 3):
            if end - size + 1 < 0:
                break
            joined = "".join(head[end - size + 1 : end + 1])
            if len(joined) > 80 or not re.search(r"(?:年度报告|年报)(?:[（(]\d{4}年?度?[)）])?$", joined):
                continue
            agency, year = _from_title(joined)
            if agency and year:
                return joined
            if year and fallback is None:
                fallback = joined
    return fallback


def _date(text: str) -> str | None:
    m = _DATE.search(text)
    if not m:
        return None
    y, mo, d = int(m[1]), int(m[2]), int(m[3])
    if 1 <= mo <= 12 and 1 <= d <= 31:
        return f"{y:04d}-{mo:02d}-{d:02d}"
    return None


def read_meta(lines: list[str], title_hints: list[str], published_hints: list[str], kind: str) -> Meta:
    candidates = [t for t in title_hints if t]
    from_lines = _title_from_lines(lines)
    if from_lines:
        # Printed titles beat metadata in PDFs/DOCX (metadata is often a template's);
        # HTML metadata titles are the CMS's article titles and come first there.
        candidates = [*candidates, from_lines] if kind == "html" else [from_lines, *candidates]
    title = agency = None
    year = None
    for cand in candidates:
        a, y = _from_title(cand)
        if a and y:
            title, agency, year = cand.strip(), a, y
            break
        if title is None and (a or y):
            title, agency, year = cand.strip(), a, y
    if year is None:
        for line in lines[:80]:
            m = _PERIOD.search(compact(line))
            if m:
                year = int(m[1])
                break
    published = next((d for d in (_date(p) for p in published_hints) if d), None)
    if published is None:
        for line in reversed(lines[-8:]):
            c = compact(line)
            if len(c) <= 16:
                published = _date(c)
                if published:
                    break
    return Meta(title, agency, year, published)
