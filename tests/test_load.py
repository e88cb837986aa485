"""The warehouse on small synthetic archives: tables, records, checks, idempotence, crashes.

The parser is replaced by a stand-in (``OGI_PARSER=ogi_testkit.synthetic_parser``) that
reads the archived bytes as the parse result they encode (ogi_testkit.synthetic_archive
writes documents that way), so these tests
pin the warehouse's behaviour independently of parsing accuracy; the real parser
on real documents is exercised in test_load_corpus.py.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from ogi_testkit import synthetic_parser
from ogi_testkit.synthetic_archive import write_synthetic_archive

from ogi import metadata
from ogi.archive.store import FETCH_LOG_SCHEMA, ArchiveStore
from ogi.load import build_duckdb, load, parse_batch, plan, write_tables
from ogi.load import tables as tables_mod
from ogi.parse import template
from ogi.runlog import RunLog
from ogi.validate.warehouse import KeyViolation, key_violations

AS_OF = date(2025, 3, 1)  # last complete year 2024
YEARS = range(2019, 2025)
VERSION = "fake-1"


def use_synthetic_parser(monkeypatch: pytest.MonkeyPatch, version: str = VERSION) -> None:
    """Parse with the synthetic archive's stand-in (a setting, so pool workers see it too)."""
    monkeypatch.setenv("OGI_PARSER", "ogi_testkit.synthetic_parser")
    monkeypatch.setenv(synthetic_parser.VERSION_ENV, version)


@pytest.fixture
def fake_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    use_synthetic_parser(monkeypatch)


@pytest.fixture
def archive(tmp_path: Path, fake_parser: None) -> Path:
    """6 agencies × 2019–2024, written without a parse cache so the load parses everything."""
    arch = tmp_path / "archive"
    scratch = tmp_path / "scratch-cache"
    write_synthetic_archive(arch, scratch, reports=36, years=YEARS, version=VERSION, p_break=0.0, p_missing=0.0)
    return arch


def _con(warehouse: Path) -> duckdb.DuckDBPyConnection:
    from ogi.load.query import connect

    return connect(warehouse)


def _one(warehouse: Path, sql: str):
    con = _con(warehouse)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def _add_run(archive: Path, run_id: str, rows: list[dict], when: datetime) -> None:
    full = [
        {name: None for name in FETCH_LOG_SCHEMA.names}
        | {"run_id": run_id, "requested_at": when, "status": 200, "kind": "article"}
        | row
        for row in rows
    ]
    for row in full:
        row["final_url"] = row["final_url"] or row["url"]
    pq.write_table(pa.Table.from_pylist(full, schema=FETCH_LOG_SCHEMA), archive / "fetch_log" / f"{run_id}.parquet")


def _report(archive: Path, warehouse: Path, agency: str, year: int) -> dict:
    con = _con(warehouse)
    try:
        rel = con.execute("SELECT * FROM reports WHERE agency_id = ? AND year = ? AND is_record", [agency, year])
        cols = [d[0] for d in rel.description]
        return dict(zip(cols, rel.fetchone(), strict=True))
    finally:
        con.close()


def _document(archive: Path, sha: str) -> dict:
    return json.loads(ArchiveStore(archive).read(sha))


