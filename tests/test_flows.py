"""The Prefect flows under ``prefect_test_harness`` (a temporary Prefect server):
backfill over the sample web, no re-parse of unchanged documents, reparse without
network, artifacts, per-host limits, and retries of transient failures only."""

from __future__ import annotations

import json
import os
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import httpx
import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from ogi_testkit.sampleweb.server import SampleWeb
from prefect import flow, task
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
from prefect.testing.utilities import prefect_test_harness

from ogi.orchestrate import flows
from ogi.orchestrate.infra import is_transient, retry_if_transient
from ogi.orchestrate.quality import QUALITY_KEY, RUN_SUMMARY_KEY

AGENCIES = ["lc-sthjj", "lc-gaj"]


@pytest.fixture(scope="module")
def harness():
    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="module")
def web():
    with SampleWeb(port=0, slow_seconds=0.2) as w:
        yield w


def _artifacts(flow_run_id) -> dict[str, object]:
    with get_client(sync_client=True) as client:
        arts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    return {a.key: a for a in arts}


def _summary_table(artifact) -> dict[str, str]:
    import json

    rows = artifact.data if isinstance(artifact.data, list) else json.loads(artifact.data)
    return {r["metric"]: r["value"] for r in rows}


@pytest.fixture(scope="module")
def runs(harness, web, tmp_path_factory):
    """backfill twice (the second finds nothing new), then reparse; shared below."""
    root = tmp_path_factory.mktemp("flows")
    params = {
        "agencies": AGENCIES,
        "years": [2023, 2024],
        "registry": str(web.registry_path),
        "archive": str(root / "archive"),
        "warehouse": str(root / "wh"),
        "delay": 0.0,
    }
    first = flows.backfill(**params, return_state=True)
    second = flows.backfill(**params, return_state=True)
    again = flows.reparse(archive=params["archive"], warehouse=params["warehouse"], return_state=True)
    return root, first, second, again


def test_backfill_loads_the_warehouse(runs):
    root, first, _, _ = runs
    assert first.is_completed(), first.message
    result = first.result()
    assert result["crawl"]["agencies_visited"] == 2
    assert result["crawl"]["reports_new"] >= 4  # two agencies × 2023–2025
    parse = result["parse"]
    # every new report was parsed, and each planned document was either parsed or failed
    assert parse["parsed"] >= result["crawl"]["reports_new"] > 0
    assert parse["planned"] == parse["parsed"] + parse["failed"]
    assert (root / "wh" / "ogi.duckdb").is_file()

    from ogi.load.query import connect

    con = connect(root / "wh")
    reports, unreadable = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE parse_status = 'unreadable') FROM reports"
    ).fetchone()
    assert (reports, unreadable) == (parse["planned"], parse["failed"])  # the counts are the warehouse's
    # one issues log for the flow run, named by it; its parse problems are the failed documents
    log = Path(result["issues_log"])
    assert log == root / "wh" / "runs" / f"{first.state_details.flow_run_id}.jsonl"
    entries = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    assert {e["run_id"] for e in entries} <= {str(first.state_details.flow_run_id)}
    assert len([e for e in entries if e["stage"] == "parse"]) == parse["failed"]
    agencies = {r[0] for r in con.execute("SELECT DISTINCT agency_id FROM reports").fetchall()}
    years = {r[0] for r in con.execute("SELECT DISTINCT year FROM reports WHERE is_record").fetchall()}
    con.close()
    assert agencies == set(AGENCIES)
    assert min(years) >= 2023


def test_unchanged_documents_are_not_parsed_again(runs):
    _, first, second, again = runs
    assert second.is_completed() and again.is_completed()
    assert second.result()["crawl"]["reports_new"] == 0
    assert second.result()["parse"]["planned"] == 0
    assert again.result()["parse"]["planned"] == 0  # reparse: same parser version, all cached
    assert again.result()["crawl"] == {}  # no network
    assert again.result()["reports"] == first.result()["reports"]


