"""The sample web server: each agency's site on its own loopback address.

Linux routes all of 127.0.0.0/8 to loopback, so ``127.0.0.2``, ``127.0.0.3``, …
are distinct hosts to the crawler (its per-host politeness and allow-lists
really apply). Pages are rendered per request from the committed documents
(``site/``, made by ``build.py``) so that a report year can be hidden and
revealed while serving (``latest_year``), as when an agency publishes a new
report. With ``agencies=N`` the server instead multiplies the ordinary sites
into N agencies on N hosts for the benchmark: the documents are reused as they
are, so the clones' reports carry the template agency's name.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from email.utils import format_datetime, parsedate_to_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from ogi.settings import settings
from ogi_testkit.sampleweb import dynamic
from ogi_testkit.sampleweb.build import ATTACH_MARK, SITE_DIR
from ogi_testkit.sampleweb.sites import DYNAMIC, SITES, TEMPLATES_FOR_BENCHMARK, YEARS, SiteSpec

DEFAULT_PORT = settings().sample_web_port
FOREIGN_ADDRESS = "127.0.0.250"
_MIME = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "jpg": "image/jpeg",
}


def default_address(index: int) -> str:
    """Committed agencies: 127.0.0.2 upward; benchmark clones: 127.0.1.1 upward."""
    return f"127.0.0.{2 + index}"


def clone_address(index: int) -> str:
    return f"127.0.{1 + index // 250}.{1 + index % 250}"


@dataclass
class Reply:
    status: int
    body: bytes = b""
    content_type: str = "text/html"
    headers: dict[str, str] = field(default_factory=dict)
    modified: date | None = None  # enables Last-Modified / conditional GET


Query = dict[str, list[str]]
Route = Callable[[Query], Reply]


@dataclass
class Report:
    year: int
    title: str
    published: date
    article: Path
    attachments: list[tuple[Path, str]]  # (file, ext)
    images: list[Path]
    n: int

    def hexname(self, i: int, salt: str) -> str:
        return hashlib.md5(f"{salt}/{self.year}/{i}".encode()).hexdigest()[:20]


class Site:
    """One agency's site: routes computed from its family, its reports and its quirks."""

    def __init__(self, web: SampleWeb, spec: SiteSpec, agency_id: str, name: str, docs_id: str) -> None:
        self.web, self.spec, self.agency_id, self.name = web, spec, agency_id, name
        self.netloc = ""
        entry = web.manifest[docs_id]
        folder = SITE_DIR / "docs" / docs_id
        self.reports = [
            Report(
                year=int(y),
                title=e["title"],
                published=date.fromisoformat(e["published"]),
                article=folder / e["article"],
                attachments=[(folder / a["file"], a["ext"]) for a in e["attachments"]],
                images=[folder / i for i in e["images"]],
                n=int(y) * 37 % 1000 + spec.host * 1000,
            )
            for y, e in sorted(entry.items(), key=lambda kv: -int(kv[0]))
        ]
        self.enc = "gb18030" if spec.charset == "gbk" else "utf-8"
        self.meta_charset = "gb2312" if spec.charset == "gbk" else "utf-8"
        self.routes: dict[str, Route] = {}
        self._route_documents()

    # -- URLs per family -------------------------------------------------------------
    @property
    def list_path(self) -> str:
        if self.spec.family in DYNAMIC:
            return dynamic.list_path(self)
        p = self.spec.prefix
        return {
            "static_list": f"{p}/xxgk/ndbg/index.html",
            "hanweb_datastore": f"{p}/col/col{1000 + self.spec.host}/index.html",
            "json_api": f"{p}/zwgk/ndbg/",
            "per_year_query": f"{p}/ndbg/search?year={{year}}",
            "generic": f"{p}/",
        }[self.spec.family]

    def article_path(self, r: Report) -> str:
        if self.spec.family in DYNAMIC:
            return dynamic.article_path(self, r)
        p, pub = self.spec.prefix, r.published
        return {
            "static_list": f"{p}/xxgk/ndbg/{pub:%Y%m}/t{pub:%Y%m%d}_{r.n}.html",
            "hanweb_datastore": f"{p}/art/{pub:%Y/%m/%d}/art_{1000 + self.spec.host}_{r.n}.html",
            "json_api": f"{p}/zwgk/ndbg/detail/{r.n}.html",
            "per_year_query": f"{p}/ndbg/content/{r.n}.html",
            "generic": f"{p}/zfxxgk/ndbg/{pub:%Y%m}/{r.n}.html",
        }[self.spec.family]

    def file_path(self, r: Report, i: int, ext: str) -> str:
        """Where attachment ``i`` lives; the Hanweb style hides the name in the query."""
        if self.spec.family in DYNAMIC:
            return dynamic.file_path(self, r, i, ext)
        h, art = r.hexname(i, self.agency_id), self.article_path(r)
        return {
            "static_list": f"{art.rsplit('/', 1)[0]}/P0{r.published:%Y%m%d}{r.n}{i}.{ext}",
            "hanweb_datastore": f"/module/download/downfile.jsp?classid=0&filename={h}.{ext}",
            "json_api": f"/upload/{r.published:%Y}/{h}.{ext}",
            "per_year_query": f"/ndbg/files/{h}.{ext}",
            "generic": f"{art.rsplit('/', 1)[0]}/W0{r.n}{i}.{ext}",
        }[self.spec.family]

    # -- routes ----------------------------------------------------------------------
    def visible(self) -> list[Report]:
        return [r for r in self.reports if r.year <= self.web.latest_year]

    def _route_documents(self) -> None:
        spec = self.spec
        for r in self.reports:
            art = self.article_path(r)
            if r.year == spec.foreign_redirect_year:
                self.routes[art] = lambda _q: Reply(
                    302, headers={"Location": f"http://{self.web.foreign_netloc}/archive/report.html"}
                )
                continue
            if r.year == spec.dead_article_year:
                continue
            self.routes[art] = self._article(r)
            for i, (path, ext) in enumerate(r.attachments):
                if r.year != spec.dead_attachment_year:
                    self.routes[self.file_path(r, i, ext)] = self._file(path, ext, r)
            for i, path in enumerate(r.images):
                self.routes[self.file_path(r, 10 + i, "jpg")] = self._file(path, "jpg", r)
        family_routes = {
            "static_list": self._static_routes,
            "hanweb_datastore": self._hanweb_routes,
            "json_api": self._json_routes,
            "per_year_query": self._per_year_routes,
            "generic": self._generic_routes,
        }
        family_routes.get(spec.family, lambda: dynamic.routes(self))()

    def _hidden(self, r: Report, reply: Callable[[], Reply]) -> Route:
        return lambda _q: reply() if r.year <= self.web.latest_year else Reply(404, self._html("404", "页面不存在"))

    def _article(self, r: Report) -> Route:
        def reply() -> Reply:
            page = gzip.decompress(r.article.read_bytes())
            links = "".join(
                f'<p><a href="{escape(self.file_path(r, i, ext))}">{escape(r.title)}.{ext}</a></p>'
                for i, (_, ext) in enumerate(r.attachments)
            )
            block = f'<div class="article-attach">附件：{links}</div>' if links else ""
            page = page.replace(ATTACH_MARK.encode(), block.encode(self.enc))
            for i, _ in enumerate(r.images):
                marker = f"{{images}}/{r.year}-{i + 1}.jpg".encode()
                page = page.replace(marker, self.file_path(r, 10 + i, "jpg").encode())
            return Reply(200, page, "text/html", modified=r.published)

        return self._hidden(r, reply)

    def _file(self, path: Path, ext: str, r: Report) -> Route:
        def reply() -> Reply:
            headers = {}
            ctype = _MIME[ext]
            if self.spec.family == "hanweb_datastore":
                # Real download endpoints: a generic type and a name that must not become a path.
                ctype = "application/octet-stream"
                headers["Content-Disposition"] = f'attachment; filename="../../{r.year}.{ext}"'
            return Reply(200, path.read_bytes(), ctype, headers, modified=r.published)

        return self._hidden(r, reply)

    def _html(self, title: str, inner: str) -> bytes:
        nav = "".join(
            f'<li><a href="{self.spec.prefix}{p}">{n}</a></li>'
            for p, n in (("/", "首页"), ("/zwgk/", "政务公开"), ("/hdjl/", "互动交流"))
        )
        page = (
            f'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; '
            f'charset={self.meta_charset}"/><title>{escape(title)}_{escape(self.name)}</title></head><body>'
            f'<div class="header"><h1>{escape(self.name)}</h1><ul class="nav">{nav}</ul></div>'
            f'<div class="main">{inner}</div><div class="footer">主办：{escape(self.name)}</div></body></html>'
        )
        return page.encode(self.enc, errors="replace")

    def _items(self) -> list[tuple[str, str, str]]:
        """(title, href, date) newest first, with the non-report notices real columns mix in."""
        items = []
        for r in self.visible():
            title = r.title if self.spec.year_in_title else f"{self.name}政府信息公开工作年度报告"
            items.append((title, self.article_path(r), f"{r.published:%Y-%m-%d}"))
            if r.year % 3 == 0:
                notice = f"关于做好{r.year}年政府信息公开工作年度报告编制发布工作的通知"
                items.append((notice, f"{self.spec.prefix}/xxgk/tzgg/{r.year}01/t{r.n}.html", f"{r.year}-12-20"))
        items.append((f"{self.name}政府信息公开指南", f"{self.spec.prefix}/xxgk/zn/index.html", "2019-03-01"))
        return items

    def _li(self, items: list[tuple[str, str, str]]) -> str:
        return "".join(
            f'<li><a href="{escape(h)}" title="{escape(t)}" target="_blank">{escape(t)}</a><span>{d}</span></li>'
            for t, h, d in items
        )

    def _pages(self) -> list[list[tuple[str, str, str]]]:
        items, size = self._items(), self.spec.page_size
        return [items[i : i + size] for i in range(0, len(items), size)] or [[]]

    def _static_routes(self) -> None:
        base = self.list_path.rsplit("/", 1)[0]
        for k in range(12):
            self.routes[f"{base}/index{'' if k == 0 else f'_{k}'}.html"] = self._static_page(k)

    def _static_page(self, k: int) -> Route:
        def reply(_q: Query) -> Reply:
            pages = self._pages()
            if k >= len(pages):
                return Reply(404, self._html("404", "页面不存在"))
            script = f'<script type="text/javascript">createPageHTML({len(pages)}, {k}, "index", "html");</script>'
            inner = f'<div class="list"><ul>{self._li(pages[k])}</ul></div><div class="page">{script}</div>'
            return Reply(200, self._html("政府信息公开年报", inner))

        return reply

    def _hanweb_routes(self) -> None:
        def reply(_q: Query) -> Reply:
            records = "".join(f"<record><![CDATA[\n{self._li([it])}\n]]></record>" for it in self._items())
            store = (
                '<script type="text/xml"><datastore><nextgroup><![CDATA[]]></nextgroup>'
                f"<recordset>{records}</recordset></datastore></script>"
            )
            inner = f'<div id="{1000 + self.spec.host}">{store}</div><script src="/module/web/jpage/jpage.js"></script>'
            return Reply(200, self._html("政府信息公开年报", inner))

        self.routes[self.list_path] = reply

    def _json_routes(self) -> None:
        api = f"{self.spec.prefix}/api/ndbg/list"

        def page(_q: Query) -> Reply:
            inner = (
                f'<div id="list" data-api="{api}?page=1&amp;size={self.spec.page_size}"></div>'
                '<script src="/js/list.js"></script>'
            )
            return Reply(200, self._html("政府信息公开年报", inner))

        def data(query: Query) -> Reply:
            pages = self._pages()
            k = int((query.get("page") or ["1"])[0]) - 1
            rows = pages[k] if 0 <= k < len(pages) else []
            payload = {
                "code": 0,
                "data": {
                    "totalPage": len(pages),
                    "list": [{"title": t, "url": h, "pubDate": d} for t, h, d in rows],
                },
            }
            return Reply(200, json.dumps(payload, ensure_ascii=False).encode(), "application/json")

        self.routes[self.list_path] = page
        self.routes[api] = data

    def _per_year_routes(self) -> None:
        def search(query: Query) -> Reply:
            year = int((query.get("year") or ["0"])[0] or 0)
            items = [
                (r.title, self.article_path(r), f"{r.published:%Y-%m-%d}") for r in self.visible() if r.year == year
            ]
            inner = f"<h2>{year}年度报告</h2><ul>{self._li(items) or '<li>暂无数据</li>'}</ul>"
            return Reply(200, self._html("年报查询", inner))

        self.routes[self.list_path.split("?")[0]] = search

    def _generic_routes(self) -> None:
        p = self.spec.prefix

        def home(_q: Query) -> Reply:
            inner = (
                f'<ul><li><a href="{p}/zwyw/">政务要闻</a></li><li><a href="{p}/zfxxgk/">政府信息公开</a></li>'
                f'<li><a href="{p}/hdjl/">互动交流</a></li></ul>'
            )
            return Reply(200, self._html("首页", inner))

        def hub(_q: Query) -> Reply:
            inner = (
                f'<ul><li><a href="{p}/zfxxgk/zn/">政府信息公开指南</a></li>'
                f'<li><a href="{p}/zfxxgk/fdzdgknr/">法定主动公开内容</a></li>'
                f'<li><a href="{p}/zfxxgk/ndbg/">政府信息公开年报</a></li></ul>'
            )
            return Reply(200, self._html("政府信息公开", inner))

        def column(k: int) -> Route:
            def reply(_q: Query) -> Reply:
                pages = self._pages()
                if k >= len(pages):
                    return Reply(404, self._html("404", "页面不存在"))
                nxt = f'<a href="{p}/zfxxgk/ndbg/list_{k + 2}.html">下一页</a>' if k + 1 < len(pages) else ""
                return Reply(200, self._html("政府信息公开年报", f"<ul>{self._li(pages[k])}</ul>{nxt}"))

            return reply

        self.routes[f"{p}/"] = home
        self.routes[f"{p}/zfxxgk/"] = hub
        self.routes[f"{p}/zfxxgk/ndbg/"] = column(0)
        for k in range(1, 12):
            self.routes[f"{p}/zfxxgk/ndbg/list_{k + 1}.html"] = column(k)


