"""The template's arithmetic identities (勾稽关系), evaluated on an answer key.

The generator uses this to derive ``expected_issues`` from the numbers it actually
prints, rather than from the quirk that was asked for: a quirk can make an identity
unevaluable (a blank operand) and the answer key must say what a correct parser sees.
Blank (None) operands make an instance unevaluable, never a failure.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from ogi_testkit.synth import spec as template

APPLICANTS = ("natural_person", "commercial", "research", "nonprofit", "legal_services", "other_org")
OUTCOME_COLS = ("upheld", "corrected", "other", "pending")

Instance = tuple[str, tuple[str, ...], tuple[str, ...]]  # (check, lhs codes, rhs codes)


def outcome_rows(version: str) -> tuple[str, ...]:
    """Rows （一）…（六） of section 3: between 上年结转 and （七）总计, in printed order."""
    names = [r.row for r in template.rows(version, "requests")]
    return tuple(names[names.index("carried_over") + 1 : names.index("total")])


def instances(version: str, *, legal_merged: bool = False, other_merged: bool = False) -> Iterator[Instance]:
    """Every identity instance of a template version: lhs sum must equal rhs sum.

    A report printing 法人或其他组织 as one column (``legal_merged``) or （六）其他处理 as
    one row in a 2021 report (``other_merged``) states its identities on what it
    printed: the merged column/row (extension codes) stands for its parts."""
    applicants = ("natural_person", template.EXT_COL) if legal_merged else APPLICANTS
    outcomes = outcome_rows(version)
    if other_merged:
        outcomes = (*[r for r in outcomes if not r.startswith("other_")], template.EXT_ROW)
    cols = (*applicants, "total")
    for c in cols:
        yield (
            "requests_balance",
            (f"requests.new_received.{c}", f"requests.carried_over.{c}"),
            (f"requests.total.{c}", f"requests.carried_forward.{c}"),
        )
        yield (
            "requests_total_rows",
            (f"requests.total.{c}",),
            tuple(f"requests.{r}.{c}" for r in outcomes),
        )
    for row in ("new_received", "carried_over", *outcomes, "total", "carried_forward"):
        yield (
            "requests_total_column",
            (f"requests.{row}.total",),
            tuple(f"requests.{row}.{c}" for c in applicants),
        )
    for r in template.rows(version, "review"):
        yield (
            "review_totals",
            (f"review.{r.row}.total",),
            tuple(f"review.{r.row}.{c}" for c in OUTCOME_COLS),
        )


def failures(cells: Mapping[str, int | float | None], version: str, **layout: bool) -> dict[str, list[Instance]]:
    """Identity instances that are evaluable and do not hold, grouped by check name."""
    out: dict[str, list[Instance]] = {}
    for inst in instances(version, **layout):
        check, lhs, rhs = inst
        values = [cells.get(c) for c in (*lhs, *rhs)]
        if any(v is None for v in values):
            continue
        if abs(sum(cells[c] or 0 for c in lhs) - sum(cells[c] or 0 for c in rhs)) > 1e-9:
            out.setdefault(check, []).append(inst)
    return out


def failed_checks(cells: Mapping[str, int | float | None], version: str, **layout: bool) -> set[str]:
    return set(failures(cells, version, **layout))
