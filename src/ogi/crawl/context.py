"""The shared crawl context: what earlier runs archived, robots.txt, and logged fetches.

Adapters only discover report links; every request goes through
``AgencyContext.fetch``, which applies the host allow-list and robots.txt, sends
conditional headers from the archive's history, stores the body by hash and
writes exactly one fetch-log row. Keeping that in one place is what makes
"one row per request" and "never re-download unchanged content" hold for every
site family alike.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import lxml.html
import pyarrow as pa
from protego import Protego

from ogi.archive.store import ArchiveStore, FetchLogWriter
from ogi.crawl.http import Body, HttpClient, Response, origin
from ogi.crawl.pages import parse_html
from ogi.registry import Agency
from ogi.settings import CrawlSettings

ROBOTS_TOKEN = "ogi-crawler"
_DISALLOW_ALL = "User-agent: *\nDisallow: /\n"
_DEAD = (404, 410)
TRANSIENT = ("timeout", "network", "http_5xx", "http_429", "truncated", "deadline")  # worth trying again soon


def request_key(url: str, method: str | None = None, body: str | None = None) -> str:
    """What identifies a request in the history: its URL, and for a POST what it sent
    (the pages of a POST-paged list share one URL)."""
    return f"{url} POST {body or ''}" if method == "POST" else url


@dataclass(frozen=True)
class Known:
    """The latest usable outcome for a URL: archived content, or a dead link."""

    checked_at: datetime
    status: int
    sha256: str | None
    etag: str | None
    last_modified: str | None
    content_type: str | None
    kind: str
    agency_id: str | None
    report_year: int | None
    final_url: str | None = None
    unfinished: bool = False  # fetched by an interrupted run not yet resumed: what it led to may be missing


class History:
    """What the fetch log says about every URL, kept current during the run.

    ``unresumed`` (``ArchiveStore.unresumed()``) names the interrupted runs whose
    work may be half done; what they fetched counts as archived, but is marked
    ``unfinished`` so that the links it holds are followed again.
    """

    def __init__(self, table: pa.Table, unresumed: dict[str, set[str] | None] | None = None) -> None:
        self.latest: dict[str, Known] = {}
        self.report_lists: dict[str, list[str]] = {}  # agency → pages that linked its reports
        self.list_order: dict[str, int] = {}  # list page → when it was first read (pages are read in order)
        self._unresumed = unresumed or {}
        self._failed: dict[str, tuple[str, str]] = {}  # attachment → (article, agency) while it fails
        self._failed_under: dict[str, set[str]] = {}  # article → its failing attachments
        for row in sorted(table.to_pylist(), key=lambda r: r["requested_at"]):
            self.record(row)

    def record(self, row: dict) -> None:
        if row["kind"] == "issue":
            return
        key = request_key(row["url"], row.get("method"), row.get("request_body"))
        if row["kind"] == "list":
            self.list_order.setdefault(row["url"], len(self.list_order))
            if row["final_url"]:
                self.list_order.setdefault(row["final_url"], len(self.list_order))
        if row["kind"] == "article" and row["parent_url"]:
            pages = self.report_lists.setdefault(row["agency_id"], [])
            if row["parent_url"] not in pages:
                pages.append(row["parent_url"])
        complete = row["status"] in (200, 304) and row["sha256"] and not row["error"]
        dead = row["status"] in _DEAD and row["kind"] in ("article", "attachment", "script")
        if not (complete or dead):
            # Failures and truncations never count as archived; transient ones make their
            # article worth revisiting on the next run rather than at the revalidation cadence.
            if row["kind"] == "attachment" and row["parent_url"] and (row["error"] or "").split(":")[0] in TRANSIENT:
                self._failed[row["url"]] = (row["parent_url"], row["agency_id"])
                self._failed_under.setdefault(row["parent_url"], set()).add(row["url"])
            return
        failed = self._failed.pop(row["url"], None)
        if failed is not None:
            self._failed_under[failed[0]].discard(row["url"])
        self.latest[key] = Known(
            checked_at=row["requested_at"],
            status=row["status"],
            sha256=row["sha256"],
            etag=row["etag"],
            last_modified=row["last_modified"],
            content_type=row["content_type"],
            kind=row["kind"],
            agency_id=row["agency_id"],
            report_year=row["report_year"],
            final_url=row["final_url"],
            unfinished=self._unfinished(row["run_id"], row["agency_id"]),
        )

    def incomplete(self, k: Known) -> bool:
        """An archived article whose documents may be missing: its run was interrupted,
        or one of its attachments failed for a reason that may pass (timeout, 5xx, …)."""
        return k.kind == "article" and (k.unfinished or bool(self._failed_under.get(k.final_url or "")))

    def failing(self, agency_id: str) -> bool:
        """Whether some attachment of the agency's reports is still failing."""
        return any(agency == agency_id for _, agency in self._failed.values())

    def _unfinished(self, run_id: str, agency_id: str | None) -> bool:
        if run_id not in self._unresumed:
            return False
        picked_up = self._unresumed[run_id]
        return picked_up is None or agency_id not in picked_up


