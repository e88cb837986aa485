"""The crawler against the sample web on loopback: real HTTP, no internet."""

from __future__ import annotations

import shutil

import pyarrow.csv as pacsv
import pytest
from ogi_testkit.sampleweb.server import SampleWeb
from ogi_testkit.sampleweb.sites import DYNAMIC, SITES

from ogi.archive.store import FETCH_LOG_SCHEMA, ArchiveStore
from ogi.crawl.runner import crawl
from ogi.settings import CrawlSettings

FAST = CrawlSettings(delay=0.0, retries=1, backoff=0.01, connect_timeout=2, read_timeout=5)
ORDINARY = [
    "lc-sthjj",
    "lc-jyj",
    "lc-gaj",
    "lc-rsj",
    "lc-zjj",
    "lc-wjw",
    "lc-slj",
    "lc-nyncj",
    "lc-gov",
    "lc-bgs",
    "lc-scjgj",
    "gaotang",
    "sd-gov",
    *(s.agency_id for s in SITES if s.family in DYNAMIC),
]


@pytest.fixture(scope="module")
def web():
    with SampleWeb(port=0, slow_seconds=0.2) as w:
        yield w


@pytest.fixture(scope="module")
def first(web, tmp_path_factory):
    """One full crawl, then an immediate re-run, shared by the tests below."""
    archive = tmp_path_factory.mktemp("archive")
    s1 = crawl(web.registry_path, archive, settings=FAST)
    rows1 = ArchiveStore(archive).fetch_log().to_pylist()
    s2 = crawl(web.registry_path, archive, settings=FAST)
    rows2 = [r for r in ArchiveStore(archive).fetch_log().to_pylist() if r["run_id"] == s2.run_id]
    return archive, s1, rows1, s2, rows2


def rows_of(rows, agency=None, kind=None):
    return [r for r in rows if (agency is None or r["agency_id"] == agency) and (kind is None or r["kind"] == kind)]


def test_every_ordinary_agency_archives_seven_years(first):
    _, s1, rows, _, _ = first
    assert s1.agencies_visited == len(SITES) and not s1.failed_agencies
    for agency in ORDINARY:
        years = {r["report_year"] for r in rows_of(rows, agency, "article") if r["status"] == 200}
        assert years == set(range(2019, 2026)), agency


def test_pagination_and_year_from_page(first):
    _, _, rows, _, _ = first
    lists = [r["url"] for r in rows_of(rows, "lc-sthjj", "list")]
    assert any(u.endswith("index_1.html") for u in lists) and any(u.endswith("index_2.html") for u in lists)
    generic = [r["url"] for r in rows_of(rows, "lc-gov", "list")]
    assert any(u.endswith("list_2.html") for u in generic)
    czj = rows_of(rows, "lc-czj", "article")
    assert all("年政府" not in r["link_title"] for r in czj)  # titles carry no year...
    assert {r["report_year"] for r in czj if r["status"] == 200} == set(range(2020, 2026))  # ...pages do


def test_attachments_sniffed_and_pictures_kept(first):
    archive, _, rows, _, _ = first
    att = [r for r in rows_of(rows, kind="attachment") if r["status"] == 200]
    types = {r["content_type"] for r in att}
    assert {"application/pdf", "application/msword", "image/jpeg"} <= types
    assert any(t.endswith("wordprocessingml.document") for t in types)
    hanweb = [r for r in att if r["agency_id"] == "lc-gaj"]
    assert hanweb and all(r["content_type"] == "application/pdf" for r in hanweb)  # served as octet-stream
    assert {r["report_year"] for r in att if r["content_type"] == "image/jpeg"} == {2019}
    for r in att:
        assert r["parent_url"] and r["sha256"] and (archive / "objects" / r["sha256"][:2] / r["sha256"]).is_file()


def test_gbk_pages_decoded(first):
    _, _, rows, _, _ = first
    titles = [r["link_title"] for r in rows_of(rows, "lc-jyj", "article")]
    assert len(titles) == 7 and all("聊城市教育局" in t for t in titles)


def test_robots_disallow_respected(first, web):
    _, _, rows, _, _ = first
    (blocked,) = [r for r in rows if (r["error"] or "").startswith("robots_disallowed")]
    assert blocked["agency_id"] == "lc-czj" and blocked["status"] is None and "/202001/" in blocked["url"]
    assert not [p for (h, p), _ in web.hits.items() if "/xxgk/ndbg/202001/" in p and h == web.site("lc-czj").netloc]


