"""Safety rules on a purpose server: size cap, truncated bodies, server-supplied names."""

import itertools
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from ogi.archive.store import ArchiveStore
from ogi.crawl.runner import crawl
from ogi.settings import CrawlSettings

ARTICLE = (
    "<html><head><meta charset='utf-8'><title>某局2024年政府信息公开工作年度报告</title></head><body>"
    "<div id='zoom'><p>2024年，某局……</p><a href='/big.pdf'>big.pdf</a><a href='/cut.pdf'>cut.pdf</a>"
    "<a href='/..%2F..%2Fevil.pdf'>evil.pdf</a></div></body></html>"
).encode()
LIST = "<html><body><a href='/a.html'>某局2024年政府信息公开工作年度报告</a></body></html>".encode()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        return

    def do_GET(self):
        body, extra, length = {"/list.html": LIST, "/a.html": ARTICLE}.get(self.path, b"%PDF-1.4 ok"), {}, None
        if self.path == "/big.pdf":
            body = b"%PDF-1.4" + b"x" * 5000
        elif self.path == "/cut.pdf":
            body, length = b"%PDF-1.4 half", 1000  # announces more than it sends
        elif "evil" in self.path:
            extra["Content-Disposition"] = 'attachment; filename="../../evil.pdf"'
        elif self.path == "/robots.txt":
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html" if self.path.endswith("html") else "application/pdf")
        self.send_header("Content-Length", str(length or len(body)))
        for k, v in extra.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def test_size_cap_truncation_and_names(server, tmp_path):
    reg = tmp_path / "reg.csv"
    reg.write_text(f"agency_id,name,list_url\nx,某局,http://{server}/list.html\n", encoding="utf-8")
    archive = tmp_path / "archive"
    settings = CrawlSettings(delay=0, retries=1, backoff=0.01, max_bytes=4000, read_timeout=3)
    crawl(reg, archive, settings=settings)
    rows = {r["url"].rsplit("/", 1)[-1]: r for r in ArchiveStore(archive).fetch_log().to_pylist()}
    assert rows["big.pdf"]["error"].startswith("size_cap") and rows["big.pdf"]["sha256"] is None
    assert rows["cut.pdf"]["error"].startswith("truncated") and rows["cut.pdf"]["sha256"] is None
    evil = rows["..%2F..%2Fevil.pdf"]
    assert evil["status"] == 200 and evil["sha256"] and evil["content_type"] == "application/pdf"
    assert not list(tmp_path.rglob("evil*")) and not (tmp_path.parent / "evil.pdf").exists()
    objects = [p for p in (archive / "objects").rglob("*") if p.is_file()]
    assert all(len(p.name) == 64 for p in objects)


class Flaky(BaseHTTPRequestHandler):
    """A two-page list; the old report's attachment answers 503 until ``healthy`` is set."""

    healthy = threading.Event()
    hits: ClassVar[dict[str, int]] = {}

    def log_message(self, *a):
        return

    def do_GET(self):
        Flaky.hits[self.path] = Flaky.hits.get(self.path, 0) + 1
        pages = {
            "/list.html": "<a href='/new.html'>某局2024年政府信息公开工作年度报告</a><a href='/list_1.html'>下一页</a>",
            "/list_1.html": "<a href='/old.html'>某局2023年政府信息公开工作年度报告</a>",
            "/new.html": "<div id='zoom'><p>2024年报告</p><a href='/new.pdf'>new.pdf</a></div>",
            "/old.html": "<div id='zoom'><p>2023年报告</p><a href='/old.pdf'>old.pdf</a></div>",
        }
        status, ctype, body = 200, "application/pdf", b"%PDF-1.4 " + self.path.encode()
        if self.path in pages:
            ctype, body = "text/html; charset=utf-8", f"<html><body>{pages[self.path]}</body></html>".encode()
        elif self.path == "/old.pdf" and not Flaky.healthy.is_set():
            status, body = 503, b"busy"
        elif self.path == "/robots.txt":
            status, body = 404, b""
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", f'"{len(body)}-{self.path}"')
        self.end_headers()
        self.wfile.write(body)


