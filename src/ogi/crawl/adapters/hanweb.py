"""Hanweb (大汉) "datastore" lists: records embedded as XML in the page, paged by the script.

The page carries ``<datastore><recordset><record><![CDATA[<li><a …>]]></record>…``
inside a ``<script type="text/xml">``; the browser renders it, so the links are not
in the HTML tree. ``<nextgroup>`` (when present) points at the next batch.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

import lxml.html

from ogi.crawl.adapters.base import Adapter, ReportLink, walk_list_pages
from ogi.crawl.context import AgencyContext, Fetched
from ogi.crawl.pages import report_links

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


def _read(page: Fetched, text: str) -> tuple[list[ReportLink], str | None]:
    group = _NEXTGROUP.search(text)
    href = _HREF.search(group.group(1)) if group else None
    next_url = urljoin(page.final_url, href.group(1)) if href else None
    return records(text, page.final_url), next_url


class HanwebDatastore(Adapter):
    name = "hanweb_datastore"

    @classmethod
    def detect(cls, list_url: str, first: Fetched | None, text: str) -> bool:
        return "<datastore>" in text.lower()

    async def discover(self, ctx: AgencyContext, first: Fetched | None) -> list[ReportLink]:
        return await walk_list_pages(ctx, first, _read)
