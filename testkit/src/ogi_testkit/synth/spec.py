"""The generator's own description of the State Council template, read from its copy
of the spec (``data/cells.csv``, copied from ``../shared/spec/cells.csv``).

The generator is the parser's oracle, so it must not share the parser's knowledge:
it never imports ``ogi.parse`` nor reads ``src/ogi/parse/data``. Row and column
labels come from the official template as the spec prints them; the real-world
wordings authors use instead are in ``data/wordings.csv`` (see ``variants.py``).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data"
VERSIONS = ("2021", "2019")
TABLES = ("active", "requests", "review")
EXT_COL = "legal_entities"  # 法人或其他组织 printed as one column instead of five
EXT_ROW = "other_handling"  # （六）其他处理 printed as one row in a 2021 report


@dataclass(frozen=True)
class RowSpec:
    row: str
    cols: tuple[str, ...]
    label: str


@dataclass(frozen=True)
class ColSpec:
    col: str
    label: str


@cache
def _cells() -> tuple[dict[str, str], ...]:
    with (DATA / "cells.csv").open(encoding="utf-8", newline="") as fh:
        return tuple(csv.DictReader(fh))


@cache
def rows(version: str, table: str) -> tuple[RowSpec, ...]:
    """Template rows of one table in printed order, with their value columns."""
    out: dict[str, tuple[list[str], str]] = {}
    for c in _cells():
        if c["template"] == version and c["table"] == table:
            out.setdefault(c["row"], ([], c["row_label"]))[0].append(c["col"])
    return tuple(RowSpec(row, tuple(cols), label) for row, (cols, label) in out.items())


@cache
def cols(version: str, table: str) -> tuple[ColSpec, ...]:
    """Distinct columns of one table in printed order, with the template's labels."""
    out: dict[str, str] = {}
    for c in _cells():
        if c["template"] == version and c["table"] == table:
            out.setdefault(c["col"], c["col_label"])
    return tuple(ColSpec(col, label) for col, label in out.items())


@cache
def codes(version: str) -> tuple[str, ...]:
    """Every numeric cell code of a template version, in printed order."""
    return tuple(f"{t}.{r.row}.{c}" for t in TABLES for r in rows(version, t) for c in r.cols)


@cache
def ext_codes() -> tuple[str, ...]:
    """Extension codes: numbers printed outside the template grid (merged rows/columns)."""
    return tuple(c["code"] for c in _cells() if c["template"] == "ext")