def test_every_run_publishes_both_artifacts(runs):
    _, first, second, again = runs
    for state in (first, second, again):
        arts = _artifacts(state.state_details.flow_run_id)
        assert set(arts) >= {RUN_SUMMARY_KEY, QUALITY_KEY}
        assert arts[RUN_SUMMARY_KEY].type == "table"
        assert arts[QUALITY_KEY].type == "markdown"
    table = _summary_table(_artifacts(first.state_details.flow_run_id)[RUN_SUMMARY_KEY])
    for metric in ("agencies visited", "reports new", "reports changed", "documents parsed", "parse failures"):
        assert metric in table
    assert "identity violations" in table
    assert table["agencies visited"] == "2"
    assert int(table["documents parsed"]) == first.result()["parse"]["parsed"]
    md = _artifacts(second.state_details.flow_run_id)[QUALITY_KEY].data
    assert "## Worst agencies" in md and "## New violations" in md and "## Coverage gaps" in md
    # Nothing changed in the second run, so nothing is new.
    assert second.result()["new_identity_violations"] == 0


def test_crawl_creates_shared_host_limits(runs, web):
    from ogi.registry.model import load_registry

    hosts = {h for a in load_registry(web.registry_path) if a.agency_id in AGENCIES for h in a.allowed_hosts}
    with get_client(sync_client=True) as client:
        for host in hosts:
            limit = client.read_global_concurrency_limit_by_name(f"host:{host}")
            assert limit.limit == 1
            assert limit.active_slots == 0  # released after the crawl


def test_transient_classification():
    assert is_transient(BrokenProcessPool("worker killed"))
    assert is_transient(TimeoutError())
    assert is_transient(OSError(16, "Device or resource busy"))
    assert not is_transient(ValueError("bad document"))
    assert not is_transient(KeyError("agency"))
    assert not is_transient(httpx.ConnectError("refused"))  # HTTP retries live in the crawler
    assert not is_transient(FileNotFoundError(2, "gone"))


def test_retries_only_transient_failures(harness):
    calls = {"transient": 0, "bug": 0}

    @task(retries=2, retry_delay_seconds=0, retry_condition_fn=retry_if_transient)
    def flaky() -> str:
        calls["transient"] += 1
        if calls["transient"] == 1:
            raise BrokenProcessPool("worker killed by the OOM killer")
        return "ok"

    @task(retries=2, retry_delay_seconds=0, retry_condition_fn=retry_if_transient)
    def buggy() -> None:
        calls["bug"] += 1
        raise ValueError("a parser bug fails the same way every time")

    @flow
    def probe() -> tuple[str, bool]:
        ok = flaky()
        failed = buggy(return_state=True).is_failed()
        return ok, failed

    assert probe() == ("ok", True)
    assert calls == {"transient": 2, "bug": 1}


def test_flows_are_importable_from_the_repository_folder():
    import importlib
    import sys

    repo = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(repo))
    try:
        for name in ("nightly", "backfill", "reparse"):
            module = importlib.import_module(f"flows.{name}")
            assert getattr(module, name) is getattr(flows, name)
    finally:
        sys.path.remove(str(repo))


def test_the_run_links_the_oversight_report(runs):
    """The nightly run builds the report site and links it from its artifacts."""
    from urllib.parse import unquote, urlparse

    _, first, *_ = runs
    import re

    link = _artifacts(first.state_details.flow_run_id)[flows.REPORT_KEY]
    # Prefect stores a link artifact as markdown: [text](url)
    (url,) = re.findall(r"\]\((file://[^)]+)\)", link.data)
    index = Path(unquote(urlparse(url).path))
    assert index.name == "index.html" and index.is_file()
    assert "监督报告" in index.read_text(encoding="utf-8")
    assert any((index.parent / "agency").glob("*.html"))


def test_backfill_script_runs_as_documented():
    """``python flows/backfill.py`` takes the options of ``ogi backfill``; without the
    required agency it says so instead of failing inside the flow."""
    import subprocess
    import sys

    repo = Path(__file__).resolve().parent.parent
    script = str(repo / "flows" / "backfill.py")
    helped = subprocess.run([sys.executable, script, "--help"], capture_output=True, text=True, timeout=120)
    assert helped.returncode == 0 and "--agency" in helped.stdout and "--year" in helped.stdout
    bare = subprocess.run([sys.executable, script], capture_output=True, text=True, timeout=120)
    assert bare.returncode == 2 and "--agency" in bare.stderr and "Traceback" not in bare.stderr


