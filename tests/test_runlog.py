"""The per-run issues log: crawl problems come from the run's own fetch-log rows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ogi.archive.store import FETCH_LOG_SCHEMA
from ogi.crawl.runner import CrawlSummary
from ogi.runlog import RunLog, log_crawl


def _fetch_log(archive: Path, run_id: str, rows: list[dict]) -> None:
    full = [
        {n: None for n in FETCH_LOG_SCHEMA.names}
        | {"run_id": run_id, "requested_at": datetime(2025, 3, 1, tzinfo=UTC), "kind": "article"}
        | r
        for r in rows
    ]
    (archive / "fetch_log").mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(full, schema=FETCH_LOG_SCHEMA), archive / "fetch_log" / f"{run_id}.parquet")


def test_crawl_problems_of_this_run_only(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    _fetch_log(archive, "old", [{"url": "http://a.gov.cn/x", "status": 500, "agency_id": "a"}])
    _fetch_log(
        archive,
        "new",
        [
            {"url": "http://a.gov.cn/ok", "status": 200, "agency_id": "a", "sha256": "0" * 64},
            {"url": "http://a.gov.cn/robots.txt", "status": 404, "agency_id": "a", "kind": "robots"},
            {"url": "http://a.gov.cn/gone", "status": 404, "agency_id": "a"},
            {"url": "http://b.gov.cn/slow", "error": "ReadTimeout", "agency_id": "b", "kind": "list"},
        ],
    )
    log = RunLog.open(tmp_path / "runs", "flow-1")
    summary = CrawlSummary(run_id="new", failed_agencies={"c": "robots.txt: connection refused"})
    assert log_crawl(log, archive, summary) == 3
    entries = log.entries()
    assert {e["run_id"] for e in entries} == {"flow-1"} and {e["crawl_run_id"] for e in entries} == {"new"}
    assert [(e["problem"], e.get("agency_id"), e.get("url"), e["detail"]) for e in entries] == [
        ("agency_failed", "c", None, "robots.txt: connection refused"),
        ("fetch_failed", "a", "http://a.gov.cn/gone", "HTTP 404"),
        ("fetch_failed", "b", "http://b.gov.cn/slow", "ReadTimeout"),
    ]


def test_one_log_per_run(tmp_path: Path) -> None:
    first, second = RunLog.open(tmp_path), RunLog.open(tmp_path)
    first.add("load", "error", "load_failed", "boom")
    assert first.path != second.path and second.entries() == []
    assert [e["problem"] for e in first.entries()] == ["load_failed"]
