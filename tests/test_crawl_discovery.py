"""Lists built from endpoints (SITES.md §2, §4), on the sample web's vendor families:
what the crawler asked for, how, and that nothing is missed or fetched twice."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import pytest
from ogi_testkit.sampleweb.server import SampleWeb
from ogi_testkit.sampleweb.sites import DYNAMIC, SITES, YEARS

from ogi.archive.store import ArchiveStore
from ogi.crawl.hints import HintError, load_hint
from ogi.crawl.runner import crawl
from ogi.crawl.scripts import read_scripts
from ogi.registry import load_registry
from ogi.settings import CrawlSettings

FAST = CrawlSettings(delay=0.0, retries=1, backoff=0.01, connect_timeout=2, read_timeout=5)
FAMILY = {s.family: s.agency_id for s in SITES if s.family in DYNAMIC}


@pytest.fixture(scope="module")
def web():
    with SampleWeb(port=0) as w:
        yield w


@pytest.fixture(scope="module")
def runs(web, tmp_path_factory):
    archive = tmp_path_factory.mktemp("archive")
    ids = list(FAMILY.values())
    first = crawl(web.registry_path, archive, agencies=ids, settings=FAST)
    rows1 = ArchiveStore(archive).fetch_log().to_pylist()
    again = crawl(web.registry_path, archive, agencies=ids, settings=FAST)
    rows2 = [r for r in ArchiveStore(archive).fetch_log().to_pylist() if r["run_id"] == again.run_id]
    return first, rows1, again, rows2


def of(rows, agency, kind):
    return [r for r in rows if r["agency_id"] == agency and r["kind"] == kind]


def years_archived(rows, agency) -> set[int]:
    return {r["report_year"] for r in of(rows, agency, "article") if r["status"] == 200}


def test_every_family_finds_every_report(web, runs):
    first, rows, _, _ = runs
    assert not first.failed_agencies and not first.issues
    for family, agency in FAMILY.items():
        expected = {r.year for r in web.site(agency).reports}
        assert expected == set(YEARS)
        assert years_archived(rows, agency) == expected, family
        notices = [r for r in of(rows, agency, "article") if "通知" in (r["link_title"] or "")]
        assert not notices, family  # the notices the lists mix in are not reports


def test_post_form_and_json_bodies(runs):
    _, rows, _, _ = runs
    form = [r for r in of(rows, FAMILY["jquery_post"], "list") if r["method"] == "POST"]
    assert form and {parse_qs(r["request_body"])["curPage"][0] for r in form} >= {"1", "2"}
    assert all(parse_qs(r["request_body"])["columnId"] == ["5027"] for r in form)  # resolved from `var columnId`
    body = [json.loads(r["request_body"]) for r in of(rows, FAMILY["fetch_json_post"], "list") if r["method"]]
    assert [b["offset"] for b in body] == [0, 5] and all(b["catalogCode"] == "ndbg" for b in body)
    # The records carried only an id: the page addresses come from the script's DETAIL + x.articleId.
    assert all("/gk/detail.html?articleId=" in r["url"] for r in of(rows, FAMILY["fetch_json_post"], "article"))


def test_get_gateway_jsonp_and_html_fragments(runs):
    _, rows, _, _ = runs
    gateway = [urlsplit(r["url"]) for r in of(rows, FAMILY["vue_gateway"], "list") if "/api-gateway/" in r["url"]]
    assert gateway and all(parse_qs(u.query)["channelId"] == ["8841"] for u in gateway)
    scripts = [r["url"] for r in of(rows, FAMILY["vue_gateway"], "script")]
    assert len(scripts) == 1 and scripts[0].endswith("app.3f2a9c.js")  # the vendored library is not read
    jsonp = [parse_qs(urlsplit(r["url"]).query) for r in of(rows, FAMILY["jsonp"], "list") if "/webapi/" in r["url"]]
    assert jsonp and all(q["cb"] == ["ogi_jsonp"] and q["catid"] == ["77"] for q in jsonp)
    pages = [parse_qs(urlsplit(r["url"]).query) for r in of(rows, FAMILY["html_in_json"], "list") if "?" in r["url"]]
    assert [q["pageIndex"][0] for q in pages] == ["0", "1", "2"]  # zero-based, from go(0); pageCount 3


def test_static_first_page_then_the_endpoint(web, runs):
    _, rows, _, _ = runs
    agency = FAMILY["trs_dynamic"]
    static = next(a for a in load_registry(web.registry_path) if a.agency_id == agency)
    by_parent = {}
    for r in of(rows, agency, "article"):
        by_parent.setdefault(urlsplit(r["parent_url"]).path, set()).add(r["report_year"])
    assert by_parent[urlsplit(static.list_url).path] == {2022, 2023, 2024, 2025}
    assert by_parent["/irs/front/list"] == {2019, 2020, 2021}  # only behind the endpoint
    posts = [r for r in of(rows, agency, "list") if r["method"] == "POST"]
    assert all(parse_qs(r["request_body"])["channelid"] == ["19341"] for r in posts)  # from the page's listModel call


def test_hinted_agency(runs):
    _, rows, _, _ = runs
    lists = [r["url"] for r in of(rows, FAMILY["assembled_url"], "list")]
    assert any("/ajax/ndbg/query.action" in u and "lmid=42" in u for u in lists)


def test_nightly_rerun_is_cheap_and_downloads_nothing(runs):
    first, _, again, rows2 = runs
    assert again.documents_downloaded == 0
    assert again.requests < 0.3 * first.requests, (again.requests, first.requests)
    assert not [r for r in rows2 if r["kind"] in ("article", "attachment") and r["status"] == 200]


def test_no_reports_found_is_named_with_the_mechanism(web, tmp_path):
    agency = FAMILY["assembled_url"]
    reg = tmp_path / "registry.csv"
    with web.registry_path.open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["agency_id"] == agency]
    rows[0]["hints"] = ""  # what a new user has before writing the hint
    with reg.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    summary = crawl(reg, tmp_path / "a", settings=FAST)
    (issue,) = summary.issues
    assert issue["agency_id"] == agency and issue["check"] == "no_reports_found"
    assert "adapter json_api" in issue["detail"] and "script call" in issue["detail"]
    assert summary.errors_by_kind.get("no_reports_found") == 1
    logged = [r for r in ArchiveStore(tmp_path / "a").fetch_log().to_pylist() if r["kind"] == "issue"]
    assert [r["error"].split(":")[0] for r in logged] == ["no_reports_found"]


def test_a_bad_hint_stops_the_run_with_one_line(tmp_path):
    agency = "x"
    bad = tmp_path / "bad.toml"
    bad.write_text('[list]\nendpoint = "/x"\npage = "p"\n', encoding="utf-8")
    reg = tmp_path / "registry.csv"
    reg.write_text(f"agency_id,name,list_url,hints\n{agency},某局,http://127.0.0.1:9/,bad.toml\n", encoding="utf-8")
    (a,) = load_registry(reg)
    with pytest.raises(HintError, match=r"bad\.toml: unknown key 'page'"):
        load_hint(a)
    code = "import sys; from ogi.cli import app; app(sys.argv[1:])"
    p = subprocess.run(
        [sys.executable, "-c", code, "crawl", "--registry", str(reg), "--archive", str(tmp_path / "a")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 2 and "unknown key 'page'" in p.stderr and "Traceback" not in p.stderr
    assert not (tmp_path / "a" / "fetch_log").exists()  # refused before any request


VENDOR_SNIPPETS = [
    # axios.post with a JSON object (axios sends objects as JSON), a base from a config object
    (
        'var conf = {base: "/gw"}; axios.post(conf.base + "/doc/page", {nodeId: "12", pageNo: 1, pageSize: 20})',
        {
            "url": "/gw/doc/page",
            "method": "POST",
            "json_body": True,
            "page_param": "pageNo",
            "first": 1,
            "size_param": "pageSize",
            "params": {"nodeId": "12"},
        },
    ),
    # $.getJSON with callback=? in the URL: JSONP
    (
        '$.getJSON("/search/list.do?callback=?&lmbh=33&start=0&limit=15", function (d) {})',
        {
            "url": "/search/list.do",
            "method": "GET",
            "jsonp_param": "callback",
            "page_param": "start",
            "page_role": "offset",
            "first": 0,
            "params": {"lmbh": "33"},
        },
    ),
]


@pytest.mark.parametrize(("script", "expected"), VENDOR_SNIPPETS)
def test_reading_vendor_calls(script, expected):
    (ep, *_) = read_scripts([script], "http://x.gov.cn/col/").endpoints
    for key, value in expected.items():
        got = getattr(ep, key)
        if key == "url":
            got = urlsplit(got).path
        assert got == value, key
