"""Scorecards, the report site and the spreadsheet export on a real warehouse (a synthetic
archive loaded into Parquet and DuckDB). The oracle is the archive's own parse results:
rates and flags are recomputed here from those numbers, not read from ogi's views.
The site is opened in headless Chromium from the file system."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import duckdb
import pytest
from ogi_testkit.synthetic_archive import write_synthetic_archive

from ogi.archive.store import ArchiveStore
from ogi.load import build_duckdb, write_tables
from ogi.load.query import connect
from ogi.publish.export import SHEET_NAMES, export_views
from ogi.publish.site import build_site
from tests.test_load import VERSION, use_synthetic_parser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
YEARS = range(2019, 2025)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("oversight")
    mp = pytest.MonkeyPatch()
    use_synthetic_parser(mp)
    try:
        write_synthetic_archive(root / "archive", root / "wh", reports=60, years=YEARS, version=VERSION, p_break=0.1)
        write_tables(root / "archive", root / "wh", workers=1, as_of=date(2025, 3, 1))
        build_duckdb(root / "wh")
    finally:
        mp.undo()
    return root / "wh"


def _results(archive: Path) -> dict[tuple[str, int], dict]:
    """The parse results the archive was written from, by agency and year."""
    store = ArchiveStore(archive)
    out = {}
    con = duckdb.connect()
    for sha, agency in con.execute(
        f"SELECT sha256, agency_id FROM read_parquet('{archive}/fetch_log/*.parquet') WHERE kind = 'article'"
    ).fetchall():
        result = json.loads(store.read(sha))
        out[agency, result["year"]] = result
    return out


def _near(shown: float | None, exact: float | None) -> None:
    """A percentage shown to 0.1 is the exact one rounded."""
    assert (shown is None) == (exact is None)
    if exact is not None:
        assert abs(shown - exact) <= 0.05 + 1e-9, (shown, exact)


def _rows(wh: Path, sql: str) -> list[dict]:
    con = connect(wh, sandboxed=False)  # the views name their files relative to the warehouse
    try:
        rel = con.execute(sql)
        cols = [d[0] for d in rel.description]
        return [dict(zip(cols, r, strict=True)) for r in rel.fetchall()]
    finally:
        con.close()


def test_scorecard_rates_flags_and_ranks(warehouse: Path) -> None:
    truth = _results(warehouse.parent / "archive")
    cards = _rows(warehouse, "SELECT * FROM scorecard")
    assert len(cards) == 60
    for card in cards:
        cells = truth[card["agency_id"], card["year"]]["cells"]
        handled, granted = cells["requests.total.total"], cells["requests.granted.total"]
        assert card["requests_handled"] == handled
        _near(card["disclosure_rate_pct"], 100 * granted / handled if handled else None)
        concluded = sum(cells[f"review.admin_review.{c}"] for c in ("upheld", "corrected", "other"))
        assert card["review_concluded"] == concluded
        assert card["small_numbers"] == (handled < 30)
        if card["small_numbers"]:
            assert card["rank_in_region"] is None and card["rank_in_level"] is None
        published = date.fromisoformat(truth[card["agency_id"], card["year"]]["published"])
        assert card["timely"] == (published <= date(card["year"] + 1, 1, 31))
        assert card["consistent"] == (not truth[card["agency_id"], card["year"]]["issues"])
    # Ranks run 1..n by score within each region and year, over the agencies ranked.
    groups: dict[tuple, list[dict]] = {}
    for card in cards:
        if card["rank_in_region"] is not None:
            groups.setdefault((card["region_code"], card["year"]), []).append(card)
    assert groups
    for group in groups.values():
        best = max(c["score"] for c in group)
        assert {c["rank_in_region"] for c in group if c["score"] == best} == {1}
        assert all(c["rank_in_region"] <= len(group) for c in group)


def test_scorecard_region_pools_the_rates(warehouse: Path) -> None:
    regions = _rows(warehouse, "SELECT * FROM scorecard_region")
    cards = _rows(warehouse, "SELECT * FROM scorecard")
    for region in regions:
        mine = [c for c in cards if c["region_code"] == region["region_code"] and c["year"] == region["year"]]
        handled = sum(c["requests_handled"] or 0 for c in mine)
        granted = sum(c["granted"] or 0 for c in mine)
        assert region["reports"] == len(mine)
        _near(region["disclosure_rate_pct"], 100 * granted / handled if handled else None)


def _chart_values(html: str, chart: str, series: str) -> dict[str, float]:
    svg = re.search(rf'<svg id="{chart}".*?</svg>', html, re.S)
    assert svg, chart
    marks = re.findall(r'data-series="([^"]*)" data-category="([^"]*)" data-value="([^"]*)"', svg.group(0))
    return {cat: float(v) for s, cat, v in marks if s == series and v}


def _chromium(url: str, tmp: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tmp}", "--enable-logging=stderr", "--v=0", *args, url]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True)


@pytest.fixture(scope="module")
def site(warehouse: Path) -> Path:
    summary = build_site(warehouse, warehouse / "report", archive=warehouse.parent / "archive")
    agencies = _rows(warehouse, "SELECT count(DISTINCT agency_id) AS n FROM record_reports")[0]["n"]
    assert summary.pages == 1 + summary.regions + summary.agencies and summary.agencies == agencies
    return Path(summary.out)


def test_site_pages_link_and_match_the_warehouse(site: Path, warehouse: Path) -> None:
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "<script" not in index and "http://" not in index.split("<main>")[0]  # nothing to fetch
    granted = _chart_values(index, "requests-by-year", "予以公开")
    sql = (
        "SELECT CAST(r.year AS VARCHAR) AS y, sum(c.value) AS v FROM record_reports r JOIN cells c USING (report_id) "
        "WHERE c.code = 'requests.granted.total' GROUP BY 1"
    )
    assert granted == {r["y"]: r["v"] for r in _rows(warehouse, sql)}
    local = [h for h in re.findall(r'href="([^"]+\.html)"', index) if "://" not in h]
    assert local
    for href in local:  # every page the index links to was written
        assert (site / href).is_file(), href
    agency = next((site / "agency").glob("*.html"))
    page = agency.read_text(encoding="utf-8")
    assert "历年记分卡" in page and "原文" in page and "存档" in page
    stored = re.findall(r'href="(file://[^"]+)"', page)
    assert stored and all(Path(s.removeprefix("file://")).is_file() for s in stored)


def test_site_for_one_region_and_year(warehouse: Path, tmp_path: Path) -> None:
    code = _rows(warehouse, "SELECT region_code FROM record_reports LIMIT 1")[0]["region_code"]
    summary = build_site(warehouse, tmp_path / "r", year=2022, region=code)
    assert summary.regions == 1 and summary.year == 2022
    assert "记分卡（2022年" in (tmp_path / "r" / "index.html").read_text(encoding="utf-8")


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium)")
def test_site_loads_in_chromium_without_console_errors(site: Path, warehouse: Path, tmp_path: Path) -> None:
    pages = [site / "index.html", next((site / "region").glob("*.html")), next((site / "agency").glob("*.html"))]
    for i, page in enumerate(pages):
        shot = warehouse.parent / f"screenshot-{i}.png"
        run = _chromium(page.as_uri(), tmp_path / f"p{i}", "--window-size=1280,2400", f"--screenshot={shot}")
        assert shot.stat().st_size > 20_000  # a rendered page, not a blank one
        # the pages' own messages: Chromium's internal pages (source: chrome://...) log theirs too
        console = [
            line
            for line in run.stderr.splitlines()
            if ("CONSOLE" in line or "Failed to load" in line) and "source: chrome://" not in line
        ]
        assert console == [], console
    dom = _chromium((site / "index.html").as_uri(), tmp_path / "dom", "--dump-dom").stdout
    assert "政府信息公开申请办理结果" in dom
    assert _chart_values(dom, "requests-by-year", "予以公开") == _chart_values(
        (site / "index.html").read_text(encoding="utf-8"), "requests-by-year", "予以公开"
    )


def test_export_xlsx_and_csv(warehouse: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    summary = export_views(warehouse, tmp_path / "ogi.xlsx", "xlsx")
    book = load_workbook(tmp_path / "ogi.xlsx", read_only=True)
    assert book.sheetnames == [SHEET_NAMES[v] for v in summary.rows]
    sheet = book[SHEET_NAMES["scorecard"]]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("报告编号", "机关编号", "机关名称", "年度") and len(rows) == 61
    wide = next(book[SHEET_NAMES["report_requests"]].iter_rows(values_only=True))
    assert any("予以公开 × 总计" in str(h) for h in wide)
    count = _rows(warehouse, "SELECT count(*) AS n FROM coverage")[0]["n"]
    assert summary.rows["coverage"] == count
    out = export_views(warehouse, tmp_path / "csv", "csv", ["scorecard"])
    text = Path(out.files[0]).read_bytes()
    assert text.startswith(b"\xef\xbb\xbf") and "公开率(%)" in text.decode("utf-8-sig")
    with pytest.raises(ValueError, match="no view named nope"):
        export_views(warehouse, tmp_path / "x.xlsx", "xlsx", ["nope"])


def test_site_with_agencies_without_a_division_code(tmp_path: Path) -> None:
    """A registry row without region_code (common in hand-made registries): the site is
    still built, that agency has its page, and the index says it is in no region."""
    import csv

    mp = pytest.MonkeyPatch()
    use_synthetic_parser(mp)
    try:
        write_synthetic_archive(tmp_path / "archive", tmp_path / "wh", reports=30, years=YEARS, version=VERSION)
        path = tmp_path / "archive" / "registry.csv"
        rows = list(csv.DictReader(path.open(encoding="utf-8")))
        orphan = rows[0]["agency_id"]
        rows[0]["region_code"] = ""
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        write_tables(tmp_path / "archive", tmp_path / "wh", workers=1, as_of=date(2025, 3, 1))
        build_duckdb(tmp_path / "wh")
    finally:
        mp.undo()
    summary = build_site(tmp_path / "wh", tmp_path / "site")
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "1 个机关在名录中没有区划代码" in index
    assert (tmp_path / "site" / "agency" / f"{orphan}.html").is_file() and summary.agencies > 1
