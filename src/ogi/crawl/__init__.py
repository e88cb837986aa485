"""Crawl agency sites and archive every report document (``ogi crawl``)."""

from ogi.settings import CrawlSettings

__all__ = ["CrawlSettings"]
