"""One issues log per run, as zavod keeps one: every problem a run met, whatever stage
met it, in ``RUNS/<run_id>.jsonl`` (``OGI_RUNS``, default ``WAREHOUSE/runs``).

A run is one ``ogi crawl``, one ``ogi load`` or one flow run (whose crawl, parse and
load all write to the flow run's log). Each line is one JSON object: ``run_id``,
``at`` (UTC), ``stage`` (crawl, parse or load), ``severity`` (error or warning),
``problem`` (a short name), ``detail`` and what it concerns (``agency_id``, ``url``,
``sha256``, ``status``…). Data findings (a report breaking an identity) are not run
problems: they are the warehouse's ``issues`` table.

Lines are appended with one ``write`` each (O_APPEND), so pool workers of the same run
can log to the same file.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def new_run_id() -> str:
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(3)}"


@dataclass(frozen=True)
class RunLog:
    run_id: str
    path: Path

    @classmethod
    def open(cls, folder: Path | str, run_id: str | None = None) -> RunLog:
        """The log of run ``run_id`` (a new run when None) in ``folder``; the file appears
        with its first problem."""
        run_id = run_id or new_run_id()
        return cls(run_id, Path(folder) / f"{run_id}.jsonl")

    def add(self, stage: str, severity: str, problem: str, detail: str, **context: Any) -> None:
        entry = {
            "run_id": self.run_id,
            "at": datetime.now(UTC).isoformat(),
            "stage": stage,
            "severity": severity,
            "problem": problem,
            "detail": detail,
        } | {k: v for k, v in context.items() if v is not None}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = (json.dumps(entry, ensure_ascii=False, default=str) + "\n").encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)

    def entries(self) -> list[dict[str, Any]]:
        if not self.path.is_file():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line]


def log_crawl(log: RunLog, archive: Path | str, summary: Any) -> int:
    """The problems of one crawl: agencies that failed, and every failed request of its
    fetch log (refused, timed out, HTTP 4xx/5xx; a missing robots.txt is no problem).
    Returns how many were logged."""
    import pyarrow.compute as pc

    from ogi.archive.store import ArchiveStore

    count = 0
    for agency_id, error in (summary.failed_agencies or {}).items():
        log.add("crawl", "error", "agency_failed", str(error), agency_id=agency_id, crawl_run_id=summary.run_id)
        count += 1
    fetches = ArchiveStore(archive).fetch_log()
    if fetches.num_rows == 0:
        return count
    mine = fetches.filter(pc.equal(fetches["run_id"], summary.run_id))
    failed = pc.or_kleene(pc.is_valid(mine["error"]), pc.greater_equal(pc.fill_null(mine["status"], 0), 400))
    no_robots = pc.and_(pc.equal(mine["kind"], "robots"), pc.equal(pc.fill_null(mine["status"], 0), 404))
    failed = pc.and_(failed, pc.invert(no_robots))  # a site without robots.txt allows everything
    for row in mine.filter(failed).to_pylist():
        detail = row["error"] or f"HTTP {row['status']}"
        # A row of kind "issue" is no request but a named crawl issue (no_reports_found, …).
        problem, _, rest = detail.partition(": ") if row["kind"] == "issue" else ("fetch_failed", "", "")
        log.add(
            "crawl",
            "warning",
            problem,
            rest or detail,
            agency_id=row["agency_id"],
            url=row["url"],
            status=row["status"],
            kind=row["kind"],
            crawl_run_id=summary.run_id,
        )
        count += 1
    return count