def test_failed_attachment_retried_next_run_without_refetching_the_rest(tmp_path):
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Flaky)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        reg = tmp_path / "reg.csv"
        reg.write_text(f"agency_id,name,list_url\nx,某局,http://127.0.0.1:{srv.server_address[1]}/list.html\n")
        archive, settings = tmp_path / "archive", CrawlSettings(delay=0, retries=1, backoff=0.01)
        s1 = crawl(reg, archive, settings=settings)
        rows = ArchiveStore(archive).fetch_log().to_pylist()
        (old,) = [r for r in rows if r["url"].endswith("/old.pdf")]
        assert old["status"] == 503 and old["error"].startswith("http_5xx") and old["sha256"] is None
        assert s1.documents_downloaded == 3

        Flaky.healthy.set()
        before = dict(Flaky.hits)
        s2 = crawl(reg, archive, settings=settings)
        assert s2.documents_downloaded == 1  # the failed one, found again behind an unchanged page one
        new_hits = {p: n - before.get(p, 0) for p, n in Flaky.hits.items() if n != before.get(p, 0)}
        assert new_hits.get("/old.pdf") == 1 and "/old.html" not in new_hits and "/new.pdf" not in new_hits
        (fixed,) = [
            r
            for r in ArchiveStore(archive).fetch_log().to_pylist()
            if r["run_id"] == s2.run_id and r["kind"] == "attachment"
        ]
        assert fixed["status"] == 200 and fixed["sha256"]

        before = dict(Flaky.hits)
        s3 = crawl(reg, archive, settings=settings)
        assert s3.documents_downloaded == 0
        assert {p for p, n in Flaky.hits.items() if n != before.get(p, 0)} <= {"/robots.txt", "/list.html"}
    finally:
        srv.shutdown()
        srv.server_close()


def test_host_gate_spacing_and_concurrency():
    """Request starts to one host are never closer than ``delay``; at most ``per_host`` at once."""
    import asyncio

    from ogi.crawl.http import HostGate

    async def main() -> tuple[list[float], int]:
        gate, starts, inside, peak = HostGate(per_host=2, delay=0.05), [], 0, 0

        async def request() -> None:
            nonlocal inside, peak
            async with gate.slot():
                starts.append(asyncio.get_running_loop().time())
                inside += 1
                peak = max(peak, inside)
                await asyncio.sleep(0.12)  # a slow response: the second connection is used meanwhile
                inside -= 1

        await asyncio.gather(*(request() for _ in range(6)))
        return starts, peak

    starts, peak = asyncio.run(main())
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert peak == 2 and len(starts) == 6
    assert min(gaps) >= 0.05 - 1e-3, gaps


def test_report_list_pages_in_list_order_not_log_order(tmp_path):
    """Articles of page two may be logged before page one's; a re-run must still start at page one."""
    from datetime import UTC, datetime, timedelta

    import pyarrow as pa

    from ogi.archive.store import FETCH_LOG_SCHEMA
    from ogi.crawl.context import AgencyContext, History
    from ogi.registry.model import Agency

    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    rows = [
        ("list", "http://h/list.html", None),
        ("list", "http://h/list_1.html", "http://h/list.html"),
        ("article", "http://h/old.html", "http://h/list_1.html"),  # page two's article logged first
        ("article", "http://h/new.html", "http://h/list.html"),
    ]
    table = pa.Table.from_pylist(
        [
            {"run_id": "r", "requested_at": t0 + timedelta(seconds=i), "url": url, "final_url": url, "kind": kind,
             "parent_url": parent, "agency_id": "x", "status": 200, "sha256": "0" * 64}
            for i, (kind, url, parent) in enumerate(rows)
        ],
        schema=FETCH_LOG_SCHEMA,
    )  # fmt: skip

    class _Session:
        history = History(table)
        settings = CrawlSettings()

    ctx = AgencyContext(_Session(), Agency("x", "某局", "http://h/list.html"), None)
    assert ctx.report_list_pages() == ["http://h/list.html", "http://h/list_1.html"]