class _Handler(BaseHTTPRequestHandler):
    server: _HostServer
    protocol_version = "HTTP/1.1"
    server_version = "SampleCMS/1.0"

    def log_message(self, format: str, *args) -> None:  # quiet: tests read hits, not logs
        return

    def do_GET(self) -> None:
        self._answer("GET", {})

    def do_POST(self) -> None:
        """Endpoints that page by POST: a form or a JSON body, its fields read like query parameters."""
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n).decode("utf-8", errors="replace") if n else ""
        if (self.headers.get("Content-Type") or "").startswith("application/json"):
            try:
                body = json.loads(raw or "{}")
            except ValueError:
                body = {}
            fields = {str(k): [str(v)] for k, v in body.items()} if isinstance(body, dict) else {}
        else:
            fields = parse_qs(raw)
        self._answer("POST", fields)

    def _answer(self, method: str, fields: Query) -> None:
        web, sites = self.server.web, self.server.sites
        parts = urlsplit(self.path)
        with web.lock:
            web.hits[self.server.netloc, self.path] += 1
        spec = sites[0].spec if sites else None
        if spec is not None and spec.slow:
            web.slow_release.wait(web.slow_seconds)
        reply = self._reply(parts.path, parts.query, sites, {**fields, ":method": [method]})
        self._send(reply)

    def _reply(self, path: str, query: str, sites: list[Site], fields: Query | None = None) -> Reply:
        if not sites:  # the foreign host
            return Reply(200, b"<html><body><h1>Somewhere else</h1></body></html>")
        if path == "/robots.txt":
            text = sites[0].spec.robots
            return Reply(200, text.encode(), "text/plain") if text else Reply(404, b"not found", "text/plain")
        if sites[0].spec.fail_500:
            return Reply(500, b"<html><body>500 Internal Server Error</body></html>")
        full = f"{path}?{query}" if query else path
        for site in sites:
            route = site.routes.get(full) or site.routes.get(path)
            if route is not None:
                return route({**parse_qs(query), **(fields or {})})
        return Reply(404, b"<html><body>404 Not Found</body></html>")

    def _send(self, reply: Reply) -> None:
        body, headers = reply.body, dict(reply.headers)
        spec = self.server.sites[0].spec if self.server.sites else None
        if reply.status == 200 and reply.modified is not None and spec is not None:
            etag = f'"{hashlib.sha1(body).hexdigest()[:16]}"'
            last_modified = format_datetime(_midnight(reply.modified), usegmt=True)
            headers["Last-Modified"] = last_modified
            if spec.etag:
                headers["ETag"] = etag
            if self._not_modified(etag if spec.etag else None, reply.modified):
                self.send_response(304)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        if reply.status == 200 and spec is not None and spec.etag and "ETag" not in headers:
            headers["ETag"] = f'"{hashlib.sha1(body).hexdigest()[:16]}"'
            if self.headers.get("If-None-Match") == headers["ETag"]:
                self.send_response(304)
                self.send_header("ETag", headers["ETag"])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        if reply.content_type.startswith("text/html") and "gzip" in (self.headers.get("Accept-Encoding") or ""):
            body = gzip.compress(body, mtime=0)
            headers["Content-Encoding"] = "gzip"
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _not_modified(self, etag: str | None, modified: date) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None and etag is not None:
            return inm == etag
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                return parsedate_to_datetime(ims) >= _midnight(modified)
            except (TypeError, ValueError):
                return False
        return False


