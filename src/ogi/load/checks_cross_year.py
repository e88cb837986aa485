"""Checks that need more than one document: carryover_continuity and missing_report.

Per-report identities come from the parser; these two compare reports of record
across years (following predecessor_id when an agency was renamed or merged) and
the registry's expectations against what the archive holds. year_mismatch is
decided per document while its tables are built (tables.build_bucket).
"""

from __future__ import annotations

import csv
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import ogi.validate

APPLICANTS = ("natural_person", "commercial", "research", "nonprofit", "legal_services", "other_org", "total")


@cache
def severity(check: str) -> str:
    """Severity of a check as checks.csv (the contract) gives it."""
    path = Path(ogi.validate.__file__).parent / "data" / "checks.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        table = {row["check"]: row["severity"] for row in csv.DictReader(fh)}
    if check not in table:
        raise KeyError(f"{path}: no check named {check!r}")
    return table[check]


def last_complete_year(as_of: date) -> int:
    """Latest report year whose deadline (31 January of the next year) has passed."""
    return as_of.year - 1 if as_of >= date(as_of.year, 2, 1) else as_of.year - 2


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _previous(
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


def carryover_issues(
    records: dict[tuple[str, int], dict[str, Any]], predecessor: dict[str, str]
) -> list[dict[str, Any]]:
    """This year's 上年结转 must equal last year's 结转下年度, per applicant column."""
    out = []
    for (agency, year), rec in sorted(records.items()):
        if rec["template"] is None:
            continue
        prev = _previous(records, predecessor, agency, year)
        if prev is None or prev["template"] is None:
            continue
        for col in APPLICANTS:
            now, before = rec[f"co_{col}"], prev[f"cf_{col}"]
            if now is None or before is None or now == before:
                continue
            out.append(
                {
                    "report_id": rec["report_id"],
                    "agency_id": agency,
                    "year": year,
                    "check_name": "carryover_continuity",
                    "severity": severity("carryover_continuity"),
                    "codes": [f"requests.carried_over.{col}"],
                    "detail": (
                        f"requests.carried_over.{col} = {_number(now)}, but {prev['agency_id']} {year - 1} "
                        f"(report {prev['report_id']}) requests.carried_forward.{col} = {_number(before)}; "
                        f"difference {_number(now - before)}"
                    ),
                    "origin": "load",
                }
            )
    return out


def missing_issues(
    registry: list[dict[str, Any]], present: set[tuple[str, int]], last_year: int
) -> list[dict[str, Any]]:
    """Registry agency × year from first_year to the last complete year with no document."""
    out = []
    for agency in registry:
        for year in range(agency["first_year"], last_year + 1):
            if (agency["agency_id"], year) in present:
                continue
            out.append(
                {
                    "report_id": None,
                    "agency_id": agency["agency_id"],
                    "year": year,
                    "check_name": "missing_report",
                    "severity": severity("missing_report"),
                    "codes": [],
                    "detail": f"{agency['name'] or agency['agency_id']}: no report archived for {year}",
                    "origin": "load",
                }
            )
    return out


def cross_document_issues(
    stubs: list[dict[str, Any]], registry: list[dict[str, Any]], as_of: date
) -> list[dict[str, Any]]:
    """All cross-document issues of a load; ``stubs`` are report rows with is_record set."""
    records = {(s["agency_id"], s["year"]): s for s in stubs if s["is_record"]}
    predecessor = {a["agency_id"]: a["predecessor_id"] for a in registry if a.get("predecessor_id")}
    present = {(s["agency_id"], s["year"]) for s in stubs if s["year"] is not None}
    return carryover_issues(records, predecessor) + missing_issues(registry, present, last_complete_year(as_of))
