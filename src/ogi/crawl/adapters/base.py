"""What every adapter shares: the report link, the adapter interface, pagination policy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ogi.crawl.context import AgencyContext, Fetched
from ogi.crawl.pages import Link, year_in


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
