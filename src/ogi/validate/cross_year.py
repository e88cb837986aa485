"""Agency-level checks, which need more than one document: carryover_continuity and
missing_report.

Per-report identities come from the parse; these two compare reports of record
across years (following predecessor_id when an agency was renamed or merged) and
the registry's expectations against what the archive holds. The load calls them
once per build with the report rows it has just written.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ogi.validate.checks import Issue
from ogi.validate.identities import APPLICANT_COLUMNS


def last_complete_year(as_of: date) -> int:
    """Latest report year whose deadline (31 January of the next year) has passed."""
    return as_of.year - 1 if as_of >= date(as_of.year, 2, 1) else as_of.year - 2


def _printed(x: float) -> str:
    """A printed number in full (these are single cells, not sums with float noise)."""
    return str(int(x)) if float(x).is_integer() else str(x)


def previous_record(
    records: dict[tuple[str, int], dict[str, Any]], predecessor: dict[str, str], agency: str, year: int
) -> dict[str, Any] | None:
    """Last year's report of record of the agency, else of its predecessor chain."""
    seen = set()
    while agency and agency not in seen:
        seen.add(agency)
        found = records.get((agency, year - 1))
        if found is not None:
            return found
        agency = predecessor.get(agency)
    return None


def carryover_continuity(records: dict[tuple[str, int], dict[str, Any]], predecessor: dict[str, str]) -> list[Issue]:
    """This year's 上年结转 must equal last year's 结转下年度, per applicant column.

    ``records`` maps (agency, year) to its report of record, with ``co_<col>`` (上年结转)
    and ``cf_<col>`` (结转下年度) for every column of :data:`APPLICANT_COLUMNS`.
    """
    out = []
    for (agency, year), rec in sorted(records.items()):
        if rec["template"] is None:
            continue
        prev = previous_record(records, predecessor, agency, year)
        if prev is None or prev["template"] is None:
            continue
        for col in APPLICANT_COLUMNS:
            now, before = rec[f"co_{col}"], prev[f"cf_{col}"]
            if now is None or before is None or now == before:
                continue
            detail = (
                f"requests.carried_over.{col} = {_printed(now)}, but {prev['agency_id']} {year - 1} "
                f"(report {prev['report_id']}) requests.carried_forward.{col} = {_printed(before)}; "
                f"difference {_printed(now - before)}"
            )
            out.append(
                Issue(
                    "carryover_continuity",
                    detail,
                    [f"requests.carried_over.{col}"],
                    report_id=rec["report_id"],
                    agency_id=agency,
                    year=year,
                )
            )
    return out


def missing_report(registry: list[dict[str, Any]], present: set[tuple[str, int]], last_year: int) -> list[Issue]:
    """Registry agency × year from first_year to the last complete year with no document."""
    out = []
    for agency in registry:
        for year in range(agency["first_year"], last_year + 1):
            if (agency["agency_id"], year) in present:
                continue
            detail = f"{agency['name'] or agency['agency_id']}: no report archived for {year}"
            out.append(Issue("missing_report", detail, agency_id=agency["agency_id"], year=year))
    return out


def cross_document_issues(stubs: list[dict[str, Any]], registry: list[dict[str, Any]], as_of: date) -> list[Issue]:
    """All agency-level issues of a load; ``stubs`` are report rows with is_record set."""
    records = {(s["agency_id"], s["year"]): s for s in stubs if s["is_record"]}
    predecessor = {a["agency_id"]: a["predecessor_id"] for a in registry if a.get("predecessor_id")}
    present = {(s["agency_id"], s["year"]) for s in stubs if s["year"] is not None}
    return carryover_continuity(records, predecessor) + missing_report(registry, present, last_complete_year(as_of))
