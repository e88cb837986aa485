"""Lists filled from an endpoint: found by reading the page and its scripts (SITES.md §2, §4).

The endpoint comes from, in this order: the agency's hint (``ogi.crawl.hints``);
the calls in the page's inline scripts and in the scripts it loads from its own
hosts (``ogi.crawl.scripts``); ``data-api``/``data-url`` attributes; endpoint-like
strings no call uses; or the list URL itself when it answers JSON. Each candidate
is asked for its first page (GET, or POST with a form or JSON body; JSONP
unwrapped) until one answers with records (found by shape, ``ogi.crawl.records``).
Its pages are then followed as the answer implies (has-next, page count, total),
or until a page is short, empty or adds nothing new, within ``max_list_pages``.

The static list adapter hands over here too when a list's first page is static and
the rest comes from the endpoint its list script names (动静结合).
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode, urljoin

from ogi.crawl.adapters.base import Adapter, ReportLink, keep_paging
from ogi.crawl.adapters.generic import Generic
from ogi.crawl.context import AgencyContext, Fetched, request_key
from ogi.crawl.hints import Hint, load_hint
from ogi.crawl.http import Body
from ogi.crawl.pages import is_report_title, report_links
from ogi.crawl.records import parse_answer, read_page
from ogi.crawl.scripts import Endpoint, Reading, endpoint_of_url, read_scripts
from ogi.encoding import decode_page

JSONP_CALLBACK = "ogi_jsonp"  # a fixed callback name: the same URL every run, so conditional GET works
_MAX_SCRIPTS = 8  # scripts read per list page
_MAX_CANDIDATES = 4  # endpoints tried per list page
_LIBRARY = re.compile(r"(?:jquery|vue|axios|react|vendor|polyfill|bootstrap|layui|echarts|swiper)[\w.-]*\.js", re.I)
_ATTRS = ("data-api", "data-url", "data-src", "data-source")


def _hint_endpoint(hint: Hint, base: str) -> Endpoint:
    return Endpoint(
        urljoin(base, hint.endpoint or ""),
        method=hint.method,
        json_body=hint.body == "json",
        params=dict(hint.params),
        page_param=hint.page_param,
        page_role=hint.paging,
        first=hint.first if hint.first is not None else (0 if hint.paging == "offset" else 1),
        size=hint.size,
        jsonp_param=hint.jsonp,
        source=f"hint {hint.source}",
    )


async def read_list_page(ctx: AgencyContext, page: Fetched) -> Reading:
    """Endpoints and detail-URL patterns from the page, its scripts and the agency's hint."""
    tree, base = page.tree(), page.final_url
    texts, srcs = [], []
    for script in tree.iter("script"):
        src = (script.get("src") or "").strip()
        if src:
            url = urljoin(base, src)
            if ctx.agency.host_allowed(url) and not _LIBRARY.search(url.rsplit("/", 1)[-1]):
                srcs.append(url)
        elif (script.get("type") or "text/javascript").lower() not in ("text/xml", "text/template"):
            texts.append(script.text or "")
    for url in srcs[:_MAX_SCRIPTS]:
        body = await ctx.script(url, base)
        if body is not None:
            texts.insert(0, decode_page(body, None))  # loaded scripts define what inline calls use
    reading = read_scripts(texts, base)
    attributed = [
        endpoint_of_url(urljoin(base, el.get(attr)))
        for el in tree.iter()
        if isinstance(el.tag, str)
        for attr in _ATTRS
        if el.get(attr)
    ]
    scripted = [e for e in reading.endpoints if e.source == "script"]
    literal = [e for e in reading.endpoints if e.source != "script"]
    reading.endpoints = scripted + attributed + literal
    hint = load_hint(ctx.agency)
    if hint is not None:
        if hint.endpoint:
            reading.endpoints.insert(0, _hint_endpoint(hint, base))
        if hint.detail_url:
            m = re.search(r"\{(\w+)\}", hint.detail_url)
            if m:
                prefix, suffix = hint.detail_url.split(m.group(0), 1)
                reading.detail_patterns.insert(0, (urljoin(base, prefix), m.group(1), suffix))
    return reading