@dataclass
class Fetched:
    """A logged request: ``body`` is set for 200 and for 304 (read back from the archive)."""

    url: str
    final_url: str
    status: int | None
    body: bytes | None
    sha256: str | None
    content_type: str | None
    declared_type: str | None
    error: str | None
    previous: Known | None
    year: int | None
    _tree: lxml.html.HtmlElement | None = field(default=None, repr=False)
    key: str = ""  # request_key: the URL, or the URL and body of a POST

    @property
    def changed(self) -> bool:
        """New or different content compared with the last archived version."""
        return self.body is not None and (self.previous is None or self.previous.sha256 != self.sha256)

    @property
    def is_html(self) -> bool:
        return self.body is not None and (self.content_type or "").startswith("text/html")

    def tree(self) -> lxml.html.HtmlElement:
        """Parsed once: adapters, year detection and attachment search all read the same tree."""
        if self._tree is None:
            self._tree = parse_html(self.body or b"", self.declared_type)
        return self._tree


@dataclass
class RunStats:
    documents_downloaded: int = 0
    bytes: int = 0
    requests: int = 0
    errors_by_kind: Counter = field(default_factory=Counter)


class Session:
    """State shared by all agencies of one run."""

    def __init__(self, settings: CrawlSettings, store: ArchiveStore, log: FetchLogWriter, history: History) -> None:
        self.settings = settings
        self.store = store
        self.log = log
        self.history = history
        self.http = HttpClient(settings)
        self.stats = RunStats()
        self.now = datetime.now(UTC)
        self._robots: dict[str, asyncio.Task[Protego]] = {}
        self.issues: list[dict[str, str]] = []
        self._host_refusal: dict[str, str] = {}  # origin → why no request goes there this run

    def fresh(self, url: str) -> Known | None:
        """Known and checked within the revalidation cadence: no request needed."""
        k = self.history.latest.get(url)
        if k is None or (k.sha256 and not self.store.has(k.sha256)):
            return None
        age = self.now - k.checked_at
        return k if age < timedelta(days=self.settings.revalidate_after_days) else None

    def write(self, agency: Agency, kind: str, resp: Response, **extra) -> dict:
        row = self.log.write(
            url=resp.url,
            final_url=resp.final_url,
            kind=kind,
            agency_id=agency.agency_id,
            status=resp.status,
            content_type=resp.content_type,
            bytes=resp.nbytes if resp.status != 304 else 0,
            etag=resp.etag,
            last_modified=resp.last_modified,
            error=resp.error,
            **extra,
        )
        self.history.record(row)
        if resp.error:
            self.stats.errors_by_kind[resp.error.split(":", 1)[0]] += 1
        return row

    async def robots(self, agency: Agency, url: str) -> Protego:
        key = origin(url)
        if key not in self._robots:
            self._robots[key] = asyncio.ensure_future(self._fetch_robots(agency, key))
        return await self._robots[key]

    async def _fetch_robots(self, agency: Agency, key: str) -> Protego:
        """RFC 9309: 4xx means no rules; 5xx or unreachable means disallow everything."""
        f = await self._request(agency, f"{key}/robots.txt", "robots", robots_checked=True)
        if f.body is not None:
            rules = Protego.parse(f.body.decode("utf-8", errors="replace"))
        elif f.status is not None and 400 <= f.status < 500:
            rules = Protego.parse("")
        else:
            rules = Protego.parse(_DISALLOW_ALL)
        if f.error and f.error.startswith("dns:"):
            self._host_refusal[key] = f"dns: {key} does not resolve (unknown host)"
        crawl_delay = rules.crawl_delay(ROBOTS_TOKEN)
        if crawl_delay and float(crawl_delay) > self.settings.max_crawl_delay:
            self._host_refusal[key] = (
                f"crawl_delay_too_long: {key}/robots.txt asks a Crawl-delay of {float(crawl_delay):g} s, "
                f"more than max_crawl_delay {self.settings.max_crawl_delay:g} s; not crawled in this run, "
                "a later run tries again"
            )
        elif crawl_delay:
            gate = self.http.gate(key)
            gate.delay = max(gate.delay, float(crawl_delay))
        return rules

    def write_issue(self, agency: Agency, check: str, detail: str, url: str | None = None) -> None:
        """A named crawl issue of the agency, as a fetch-log row of kind ``issue`` (no request)."""
        url = url or agency.list_url
        self.log.write(url=url, kind="issue", agency_id=agency.agency_id, error=f"{check}: {detail}")
        self.stats.errors_by_kind[check] += 1
        self.issues.append({"agency_id": agency.agency_id, "check": check, "detail": detail, "url": url})

    async def robots_ok(self, agency: Agency, url: str) -> bool:
        """Whether robots.txt lets us fetch ``url`` now (never on a host refused for this run)."""
        rules = await self.robots(agency, url)
        return origin(url) not in self._host_refusal and rules.can_fetch(url, ROBOTS_TOKEN)

    async def _request(
        self,
        agency: Agency,
        url: str,
        kind: str,
        *,
        parent_url: str | None = None,
        link_title: str | None = None,
        year: int | None = None,
        resolve_year: Callable[[Fetched], int | None] | None = None,
        robots_checked: bool = False,
        body: Body | None = None,
    ) -> Fetched:
        sent = body.data.decode("utf-8", errors="replace") if body is not None else None
        method = "POST" if body is not None else None
        key = request_key(url, method, sent)
        previous = self.history.latest.get(key)
        if previous and previous.sha256 and not self.store.has(previous.sha256):
            previous = None  # object lost: fetch it again unconditionally
        if not agency.host_allowed(url):
            resp = Response(url, url, error=f"host_not_allowed: {url} is not on {agency.agency_id}'s hosts")
        elif not robots_checked and not await self.robots_ok(agency, url):
            refusal = self._host_refusal.get(origin(url))
            resp = Response(url, url, error=refusal or f"robots_disallowed: {url} disallowed by robots.txt")
        else:
            headers = {}
            if previous and previous.sha256 and method is None:
                if previous.etag:
                    headers["If-None-Match"] = previous.etag
                if previous.last_modified:
                    headers["If-Modified-Since"] = previous.last_modified
            resp = await self.http.get(
                url,
                headers=headers,
                allowed=agency.host_allowed,
                robots_ok=None if robots_checked else (lambda u: self.robots_ok(agency, u)),
                body=body,
            )
            self.stats.requests += 1
            if kind == "robots" and resp.status is not None and 400 <= resp.status < 500:
                resp.error = None  # no robots.txt: no rules, not an error
        body = sha = None
        if resp.error is None and resp.status == 304:
            if previous and previous.sha256:
                sha, body = previous.sha256, await asyncio.to_thread(self.store.read, previous.sha256)
                resp.content_type = previous.content_type
                resp.etag = resp.etag or previous.etag
                resp.last_modified = resp.last_modified or previous.last_modified
            else:
                resp.error = f"http_3xx: unsolicited 304 from {url}"
        elif resp.error is None and resp.status is not None and 200 <= resp.status < 300:
            body = resp.body or b""
            sha = await asyncio.to_thread(self.store.put, body)  # hashing and writing off the event loop
            self.stats.bytes += resp.nbytes
            if kind in ("article", "attachment"):
                self.stats.documents_downloaded += 1
        fetched = Fetched(
            url,
            resp.final_url,
            resp.status,
            body,
            sha,
            resp.content_type,
            resp.declared_type,
            resp.error,
            previous,
            year,
            key=key,
        )
        if fetched.is_html and kind in ("list", "article"):  # parsed off the event loop (lxml drops the GIL)
            fetched._tree = await asyncio.to_thread(parse_html, body, resp.declared_type)
        if fetched.year is None and resolve_year is not None and body is not None:
            fetched.year = resolve_year(fetched)
        self.write(
            agency,
            kind,
            resp,
            sha256=sha,
            parent_url=parent_url,
            link_title=link_title,
            report_year=fetched.year,
            method=method,
            request_body=sent,
        )
        return fetched


