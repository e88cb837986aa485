"""Hanweb (大汉) "datastore" lists: records embedded as XML in the page, paged by the script.

The page carries ``<datastore><recordset><record><![CDATA[<li><a …>]]></record>…``
inside a ``<script type="text/xml">``; the browser renders it, so the links are not
in the HTML tree. ``<nextgroup>`` (when present) points at the next batch.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

import lxml.html

from ogi.crawl.adapters.base import Adapter, ReportLink, keep_paging
from ogi.crawl.context import AgencyContext, Fetched
from ogi.crawl.pages import report_links
from ogi.encoding import decode_page

_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S | re.I)
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[(.*?)\]\]>", re.S | re.I)
_HREF = re.compile(r"href=[\"']([^\"']+)[\"']", re.I)


def records(text: str, base: str) -> list[ReportLink]:
    out: dict[str, ReportLink] = {}
    for fragment in _RECORD.findall(text):
        tree = lxml.html.document_fromstring(f"<html><body>{fragment}</body></html>")
        for link in report_links(tree, base):
            out.setdefault(link.url, ReportLink.of(link, base))
    return list(out.values())


class HanwebDatastore(Adapter):
    name = "hanweb_datastore"

    @classmethod
    def detect(cls, list_url: str, first: Fetched | None, text: str) -> bool:
        return "<datastore>" in text.lower()

    async def discover(self, ctx: AgencyContext, first: Fetched | None) -> list[ReportLink]:
        found: dict[str, ReportLink] = {}
        page, visited = first, set()
        while page is not None and page.body is not None:
            visited.add(page.final_url)
            text = decode_page(page.body, page.declared_type)
            links = records(text, page.final_url)
            for link in links:
                found.setdefault(link.url, link)
            group = _NEXTGROUP.search(text)
            href = _HREF.search(group.group(1)) if group else None
            nxt = urljoin(page.final_url, href.group(1)) if href else None
            if nxt in visited or not keep_paging(ctx, page, links, nxt):
                break
            page = await ctx.fetch(nxt, "list", parent_url=page.final_url)
        return list(found.values())
