"""The two State Council report formats as data: rows, columns and their label aliases.

Everything the parser knows about the template lives in the CSV files under
``data/``; this module only turns them into lookup structures. Cell codes
(``table.row.col``) are the contract shared with the warehouse and the tests.
"""

from __future__ import annotations

import csv
import hashlib
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
    template: str
    table: str
    row: str
    cols: tuple[str, ...]
    label: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class ColSpec:
    template: str
    table: str
    col: str
    label: str
    aliases: tuple[str, ...]


def _read(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@cache
def _column_sets() -> dict[str, tuple[str, ...]]:
    return {r["set"]: tuple(r["cols"].split()) for r in _read("column_sets.csv")}


def column_set(name: str) -> tuple[str, ...]:
    """A named set of columns of column_sets.csv (``applicants``, ``outcomes``), in printed order."""
    return _column_sets()[name]


def _applies(template_field: str, version: str) -> bool:
    return template_field == version or (template_field == "*" and version in VERSIONS)


@cache
def rows(version: str, table: str) -> tuple[RowSpec, ...]:
    """Template rows of one table in printed order (``ext`` gives the extension rows)."""
    sets = _column_sets()
    out = []
    for r in _read("rows.csv"):
        if r["table"] != table or not _applies(r["template"], version):
            continue
        cols = sets.get(r["cols"], tuple(r["cols"].split()))
        out.append(RowSpec(version, table, r["row"], cols, r["label"], tuple(r["aliases"].split("|"))))
    return tuple(out)


@cache
def cols(version: str, table: str) -> tuple[ColSpec, ...]:
    return tuple(
        ColSpec(version, table, r["col"], r["label"], tuple(r["aliases"].split("|")))
        for r in _read("cols.csv")
        if r["table"] == table and _applies(r["template"], version)
    )


@cache
def codes(version: str) -> tuple[str, ...]:
    """Every numeric cell code of a template version, in printed order."""
    return tuple(f"{t}.{r.row}.{c}" for t in TABLES for r in rows(version, t) for c in r.cols)


@cache
def ext_codes() -> tuple[str, ...]:
    """Extension codes: numbers printed outside the template grid (merged rows/columns)."""
    out = [f"requests.{r.row}.{c}" for r in rows("ext", "requests") for c in r.cols]
    out += [f"requests.{r.row}.{EXT_COL}" for r in rows("2021", "requests")]
    out.insert(len(out) - 2, f"requests.{EXT_ROW}.{EXT_COL}")
    return tuple(dict.fromkeys(out))


@cache
def labels(version: str) -> dict[str, tuple[str, str, str]]:
    """code -> (table, row label, column label), for summaries and the data dictionary."""
    out = {}
    for version_ in (version, "ext"):
        for t in TABLES:
            col_labels = {c.col: c.label for c in cols(version_, t)} | {c.col: c.label for c in cols(version, t)}
            for r in rows(version_, t):
                for c in r.cols:
                    out.setdefault(f"{t}.{r.row}.{c}", (t, r.label, col_labels.get(c, c)))
    ext_label = next(c.label for c in cols("ext", "requests") if c.col == EXT_COL)
    for r in rows("2021", "requests") + rows("ext", "requests"):
        out.setdefault(f"requests.{r.row}.{EXT_COL}", ("requests", r.label, ext_label))
    return out


@cache
def data_hash() -> str:
    """Digest of every data file the parser reads: part of the parser version."""
    h = hashlib.sha256()
    for path in sorted(Path(__file__).parent.parent.rglob("data/*.csv")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:12]
