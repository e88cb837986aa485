"""The six narrative sections, cut at their headings."""

from __future__ import annotations

import re

from ogi.parse.normalize import compact

SECTIONS = ("overall", "active", "requests", "review", "problems", "other")
_CN = "一二三四五六"


def _heading(k: int, numbered: str, bare: str) -> re.Pattern[str]:
    """Section ``k``'s heading: numbered 一、 / 一． / 第一部分 / 1. (then ``numbered``),
    or without a number (then the stricter ``bare``, which table labels do not match)."""
    number = rf"(?:第{_CN[k]}部分|{_CN[k]}[、.．]?|{k + 1}[、.．])"
    return re.compile(rf"^(?:{number}(?:{numbered})|(?:{bare})$)")


_HEADINGS = (
    ("overall", _heading(0, r"\S{0,12}总体情况", r".{0,12}总体情况(?:概述)?")),
    ("active", _heading(1, r".{0,12}主动公开", r".{0,6}(?:主动公开政府信息|政府信息主动公开)情况(?:统计)?")),
    ("requests", _heading(2, r".{0,12}(?:收到和处理|依申请|申请情况)", r".{0,6}(?:收到和处理|依申请公开).{0,16}情况")),
    ("review", _heading(3, r".{0,24}(?:行政复议|行政诉讼)", r".{0,16}行政复议.{0,12}行政诉讼.{0,4}情况")),
    ("problems", _heading(4, r".{0,16}(?:问题|改进)", r".{0,12}存在的主要问题(?:及|和).{0,6}")),
    ("other", _heading(5, r".{0,6}其他需要报告", r"其他需要报告的?事项")),
)


def split_sections(lines: list[str]) -> dict[str, str]:
    out: dict[str, list[str]] = {name: [] for name in SECTIONS}
    current: str | None = None
    order = 0
    for line in lines:
        c = compact(line)
        for k, (name, pattern) in enumerate(_HEADINGS):
            if k >= order and len(c) <= 40 and pattern.match(c):
                current, order = name, k + 1
                break
        else:
            if current:
                out[current].append(line.strip())
    return {name: "\n".join(text) for name, text in out.items()}
