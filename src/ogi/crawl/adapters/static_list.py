"""Static paginated lists: ``index.html``, ``index_1.html``, … (TRS and similar CMSs).

A list with a single static page whose scripts call an endpoint is "static first
page, data for the rest" (SITES.md §2): the endpoint's pages follow
(``json_api.from_endpoints``). A hint's ``selector`` (XPath) picks the report
links when the page has them outside anything recognisable.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

import lxml.html

from ogi.crawl.adapters.base import Adapter, ReportLink, walk_list_pages
from ogi.crawl.context import AgencyContext, Fetched
from ogi.crawl.hints import load_hint
from ogi.crawl.pages import anchors, report_links

# TRS: createPageHTML(total_pages, current_index, "index", "html")
_CREATE_PAGE = re.compile(r"createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*[\"'](\w+)[\"']\s*,\s*[\"'](\w+)[\"']")
_NEXT_TEXT = re.compile(r"^\s*(下一页|下页|后页|next|&gt;|>)\s*$", re.I)


def _read(page: Fetched, text: str) -> tuple[list[ReportLink], str | None]:
    links = [ReportLink.of(x, page.final_url) for x in report_links(page.tree(), page.final_url)]
    return links, next_page(page, text)


def _selected(selector: str):
    """A page reader taking the report links from the hint's XPath instead of the whole page."""

    def read(page: Fetched, text: str) -> tuple[list[ReportLink], str | None]:
        picked = [a for a in page.tree().xpath(selector) if getattr(a, "tag", None) == "a"]
        box = lxml.html.fragment_fromstring("".join(lxml.html.tostring(a, encoding="unicode") for a in picked), "div")
        return [ReportLink.of(x, page.final_url) for x in report_links(box, page.final_url)], next_page(page, text)

    return read


def next_page(page: Fetched, text: str) -> str | None:
    for link in anchors(page.tree(), page.final_url):
        if _NEXT_TEXT.match(link.title) and link.url.rstrip("/") != page.final_url.rstrip("/"):
            return link.url
    m = _CREATE_PAGE.search(text)
    if m:
        total, current, stem, ext = int(m.group(1)), int(m.group(2)), m.group(3), m.group(4)
        if current + 1 < total:
            return urljoin(page.final_url, f"{stem}_{current + 1}.{ext}")
    return None


class StaticList(Adapter):
    name = "static_list"

    @classmethod
    def detect(cls, list_url: str, first: Fetched | None, text: str) -> bool:
        return first is not None and (
            bool(_CREATE_PAGE.search(text)) or bool(report_links(first.tree(), first.final_url))
        )

    async def discover(self, ctx: AgencyContext, first: Fetched | None) -> list[ReportLink]:
        from ogi.crawl.adapters.json_api import from_endpoints  # json_api builds on the link follower

        hint = load_hint(ctx.agency)
        links = await walk_list_pages(ctx, first, _selected(hint.selector) if hint and hint.selector else _read)
        if first is not None and first.is_html and ctx.pages_read <= 1:
            rest = await from_endpoints(ctx, first, self.notes, calls_only=True)
            known = {link.url for link in links}
            links += [link for link in rest or [] if link.url not in known]
        return links