def _request(ep: Endpoint, number: int) -> tuple[str, Body | None]:
    params = dict(ep.params)
    if ep.page_param:
        params[ep.page_param] = str(number)
    if ep.size_param and ep.size:
        params[ep.size_param] = str(ep.size)
    if ep.jsonp_param:
        params[ep.jsonp_param] = JSONP_CALLBACK
    if ep.method == "POST":
        if ep.json_body:
            typed = {k: int(v) if v.lstrip("-").isdigit() else v for k, v in params.items()}
            return ep.url, Body(json.dumps(typed, ensure_ascii=False).encode(), "application/json;charset=UTF-8")
        return ep.url, Body(urlencode(params).encode(), "application/x-www-form-urlencoded; charset=UTF-8")
    return (f"{ep.url}?{urlencode(params)}" if params else ep.url), None


async def walk_endpoint(
    ctx: AgencyContext, ep: Endpoint, reading: Reading, parent: str, first: Fetched | None = None
) -> list[ReportLink] | None:
    """Every report link the endpoint lists; None when it does not answer with records."""
    found: dict[str, ReportLink] = {}
    seen: set[str] = set()
    number, index, records_seen, first_size = ep.first, 0, 0, None
    url, body = _request(ep, number)
    page = first or await ctx.fetch(url, "list", parent_url=parent, body=body)
    while page.body is not None:
        data = parse_answer(decode_page(page.body, page.declared_type))
        if data is None:
            return None if index == 0 else list(found.values())
        answer = read_page(data, page.final_url, reading.detail_patterns)
        if index == 0 and not answer.links:
            return None
        new = [link for link in answer.links if link.url not in seen]
        seen.update(link.url for link in new)
        links = [ReportLink.of(link, page.final_url) for link in new if is_report_title(link.title)]
        for link in links:
            found.setdefault(link.url, link)
        index += 1
        records_seen += answer.records
        first_size = first_size or answer.records
        more = bool(new) and ep.page_param is not None
        if answer.has_next is not None:
            more &= answer.has_next
        elif answer.pages is not None:
            more &= index < answer.pages
        elif answer.total is not None:
            more &= records_seen < answer.total
        else:
            more &= answer.records >= first_size
        number += answer.records if ep.page_role == "offset" else 1
        url, body = _request(ep, number)
        nxt = request_key(url, "POST" if body else None, body.data.decode() if body else None) if more else None
        if not keep_paging(ctx, page, links, nxt):
            break
        page = await ctx.fetch(url, "list", parent_url=page.final_url, body=body)
    return list(found.values())


async def from_endpoints(
    ctx: AgencyContext, page: Fetched, notes: list[str], *, calls_only: bool = False
) -> list[ReportLink] | None:
    """The first candidate endpoint that answers with records, walked; None when none does.
    ``calls_only``: only endpoints a script really calls (or the hint names), no guesses."""
    reading = await read_list_page(ctx, page)
    if calls_only:
        reading.endpoints = [e for e in reading.endpoints if e.source == "script" or e.source.startswith("hint")]
    tried = reading.endpoints[:_MAX_CANDIDATES]
    named = f": {', '.join(f'{e.method} {e.url}' for e in tried)}" if tried else ""
    notes.append(f"{len(reading.endpoints)} candidate endpoint(s) from {reading.calls_seen} script call(s){named}")
    for ep in tried:
        links = await walk_endpoint(ctx, ep, reading, page.final_url)
        if links is not None:
            notes.append(f"records from {ep.method} {ep.url} ({ep.source})")
            return links
    return None


class JsonApi(Adapter):
    name = "json_api"

    @classmethod
    def detect(cls, list_url: str, first: Fetched | None, text: str) -> bool:
        if first is None:
            return False
        if parse_answer(text) is not None and (first.content_type or "").endswith(("json", "javascript")):
            return True
        return "<script" in text.lower() and not report_links(first.tree(), first.final_url)

    async def discover(self, ctx: AgencyContext, first: Fetched | None) -> list[ReportLink]:
        if first is None or first.body is None:
            return []
        if parse_answer(decode_page(first.body, first.declared_type)) is not None and not first.is_html:
            ep = endpoint_of_url(first.url)
            return await walk_endpoint(ctx, ep, Reading([ep], []), first.url, first) or []
        links = await from_endpoints(ctx, first, self.notes)
        if links:
            return links
        self.notes.append("no endpoint answered with records; links followed")  # scripts that fill no list
        return await Generic().discover(ctx, first)
