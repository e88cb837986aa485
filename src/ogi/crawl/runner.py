"""``crawl()``: every agency of the registry, concurrently, into the archive.

Agencies run as independent tasks (at most ``max_agencies`` at once) over one
shared HTTP client whose gates are per host, so a slow or failing host only
holds its own agencies. An agency's failure is logged and counted, never
raised: the run goes on and ends with a summary.
"""

from __future__ import annotations

import asyncio
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ogi.archive.store import ArchiveStore, FetchLogWriter
from ogi.crawl.adapters import ADAPTERS, Adapter, ReportLink
from ogi.crawl.context import AgencyContext, History, Known, Session
from ogi.crawl.hints import load_hint
from ogi.crawl.pages import attachments, is_attachment_url, page_year, parse_html
from ogi.encoding import decode_page
from ogi.registry import Agency, load_registry
from ogi.settings import CrawlSettings
from ogi.settings import settings as current_settings


@dataclass
class CrawlSummary:
    run_id: str
    agencies_visited: int = 0
    reports_found: int = 0
    reports_new: int = 0
    reports_changed: int = 0
    documents_downloaded: int = 0
    bytes: int = 0
    requests: int = 0
    seconds: float = 0.0
    errors_by_kind: dict[str, int] = field(default_factory=dict)
    failed_agencies: dict[str, str] = field(default_factory=dict)
    # Named crawl issues ({agency_id, check, detail, url}): no_reports_found, article_cap, …
    issues: list[dict[str, str]] = field(default_factory=list)


@dataclass
class _Tally:
    found: int = 0
    new: int = 0
    changed: int = 0


def new_run_id() -> str:
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(3)}"


def _pick_adapter(agency: Agency, first_text: str, first) -> Adapter:
    if agency.adapter:
        return ADAPTERS[agency.adapter]()
    for cls in ADAPTERS.values():
        if cls.detect(agency.list_url, first, first_text):
            return cls()
    raise AssertionError("the generic adapter always matches")


async def _report(ctx: AgencyContext, link: ReportLink, tally: _Tally) -> None:
    """Archive one report: its article page and every document linked from its body."""
    since = ctx.since
    if since and link.year and link.year < since:
        return
    known = ctx.session.fresh(link.url)
    if known is not None:
        tally.found += 1
        if known.sha256 and ctx.session.history.incomplete(known):
            await _unfinished_article(ctx, known)
        return
    if is_attachment_url(link.url):  # the list links the document itself
        doc = await ctx.fetch(link.url, "attachment", parent_url=link.parent_url, link_title=link.title, year=link.year)
        if doc.body is not None:
            tally.found += 1
            tally.new += doc.previous is None
            tally.changed += doc.previous is not None and doc.changed
        return
    article = await ctx.fetch(
        link.url,
        "article",
        parent_url=link.parent_url,
        link_title=link.title,
        year=link.year,
        resolve_year=lambda f: page_year(f.tree()) if f.is_html else None,
    )
    if article.body is None or (since and article.year and article.year < since):
        return
    tally.found += 1
    changed = article.previous is not None and article.changed
    if article.is_html:
        changed |= await _attachments(ctx, article.tree(), article.final_url, article.year)
    if article.previous is None or article.previous.sha256 is None:
        tally.new += 1
    elif changed:
        tally.changed += 1


async def _attachments(ctx: AgencyContext, tree, base: str, year: int | None) -> bool:
    """Fetch the article's documents not archived within the cadence; True if one changed."""
    changed = False
    for att in attachments(tree, base):
        if ctx.fresh(att.url):
            continue
        doc = await ctx.fetch(att.url, "attachment", parent_url=base, link_title=att.title, year=year)
        changed |= doc.previous is not None and doc.previous.sha256 is not None and doc.changed
    return changed


async def _unfinished_article(ctx: AgencyContext, known: Known) -> None:
    """An article archived without all its documents (its run was killed, or a download
    failed): read the archived page (no request) and fetch what is missing."""
    if not (known.content_type or "").startswith("text/html"):
        return
    body = await asyncio.to_thread(ctx.session.store.read, known.sha256)
    tree = await asyncio.to_thread(parse_html, body)
    await _attachments(ctx, tree, known.final_url or "", known.report_year)


_LIST_FAMILIES = ("json_api", "hanweb_datastore", "static_list")


async def _known_list(ctx: AgencyContext) -> list[ReportLink] | None:
    """A re-run within the revalidation cadence of the entry page: straight to the list.

    The entry page of a generic site or the HTML shell of a JSON list only leads to
    the page that lists the reports; when the entry page was read within
    ``revalidate_after_days``, the first page that listed reports in earlier runs is
    read directly and paged on from. None (walk from the entry page as usual) when
    there is no such page, it is gone, or it no longer lists any report.
    """
    agency = ctx.agency
    known = ctx.report_list_pages()
    if not known or known[0] == agency.list_url or not ctx.fresh(agency.list_url):
        return None
    if known[0] not in ctx.session.history.latest:
        return None  # read by POST (its pages share the URL): only the walk from the page knows how
    page = await ctx.fetch(known[0], "list", parent_url=agency.list_url)
    if page.body is None:
        return None
    text = decode_page(page.body, page.declared_type)
    families = [agency.adapter] if agency.adapter in _LIST_FAMILIES else _LIST_FAMILIES
    for name in families:
        adapter = ADAPTERS[name]
        if adapter.detect(page.final_url, page, text):
            return await adapter().discover(ctx, page) or None
    return None


