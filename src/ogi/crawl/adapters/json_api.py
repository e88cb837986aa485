"""Lists filled by a JSON endpoint: the page's script fetches ``…/api/…?page=N``.

The endpoint is read from the list page (a ``data-api``/``data-url`` attribute or a
URL string in a script), or the list URL is the endpoint itself. Record and
paging keys differ between CMSs, so the JSON is searched for the list of records
that carry a title and a URL, and for the usual page-count keys.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from ogi.crawl.adapters.base import Adapter, ReportLink, keep_paging
from ogi.crawl.context import AgencyContext, Fetched
from ogi.crawl.pages import Link, is_report_title
from ogi.encoding import decode_page

_TITLE_KEYS = ("title", "doctitle", "name", "biaoti", "wzbt", "subject")
_URL_KEYS = ("url", "link", "href", "docurl", "docpuburl", "path", "pageurl")
_PAGES_KEYS = ("totalpage", "totalpages", "pagecount", "pages")
_PAGE_PARAMS = ("page", "pageno", "pagenum", "pageindex", "current", "p")
_API_IN_SCRIPT = re.compile(r"""["']((?:https?://[^"'\s]+)?/[^"'\s]*(?:api|json|data)[^"'\s]*)["']""", re.I)


def endpoint(first: Fetched, text: str) -> str | None:
    if (first.content_type or "") == "application/json":
        return first.final_url
    tree = first.tree()
    for el in tree.iter():
        for attr in ("data-api", "data-url", "data-src"):
            if isinstance(el.tag, str) and el.get(attr):
                return urljoin(first.final_url, el.get(attr))
    for script in tree.iter("script"):
        m = _API_IN_SCRIPT.search(script.text or "")
        if m:
            return urljoin(first.final_url, m.group(1))
    return None


def _records(data: Any) -> list[dict]:
    """The largest list of dicts anywhere in ``data`` whose items have a title and a URL key."""
    best: list[dict] = []
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            items = [x for x in node if isinstance(x, dict)]
            keys = {k.lower() for x in items for k in x}
            if items and keys & set(_TITLE_KEYS) and keys & set(_URL_KEYS) and len(items) > len(best):
                best = items
            stack.extend(node)
    return best


def _get(item: dict, keys: tuple[str, ...]) -> Any:
    lowered = {k.lower(): v for k, v in item.items()}
    return next((lowered[k] for k in keys if lowered.get(k)), None)


def _total_pages(data: Any) -> int | None:
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for k, v in node.items():
                if k.lower() in _PAGES_KEYS and str(v).isdigit():
                    return int(v)
                stack.append(v)
    return None


def with_page(url: str, page: int) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    names = [k for k, _ in query if k.lower() in _PAGE_PARAMS]
    name = names[0] if names else "page"
    query = [(k, v) for k, v in query if k != name] + [(name, str(page))]
    return urlunsplit(parts._replace(query=urlencode(query)))


def current_page(url: str) -> int:
    for k, v in parse_qsl(urlsplit(url).query):
        if k.lower() in _PAGE_PARAMS and v.isdigit():
            return int(v)
    return 1


class JsonApi(Adapter):
    name = "json_api"

    @classmethod
    def detect(cls, list_url: str, first: Fetched | None, text: str) -> bool:
        if first is None:
            return False
        if (first.content_type or "") == "application/json":
            return True
        return bool(re.search(r"data-(api|url)\s*=", text))

    async def discover(self, ctx: AgencyContext, first: Fetched | None) -> list[ReportLink]:
        if first is None or first.body is None:
            return []
        text = decode_page(first.body, first.declared_type)
        api = endpoint(first, text)
        if api is None:
            return []
        page = first if api == first.final_url else await ctx.fetch(api, "list", parent_url=first.final_url)
        found: dict[str, ReportLink] = {}
        number = current_page(api)
        while page.body is not None:
            try:
                data = json.loads(decode_page(page.body, page.declared_type))
            except ValueError:
                break
            links = []
            for item in _records(data):
                title, url = str(_get(item, _TITLE_KEYS) or ""), _get(item, _URL_KEYS)
                if url and is_report_title(title):
                    link = ReportLink.of(Link(urljoin(page.final_url, str(url)), title), page.final_url)
                    year = _get(item, ("year", "nd", "reportyear"))
                    if link.year is None and str(year or "").isdigit():
                        link = ReportLink(link.url, link.title, int(year), link.parent_url)
                    links.append(link)
            for link in links:
                found.setdefault(link.url, link)
            total = _total_pages(data)
            nxt = with_page(api, number + 1) if (total is None and _records(data)) or (total or 0) > number else None
            if not keep_paging(ctx, page, links, nxt):
                break
            number += 1
            page = await ctx.fetch(nxt, "list", parent_url=page.final_url)
        return list(found.values())
