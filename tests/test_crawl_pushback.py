"""Servers that push back or misbehave, each on a real loopback server: Retry-After per host,
403/412, a huge Crawl-delay, a trickling server, a list that invents links, unknown hosts,
malformed registry URLs."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ogi.archive.store import ArchiveStore
from ogi.crawl.runner import crawl
from ogi.settings import CrawlSettings

FAST = CrawlSettings(delay=0, retries=2, backoff=0.01, connect_timeout=2, read_timeout=5)
TITLE = "某局2024年政府信息公开工作年度报告"
ARTICLE = f"<html><head><meta charset='utf-8'><title>{TITLE}</title></head><body><p>2024年</p></body></html>"


class Site(BaseHTTPRequestHandler):
    """One host's behaviour, chosen by the server's ``mode``; every request is recorded."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        return

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        srv = self.server
        with srv.lock:
            srv.log.append((time.monotonic(), self.path))
            n = sum(1 for _, p in srv.log if p == self.path)
        mode = srv.mode
        if self.path == "/robots.txt":
            if mode == "crawl_delay":
                return self._send(200, b"User-agent: *\nCrawl-delay: 100000\n")
            return self._send(404, b"")
        if mode == "retry_after" and self.path == "/list.html" and n == 1:
            return self._send(429, b"slow down", {"Retry-After": "2"})
        if mode == "busy" and self.path == "/list.html" and n == 1:
            return self._send(503, b"busy", {"Retry-After": "1"})
        if mode == "blocked":
            return self._send(403 if self.path == "/list.html" else 412, b"forbidden")
        if mode == "trickle" and self.path == "/list.html":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            try:
                for _ in range(100):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(1.0)
            except OSError:
                pass
            return None
        if self.path.startswith("/list"):
            if mode == "endless":  # each page links 50 new reports and a "next" page with a new query
                k = int(self.path.split("=")[-1]) if "=" in self.path else 0
                items = "".join(f"<li><a href='/a{k}_{i}.html'>{TITLE}</a></li>" for i in range(50))
                return self._send(200, f"<ul>{items}</ul><a href='/list.html?p={k + 1}'>下一页</a>".encode())
            return self._send(200, f"<ul><li><a href='/a.html'>{TITLE}</a></li></ul>".encode())
        return self._send(200, ARTICLE.encode())


