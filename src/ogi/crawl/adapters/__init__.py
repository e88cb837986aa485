"""Site-family adapters. Each only discovers report links; fetching is the context's job.

Adding a family means adding a module with one ``Adapter`` subclass and listing it
here; the registry's ``adapter`` column names it, or ``detect`` picks it.
"""

from ogi.crawl.adapters.base import Adapter, ReportLink
from ogi.crawl.adapters.generic import Generic
from ogi.crawl.adapters.hanweb import HanwebDatastore
from ogi.crawl.adapters.json_api import JsonApi
from ogi.crawl.adapters.per_year import PerYearQuery
from ogi.crawl.adapters.static_list import StaticList

# Detection order matters: the most specific signature first, the link follower last.
ADAPTERS: dict[str, type[Adapter]] = {a.name: a for a in (PerYearQuery, HanwebDatastore, JsonApi, StaticList, Generic)}

__all__ = ["ADAPTERS", "Adapter", "ReportLink"]