def _mechanism(adapter: Adapter, first, text: str) -> str:
    """What the list page was recognised as, for an operator choosing a hint."""
    seen = [f"adapter {adapter.name}"]
    if first is not None and first.body is not None:
        seen.append(f"{first.content_type or 'unknown type'}, {len(first.body)} bytes")
        seen.append(f"{text.lower().count('<script')} script element(s)")
    return "; ".join(seen + adapter.notes)


async def _agency(session: Session, agency: Agency, since: int | None, tally: _Tally) -> bool:
    """Crawl one agency; False when its list could not be read (nothing was walked)."""
    ctx = AgencyContext(session, agency, since)
    first, text = None, ""
    needs_first = not (agency.adapter == "per_year_query" or (not agency.adapter and "{year}" in agency.list_url))
    links = await _known_list(ctx) if needs_first else None
    if links is None:
        if needs_first:
            first = await ctx.fetch(agency.list_url, "list")
            if first.body is None:
                return False
            text = decode_page(first.body, first.declared_type)
        adapter = _pick_adapter(agency, text, first)
        links = await adapter.discover(ctx, first)
        if not links and ctx.pages_read:
            ctx.issue(
                "no_reports_found",
                f"the list page was read but no report was found on it ({_mechanism(adapter, first, text)}); "
                "the agency may need a hint (registry column hints)",
            )
    cap = session.settings.max_articles
    if len(links) > cap:
        ctx.issue("article_cap", f"{len(links)} report links found, {cap} followed (max_articles); the rest next run")
        links = links[:cap]
    # Reports of one agency in parallel up to the host's own limit; the gate spaces them.
    sem = asyncio.Semaphore(session.settings.per_host)

    async def one(link: ReportLink) -> None:
        async with sem:
            await _report(ctx, link, tally)

    await asyncio.gather(*(one(link) for link in links))
    return True


async def _crawl(
    agencies: list[Agency],
    store: ArchiveStore,
    run_id: str,
    since: int | None,
    settings: CrawlSettings,
    on_agency_done: Callable[[Agency], None],
    *,
    whole: bool = False,
) -> CrawlSummary:
    """``whole``: ``agencies`` is the entire registry (so a finished run resumes every agency)."""
    store.seal_journals()  # a killed run's rows become history for this one
    unresumed = store.unresumed()
    history = History(store.fetch_log(), unresumed)
    log = FetchLogWriter(store, run_id)
    walked: set[str] = set()
    session = Session(settings, store, log, history)
    summary = CrawlSummary(run_id=run_id)
    tally = _Tally()
    limit = asyncio.Semaphore(settings.max_agencies)
    started = asyncio.get_running_loop().time()

    async def guarded(agency: Agency) -> None:
        async with limit:
            try:
                if await _agency(session, agency, since, tally):
                    walked.add(agency.agency_id)
            except Exception as e:  # one agency's bug or bad page must not end the run
                summary.failed_agencies[agency.agency_id] = f"{type(e).__name__}: {e}"
                session.stats.errors_by_kind["agency_failed"] += 1
            finally:
                summary.agencies_visited += 1
                on_agency_done(agency)

    finished = False
    try:
        await asyncio.gather(*(guarded(a) for a in agencies))
        finished = True
    finally:
        await session.http.aclose()
        # A finished run picked up the interrupted runs for the agencies it walked in
        # full (no --since); a run ended by an exception is itself interrupted.
        every = whole and since is None and walked == {a.agency_id for a in agencies}
        log.close(
            finished=finished,
            resumes=sorted(unresumed) if since is None else [],
            agencies=None if every else sorted(walked),
        )
    summary.seconds = asyncio.get_running_loop().time() - started
    summary.reports_found, summary.reports_new, summary.reports_changed = tally.found, tally.new, tally.changed
    summary.documents_downloaded = session.stats.documents_downloaded
    summary.bytes = session.stats.bytes
    summary.requests = session.stats.requests
    summary.issues = list(session.issues)
    summary.errors_by_kind = dict(Counter(session.stats.errors_by_kind).most_common())
    return summary


def crawl(
    registry: Path,
    archive: Path,
    *,
    agencies: list[str] | None = None,
    since: int | None = None,
    settings: CrawlSettings | None = None,
    progress: bool = False,
) -> CrawlSummary:
    """Crawl the registry's agencies (or the given ids) into ``archive``; see the module doc."""
    rows = load_registry(registry)
    for agency in rows:
        load_hint(agency)  # a broken hint file stops the run before any request, naming the file
    if agencies:
        unknown = sorted(set(agencies) - {a.agency_id for a in rows})
        if unknown:
            raise KeyError(f"{registry}: no agency with id {', '.join(unknown)}")
        rows = [a for a in rows if a.agency_id in set(agencies)]
    store = ArchiveStore(archive)
    if not store.remote:
        Path(store.root).mkdir(parents=True, exist_ok=True)
    store.save_registry(registry)
    run_id = new_run_id()
    settings = settings or current_settings().crawl
    if not progress:
        summary = asyncio.run(_crawl(rows, store, run_id, since, settings, lambda _a: None, whole=not agencies))
    else:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(
            TextColumn("crawl"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
        ) as bar:
            task = bar.add_task("", total=len(rows))
            summary = asyncio.run(
                _crawl(
                    rows,
                    store,
                    run_id,
                    since,
                    settings,
                    lambda a: bar.update(task, advance=1, description=a.agency_id),
                    whole=not agencies,
                )
            )
    store.export_csv()
    return summary
