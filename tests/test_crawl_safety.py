"""Safety rules on a purpose server: size cap, truncated bodies, server-supplied names."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ogi.archive.store import ArchiveStore
from ogi.crawl.runner import crawl
from ogi.crawl.settings import CrawlSettings

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