def _midnight(d: date):
    from datetime import UTC, datetime

    return datetime(d.year, d.month, d.day, tzinfo=UTC)


class _HostServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: str, port: int, web: SampleWeb, sites: list[Site]) -> None:
        super().__init__((address, port), _Handler)
        self.web, self.sites = web, sites
        self.netloc = f"{address}:{self.server_address[1]}"

    def handle_error(self, request, client_address) -> None:
        """A client hanging up (a crawler giving up on the slow host) is not a server error."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class SampleWeb:
    """Context manager: start every host in background threads; ``registry_path`` points at them.

    ``port`` 0 picks a free port per host (tests); ``addresses`` overrides the
    loopback addresses in host order; ``agencies`` multiplies the ordinary sites
    into that many agencies (benchmark). ``latest_year`` hides later reports
    until raised; ``slow_release`` lets a test end the slow host's wait early.
    """

    def __init__(
        self,
        *,
        port: int = DEFAULT_PORT,
        addresses: list[str] | None = None,
        agencies: int | None = None,
        slow_seconds: float = 3.0,
        latest_year: int = YEARS[-1],
        foreign_address: str = FOREIGN_ADDRESS,
        registry_dir: Path | None = None,
    ) -> None:
        self.manifest: dict[str, dict] = json.loads((SITE_DIR / "manifest.json").read_text())
        self.port = port
        self.slow_seconds = slow_seconds
        self.latest_year = latest_year
        self.slow_release = threading.Event()
        self.lock = threading.Lock()
        self.hits: Counter[tuple[str, str]] = Counter()
        self._registry_dir = registry_dir
        self._tmp: tempfile.TemporaryDirectory | None = None
        self._servers: list[_HostServer] = []
        self._foreign_address = foreign_address
        self.sites: list[Site] = []
        self.by_address: dict[str, list[Site]] = {}
        if agencies is None:
            for spec in SITES:
                address = (addresses or [])[spec.host] if addresses else default_address(spec.host)
                self._add(address, Site(self, spec, spec.agency_id, spec.name, spec.agency_id))
        else:
            for i in range(agencies):
                spec = TEMPLATES_FOR_BENCHMARK[i % len(TEMPLATES_FOR_BENCHMARK)]
                address = addresses[i] if addresses else clone_address(i)
                name = f"{spec.name}（样例{i + 1:03d}）"
                self._add(address, Site(self, spec, f"bench-{i + 1:03d}", name, spec.agency_id))
        self.foreign_netloc = ""
        self.registry_path = Path()

    def _add(self, address: str, site: Site) -> None:
        self.sites.append(site)
        self.by_address.setdefault(address, []).append(site)

    def __enter__(self) -> SampleWeb:
        try:
            for address, sites in self.by_address.items():
                self._servers.append(_HostServer(address, self.port, self, sites))
                for site in sites:
                    site.netloc = self._servers[-1].netloc
            self._servers.append(_HostServer(self._foreign_address, self.port, self, []))
        except OSError as e:
            self.__exit__()
            raise OSError(f"sample web: cannot bind {address}:{self.port}: {e.strerror or e}") from e
        self.foreign_netloc = self._servers[-1].netloc
        for server in self._servers:
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()
        if self._registry_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="ogi-sampleweb-")
            self._registry_dir = Path(self._tmp.name)
        self.registry_path = write_registry(self.sites, self._registry_dir / "registry.csv")
        return self

    def __exit__(self, *exc: object) -> None:
        self.slow_release.set()
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers.clear()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def site(self, agency_id: str) -> Site:
        return next(s for s in self.sites if s.agency_id == agency_id)

    def hits_for(self, agency_id: str) -> int:
        netloc = self.site(agency_id).netloc
        with self.lock:
            return sum(n for (host, _), n in self.hits.items() if host == netloc)


REGISTRY_COLUMNS = [
    "agency_id",
    "name",
    "list_url",
    "region_code",
    "level",
    "kind",
    "parent_id",
    "first_year",
    "adapter",
    "allowed_hosts",
    "verified",
    "hints",
    "family_note",
]
# Sites whose adapter column is left empty, so detection is exercised (every site whose
# list is built from an endpoint: a new user cannot know how a portal builds it).
_DETECTED = {"lc-sthjj", "lc-gaj", "lc-zjj", "lc-slj", *(s.agency_id for s in SITES if s.family in DYNAMIC)}
# What an operator wrote after looking at a site discovery cannot read (a hint bundled with ogi).
_HINTS = {"lc-ybj": "sample-lc-ybj"}


def write_registry(sites: list[Site], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(REGISTRY_COLUMNS)
        for s in sites:
            w.writerow(
                [
                    s.agency_id,
                    s.name,
                    f"http://{s.netloc}{s.list_path}",
                    s.spec.region_code,
                    s.spec.level,
                    s.spec.kind,
                    s.spec.parent_id if not s.agency_id.startswith("bench-") else "",
                    2019,
                    "" if s.spec.agency_id in _DETECTED else s.spec.family,
                    "",
                    "true",
                    _HINTS.get(s.spec.agency_id, ""),  # benchmark clones serve the same site
                    f"sample web: {s.spec.family}",
                ]
            )
    return path


def serve(port: int = DEFAULT_PORT, agencies: int | None = None, registry: Path | None = None) -> None:
    """Run until interrupted (``ogi sample-web``)."""
    with SampleWeb(port=port, agencies=agencies, registry_dir=registry.parent if registry else None) as web:
        if registry is not None and web.registry_path != registry:
            web.registry_path.replace(registry)
            web.registry_path = registry
        print(f"sample web: {len(web.sites)} agencies on {len(web.by_address)} hosts; registry {web.registry_path}")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


def write_default_registry(path: Path) -> Path:
    """``registries/sample.csv``: the committed agencies at their default addresses and port."""
    web = SampleWeb()
    for address, sites in web.by_address.items():
        for site in sites:
            site.netloc = f"{address}:{DEFAULT_PORT}"
    return write_registry(web.sites, path)
