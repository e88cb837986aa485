"""The sample web itself: what the registry points to, on distinct loopback hosts, with its oddities."""

from __future__ import annotations

import threading
from urllib.parse import urlsplit

import httpx
import pytest
from ogi_testkit.sampleweb.server import SampleWeb, default_address
from ogi_testkit.sampleweb.sites import SITES, YEARS
from protego import Protego

from ogi.encoding import decode_page
from ogi.registry import load_registry

PLAIN = {"Accept-Encoding": "identity"}


@pytest.fixture(scope="module")
def web():
    with SampleWeb(port=0, slow_seconds=0.05) as w:
        yield w


@pytest.fixture(scope="module")
def client():
    with httpx.Client(timeout=10, trust_env=False, follow_redirects=False, headers=PLAIN) as c:
        yield c


def list_url(web: SampleWeb, agency_id: str) -> str:
    (a,) = [a for a in load_registry(web.registry_path) if a.agency_id == agency_id]
    return a.list_url.replace("{year}", "2024")


def article_url(web: SampleWeb, agency_id: str, year: int) -> str:
    site = web.site(agency_id)
    (r,) = [r for r in site.reports if r.year == year]
    return f"http://{site.netloc}{site.article_path(r)}"


def list_pages(web: SampleWeb, client: httpx.Client, agency_id: str) -> str:
    """Every page of a static list (index.html, index_1.html, … until 404), concatenated."""
    base = list_url(web, agency_id).rsplit("/", 1)[0]
    out = []
    for k in range(12):
        r = client.get(f"{base}/index{'' if k == 0 else f'_{k}'}.html")
        if r.status_code == 404:
            break
        out.append(r.text)
    assert out
    return "".join(out)


def test_registry_points_at_distinct_loopback_hosts(web, client):
    agencies = load_registry(web.registry_path)
    assert {a.agency_id for a in agencies} == {s.agency_id for s in SITES}
    specs = {s.agency_id: s for s in SITES}
    hosts = {}
    for a in agencies:
        host = urlsplit(a.list_url).hostname
        assert host == default_address(specs[a.agency_id].host), a.agency_id
        hosts.setdefault(host, set()).add(a.agency_id)
    assert len(hosts) == len({s.host for s in SITES}) == len(SITES) - 1  # lc-gov and lc-bgs share one portal
    assert hosts[default_address(9)] == {"lc-gov", "lc-bgs"}
    for a in agencies:
        if a.agency_id in ("lc-yjj",):
            continue
        r = client.get(a.list_url.replace("{year}", "2024"))
        assert r.status_code == 200, a.agency_id
        assert specs[a.agency_id].name in decode_page(r.content, r.headers.get("content-type")), a.agency_id
    # Each host listens on its own address only: the same port elsewhere on loopback is not it.
    netloc = web.site("lc-sthjj").netloc
    port = netloc.rsplit(":", 1)[1]
    with pytest.raises(httpx.ConnectError):
        client.get(f"http://127.0.0.254:{port}/xxgk/ndbg/index.html")


def test_every_listed_report_and_attachment_is_served(web, client):
    site = web.site("lc-sthjj")
    text = client.get(list_url(web, "lc-sthjj")).text
    assert "createPageHTML(" in text
    for r in site.reports:
        page = client.get(article_url(web, "lc-sthjj", r.year))
        assert page.status_code == 200 and page.headers["Last-Modified"] and page.headers["ETag"]
        for i, (_, ext) in enumerate(r.attachments):
            href = site.file_path(r, i, ext)
            assert href in page.text
            doc = client.get(f"http://{site.netloc}{href}")
            expected = 404 if r.year == site.spec.dead_attachment_year else 200
            assert doc.status_code == expected, (r.year, href)
            if expected == 200:
                assert doc.content.startswith(b"%PDF")


def test_gbk_pages_are_really_gbk(web, client):
    for agency_id in ("lc-jyj", "lc-rsj", "lc-nyncj"):
        for url in (list_url(web, agency_id), article_url(web, agency_id, 2023)):
            body = client.get(url).content
            with pytest.raises(UnicodeDecodeError):
                body.decode("utf-8")
            text = body.decode("gb18030")
            assert "charset=gb2312" in text.lower() or 'charset="gb2312"' in text.lower(), url
            assert web.site(agency_id).name in text


