"""The format's own arithmetic (勾稽关系), checked on the numbers as printed.

An identity instance with a blank operand says nothing either way: it is reported
as unevaluable, never evaluated with the blank read as zero. A failing identity
is recorded with its difference; the printed numbers are never changed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from ogi.parse import template as T
from ogi.validate.checks import Issue

#: The format's own arithmetic, checked within one report (names from checks.csv).
REPORT_IDENTITIES = ("requests_balance", "requests_total_rows", "requests_total_column", "review_totals")
#: The same plus the cross-year check the warehouse runs per agency.
IDENTITY_CHECKS = (*REPORT_IDENTITIES, "carryover_continuity")

APPLICANTS = ("natural_person", "commercial", "research", "nonprofit", "legal_services", "other_org")
REVIEW_PARTS = ("upheld", "corrected", "other", "pending")
OUTCOME_PREFIXES = ("granted", "partially_granted", "denied_", "unable_", "not_processed_", "other_")
TOLERANCE = 1e-6

Number = int | float | None


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


class _Checker:
    def __init__(self, cells: Mapping[str, Number]):
        self.cells = cells
        self.issues: list[Issue] = []
        self.unevaluable: dict[str, list[str]] = {}

    def equal(self, check: str, where: str, left: list[str], right: list[str]) -> None:
        codes = left + right
        missing = [c for c in codes if self.cells.get(c) is None]
        if missing:
            self.unevaluable.setdefault(check, []).append(f"{where} (blank: {', '.join(missing)})")
            return
        lsum = sum(float(self.cells[c]) for c in left)  # type: ignore[arg-type]
        rsum = sum(float(self.cells[c]) for c in right)  # type: ignore[arg-type]
        if not math.isclose(lsum, rsum, abs_tol=TOLERANCE):
            self.issues.append(
                Issue(check, f"{where}: {_fmt(lsum)} ≠ {_fmt(rsum)} (difference {_fmt(lsum - rsum)})", codes)
            )


def _requests_layout(cells: Mapping[str, Number], version: str) -> tuple[list[str], list[str]]:
    """Applicant columns and outcome rows as printed (merged forms use extension codes)."""
    applicants = list(APPLICANTS)
    subs = ("commercial", "research", "nonprofit", "legal_services", "other_org")
    legal = [k for k in cells if k.endswith(f".{T.EXT_COL}") and cells[k] is not None]
    if legal and all(cells.get(f"requests.new_received.{c}") is None for c in subs):
        applicants = ["natural_person", T.EXT_COL]
    rows = [r.row for r in T.rows(version, "requests") if r.row.startswith(OUTCOME_PREFIXES)]
    if version == "2021":
        merged = any(cells.get(f"requests.{T.EXT_ROW}.{c}") is not None for c in [*applicants, "total"])
        subrows = [r for r in rows if r.startswith("other_")]
        if merged and all(cells.get(f"requests.{r}.total") is None for r in subrows):
            rows = [r for r in rows if r not in subrows] + [T.EXT_ROW]
    return applicants, rows


def check_identities(cells: Mapping[str, Number], version: str) -> list[Issue]:
    chk = _Checker(cells)
    applicants, outcomes = _requests_layout(cells, version)
    all_rows = ["new_received", "carried_over", *outcomes, "total", "carried_forward"]
    for col in [*applicants, "total"]:
        chk.equal(
            "requests_balance",
            f"column {col}: 新收 + 上年结转 vs （七）总计 + 结转下年度",
            [f"requests.new_received.{col}", f"requests.carried_over.{col}"],
            [f"requests.total.{col}", f"requests.carried_forward.{col}"],
        )
        chk.equal(
            "requests_total_rows",
            f"column {col}: sum of outcome rows vs （七）总计",
            [f"requests.{r}.{col}" for r in outcomes],
            [f"requests.total.{col}"],
        )
    for row in all_rows:
        chk.equal(
            "requests_total_column",
            f"row {row}: sum of applicant columns vs 总计",
            [f"requests.{row}.{c}" for c in applicants],
            [f"requests.{row}.total"],
        )
    for spec in T.rows(version, "review"):
        chk.equal(
            "review_totals",
            f"row {spec.row}: 维持 + 纠正 + 其他 + 尚未审结 vs 总计",
            [f"review.{spec.row}.{p}" for p in REVIEW_PARTS],
            [f"review.{spec.row}.total"],
        )
    for check, where in chk.unevaluable.items():
        chk.issues.append(
            Issue(
                "identity_unevaluable",
                f"{check}: {len(where)} instance(s) not evaluated: " + "; ".join(where),
                [check],
            )
        )
    return chk.issues


def check_negative(cells: Mapping[str, Number]) -> list[Issue]:
    """Counts and amounts cannot be negative; the 2019 format's 本年增/减 can."""
    bad = [c for c, v in cells.items() if v is not None and v < 0 and not c.endswith(".change")]
    if not bad:
        return []
    return [Issue("negative_value", "printed below zero: " + ", ".join(f"{c}={cells[c]}" for c in bad), bad)]
