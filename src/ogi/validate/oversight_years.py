"""What an OGI office checks across documents: a year's jump and two versions of one report.

``yoy_jump`` compares an agency's headline counts with its previous year's report
of record (following predecessor_id, as carryover_continuity does); a count that
moves by more than ``OversightRules.yoy_factor`` is worth a look but is not an
error (severity info), and counts below ``yoy_minimum`` in both years are ignored
(3 → 12 requests is noise). ``conflicting_versions`` finds an agency-year printed
in two documents (an article page and its attachment, a corrected re-issue) whose
numbers differ where both print one; both stay in the warehouse, and the report of
record rule (metadata.RECORD_RULE) says which one counts.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ogi.validate.checks import catalogue
from ogi.validate.cross_year import previous_record

#: Headline counts compared year on year: requests received and handled, the volume
#: every rate analysts quote is a share of.
YOY_CODES = ("requests.new_received.total", "requests.total.total")


@dataclass(frozen=True)
class OversightRules:
    """Thresholds of the oversight checks and scorecards (ogi.settings: ``OGI_YOY_FACTOR``,
    ``OGI_YOY_MINIMUM``, ``OGI_SMALL_REQUESTS``)."""

    yoy_factor: float = 3.0  # a count more than 3× (or under a third of) last year's
    yoy_minimum: int = 30  # ignored when both years are below this
    small_requests: int = 30  # fewer requests handled: rates flagged, not ranked

    @classmethod
    def from_env(cls) -> OversightRules:
        from ogi.settings import settings

        s = settings()
        return cls(yoy_factor=s.yoy_factor, yoy_minimum=s.yoy_minimum, small_requests=s.small_requests)


def stub_column(code: str) -> str:
    """Name of the report-stub column carrying ``code``'s value for the cross-year checks."""
    return "x__" + code.replace(".", "__")


def cells_digest(values: Mapping[str, Any]) -> str:
    """Digest of the printed numbers of a report: equal digests, equal numbers."""
    printed = sorted((c, float(v)) for c, v in values.items() if v is not None)
    return hashlib.sha256(json.dumps(printed).encode()).hexdigest()[:16]


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _row(check: str, report_id: str | None, agency: str, year: int, codes: list[str], detail: str) -> dict[str, Any]:
    return {
        "report_id": report_id,
        "agency_id": agency,
        "year": year,
        "check_name": check,
        "severity": catalogue()[check]["severity"],
        "codes": codes,
        "detail": detail,
        "origin": "load",
    }


def yoy_jump(
    records: Mapping[tuple[str, int], dict[str, Any]],
    predecessor: Mapping[str, str],
    rules: OversightRules | None = None,
) -> list[dict[str, Any]]:
    """One info issue per headline count that moved by more than the factor."""
    rules = rules or OversightRules.from_env()
    out = []
    for (agency, year), rec in sorted(records.items()):
        prev = previous_record(records, predecessor, agency, year)
        if prev is None:
            continue
        for code in YOY_CODES:
            now, before = rec.get(stub_column(code)), prev.get(stub_column(code))
            if now is None or before is None or max(now, before) < rules.yoy_minimum:
                continue
            low, high = min(now, before), max(now, before)
            if low * rules.yoy_factor >= high:
                continue
            ratio = "from 0" if before == 0 else f"×{now / before:.2f}"
            out.append(
                _row(
                    "yoy_jump",
                    rec["report_id"],
                    agency,
                    year,
                    [code],
                    f"{code} = {_fmt(now)}, {prev['agency_id']} {year - 1} (report {prev['report_id']}) printed "
                    f"{_fmt(before)} ({ratio}; flagged beyond ×{rules.yoy_factor:g} when either year is at least "
                    f"{rules.yoy_minimum})",
                )
            )
    return out


def conflicting_versions(
    stubs: Iterable[dict[str, Any]], read_cells: Callable[[list[str]], dict[str, dict[str, float | None]]]
) -> list[dict[str, Any]]:
    """One warning per agency-year whose parsed documents print different numbers.

    ``read_cells`` returns the cells of the given report ids; it is called only for
    agency-years whose documents' digests differ, so a load reads few cells.
    """
    groups: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for s in stubs:
        if s["year"] is not None and s["template"] is not None:
            groups[(s["agency_id"], s["year"])].append(s)
    suspects = {k: g for k, g in groups.items() if len({s["cells_digest"] for s in g}) > 1}
    if not suspects:
        return []
    cells = read_cells([s["report_id"] for g in suspects.values() for s in g])
    out = []
    for (agency, year), group in sorted(suspects.items()):
        group = sorted(group, key=lambda s: not s["is_record"])  # the record first
        record = group[0]
        mine = cells.get(record["report_id"], {})
        for other in group[1:]:
            theirs = cells.get(other["report_id"], {})
            differ = sorted(
                c for c in mine.keys() & theirs.keys() if None not in (mine[c], theirs[c]) and mine[c] != theirs[c]
            )
            if not differ:
                continue
            shown = "; ".join(f"{c} {_fmt(mine[c])} vs {_fmt(theirs[c])}" for c in differ[:8])  # type: ignore[arg-type]
            more = f" (and {len(differ) - 8} more)" if len(differ) > 8 else ""
            out.append(
                _row(
                    "conflicting_versions",
                    record["report_id"],
                    agency,
                    year,
                    differ,
                    f"{len(differ)} number(s) differ between the report of record {record['report_id']} "
                    f"({record['document_url']}) and {other['report_id']} ({other['document_url']}): "
                    f"{shown}{more}; both are kept, the record rule picks {record['report_id']}",
                )
            )
    return out
