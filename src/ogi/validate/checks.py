"""Named data checks (names, severities and meanings live in data/checks.csv)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data"


@cache
def catalogue() -> dict[str, dict[str, str]]:
    with (DATA / "checks.csv").open(encoding="utf-8") as fh:
        return {r["check"]: r for r in csv.DictReader(fh)}


@dataclass
class Issue:
    check: str
    detail: str
    codes: list[str] = field(default_factory=list)
    severity: str = ""

    def __post_init__(self) -> None:
        known = catalogue()
        if self.check not in known:
            raise KeyError(f"unknown check name {self.check!r}: add it to {DATA / 'checks.csv'}")
        self.severity = self.severity or known[self.check]["severity"]

    def to_json(self) -> dict:
        return {"check": self.check, "severity": self.severity, "detail": self.detail, "codes": self.codes}
