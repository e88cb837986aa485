"""The fallback: follow links from the list URL toward the OGI report column.

Breadth-first over the agency's own hosts, only along links whose text or URL
looks like the 政府信息公开 area (信息公开, 年报, ``xxgk``, ``ndbg``, …) or like
pagination, up to ``generic_depth`` hops (a list's further pages count as the same
hop) and ``max_list_pages`` pages. Every page
is read on the first run. Later runs, when the entry page is unchanged, go straight
to the pages that listed reports before and page on from them like a static list
(``keep_paging``); a changed entry page means the site moved things: walk again.
"""

from __future__ import annotations

import re
from collections import deque

from ogi.crawl.adapters.base import Adapter, ReportLink
from ogi.crawl.adapters.static_list import StaticList
from ogi.crawl.context import AgencyContext, Fetched
from ogi.crawl.pages import anchors, is_attachment_url, is_report_title

_FOLLOW_TEXT = re.compile(r"信息公开|政务公开|年报|年度报告|法定主动公开|下一页|下页|^\s*\d+\s*$")
_FOLLOW_URL = re.compile(r"xxgk|zfxxgk|zwgk|ndbg|gknb|nianbao|index_\d+", re.I)
_PAGER = re.compile(r"^\s*(下一页|下页|\d+)\s*$")
_PAGER_URL = re.compile(r"(index|list)_\d+\.s?html?$", re.I)
_SKIP_URL = re.compile(r"\.(jpg|jpeg|png|gif|zip|rar|xls|xlsx|css|js)(\?|$)", re.I)


class Generic(Adapter):
    name = "generic"

    @classmethod
    def detect(cls, list_url: str, first: Fetched | None, text: str) -> bool:
        return True

    async def discover(self, ctx: AgencyContext, first: Fetched | None) -> list[ReportLink]:
        found: dict[str, ReportLink] = {}
        if first is None or first.body is None:
            return []
        known_lists = [u for u in ctx.report_list_pages() if u != first.final_url]
        if known_lists and not first.changed:
            column = await ctx.fetch(known_lists[0], "list", parent_url=first.final_url)
            if column.body is not None:
                return await StaticList().discover(ctx, column)
        queue: deque[tuple[Fetched, int]] = deque([(first, 0)])
        seen = {first.url, first.final_url}
        while queue:
            page, depth = queue.popleft()
            if not page.is_html:
                continue
            for link in anchors(page.tree(), page.final_url):
                if is_report_title(link.title):
                    found.setdefault(link.url, ReportLink.of(link, page.final_url))
                    continue
                follow = _FOLLOW_TEXT.search(link.title) or _FOLLOW_URL.search(link.url)
                if (
                    depth < ctx.settings.generic_depth
                    and follow
                    and link.url not in seen
                    and ctx.agency.host_allowed(link.url)
                    and not is_attachment_url(link.url)
                    and not _SKIP_URL.search(link.url)
                    and ctx.pages_read < ctx.settings.max_list_pages
                ):
                    seen.add(link.url)
                    child = await ctx.fetch(link.url, "list", parent_url=page.final_url, link_title=link.title)
                    pager = _PAGER.match(link.title) or _PAGER_URL.search(link.url)
                    queue.append((child, depth if pager else depth + 1))  # pages of a list: same depth
        return list(found.values())