class Host:
    def __init__(self, address: str, mode: str) -> None:
        self.srv = ThreadingHTTPServer((address, 0), Site)
        self.srv.daemon_threads = True
        self.srv.mode, self.srv.log, self.srv.lock = mode, [], threading.Lock()
        self.netloc = f"{address}:{self.srv.server_address[1]}"
        threading.Thread(target=self.srv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()

    @property
    def log(self) -> list[tuple[float, str]]:
        return list(self.srv.log)

    def close(self) -> None:
        self.srv.shutdown()
        self.srv.server_close()


@pytest.fixture
def hosts():
    made: list[Host] = []

    def make(mode: str, address: str = "127.0.0.1") -> Host:
        made.append(Host(address, mode))
        return made[-1]

    yield make
    for h in made:
        h.close()


def registry(tmp_path: Path, rows: list[tuple[str, str]]) -> Path:
    reg = tmp_path / "reg.csv"
    reg.write_text("agency_id,name,list_url\n" + "".join(f"{a},某局,{u}\n" for a, u in rows), encoding="utf-8")
    return reg


def log_rows(archive: Path) -> list[dict]:
    return ArchiveStore(archive).fetch_log().to_pylist()


def test_retry_after_slows_only_that_host(hosts, tmp_path):
    slow, other, busy = hosts("retry_after", "127.0.0.1"), hosts("plain", "127.0.0.2"), hosts("busy", "127.0.0.3")
    reg = registry(
        tmp_path,
        [
            ("slow", f"http://{slow.netloc}/list.html"),
            ("other", f"http://{other.netloc}/list.html"),
            ("busy", f"http://{busy.netloc}/list.html"),
        ],
    )
    summary = crawl(reg, tmp_path / "a", settings=FAST)
    rows = log_rows(tmp_path / "a")
    for agency in ("slow", "other", "busy"):  # every agency archived its report: nothing failed
        assert [r["status"] for r in rows if r["agency_id"] == agency and r["kind"] == "article"] == [200], agency
    (first, _), (again, _) = [t for t in slow.log if t[1] == "/list.html"]
    assert again - first >= 1.9  # Retry-After: 2 was waited for on that host ...
    other_done = max(t for t, _ in other.log)
    assert other_done < first + 1.5  # ... while the other host was crawled meanwhile
    busy_list = [t for t, p in busy.log if p == "/list.html"]
    assert busy_list[1] - busy_list[0] >= 0.9  # 503 with Retry-After: 1 too
    assert summary.errors_by_kind == {} and not summary.failed_agencies


def test_403_and_412_are_their_own_kind(hosts, tmp_path):
    h = hosts("blocked")
    reg = registry(tmp_path, [("x", f"http://{h.netloc}/list.html")])
    summary = crawl(reg, tmp_path / "a", settings=FAST)
    (row,) = [r for r in log_rows(tmp_path / "a") if r["kind"] == "list"]
    assert row["status"] == 403 and row["error"].startswith("http_blocked: 403")
    assert summary.errors_by_kind == {"http_blocked": 1}
    assert sum(1 for _, p in h.log if p == "/list.html") == 1  # refused clients are not retried


def test_crawl_delay_beyond_the_cap_defers_the_host(hosts, tmp_path):
    h = hosts("crawl_delay")
    reg = registry(tmp_path, [("x", f"http://{h.netloc}/list.html")])
    t0 = time.monotonic()
    summary = crawl(reg, tmp_path / "a", settings=FAST)
    assert time.monotonic() - t0 < 10  # not 100000 s
    assert [p for _, p in h.log] == ["/robots.txt"]  # nothing else was asked of that host
    (row,) = [r for r in log_rows(tmp_path / "a") if r["kind"] == "list"]
    assert row["error"].startswith("crawl_delay_too_long:") and "100000" in row["error"] and "later run" in row["error"]
    assert summary.errors_by_kind == {"crawl_delay_too_long": 1}


def test_a_trickling_server_is_given_up_at_the_deadline(hosts, tmp_path):
    h = hosts("trickle")
    reg = registry(tmp_path, [("x", f"http://{h.netloc}/list.html")])
    settings = CrawlSettings(delay=0, retries=2, backoff=0.01, read_timeout=5, request_deadline=3)
    t0 = time.monotonic()
    summary = crawl(reg, tmp_path / "a", settings=settings)
    took = time.monotonic() - t0
    assert 2.5 < took < 8  # one byte a second never trips the 5 s read timeout; the 3 s deadline does
    (row,) = [r for r in log_rows(tmp_path / "a") if r["kind"] == "list"]
    assert row["error"].startswith("deadline:") and row["sha256"] is None
    assert summary.errors_by_kind == {"deadline": 1}


def test_articles_per_agency_are_bounded(hosts, tmp_path):
    h = hosts("endless")
    reg = registry(tmp_path, [("x", f"http://{h.netloc}/list.html")])
    settings = CrawlSettings(delay=0, retries=0, max_list_pages=20, max_articles=60)
    summary = crawl(reg, tmp_path / "a", settings=settings)
    rows = log_rows(tmp_path / "a")
    assert len([r for r in rows if r["kind"] == "article"]) == 60
    assert len([r for r in rows if r["kind"] == "list"]) == 20
    (issue,) = [r for r in rows if r["kind"] == "issue"]
    assert issue["error"].startswith("article_cap: 1000 report links found, 60 followed")
    assert [i["check"] for i in summary.issues] == ["article_cap"]


def test_unknown_host_is_a_dns_error(tmp_path):
    reg = registry(tmp_path, [("x", "http://no-such-agency.invalid/list.html")])
    summary = crawl(reg, tmp_path / "a", settings=FAST)
    rows = {r["kind"]: r for r in log_rows(tmp_path / "a")}
    assert rows["robots"]["error"].startswith("dns:")
    assert rows["list"]["error"].startswith("dns:") and "robots" not in rows["list"]["error"]
    assert "robots_disallowed" not in summary.errors_by_kind


def test_malformed_registry_url_is_one_line(tmp_path):
    reg = registry(tmp_path, [("x", "http://[::1:8123/")])
    code = "import sys; from ogi.cli import app; app(sys.argv[1:])"
    p = subprocess.run(
        [sys.executable, "-c", code, "crawl", "--registry", str(reg), "--archive", str(tmp_path / "a")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 2
    lines = [line for line in p.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in p.stderr
    assert f"{reg}:2" in lines[0].replace("\n", "") and "malformed" in lines[0]


class Portal(BaseHTTPRequestHandler):
    """A column page whose report links sit among others' (a 'related reports' box)."""

    def log_message(self, *a):
        return

    def do_GET(self):
        if self.path == "/robots.txt":
            body, status = b"", 404
        elif self.path == "/col/index.html":
            body, status = (
                (
                    f"<ul class='gknb'><li><a href='/own.html'>{TITLE}</a></li></ul>"
                    f"<div class='box'><a href='/other.html'>某县2024年政府信息公开工作年度报告</a></div>"
                ).encode(),
                200,
            )
        else:
            body, status = ARTICLE.encode(), 200
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_a_hint_selector_picks_the_report_links(tmp_path):
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Portal)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        (tmp_path / "hints").mkdir()
        (tmp_path / "hints" / "x.toml").write_text("[list]\nselector = \"//ul[@class='gknb']//a\"\n", encoding="utf-8")
        reg = tmp_path / "reg.csv"
        reg.write_text(
            f"agency_id,name,list_url,adapter,hints\nx,某局,http://127.0.0.1:{srv.server_address[1]}/col/index.html,"
            "static_list,hints/x.toml\n",
            encoding="utf-8",
        )
        crawl(reg, tmp_path / "a", settings=FAST)
        articles = [r["url"].rsplit("/", 1)[-1] for r in log_rows(tmp_path / "a") if r["kind"] == "article"]
        assert articles == ["own.html"]
    finally:
        srv.shutdown()
        srv.server_close()
