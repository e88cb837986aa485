"""Reading a printed cell as a number, without ever inventing one.

Blank, dashes, slashes and 无 are *missing*, not zero. Anything else that is not
a plain number (possibly with thousands separators, full-width digits or a unit)
is *unsure*: the caller records it and keeps the value null.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ogi.parse.normalize import clean

UNITS = ("万元", "元", "件", "个", "条", "项", "次", "人次", "份", "家")
MISSING = {"", "—", "-", "–", "－", "―", "──", "——", "/", "／", "\\", "无", "空", "×", "x", "X", "*", "--"}
_WRAPPED_NUMBER = re.compile(r"^[\d,，.]+(?:[ \t]*\n[ \t]*[\d,，.]+)*(?:\s*(?:万元|元|件))?$")
# "1 2", "1, 000", "1 ,000", "0. 1", "0 .1": white space inside a number makes two
# numbers or a garble, never one number
_SPLIT_DIGITS = re.compile(r"\d(?:\s+[,，.．]?|[,，.．]\s+)\s*\d")
_NUMBER = re.compile(r"^(?P<sign>[+-]?)(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?$")


@dataclass(frozen=True)
class Reading:
    kind: str  # number, missing, unsure
    value: int | float | None = None
    unit: str | None = None


@lru_cache(maxsize=8192)
def read_value(text: str) -> Reading:
    """Interpret one printed cell."""
    if "\n" in text and _WRAPPED_NUMBER.match(text.strip()):
        text = re.sub(r"\s*\n\s*", "", text)  # a number wrapped inside a narrow cell
    t = clean(text)
    if _SPLIT_DIGITS.search(t):
        return Reading("unsure")  # "1 2": two numbers in one cell, or a garble
    t = t.replace(" ", "")
    if t in MISSING or set(t) <= {"-", "—", "/", "－"}:
        return Reading("missing")
    unit = None
    for u in UNITS:
        if t.endswith(u) and len(t) > len(u):
            t, unit = t[: -len(u)], u
            break
    t = t.replace("，", ",")
    m = _NUMBER.match(t)
    if not m:
        return Reading("unsure")
    digits = m["int"].replace(",", "")
    sign = -1 if m["sign"] == "-" else 1
    frac = m["frac"]
    if frac and int(frac) != 0:
        return Reading("number", sign * float(f"{digits}.{frac}"), unit)
    return Reading("number", sign * int(digits), unit)


def looks_like_value(text: str) -> bool:
    """True for cells that sit in the value area of a row: numbers, blanks, dashes,
    and short digit-bearing garbles (which become unsure cells, not labels)."""
    reading = read_value(text)
    if reading.kind != "unsure":
        return True
    t = clean(text).replace(" ", "")
    digits = sum(ch.isdigit() for ch in t)
    return digits > 0 and digits >= len(t) - 2 and len(t) <= 14
