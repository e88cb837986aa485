"""What every adapter shares: the report link, the adapter interface, pagination policy."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from ogi.crawl.context import AgencyContext, Fetched
from ogi.crawl.pages import Link, year_in
from ogi.encoding import decode_page


@dataclass(frozen=True)
class ReportLink:
    """A report found on a list: its article (or document) URL, title, year when the title has it."""

    url: str
    title: str
    year: int | None
    parent_url: str

    @classmethod
    def of(cls, link: Link, parent_url: str) -> ReportLink:
        return cls(link.url, link.title, year_in(link.title), parent_url)


class Adapter:
    """One site family. ``detect`` looks at the first list page; ``discover`` walks the list."""

    name: ClassVar[str]

    def __init__(self) -> None:
        self.notes: list[str] = []  # what discovery recognised, for a no_reports_found issue

    @classmethod
    def detect(cls, list_url: str, first: Fetched | None, text: str) -> bool:
        raise NotImplementedError

    @property
    def needs_first_page(self) -> bool:
        return True

    async def discover(self, ctx: AgencyContext, first: Fetched | None) -> list[ReportLink]:
        raise NotImplementedError


def keep_paging(ctx: AgencyContext, page: Fetched, links: list[ReportLink], next_url: str | None) -> bool:
    """Whether to read the next list page.

    A nightly re-run must not walk every page: when this page is unchanged since
    the last run and every report on it is already known, the pages behind it
    hold nothing new, provided the next page was itself read before by a run
    that finished (otherwise an interrupted run would leave the reports behind
    page one undiscovered).
    """
    if not next_url or ctx.pages_read >= ctx.settings.max_list_pages:
        return False
    if not ctx.settled(next_url):
        return True
    return page.changed or any(not ctx.known(link.url) for link in links)


PageReader = Callable[[Fetched, str], tuple[list[ReportLink], str | None]]


async def walk_list_pages(ctx: AgencyContext, first: Fetched | None, read: PageReader) -> list[ReportLink]:
    """Follow a paginated list from its first page: ``read`` gives a page's report
    links and the next page's URL; paging stops as ``keep_paging`` says, and never
    loops back to a page already read."""
    found: dict[str, ReportLink] = {}
    page, visited = first, set()
    while page is not None and page.body is not None:
        visited.add(page.final_url)
        links, nxt = read(page, decode_page(page.body, page.declared_type))
        for link in links:
            found.setdefault(link.url, link)
        if nxt in visited or not keep_paging(ctx, page, links, nxt):
            break
        page = await ctx.fetch(nxt, "list", parent_url=page.final_url)
    return list(found.values())
