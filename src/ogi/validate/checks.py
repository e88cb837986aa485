"""The one issue type and the catalogue of named checks (data/checks.csv).

A check name that is not in the catalogue is a programming error (KeyError), so
every issue in the parse output and the warehouse has a documented name, severity
and scope.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"
CATALOGUE = DATA / "checks.csv"


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """check name → its row of checks.csv (check, severity, scope, meaning)."""
    with CATALOGUE.open(encoding="utf-8", newline="") as fh:
        return {r["check"]: r for r in csv.DictReader(fh)}


def _entry(check: str) -> dict[str, str]:
    known = catalogue()
    if check not in known:
        raise KeyError(f"unknown check name {check!r}: add it to {CATALOGUE}")
    return known[check]


def severity(check: str) -> str:
    """Severity of a check as the catalogue gives it."""
    return _entry(check)["severity"]


def checks_of_scope(scope: str) -> tuple[str, ...]:
    """Names of the checks of one scope (document, report or agency), in catalogue order."""
    return tuple(name for name, row in catalogue().items() if row["scope"] == scope)


@dataclass
class Issue:
    """One fired check. ``report_id``/``agency_id``/``year`` are set by checks that look
    beyond one document (the warehouse needs them); a parse leaves them empty."""

    check: str
    detail: str
    codes: list[str] = field(default_factory=list)
    severity: str = ""
    report_id: str | None = None
    agency_id: str | None = None
    year: int | None = None

    def __post_init__(self) -> None:
        self.severity = self.severity or severity(self.check)

    def to_json(self) -> dict[str, Any]:
        """The issue as the parse contract prints it."""
        return {"check": self.check, "severity": self.severity, "detail": self.detail, "codes": self.codes}

    def to_row(self, origin: str) -> dict[str, Any]:
        """The issue as a row of the warehouse's ``issues`` table."""
        return {
            "report_id": self.report_id,
            "agency_id": self.agency_id,
            "year": self.year,
            "check_name": self.check,
            "severity": self.severity,
            "codes": list(self.codes),
            "detail": self.detail,
            "origin": origin,
        }
