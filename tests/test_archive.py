"""Archive: content-addressed objects, journaled fetch log sealed into Parquet."""

import hashlib

import pyarrow.parquet as pq
import pytest

from ogi.archive.store import FETCH_LOG_SCHEMA, ArchiveStore, FetchLogWriter

COLUMNS = [
    "run_id", "requested_at", "url", "final_url", "kind", "parent_url", "link_title", "agency_id",
    "report_year", "status", "content_type", "bytes", "sha256", "etag", "last_modified", "error",
    "method", "request_body",
]  # fmt: skip


def test_objects_by_sha(tmp_path):
    store = ArchiveStore(tmp_path)
    sha = store.put(b"hello")
    assert sha == hashlib.sha256(b"hello").hexdigest()
    assert store.path_for(sha) == tmp_path / "objects" / sha[:2] / sha
    assert store.has(sha) and store.read(sha) == b"hello"
    assert store.put(b"hello") == sha
    with pytest.raises(ValueError):
        store.path_for("../../etc/passwd")
    with pytest.raises(FileNotFoundError, match="not in archive"):
        store.read("0" * 64)


def test_schema_is_the_contract():
    assert FETCH_LOG_SCHEMA.names == COLUMNS


def test_journal_sealed_and_killed_run_recovered(tmp_path):
    store = ArchiveStore(tmp_path)
    w = FetchLogWriter(store, "run-a")
    w.write(url="http://a/", final_url="http://a/", kind="list", status=200, report_year=2024)
    assert w.close() == tmp_path / "fetch_log" / "run-a.parquet"
    assert pq.read_table(tmp_path / "fetch_log" / "run-a.parquet").schema.names == COLUMNS

    killed = FetchLogWriter(store, "run-b")
    killed.write(url="http://b/", kind="article", status=200)
    killed._f.write(b'{"url": "http://c/", "ki')  # a line cut by the kill
    killed._f.flush()
    assert store.fetch_log().num_rows == 2  # readable before sealing
    store.seal_journals()
    assert not list((tmp_path / "fetch_log").glob("*.jsonl"))
    t = store.fetch_log()
    assert t.schema == FETCH_LOG_SCHEMA and sorted(t.column("url").to_pylist()) == ["http://a/", "http://b/"]
    with pytest.raises(ValueError, match="kind"):
        FetchLogWriter(store, "run-c").write(url="x", kind="bogus")


def test_interrupted_runs_until_resumed(tmp_path):
    store = ArchiveStore(tmp_path)
    killed = FetchLogWriter(store, "run-a")
    killed.write(url="http://a/", kind="article", status=200, agency_id="x")
    killed._f.close()
    store.seal_journals()
    assert store.unresumed() == {"run-a": None}
    assert pq.read_table(tmp_path / "fetch_log" / "run-a.parquet").schema.equals(FETCH_LOG_SCHEMA)

    ended_by_error = FetchLogWriter(store, "run-b")
    ended_by_error.close(finished=False)
    assert store.unresumed() == {"run-a": None, "run-b": None}

    partial = FetchLogWriter(store, "run-c")
    partial.close(resumes=["run-a", "run-b"], agencies=["x"])
    assert store.unresumed() == {"run-a": {"x"}, "run-b": {"x"}}

    FetchLogWriter(store, "run-d").close(resumes=["run-a", "run-b"], agencies=None)
    assert store.unresumed() == {}
    assert store.fetch_log().num_rows == 1
