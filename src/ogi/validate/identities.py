"""The format's own arithmetic (勾稽关系), checked on the numbers as printed.

An identity instance with a blank operand says nothing either way: it is reported
as unevaluable, never evaluated with the blank read as zero. A failing identity
is recorded with its difference; the printed numbers are never changed.

The instances (which cells must add up to which) depend only on the template
version and on how the author printed two optional merges (法人或其他组织 as one
column; （六）其他处理 as one row in a 2021 report): :func:`instances` lists them for
a :class:`Layout`, and both the Python check below and the SQL views of
:mod:`ogi.validate.sql` are built from that one list.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from ogi.parse import template as T
from ogi.validate.checks import Issue

#: The format's own arithmetic, checked within one report (names from checks.csv).
REPORT_IDENTITIES = ("requests_balance", "requests_total_rows", "requests_total_column", "review_totals")
#: The same plus the cross-year check the warehouse runs per agency.
IDENTITY_CHECKS = (*REPORT_IDENTITIES, "carryover_continuity")

#: The requests table's columns as the template prints them: six applicant types, then 总计.
APPLICANT_COLUMNS = T.column_set("applicants")
#: The six applicant types (总计 excluded): what 总计 is the sum of.
APPLICANTS = tuple(c for c in APPLICANT_COLUMNS if c != "total")
#: Results of a review or lawsuit that add up to its 总计.
REVIEW_PARTS = tuple(c for c in T.column_set("outcomes") if c != "total")
#: Applicant columns that 法人或其他组织, printed as one column, stands for.
LEGAL_ENTITY_PARTS = APPLICANTS[1:]
OUTCOME_PREFIXES = ("granted", "partially_granted", "denied_", "unable_", "not_processed_", "other_")
TOLERANCE = 1e-6

Number = int | float | None


@dataclass(frozen=True)
class Layout:
    """How one report printed the requests table: the template, and which merges it used."""

    version: str
    legal_merged: bool = False  # 法人或其他组织 as one column
    other_merged: bool = False  # （六）其他处理 as one row in a 2021 report

    def applicants(self) -> list[str]:
        return ["natural_person", T.EXT_COL] if self.legal_merged else list(APPLICANTS)

    def outcomes(self) -> list[str]:
        rows = [r.row for r in T.rows(self.version, "requests") if r.row.startswith(OUTCOME_PREFIXES)]
        if self.other_merged:
            rows = [r for r in rows if not r.startswith("other_")] + [T.EXT_ROW]
        return rows


@dataclass(frozen=True)
class Instance:
    """One equation of one identity: the cells ``left`` must add up to the cells ``right``."""

    check: str
    where: str
    left: tuple[str, ...]
    right: tuple[str, ...]


def layout_of(cells: Mapping[str, Number], version: str) -> Layout:
    """The layout a report's cells show (merged forms carry numbers under extension codes)."""
    legal = any(k.endswith(f".{T.EXT_COL}") and v is not None for k, v in cells.items())
    legal_merged = legal and all(cells.get(f"requests.new_received.{c}") is None for c in LEGAL_ENTITY_PARTS)
    other_merged = False
    if version == "2021":
        applicants = Layout(version, legal_merged).applicants()
        merged = any(cells.get(f"requests.{T.EXT_ROW}.{c}") is not None for c in [*applicants, "total"])
        subrows = [r.row for r in T.rows(version, "requests") if r.row.startswith("other_")]
        other_merged = merged and all(cells.get(f"requests.{r}.total") is None for r in subrows)
    return Layout(version, legal_merged, other_merged)


def layouts() -> Iterator[Layout]:
    """Every layout a report can have (what the SQL views are generated for)."""
    for version in T.VERSIONS:
        for legal in (False, True):
            for other in (False, True) if version == "2021" else (False,):
                yield Layout(version, legal, other)


def instances(layout: Layout) -> list[Instance]:
    """Every identity equation of a layout, in the order the issues are reported."""
    applicants, outcomes = layout.applicants(), layout.outcomes()
    out = []
    for col in [*applicants, "total"]:
        out.append(
            Instance(
                "requests_balance",
                f"column {col}: 新收 + 上年结转 vs （七）总计 + 结转下年度",
                (f"requests.new_received.{col}", f"requests.carried_over.{col}"),
                (f"requests.total.{col}", f"requests.carried_forward.{col}"),
            )
        )
        out.append(
            Instance(
                "requests_total_rows",
                f"column {col}: sum of outcome rows vs （七）总计",
                tuple(f"requests.{r}.{col}" for r in outcomes),
                (f"requests.total.{col}",),
            )
        )
    for row in ["new_received", "carried_over", *outcomes, "total", "carried_forward"]:
        out.append(
            Instance(
                "requests_total_column",
                f"row {row}: sum of applicant columns vs 总计",
                tuple(f"requests.{row}.{c}" for c in applicants),
                (f"requests.{row}.total",),
            )
        )
    for spec in T.rows(layout.version, "review"):
        out.append(
            Instance(
                "review_totals",
                f"row {spec.row}: 维持 + 纠正 + 其他 + 尚未审结 vs 总计",
                tuple(f"review.{spec.row}.{p}" for p in REVIEW_PARTS),
                (f"review.{spec.row}.total",),
            )
        )
    return out


def format_number(x: float) -> str:
    """A number as a report would print it: integers without a decimal point."""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def check_identities(cells: Mapping[str, Number], version: str) -> list[Issue]:
    """Errors for every violated identity instance, then one warning per identity with
    instances that a blank operand left unevaluated."""
    issues: list[Issue] = []
    unevaluable: dict[str, list[str]] = {}
    for inst in instances(layout_of(cells, version)):
        codes = [*inst.left, *inst.right]
        missing = [c for c in codes if cells.get(c) is None]
        if missing:
            unevaluable.setdefault(inst.check, []).append(f"{inst.where} (blank: {', '.join(missing)})")
            continue
        lsum = sum(float(cells[c]) for c in inst.left)  # type: ignore[arg-type]
        rsum = sum(float(cells[c]) for c in inst.right)  # type: ignore[arg-type]
        if not math.isclose(lsum, rsum, abs_tol=TOLERANCE):
            detail = (
                f"{inst.where}: {format_number(lsum)} ≠ {format_number(rsum)} (difference {format_number(lsum - rsum)})"
            )
            issues.append(Issue(inst.check, detail, codes))
    for check, where in unevaluable.items():
        detail = f"{check}: {len(where)} instance(s) not evaluated: " + "; ".join(where)
        issues.append(Issue("identity_unevaluable", detail, [check]))
    return issues


def check_negative(cells: Mapping[str, Number]) -> list[Issue]:
    """Counts and amounts cannot be negative; the 2019 format's 本年增/减 can."""
    bad = [c for c, v in cells.items() if v is not None and v < 0 and not c.endswith(".change")]
    if not bad:
        return []
    return [Issue("negative_value", "printed below zero: " + ", ".join(f"{c}={cells[c]}" for c in bad), bad)]