def test_load_builds_every_table_and_view(archive: Path, tmp_path: Path) -> None:
    wh = tmp_path / "wh"
    summary = load(archive, wh, workers=1, as_of=AS_OF)
    assert summary.parsed == 36 and summary.reports == 36 and summary.records == 36
    assert _one(wh, "SELECT count(*) FROM reports") == 36
    n2019 = len(template.codes("2019"))
    n2021 = len(template.codes("2021"))
    assert _one(wh, "SELECT count(*) FROM cells") == 6 * (2 * n2019 + 4 * n2021)
    assert _one(wh, "SELECT count(*) FROM (SELECT report_id, code FROM cells GROUP BY ALL HAVING count(*) > 1)") == 0
    assert _one(wh, "SELECT count(*) FROM sections") == 36 * 6
    assert _one(wh, "SELECT count(*) FROM agencies WHERE in_registry") == 6
    assert _one(wh, "SELECT count(*) FROM documents") == 36
    for view in ("report_requests", "report_active", "report_review", "record_reports"):
        assert _one(wh, f"SELECT count(*) FROM {view}") == 36
    assert _one(wh, "SELECT count(*) FROM coverage") == 36
    assert _one(wh, "SELECT count(*) FROM coverage WHERE clean") == 36
    assert _one(wh, "SELECT count(*) FROM issues") == 0  # consistent synthetic data: no check fires
    # numbers arrive as printed
    rep = _report(archive, wh, "A000002", 2022)
    doc = _document(archive, rep["document_sha256"])
    got = _one(
        wh,
        f"SELECT granted__total FROM report_requests WHERE report_id = '{rep['report_id']}'",
    )
    assert got == doc["cells"]["requests.granted.total"]
    assert rep["template"] == "2021" and rep["parse_status"] == "ok" and rep["parser_version"] == VERSION
    # harmonized: 2021 sub-rows sum into the 2019 row
    h = _one(
        wh,
        "SELECT value FROM requests_harmonized WHERE report_id = "
        f"'{rep['report_id']}' AND outcome = 'other_handling' AND applicant = 'total'",
    )
    parts = ("other_no_correction", "other_unpaid_fee", "other_misc")
    assert h == sum(doc["cells"][f"requests.{p}.total"] for p in parts)
    con = _con(wh)
    try:
        assert key_violations(con) == {}  # every declared primary and foreign key holds
    finally:
        con.close()


def test_a_build_breaking_a_key_keeps_the_previous_database(archive: Path, tmp_path: Path, monkeypatch) -> None:
    wh = tmp_path / "wh"
    load(archive, wh, workers=1, as_of=AS_OF)
    before = _one(wh, "SELECT count(*) FROM cells")
    real = tables_mod._codes
    monkeypatch.setattr(tables_mod, "_codes", lambda: real().slice(1))  # one code missing from the dictionary
    tables_mod.write_tables(archive, wh, workers=1, as_of=AS_OF)
    with pytest.raises(KeyViolation, match=r"cells \(code\) → codes \(code\)"):
        build_duckdb(wh)
    assert _one(wh, "SELECT count(*) FROM cells") == before  # the old database, on its own snapshot


def test_parquet_files_follow_metadata_and_partitions(archive: Path, tmp_path: Path) -> None:
    wh = tmp_path / "wh"
    load(archive, wh, workers=1, as_of=AS_OF)
    snap = tables_mod.current_snapshot(wh)
    for table in metadata.CORE:
        files = sorted((snap / table.name).rglob("*.parquet"))
        assert files, table.name
        for f in files:
            assert pq.read_schema(f).remove_metadata() == metadata.arrow_schema(table.name).remove_metadata()
            if table.partition:
                assert f.parent.name.startswith("year=")
    years = sorted(p.name for p in (snap / "cells").iterdir())
    assert years == [f"year={y}" for y in YEARS]


def test_reload_is_idempotent_and_reuses_buckets(archive: Path, tmp_path: Path) -> None:
    wh = tmp_path / "wh"
    load(archive, wh, workers=1, as_of=AS_OF)
    before = {t: _one(wh, f"SELECT count(*) FROM {t}") for t in ("reports", "cells", "issues", "documents")}
    again = load(archive, wh, workers=2, as_of=AS_OF)
    assert again.parsed == 0 and again.buckets_rebuilt == 0 and again.buckets_reused > 0
    after = {t: _one(wh, f"SELECT count(*) FROM {t}") for t in ("reports", "cells", "issues", "documents")}
    assert after == before
    assert plan(archive, wh) == []