def test_gzip_only_when_accepted(web, client):
    url = list_url(web, "lc-sthjj")
    plain = client.get(url)
    assert "Content-Encoding" not in plain.headers
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip" and zipped.content == plain.content


def test_conditional_get(web, client):
    url = article_url(web, "lc-sthjj", 2024)
    first = client.get(url)
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    no_etag = article_url(web, "lc-slj", 2024)  # this site sends Last-Modified only
    r = client.get(no_etag)
    assert "ETag" not in r.headers
    assert client.get(no_etag, headers={"If-Modified-Since": r.headers["Last-Modified"]}).status_code == 304


def test_robots_disallow(web, client):
    robots = client.get(f"http://{web.site('lc-czj').netloc}/robots.txt")
    assert robots.status_code == 200
    rules = Protego.parse(robots.text)
    blocked = [r for r in web.site("lc-czj").reports if not rules.can_fetch(article_url(web, "lc-czj", r.year), "x")]
    assert [r.published.strftime("%Y%m") for r in blocked] == ["202001"]
    # The blocked article is listed like the others, so the rule really bites.
    pages = list_pages(web, client, "lc-czj")
    assert web.site("lc-czj").article_path(blocked[0]) in pages
    assert client.get(f"http://{web.site('lc-sthjj').netloc}/robots.txt").status_code == 404  # no robots.txt


def test_500_host(web, client):
    r = client.get(list_url(web, "lc-yjj"))
    assert r.status_code == 500
    assert client.get(article_url(web, "lc-yjj", 2024)).status_code == 500


def test_redirect_to_foreign_host_and_dead_article(web, client):
    spec = web.site("lc-swj").spec
    red = client.get(article_url(web, "lc-swj", spec.foreign_redirect_year))
    assert red.status_code == 302
    target = red.headers["Location"]
    assert urlsplit(target).netloc == web.foreign_netloc != web.site("lc-swj").netloc
    assert client.get(target).status_code == 200
    dead = article_url(web, "lc-swj", spec.dead_article_year)
    assert client.get(dead).status_code == 404
    assert urlsplit(dead).path in list_pages(web, client, "lc-swj")  # a dead link: listed, but gone


def test_latest_year_hides_and_reveals(client):
    with SampleWeb(port=0, latest_year=YEARS[-2]) as web:
        url = article_url(web, "lc-sthjj", YEARS[-1])
        assert client.get(url).status_code == 404
        assert urlsplit(url).path not in list_pages(web, client, "lc-sthjj")
        web.latest_year = YEARS[-1]
        assert client.get(url).status_code == 200
        assert urlsplit(url).path in list_pages(web, client, "lc-sthjj")


def test_slow_host_holds_requests_until_released(client):
    with SampleWeb(port=0, slow_seconds=60) as web:
        url = list_url(web, "lc-scjgj")
        result: dict[str, int] = {}
        t = threading.Thread(target=lambda: result.setdefault("status", client.get(url, timeout=90).status_code))
        t.start()
        for _ in range(500):
            if web.hits_for("lc-scjgj"):
                break
            threading.Event().wait(0.01)
        assert web.hits_for("lc-scjgj") == 1
        assert client.get(list_url(web, "lc-sthjj")).status_code == 200  # other hosts answer meanwhile
        assert t.is_alive() and not result  # cannot have finished: the host waits up to 60 s
        web.slow_release.set()
        t.join(30)
        assert result == {"status": 200}


def test_endpoint_built_lists_are_not_in_the_html(web, client):
    """SITES.md §4: the page shell links no report; §2: page 1 static, the oldest years only behind the endpoint."""
    from ogi_testkit.sampleweb.sites import DYNAMIC

    for spec in [s for s in SITES if s.family in DYNAMIC]:
        site = web.site(spec.agency_id)
        html = client.get(list_url(web, spec.agency_id)).text
        shown = {r.year for r in site.reports if site.article_path(r) in html}
        if spec.family == "trs_dynamic":
            assert shown == {2022, 2023, 2024, 2025}, spec.agency_id
        else:
            assert shown == set(), spec.agency_id
    for agency, path in (("lc-whlyj", "/interface/getDocList.do"), ("lc-mzj", "/api/v2/info/search")):
        r = client.get(f"http://{web.site(agency).netloc}{path}")
        assert r.status_code == 405  # POST endpoints refuse a GET, as such servers do
