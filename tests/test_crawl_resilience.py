"""Crawl resilience on the sample web over real loopback HTTP: a slow host, a killed run.

No timing assertions: the slow host is held by an event until the test releases
it, the kill happens once rows are journaled, and every wait is bounded.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pyarrow.parquet as pq
from ogi_testkit.sampleweb.server import SampleWeb

from ogi.archive.store import FETCH_LOG_SCHEMA, ArchiveStore
from ogi.crawl.runner import _crawl, crawl, new_run_id
from ogi.registry import load_registry
from ogi.settings import CrawlSettings

FAST = CrawlSettings(delay=0.0, retries=1, backoff=0.01, connect_timeout=2, read_timeout=5)
SLOW = "lc-scjgj"


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


def complete(rows: list[dict]) -> list[dict]:
    return [r for r in rows if r["status"] in (200, 304) and r["sha256"] and not r["error"]]


def test_slow_host_never_stalls_the_others(tmp_path):
    with SampleWeb(port=0, slow_seconds=120) as web:
        agencies = load_registry(web.registry_path)
        store = ArchiveStore(tmp_path)
        done: set[str] = set()
        # The slow host must be waited for, not timed out: its read timeout outlasts the hold.
        settings = CrawlSettings(delay=0.0, retries=1, backoff=0.01, connect_timeout=2, read_timeout=150)
        result: dict = {}

        def run() -> None:
            coro = _crawl(agencies, store, new_run_id(), None, settings, lambda a: done.add(a.agency_id))
            result["summary"] = asyncio.run(coro)

        t = threading.Thread(target=run, daemon=True)
        t.start()
        try:
            others = {a.agency_id for a in agencies} - {SLOW}
            wait_for(lambda: others <= done, 90, "every agency but the slow one to finish")
            assert SLOW not in done and t.is_alive()
            assert web.hits_for(SLOW) >= 1  # asked, and still waiting for its answer
            rows = store.fetch_log().to_pylist()  # the running crawl's journal
            assert not [r for r in rows if r["agency_id"] == SLOW]
            # Every other host's reports are archived: all years but the deliberate gaps.
            gaps = {"lc-yjj": set(range(2019, 2026)), "lc-czj": {2019}, "lc-swj": {2021, 2022}}
            for agency in others:
                articles = [r for r in complete(rows) if r["agency_id"] == agency and r["kind"] == "article"]
                assert {r["report_year"] for r in articles} == set(range(2019, 2026)) - gaps.get(agency, set()), agency
            attachments = [r for r in complete(rows) if r["kind"] == "attachment"]
            assert len({r["agency_id"] for r in attachments}) >= 12
            for r in complete(rows):
                assert store.has(r["sha256"])
        finally:
            web.slow_release.set()
            t.join(60)
        assert not t.is_alive()
        summary = result["summary"]
        assert summary.agencies_visited == len(agencies) and not summary.failed_agencies
        rows = [r for r in store.fetch_log().to_pylist() if r["agency_id"] == SLOW]
        assert {r["report_year"] for r in complete(rows) if r["kind"] == "article"} == set(range(2019, 2026))


def run_cli(registry: Path, archive: Path, *args: str) -> subprocess.Popen:
    code = "import sys; from ogi.cli import app; app(sys.argv[1:])"
    cmd = [sys.executable, "-c", code, "crawl", "--registry", str(registry), "--archive", str(archive), *args]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def journal_rows(archive: Path) -> int:
    journals = list((archive / "fetch_log").glob("*.jsonl")) if (archive / "fetch_log").is_dir() else []
    return sum(p.read_bytes().count(b"\n") for p in journals)


def test_interrupted_run_resumes(tmp_path):
    with SampleWeb(port=0, slow_seconds=0.05) as web:
        # Reference: one uninterrupted crawl into a separate archive.
        reference = tmp_path / "reference"
        crawl(web.registry_path, reference, settings=FAST)
        ref_rows = ArchiveStore(reference).fetch_log().to_pylist()
        expected = {r["url"]: r["sha256"] for r in complete(ref_rows) if r["kind"] in ("article", "attachment")}
        assert len(expected) > 150
        hits_before = dict(web.hits)

        # A real `ogi crawl` process, killed once it has journaled part of its work.
        archive = tmp_path / "archive"
        proc = run_cli(web.registry_path, archive, "--delay", "0.1")
        try:
            wait_for(lambda: journal_rows(archive) >= 120 or proc.poll() is not None, 120, "rows in the journal")
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.kill()
            proc.wait(30)
        assert proc.returncode == -signal.SIGKILL, "the crawl finished before it could be killed"
        store = ArchiveStore(archive)
        (journal,) = (archive / "fetch_log").glob("*.jsonl")  # left by the kill, not sealed
        assert not list((archive / "fetch_log").glob("*.parquet"))
        killed = store.fetch_log().to_pylist()  # readable as it is
        assert len(killed) >= 120
        killed_docs = {r["url"]: r["sha256"] for r in complete(killed) if r["kind"] in ("article", "attachment")}
        assert 0 < len(killed_docs) < len(expected)
        # Whatever the kill cut short, every row recorded complete has its whole object.
        for r in complete(killed):
            assert hashlib.sha256(store.read(r["sha256"])).hexdigest() == r["sha256"]

        hits_killed = dict(web.hits)
        resumed = crawl(web.registry_path, archive, settings=FAST)

        # The fetch logs: the killed run's journal sealed into Parquet, both readable.
        files = sorted((archive / "fetch_log").iterdir())
        assert [p.suffix for p in files] == [".parquet", ".parquet"]
        assert journal.with_suffix(".parquet") in files and not journal.exists()
        for f in files:
            assert pq.read_table(f).schema.equals(FETCH_LOG_SCHEMA)
        rows = store.fetch_log().to_pylist()
        assert {r["run_id"] for r in rows} == {journal.stem, resumed.run_id}

        # Complete: every document of the uninterrupted crawl, with the same content.
        archived = {r["url"]: r["sha256"] for r in complete(rows) if r["kind"] in ("article", "attachment")}
        assert archived == expected
        for sha in archived.values():
            assert hashlib.sha256(store.read(sha)).hexdigest() == sha
        for p in (archive / "objects").rglob("*"):
            if p.is_file() and not p.name.startswith(".tmp-"):
                assert hashlib.sha256(p.read_bytes()).hexdigest() == p.name

        # Nothing stored before the kill was asked for again, by the log or by the servers.
        again = [r for r in rows if r["run_id"] == resumed.run_id and r["url"] in killed_docs]
        assert not again
        for url in killed_docs:
            parts = urlsplit(url)
            key = (parts.netloc, parts.path + (f"?{parts.query}" if parts.query else ""))
            assert web.hits[key] - hits_killed.get(key, 0) == 0, url
            assert hits_killed[key] - hits_before.get(key, 0) == 1, url
        assert resumed.documents_downloaded == len(expected) - len(killed_docs)

        # The resumed run finished: it picked up the killed run for every agency whose list
        # answered (the 500 host stays pending), so the next run has nothing left to pick up.
        (picked_up,) = store.unresumed().values()
        assert {a.agency_id for a in load_registry(web.registry_path)} - picked_up == {"lc-yjj"}
        nightly = crawl(web.registry_path, archive, settings=FAST)
        assert nightly.documents_downloaded == 0 and nightly.requests < 0.3 * resumed.requests
