"""The six narrative sections, cut at their headings."""

from __future__ import annotations

import re

from ogi.parse.normalize import compact

SECTIONS = ("overall", "active", "requests", "review", "problems", "other")
_HEADINGS = (
    ("overall", re.compile(r"^一[、.．]?(?:\S{0,6})总体情况")),
    ("active", re.compile(r"^二[、.．]?.{0,12}主动公开")),
    ("requests", re.compile(r"^三[、.．]?.{0,12}(?:收到和处理|依申请|申请情况)")),
    ("review", re.compile(r"^四[、.．]?.{0,24}(?:行政复议|行政诉讼)")),
    ("problems", re.compile(r"^五[、.．]?.{0,16}(?:问题|改进)")),
    ("other", re.compile(r"^六[、.．]?.{0,6}其他需要报告")),
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
