"""What the archive holds, read without touching the network, and what still needs parsing.

The archive is the raw layer: ``objects/`` (bytes by sha256), ``fetch_log/`` (one row
per request, every run) and ``registry.csv``. This module turns the fetch log into
the two lists the load works from: distinct stored documents, and report
candidates (the latest document at each canonical URL of an article page or
attachment), so that a re-crawl of the same URL replaces its report instead of
adding one.

An article whose body is a sequence of pictures (the crawler archives its images as
attachments with the article as ``parent_url``) is one report: its ref has the
pictures as ``parts`` in page order (the order of the ``<img>`` elements in the
archived page), and its ``sha256`` is the key of those parts
(:func:`ogi.archive.parts.parts_sha256`). The pictures are not reports of their own.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

import pyarrow as pa

from ogi.archive.parts import parts_sha256
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
    #: sha256 of each archived picture, in page order, when the document is an article
    #: published as pictures (``sha256`` is then their key); empty for one object.
    parts: tuple[str, ...] = ()
    #: Pictures the archived article shows that were never archived (their URLs): the
    #: report is read without them, and the load records a ``missing_part`` error.
    missing_parts: tuple[str, ...] = ()
    #: Set by the parse fan-out on the documents of its light batches: one that turns
    #: out to need OCR (a PDF without a text layer) is handed back for a heavy batch
    #: instead of being read there (``ogi.extract.heavy``).
    ocr_deferred: bool = False


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


def report_candidates(fetches: pa.Table, store: ArchiveStore | None = None) -> list[DocumentRef]:
    """The latest stored document at each canonical URL of an article page or attachment.

    ``url`` of each ref is the canonical URL (of the redirect target when there was one).
    An article with archived pictures becomes one ref of parts (see the module doc);
    the page order comes from the archived article (``store``), or, without a store,
    from the order the crawler fetched them in (which follows the page).
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
    pictures = _pictures_by_article(latest)
    pages = {url for by_url in pictures.values() for url in by_url}
    refs = []
    for url, row in sorted(latest.items()):
        if url in pages:
            continue  # a page of a picture-sequence article, read as part of it
        ref = DocumentRef(
            sha256=row["sha256"],
            url=url,
            agency_id=row["agency_id"],
            kind=row["kind"],
            content_type=row["content_type"],
            report_year=row["report_year"],
            link_title=row["link_title"],
            first_fetched_at=first_seen[row["sha256"]],
        )
        if url in pictures:
            ref = _with_parts(ref, row, pictures[url], store)
        refs.append(ref)
    return refs


def _is_picture(row: dict) -> bool:
    return row["kind"] == "attachment" and (row["content_type"] or "").startswith("image/")


def _pictures_by_article(latest: dict[str, dict]) -> dict[str, dict[str, dict]]:
    """Article URL → its archived pictures (canonical URL → fetch row), in fetch order."""
    articles = {url for url, row in latest.items() if row["kind"] == "article"}
    out: dict[str, dict[str, dict]] = {}
    for url, row in sorted(latest.items(), key=lambda item: item[1]["requested_at"]):
        parent = canonical_url(row["parent_url"] or "") if row["parent_url"] else None
        if _is_picture(row) and parent in articles:
            out.setdefault(parent, {})[url] = row
    return out


def _with_parts(ref: DocumentRef, article: dict, pictures: dict[str, dict], store: ArchiveStore | None) -> DocumentRef:
    """The article as the document of its pictures, in the page's order (the plain
    article when its archived page shows none of them any more)."""
    shown = _page_order(store, article, pictures) if store is not None else None
    order, missing = (list(pictures), []) if shown is None else shown
    if not order:
        return ref
    parts = tuple(pictures[url]["sha256"] for url in order)
    return DocumentRef(
        sha256=parts_sha256(parts),
        url=ref.url,
        agency_id=ref.agency_id,
        kind=ref.kind,
        content_type=pictures[order[0]]["content_type"],
        report_year=ref.report_year,
        link_title=ref.link_title,
        first_fetched_at=ref.first_fetched_at,
        parts=parts,
        missing_parts=tuple(missing),
    )


def _page_order(store: ArchiveStore, article: dict, pictures: dict[str, dict]) -> tuple[list[str], list[str]] | None:
    """The archived pictures in the order the archived article shows them (the crawler's
    own reading of the page: ``ogi.crawl.pages.attachments``), and the pictures it shows
    that were never archived (a failed fetch). A picture the page no longer shows (an
    earlier version's) is left out; None when the page cannot be read."""
    from ogi.crawl.pages import attachments, is_picture_url, parse_html

    try:
        tree = parse_html(store.read(article["sha256"]))
    except (FileNotFoundError, ValueError):
        return None
    shown = [canonical_url(link.url) for link in attachments(tree, article["final_url"] or article["url"])]
    return [url for url in shown if url in pictures], [
        url for url in shown if url not in pictures and is_picture_url(url)
    ]


def plan(archive: Where, warehouse: Where) -> list[DocumentRef]:
    """Report documents with no parse-cache entry for the current parser version.

    One ref per sha256 (the same bytes at two URLs are parsed once); a document
    whose parser version changed has no entry under the new version, so it is
    planned again.
    """
    cached = cached_shas(warehouse, parser_version())
    out: dict[str, DocumentRef] = {}
    for ref in report_candidates(stored_fetches(archive), ArchiveStore(archive)):
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
