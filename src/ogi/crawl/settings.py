"""Every politeness and safety knob of the crawler, in one place."""

from __future__ import annotations

from dataclasses import dataclass

USER_AGENT = "ogi-crawler/0.1 (+OGI annual report archive; batch, polite; robots.txt obeyed)"


@dataclass(frozen=True)
class CrawlSettings:
    """Defaults are meant for real government sites, which are small and often fragile.

    ``delay`` is the minimum time between the starts of two requests to one host
    (robots.txt ``Crawl-delay`` wins when it is longer); ``per_host`` bounds
    concurrent connections to a host. ``revalidate_after_days`` is the slower
    cadence at which already-archived articles and attachments are revalidated
    with a conditional GET; list pages are re-read on every run, and the entry page
    that only leads to them (a generic site's home page, a JSON list's HTML shell)
    on the same slower cadence.

    ``request_deadline`` bounds a whole request (connect, headers, body), where
    ``read_timeout`` only bounds the wait between two bytes: a host that sends a byte
    every few seconds is given up. ``max_crawl_delay`` caps what a robots.txt
    ``Crawl-delay`` may ask: a host asking more is not crawled in this run (logged
    as ``crawl_delay_too_long``; a later run tries again). ``max_retry_after`` is
    the longest ``Retry-After`` waited for within a run. ``max_articles`` bounds the
    report pages followed per agency and run (a list that invents new links
    endlessly stops there, logged as ``article_cap``).
    """

    per_host: int = 2
    delay: float = 1.0
    user_agent: str = USER_AGENT
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    retries: int = 3  # extra attempts after the first, on timeouts, network errors and 5xx
    backoff: float = 1.0  # first retry waits this long, doubling each time
    backoff_max: float = 30.0
    max_bytes: int = 50 * 1024 * 1024
    max_redirects: int = 5
    max_list_pages: int = 50  # per agency: pagination and generic link following stop here
    generic_depth: int = 3
    max_agencies: int = 256  # agencies crawled at the same time (mostly waiting on their host gates)
    revalidate_after_days: float = 30.0
    request_deadline: float = 300.0  # 50 MB (max_bytes) at 170 KB/s still arrives
    max_crawl_delay: float = 30.0
    max_retry_after: float = 120.0
    max_articles: int = 200

    def __post_init__(self) -> None:
        if self.per_host < 1:
            raise ValueError("per_host must be at least 1")
        if self.delay < 0 or self.retries < 0 or self.max_bytes < 1:
            raise ValueError("delay and retries must be >= 0, max_bytes >= 1")
