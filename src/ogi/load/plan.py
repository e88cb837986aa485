"""What the archive holds, read without touching the network, and what still needs parsing.

The archive is the raw layer: ``objects/`` (bytes by sha256), ``fetch_log/`` (one row
per request, every run) and ``registry.csv``. This module turns the fetch log into
the two lists the load works from: distinct stored documents, and report
candidates (the latest document at each canonical URL of an article page or
attachment), so that a re-crawl of the same URL replaces its report instead of
adding one.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

import pyarrow as pa

from ogi.archive.store import ArchiveStore
from ogi.load.parse_cache import cached_shas, parser_version
from ogi.settings import settings
from ogi.storage import Where

REPORT_KINDS = ("article", "attachment")
_TRUE = {"true", "1", "yes", "y", "t"}


@dataclass(frozen=True)
class DocumentRef:
    """One archived document to parse, with what the crawl knew about it."""

    sha256: str
    url: str
    agency_id: str | None
    kind: str
    content_type: str | None
    report_year: int | None
    link_title: str | None
    first_fetched_at: datetime | None


def canonical_url(url: str) -> str:
    """URL with scheme and host lower-cased, default port and fragment dropped.

    Part of report_id, so it must not change when a crawl reaches the same page by a
    trivially different spelling.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    return urlunsplit((scheme, host, parts.path or "/", parts.query, ""))


def report_id(agency_id: str | None, year: int | None, url: str) -> str:
    """Stable id of a report: the same agency, year and canonical URL give the same id.

    ``url`` must already be canonical (DocumentRef.url is).
    """
    key = f"{agency_id or ''}|{year if year is not None else ''}|{url}"
    return hashlib.sha256(key.encode()).hexdigest()[:20]


def stored_fetches(archive: Where) -> pa.Table:
    """Fetch-log rows that stored a body (200, or 304 carrying the stored sha256)."""
    import pyarrow.compute as pc

    log = ArchiveStore(archive).fetch_log()
    ok = pc.and_(pc.is_valid(log["sha256"]), pc.is_null(log["error"]))
    return log.filter(ok)


def report_candidates(fetches: pa.Table) -> list[DocumentRef]:
    """The latest stored document at each canonical URL of an article page or attachment.

    ``url`` of each ref is the canonical URL (of the redirect target when there was one).
    """
    first_seen: dict[str, datetime] = {}
    latest: dict[str, dict] = {}
    for row in fetches.sort_by([("requested_at", "ascending")]).to_pylist():
        sha = row["sha256"]
        if sha not in first_seen:
            first_seen[sha] = row["requested_at"]
        if row["kind"] not in REPORT_KINDS:
            continue
        latest[canonical_url(row["final_url"] or row["url"])] = row
    return [
        DocumentRef(
            sha256=row["sha256"],
            url=url,
            agency_id=row["agency_id"],
            kind=row["kind"],
            content_type=row["content_type"],
            report_year=row["report_year"],
            link_title=row["link_title"],
            first_fetched_at=first_seen[row["sha256"]],
        )
        for url, row in sorted(latest.items())
    ]


def plan(archive: Where, warehouse: Where) -> list[DocumentRef]:
    """Report documents with no parse-cache entry for the current parser version.

    One ref per sha256 (the same bytes at two URLs are parsed once); a document
    whose parser version changed has no entry under the new version, so it is
    planned again.
    """
    cached = cached_shas(warehouse, parser_version())
    out: dict[str, DocumentRef] = {}
    for ref in report_candidates(stored_fetches(archive)):
        if ref.sha256 not in out and ref.sha256 not in cached:
            out[ref.sha256] = ref
    return list(out.values())


def read_registry(archive: Where) -> list[dict]:
    """Rows of ``ARCHIVE/registry.csv`` with the warehouse's agency columns.

    Lenient on purpose: a registry is hand-edited, and one odd row must not stop a
    load of everything already archived. An unreadable first_year falls back to
    the default.
    """
    text = ArchiveStore(archive).read_text("registry.csv")
    if text is None:
        return []
    first_year = settings().first_year
    rows = []
    for raw in csv.DictReader(io.StringIO(text, newline="")):
        row = {k.strip(): (v or "").strip() or None for k, v in raw.items() if k}
        if not row.get("agency_id"):
            continue
        first = row.get("first_year")
        rows.append(
            {
                "agency_id": row["agency_id"],
                "name": row.get("name"),
                "region_code": row.get("region_code"),
                "level": row.get("level"),
                "kind": row.get("kind"),
                "parent_id": row.get("parent_id"),
                "predecessor_id": row.get("predecessor_id"),
                "list_url": row.get("list_url"),
                "verified": (row.get("verified") or "").lower() in _TRUE,
                "first_year": int(first) if first and first.isdigit() else first_year,
                "in_registry": True,
            }
        )
    return rows