@pytest.mark.parametrize("start_method", ["forkserver", "spawn"])
def test_workers_give_the_same_tables(archive: Path, tmp_path: Path, monkeypatch, start_method: str) -> None:
    """In one process and on a pool started without fork: workers inherit no memory of
    this process, so they parse with what the settings say (the stand-in parser)."""
    monkeypatch.setenv("OGI_START_METHOD", start_method)
    one, two = tmp_path / "w1", tmp_path / "w2"
    load(archive, one, workers=1, as_of=AS_OF)
    summary = load(archive, two, workers=2, as_of=AS_OF)
    assert summary.parsed == 36 and summary.buckets_rebuilt > 1  # parsed and built on the pool
    assert _one(two, "SELECT list(DISTINCT parser_version) FROM reports") == [VERSION]
    for table, columns in (("cells", "report_id, code, value, raw_text"), ("issues", "report_id, check_name, detail")):
        # Row by row: a float sum would depend on the order DuckDB adds in parallel.
        q = f"SELECT list(({columns}) ORDER BY {columns}) FROM {table}"
        assert _one(one, q) == _one(two, q)


def test_new_parser_version_reparses_everything(archive: Path, tmp_path: Path, monkeypatch) -> None:
    wh = tmp_path / "wh"
    load(archive, wh, workers=1, as_of=AS_OF)
    use_synthetic_parser(monkeypatch, "fake-2")
    assert len(plan(archive, wh)) == 36
    summary = load(archive, wh, workers=1, as_of=AS_OF)
    assert summary.parsed == 36 and summary.buckets_reused == 0
    assert _one(wh, "SELECT list(DISTINCT parser_version) FROM reports") == ["fake-2"]
    assert _one(wh, "SELECT count(*) FROM reports") == 36


def _rewrite_doc(archive: Path, sha: str, change) -> tuple[str, bytes]:
    doc = _document(archive, sha)
    change(doc)
    data = json.dumps(doc, ensure_ascii=False).encode()
    return ArchiveStore(archive).put(data), data


def test_recrawl_same_url_replaces_and_new_url_adds_one_record(archive: Path, tmp_path: Path) -> None:
    wh = tmp_path / "wh"
    load(archive, wh, workers=1, as_of=AS_OF)
    rep = _report(archive, wh, "A000001", 2023)

    # the same URL now serves corrected numbers: same report_id, new document
    def fix(doc: dict) -> None:
        doc["cells"]["active.licensing.decisions"] = 12345

    sha, data = _rewrite_doc(archive, rep["document_sha256"], fix)
    url = "http://a000001.example.gov.cn/ndbg/2023.html"

    # an attachment (the PDF of the same report) at another URL, with an identity error
    def broken(doc: dict) -> None:
        doc["issues"] = [{"check": "requests_balance", "severity": "error", "detail": "x", "codes": []}]

    sha2, data2 = _rewrite_doc(archive, rep["document_sha256"], broken)
    when = datetime(2025, 3, 2, tzinfo=UTC)
    _add_run(
        archive,
        "r2",
        [
            {"url": url, "agency_id": "A000001", "report_year": 2023, "sha256": sha, "bytes": len(data)},
            {
                "url": "http://a000001.example.gov.cn/ndbg/2023.pdf",
                "kind": "attachment",
                "agency_id": "A000001",
                "report_year": 2023,
                "sha256": sha2,
                "bytes": len(data2),
            },
        ],
        when,
    )
    summary = load(archive, wh, workers=1, as_of=AS_OF)
    assert summary.parsed == 2
    assert _one(wh, "SELECT count(*) FROM reports") == 37
    assert (
        _one(
            wh,
            "SELECT count(*) FROM (SELECT agency_id, year FROM reports WHERE is_record GROUP BY ALL "
            "HAVING count(*) <> 1)",
        )
        == 0
    )
    new = _report(archive, wh, "A000001", 2023)
    assert new["report_id"] == rep["report_id"]  # the HTML page without errors stays the record
    assert new["document_sha256"] == sha
    assert _one(wh, f"SELECT granted__total IS NOT NULL FROM report_requests WHERE report_id = '{rep['report_id']}'")
    assert (
        _one(
            wh,
            f"SELECT value FROM cells WHERE code = 'active.licensing.decisions' AND report_id = '{rep['report_id']}'",
        )
        == 12345
    )
    assert _one(wh, "SELECT count(*) FROM documents") == 38