class AgencyContext:
    """What an adapter sees: one agency, its settings, and logged fetches."""

    def __init__(self, session: Session, agency: Agency, since: int | None) -> None:
        self.session = session
        self.agency = agency
        self.since = since
        self.settings = session.settings
        self.pages_read = 0
        self.articles = 0  # report pages and documents asked for (bounded by max_articles)

    def known(self, url: str) -> bool:
        return url in self.session.history.latest

    def settled(self, url: str) -> bool:
        """Known, not from an interrupted run that may have left its links unfollowed, and
        no report of the agency is waiting for a failed document (its list page may be any)."""
        k = self.session.history.latest.get(url)
        return k is not None and not k.unfinished and not self.session.history.failing(self.agency.agency_id)

    def fresh(self, url: str) -> bool:
        return self.session.fresh(url) is not None

    def report_list_pages(self) -> list[str]:
        """Pages that linked this agency's reports in earlier runs, first page first."""
        history = self.session.history
        pages = history.report_lists.get(self.agency.agency_id, [])
        # In list order, not in the order their articles happened to be logged (they are
        # fetched concurrently, so page two's may come first).
        return sorted(pages, key=lambda u: history.list_order.get(u, len(history.list_order)))

    def fresh_years(self) -> set[int]:
        """Years whose report is archived, was checked within the revalidation cadence,
        and has all its documents (``History.incomplete``)."""
        return {
            k.report_year
            for url, k in self.session.history.latest.items()
            if k.agency_id == self.agency.agency_id
            and k.kind == "article"
            and k.sha256
            and k.report_year
            and not self.session.history.incomplete(k)
            and self.session.fresh(url)
        }

    async def fetch(self, url: str, kind: str, **kw) -> Fetched:
        if kind == "list":
            self.pages_read += 1
        return await self.session._request(self.agency, url, kind, **kw)

    async def script(self, url: str, parent_url: str) -> bytes | None:
        """A script the list page loads, read for its endpoints: from the archive when it was
        checked within the revalidation cadence, else fetched (conditionally) and archived."""
        known = self.session.fresh(url)
        if known is not None:  # archived, or gone (404/410), within the cadence: no request
            return await asyncio.to_thread(self.session.store.read, known.sha256) if known.sha256 else None
        return (await self.fetch(url, "script", parent_url=parent_url)).body

    def issue(self, check: str, detail: str, url: str | None = None) -> None:
        self.session.write_issue(self.agency, check, detail, url)