def test_no_reports_found_reaches_the_run_artifacts(harness, web, tmp_path):
    """An agency whose list was read but whose reports were not found is named in both artifacts."""
    import csv

    with web.registry_path.open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["agency_id"] in ("lc-ybj", "lc-sthjj")]
    for r in rows:
        r["hints"] = ""  # lc-ybj without the hint its assembled endpoint needs
    registry = tmp_path / "registry.csv"
    with registry.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    state = flows.backfill(
        agencies=["lc-ybj", "lc-sthjj"],
        years=[2024],
        registry=str(registry),
        archive=str(tmp_path / "archive"),
        warehouse=str(tmp_path / "wh"),
        delay=0.0,
        return_state=True,
    )
    assert state.is_completed(), state.message
    arts = _artifacts(state.state_details.flow_run_id)
    assert _summary_table(arts[RUN_SUMMARY_KEY])["agencies with no reports found"] == "1"
    md = arts[QUALITY_KEY].data
    assert "## Crawl issues" in md and "| lc-ybj | no_reports_found |" in md


def test_a_parser_crash_fails_the_run_naming_the_document(harness, tmp_path, monkeypatch):
    """A document that crashes the parser is a bug: the other documents are published,
    then the run fails; its state, the parse task's log and the data-quality artifact
    name the document and the exception, and nothing about it is cached."""
    from datetime import UTC, datetime

    import pyarrow as pa
    import pyarrow.parquet as pq
    from ogi_testkit import synthetic_parser
    from ogi_testkit.synthetic_archive import write_synthetic_archive

    from ogi.archive.store import FETCH_LOG_SCHEMA, ArchiveStore
    from ogi.load import plan
    from ogi.load.query import connect

    monkeypatch.setenv("OGI_PARSER", "ogi_testkit.synthetic_parser")  # a setting: pool workers see it
    monkeypatch.setenv(synthetic_parser.VERSION_ENV, "fake-flow")
    archive, wh = tmp_path / "archive", tmp_path / "wh"
    write_synthetic_archive(
        archive, tmp_path / "scratch", reports=60, years=range(2022, 2025), version="fake-flow", p_break=0, p_missing=0
    )
    sha = ArchiveStore(archive).put(b"CRASH bytes")
    url = "http://a000000.example.gov.cn/ndbg/2024-crash.pdf"
    row = {name: None for name in FETCH_LOG_SCHEMA.names} | {
        "run_id": "r-crash",
        "requested_at": datetime(2025, 3, 4, tzinfo=UTC),
        "status": 200,
        "kind": "attachment",
        "url": url,
        "final_url": url,
        "agency_id": "A000000",
        "report_year": 2024,
        "sha256": sha,
        "bytes": 11,
    }
    pq.write_table(pa.Table.from_pylist([row], schema=FETCH_LOG_SCHEMA), archive / "fetch_log" / "r-crash.parquet")

    state = flows.reparse(archive=str(archive), warehouse=str(wh), workers=2, batch_size=25, return_state=True)
    assert state.is_failed()
    assert "crashed the parser" in state.message and sha[:12] in state.message and "ZeroDivisionError" in state.message
    quality = _artifacts(state.state_details.flow_run_id)[QUALITY_KEY].data
    assert "parser failures, bugs in ogi: **1**" in quality and sha[:12] in quality
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=30)  # logs reach the API in the background
    with get_client(sync_client=True) as client:
        from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

        logs = client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[state.state_details.flow_run_id]))
        )
    assert any(sha[:12] in log.message and "parser failure" in log.message for log in logs if log.task_run_id)
    con = connect(wh)
    try:
        published = con.execute("SELECT count(*) FROM reports WHERE parse_status = 'ok'").fetchone()[0]
    finally:
        con.close()
    assert published == 60, "the other documents are published"
    assert [r.sha256 for r in plan(archive, wh)] == [sha], "the crashed document is parsed again next time"