def _carryover_issues(wh: Path) -> set[tuple[str, str]]:
    rows = _con(wh).execute("SELECT report_id, codes FROM issues WHERE check_name = 'carryover_continuity'").fetchall()
    return {(rid, codes[0].rsplit(".", 1)[1]) for rid, codes in rows}


def _carryover_in_sql(wh: Path) -> set[tuple[str, str]]:
    """The same check recomputed by the warehouse's SQL view."""
    return set(_con(wh).execute("SELECT report_id, location FROM check_carryover_continuity").fetchall())


def test_cross_document_checks(archive: Path, tmp_path: Path) -> None:
    wh = tmp_path / "wh"
    load(archive, wh, workers=1, as_of=AS_OF)
    rep = _report(archive, wh, "A000003", 2022)

    def wrong(doc: dict) -> None:
        doc["cells"]["requests.carried_over.natural_person"] += 4
        doc["year"] = 2022

    sha, data = _rewrite_doc(archive, rep["document_sha256"], wrong)
    when = datetime(2025, 3, 3, tzinfo=UTC)
    # re-crawled at the same URL, and its listing now (wrongly) says 2021
    _add_run(
        archive,
        "r3",
        [
            {
                "url": "http://a000003.example.gov.cn/ndbg/2022.html",
                "agency_id": "A000003",
                "report_year": 2021,
                "sha256": sha,
                "bytes": len(data),
            }
        ],
        when,
    )
    with (archive / "registry.csv").open("a", encoding="utf-8") as fh:
        fh.write("Z1,新设局,http://z1.example.gov.cn/,370100,city,department,,2023,false\n")
    load(archive, wh, workers=1, as_of=AS_OF)
    con = _con(wh)
    try:
        rows = con.execute(
            "SELECT check_name, agency_id, year, report_id IS NULL, codes, detail, severity "
            "FROM issues ORDER BY check_name, year"
        ).fetchall()
    finally:
        con.close()
    checks = {r[0] for r in rows}
    assert checks == {"carryover_continuity", "missing_report", "year_mismatch"}
    carry = [r for r in rows if r[0] == "carryover_continuity"]
    assert [c[4] for c in carry] == [["requests.carried_over.natural_person"]]
    assert all(c[1] == "A000003" and c[2] == 2022 and c[6] == "error" for c in carry)
    assert "difference 4" in carry[0][5]
    missing = [r for r in rows if r[0] == "missing_report"]
    assert [(m[1], m[2], m[3]) for m in missing] == [("Z1", 2023, True), ("Z1", 2024, True)]
    mismatch = [r for r in rows if r[0] == "year_mismatch"]
    assert len(mismatch) == 1 and mismatch[0][2] == 2022 and mismatch[0][6] == "warning"
    assert _one(wh, "SELECT count(*) FROM coverage WHERE missing") == 2
    assert _carryover_in_sql(wh) == _carryover_issues(wh) and len(_carryover_in_sql(wh)) == 1