def test_500_retried_then_recorded(first, web):
    _, s1, rows, _, _ = first
    (row,) = rows_of(rows, "lc-yjj", "list")
    assert row["status"] == 500 and row["error"].startswith("http_5xx") and row["sha256"] is None
    netloc = web.site("lc-yjj").netloc
    assert web.hits[netloc, "/xxgk/ndbg/index.html"] == 2 * (FAST.retries + 1)  # two runs
    assert s1.errors_by_kind["http_5xx"] == 1


def test_foreign_redirect_refused_and_dead_links_recorded(first, web):
    _, _, rows, _, _ = first
    (red,) = [r for r in rows if (r["error"] or "").startswith("foreign_redirect")]
    assert red["status"] == 302 and web.foreign_netloc in red["final_url"] and red["sha256"] is None
    assert not [k for k in web.hits if k[0] == web.foreign_netloc]
    dead = [r for r in rows if r["status"] == 404 and r["kind"] in ("article", "attachment")]
    assert {(r["agency_id"], r["kind"]) for r in dead} == {("lc-swj", "article"), ("lc-sthjj", "attachment")}


def test_fetch_log_files_and_schema(first):
    archive, s1, _, s2, _ = first
    files = sorted(p.name for p in (archive / "fetch_log").iterdir())
    assert files == sorted([f"{s1.run_id}.parquet", f"{s2.run_id}.parquet"])
    assert ArchiveStore(archive).fetch_log().schema == FETCH_LOG_SCHEMA
    csv_rows = pacsv.read_csv(archive / "fetch_log.csv")
    assert csv_rows.column_names == FETCH_LOG_SCHEMA.names
    assert (archive / "registry.csv").read_text(encoding="utf-8").startswith("agency_id,")


def test_rerun_downloads_nothing_and_revalidates_lists(first):
    _, s1, _, s2, rows2 = first
    assert s2.documents_downloaded == 0 and s2.reports_new == 0 and s2.reports_changed == 0
    assert s2.requests < 0.3 * s1.requests
    assert not [r for r in rows2 if r["kind"] in ("article", "attachment")]  # cadence: not due yet
    not_modified = [r for r in rows2 if r["status"] == 304]
    assert not_modified and all(r["sha256"] and r["error"] is None for r in not_modified)
    assert {r["kind"] for r in not_modified} >= {"list"}


def test_revalidation_cadence_uses_conditional_get(web, first, tmp_path):
    archive, *_ = first
    copy = tmp_path / "archive"
    shutil.copytree(archive, copy)
    s = crawl(
        web.registry_path,
        copy,
        agencies=["lc-sthjj", "lc-gaj"],
        settings=CrawlSettings(**{**FAST.__dict__, "revalidate_after_days": 0}),
    )
    rows = [r for r in ArchiveStore(copy).fetch_log().to_pylist() if r["run_id"] == s.run_id]
    docs = [r for r in rows if r["kind"] in ("article", "attachment") and r["status"] != 404]
    assert docs and all(r["status"] == 304 and r["sha256"] for r in docs)
    assert s.documents_downloaded == 0


def test_new_year_discovered_and_since(tmp_path):
    with SampleWeb(port=0, latest_year=2024) as web:
        agencies = ["lc-sthjj", "lc-gaj", "lc-zjj", "lc-slj", "lc-gov"]
        s1 = crawl(web.registry_path, tmp_path, agencies=agencies, since=2022, settings=FAST)
        rows = ArchiveStore(tmp_path).fetch_log().to_pylist()
        assert {r["report_year"] for r in rows if r["kind"] == "article"} == {2022, 2023, 2024}
        assert s1.reports_new == 15
        web.latest_year = 2025
        s2 = crawl(web.registry_path, tmp_path, agencies=agencies, since=2022, settings=FAST)
        assert s2.reports_new == 5
        new = [r for r in ArchiveStore(tmp_path).fetch_log().to_pylist() if r["run_id"] == s2.run_id]
        assert {r["report_year"] for r in new if r["kind"] == "article" and r["status"] == 200} == {2025}


def test_unknown_agency_id_is_an_error(web, tmp_path):
    with pytest.raises(KeyError, match="no agency with id nope"):
        crawl(web.registry_path, tmp_path, agencies=["nope"], settings=FAST)


def test_cli_crawl_exit_zero_with_failing_hosts(web, tmp_path):
    from typer.testing import CliRunner

    from ogi.cli import app

    result = CliRunner().invoke(
        app,
        [
            "crawl",
            "--registry",
            str(web.registry_path),
            "--archive",
            str(tmp_path / "a"),
            "--agency",
            "lc-yjj",
            "--agency",
            "lc-sthjj",
            "--delay",
            "0",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "documents downloaded" in result.output and "http_5xx" in result.output
