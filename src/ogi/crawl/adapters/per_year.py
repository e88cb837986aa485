"""Sites queried one year at a time: the registry's ``list_url`` holds ``{year}``.

The years asked for run from the agency's ``first_year`` to last year, read from
the clock, so a new report year is asked for without code changes. A year whose
report is archived and was checked within the revalidation cadence is not asked
again.
"""

from __future__ import annotations

from datetime import date

from ogi.crawl.adapters.base import Adapter, ReportLink
from ogi.crawl.context import AgencyContext, Fetched
from ogi.crawl.pages import report_links


class PerYearQuery(Adapter):
    name = "per_year_query"

    @classmethod
    def detect(cls, list_url: str, first: Fetched | None, text: str) -> bool:
        return "{year}" in list_url

    @property
    def needs_first_page(self) -> bool:
        return False

    async def discover(self, ctx: AgencyContext, first: Fetched | None) -> list[ReportLink]:
        start = max(ctx.agency.first_year, ctx.since or 0)
        skip = ctx.fresh_years()
        found: dict[str, ReportLink] = {}
        for year in range(start, date.today().year):
            if year in skip:
                continue
            page = await ctx.fetch(ctx.agency.list_url.replace("{year}", str(year)), "list", year=year)
            if page.body is None:
                continue
            for link in report_links(page.tree(), page.final_url):
                rl = ReportLink.of(link, page.final_url)
                found.setdefault(rl.url, ReportLink(rl.url, rl.title, rl.year or year, rl.parent_url))
        return list(found.values())