def test_predecessor_is_followed_for_carryover(tmp_path: Path, fake_parser) -> None:
    arch = tmp_path / "archive"
    write_synthetic_archive(
        arch, tmp_path / "c", reports=12, years=range(2019, 2025), version=VERSION, p_break=0.0, p_missing=0.0
    )
    # A000001 stops after 2021 (drop its later rows); A000099 succeeds it from 2022 with its numbers
    log = ArchiveStore(arch).fetch_log().to_pylist()
    wh = tmp_path / "wh"
    load(arch, wh, workers=1, as_of=AS_OF)
    rep = _report(arch, wh, "A000001", 2021)
    doc = _document(arch, rep["document_sha256"])
    successor = dict(doc, agency="继任局", year=2022)
    successor["cells"] = dict(doc["cells"])
    for col in ("natural_person", "commercial", "research", "nonprofit", "legal_services", "other_org", "total"):
        successor["cells"][f"requests.carried_over.{col}"] = doc["cells"][f"requests.carried_forward.{col}"]
    successor["cells"]["requests.carried_over.total"] += 1
    data = json.dumps(successor, ensure_ascii=False).encode()
    sha = ArchiveStore(arch).put(data)
    kept = [r for r in log if not (r["agency_id"] == "A000001" and (r["report_year"] or 0) > 2021)]
    for f in (arch / "fetch_log").glob("*.parquet"):
        f.unlink()
    pq.write_table(pa.Table.from_pylist(kept, schema=FETCH_LOG_SCHEMA), arch / "fetch_log" / "r1.parquet")
    _add_run(
        arch,
        "r2",
        [
            {
                "url": "http://s.example.gov.cn/2022.html",
                "agency_id": "A000099",
                "report_year": 2022,
                "sha256": sha,
                "bytes": len(data),
            }
        ],
        datetime(2025, 3, 1, tzinfo=UTC),
    )
    with (arch / "registry.csv").open("a", encoding="utf-8") as fh:
        fh.write("A000099,继任局,http://s.example.gov.cn/,370100,city,department,A000001,2022,false\n")
    load(arch, wh, workers=1, as_of=AS_OF)
    con = _con(wh)
    try:
        rows = con.execute(
            "SELECT agency_id, year, codes, detail FROM issues WHERE check_name = 'carryover_continuity'"
        ).fetchall()
    finally:
        con.close()
    assert [(r[0], r[1], r[2]) for r in rows] == [("A000099", 2022, ["requests.carried_over.total"])]
    assert "A000001 2021" in rows[0][3]
    assert _carryover_in_sql(wh) == _carryover_issues(wh) and len(_carryover_in_sql(wh)) == 1


def test_unreadable_document_is_reported_not_fatal(archive: Path, tmp_path: Path) -> None:
    sha = ArchiveStore(archive).put(b"CORRUPT bytes")
    _add_run(
        archive,
        "r9",
        [
            {
                "url": "http://a000000.example.gov.cn/ndbg/2024.pdf",
                "kind": "attachment",
                "agency_id": "A000000",
                "report_year": 2024,
                "sha256": sha,
                "bytes": 13,
            }
        ],
        datetime(2025, 3, 4, tzinfo=UTC),
    )
    wh = tmp_path / "wh"
    summary = load(archive, wh, workers=2, as_of=AS_OF)  # logged from a pool worker
    (entry,) = RunLog(summary.run_id, Path(summary.issues_log)).entries()
    assert Path(summary.issues_log).parent == wh / "runs"
    assert (entry["run_id"], entry["stage"], entry["problem"], entry["sha256"]) == (
        summary.run_id,
        "parse",
        "unreadable_document",
        sha,
    )
    assert "not a report" in entry["detail"] and entry["url"].endswith("2024.pdf")
    con = _con(wh)
    try:
        status, is_record, year = con.execute(
            f"SELECT parse_status, is_record, year FROM reports WHERE document_sha256 = '{sha}'"
        ).fetchone()
        issue = con.execute(
            f"SELECT check_name, detail FROM issues WHERE report_id IN "
            f"(SELECT report_id FROM reports WHERE document_sha256 = '{sha}')"
        ).fetchone()
    finally:
        con.close()
    assert (status, is_record, year) == ("unreadable", False, 2024)
    assert issue[0] == "unsupported_document" and "2024.pdf" in issue[1] and "not a report" in issue[1]


def test_parser_crash_is_a_failure_not_data(archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An exception inside parsing is a bug: the document is counted and named as a
    parser failure, the other documents are published, ``ogi load`` exits non-zero,
    and nothing is cached, so the next load (with the bug fixed) parses it again."""
    from typer.testing import CliRunner

    from ogi.cli import app
    from ogi.load.parse_cache import cache_path

    sha = ArchiveStore(archive).put(b"CRASH bytes")
    row = {"url": "http://a000000.example.gov.cn/ndbg/2024.pdf", "kind": "attachment", "agency_id": "A000000"}
    _add_run(archive, "r9", [row | {"report_year": 2024, "sha256": sha, "bytes": 11}], datetime(2025, 3, 4, tzinfo=UTC))
    wh = tmp_path / "wh"
    summary = load(archive, wh, workers=1, as_of=AS_OF)
    assert len(summary.parser_failures) == 1 and summary.parse_failed == 1
    assert sha[:12] in summary.parser_failures[0] and "2024.pdf" in summary.parser_failures[0]
    assert "ZeroDivisionError" in summary.parser_failures[0]
    assert not cache_path(wh, sha, VERSION).exists()
    assert sha in {r.sha256 for r in plan(archive, wh)}, "retried on the next load"
    con = _con(wh)
    try:
        published = con.execute("SELECT count(*) FROM reports WHERE parse_status = 'ok'").fetchone()[0]
        check = con.execute(
            f"SELECT check_name FROM issues WHERE report_id IN "
            f"(SELECT report_id FROM reports WHERE document_sha256 = '{sha}')"
        ).fetchone()
    finally:
        con.close()
    assert published > 0 and check == ("parser_failure",)
    monkeypatch.chdir(tmp_path)
    run = CliRunner().invoke(app, ["load", "--archive", str(archive), "--warehouse", str(wh), "--workers", "1"])
    assert run.exit_code == 1, run.output
    assert "parser failure" in run.output and "2024.pdf" in run.output


def test_parse_batch_from_several_processes(archive: Path, tmp_path: Path) -> None:
    from ogi.workers import new_pool

    wh = tmp_path / "wh"
    refs = plan(archive, wh)
    with new_pool(2, start_method="spawn") as pool:
        results = list(pool.map(parse_batch, [refs, refs[::-1]], [archive] * 2, [wh] * 2))
    assert sorted(r["sha256"] for r in results[0]) == sorted(r["sha256"] for r in results[1])
    assert plan(archive, wh) == []
    assert not list((wh / "parse_cache").rglob(".tmp-*"))
    again = parse_batch(refs[:3], archive, wh)  # from the cache: the parse result round-trips
    assert [a["sha256"] for a in again] == [r.sha256 for r in refs[:3]]
    for a, first in zip(again, results[0][:3], strict=True):
        assert {k: a[k] for k in ("cells", "raw", "units", "positions", "sections", "issues", "year")} == {
            k: first[k] for k in ("cells", "raw", "units", "positions", "sections", "issues", "year")
        }


def test_crash_while_loading_keeps_previous_warehouse(archive: Path, tmp_path: Path, monkeypatch) -> None:
    wh = tmp_path / "wh"
    load(archive, wh, workers=1, as_of=AS_OF)
    before = _one(wh, "SELECT count(*) FROM cells")
    current = (wh / "tables" / "CURRENT").read_text()
    sha = ArchiveStore(archive).put(b"CORRUPT")
    _add_run(
        archive,
        "r5",
        [
            {
                "url": "http://x.example/1.pdf",
                "kind": "attachment",
                "agency_id": "A000000",
                "report_year": 2024,
                "sha256": sha,
                "bytes": 7,
            }
        ],
        datetime(2025, 3, 5, tzinfo=UTC),
    )

    def boom() -> pa.Table:
        raise RuntimeError("disk full")

    monkeypatch.setattr(tables_mod, "_codes", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        load(archive, wh, workers=1, as_of=AS_OF)
    logs = sorted((wh / "runs").glob("*.jsonl"), key=lambda p: p.stat().st_mtime)
    failed = [e for e in RunLog("", logs[-1]).entries() if e["stage"] == "load"]
    assert [(e["problem"], "disk full" in e["detail"]) for e in failed] == [("load_failed", True)]
    assert (wh / "tables" / "CURRENT").read_text() == current
    assert _one(wh, "SELECT count(*) FROM cells") == before
    monkeypatch.undo()
    use_synthetic_parser(monkeypatch)
    load(archive, wh, workers=1, as_of=AS_OF)
    assert _one(wh, "SELECT count(*) FROM reports") == 37
    assert len([p for p in (wh / "tables").iterdir() if p.is_dir()]) <= tables_mod.KEEP_SNAPSHOTS


def test_load_while_an_analyst_reads(archive: Path, tmp_path: Path) -> None:
    wh = tmp_path / "wh"
    load(archive, wh, workers=1, as_of=AS_OF)
    analyst = _con(wh)
    try:
        assert analyst.execute("SELECT count(*) FROM reports").fetchone()[0] == 36
        sha = ArchiveStore(archive).put(b"CORRUPT 2")
        _add_run(
            archive,
            "r6",
            [
                {
                    "url": "http://x.example/2.pdf",
                    "kind": "attachment",
                    "agency_id": "A000000",
                    "report_year": 2024,
                    "sha256": sha,
                    "bytes": 9,
                }
            ],
            datetime(2025, 3, 6, tzinfo=UTC),
        )
        load(archive, wh, workers=1, as_of=AS_OF)
        assert analyst.execute("SELECT count(*) FROM reports").fetchone()[0] == 36  # still the old snapshot
    finally:
        analyst.close()
    assert _one(wh, "SELECT count(*) FROM reports") == 37


def test_database_opens_from_any_directory_and_has_comments(archive: Path, tmp_path: Path, monkeypatch) -> None:
    """ogi's connection finds the files from anywhere; a plain client from the warehouse
    folder, or with file_search_path, does too (the views name files relative to it)."""
    wh = tmp_path / "wh"
    load(archive, wh, workers=1, as_of=AS_OF)
    monkeypatch.chdir(wh)
    plain = duckdb.connect("ogi.duckdb", read_only=True)
    assert plain.execute("SELECT count(*) FROM reports").fetchone()[0] == 36
    plain.close()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    con = _con(wh)
    try:
        assert con.execute("SELECT count(*) FROM cells").fetchone()[0] > 0
        comment = con.execute(
            "SELECT comment FROM duckdb_columns() WHERE table_name = 'cells' AND column_name = 'value'"
        ).fetchone()[0]
        assert comment == next(c.description for c in metadata.BY_NAME["cells"].columns if c.name == "value")
        assert con.execute("SELECT comment FROM duckdb_views() WHERE view_name = 'coverage'").fetchone()[0]
        assert (
            con.execute(
                "SELECT comment FROM duckdb_columns() WHERE table_name = 'report_requests' "
                "AND column_name = 'granted__natural_person'"
            )
            .fetchone()[0]
            .startswith("三、本年度办理结果")
        )
        assert con.execute("SELECT pct(1, 4), safe_div(1, 0), last_complete_year()").fetchone() == (25.0, None, 2024)
    finally:
        con.close()


def test_write_tables_and_build_duckdb_alone(archive: Path, tmp_path: Path) -> None:
    """The flows call the stages separately: write_tables parses what parse_batch did not."""
    wh = tmp_path / "wh"
    with pytest.raises(FileNotFoundError, match="ogi load"):
        build_duckdb(wh)
    summary = write_tables(archive, wh, workers=2, as_of=AS_OF)
    assert summary.reports == 36 and summary.buckets_rebuilt > 0
    assert build_duckdb(wh) == (wh / "ogi.duckdb").resolve()
    assert _one(wh, "SELECT count(*) FROM reports WHERE is_record") == 36
    with pytest.raises(FileNotFoundError, match="archive folder not found"):
        write_tables(tmp_path / "nope", wh)
