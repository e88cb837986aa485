"""Bounds on what one document may cost to parse, and the errors that name them.

A report is a few pages, a few tables, a few hundred kilobytes of text. A file far
beyond that is hostile or broken (a DOCX whose XML inflates to gigabytes, an HTML
table of nested 200×200 spans, a PDF of thousands of pages), and parsing it would
take the worker's memory or the batch's time. Each limit below is checked as early
as it can be (before inflating, before expanding a grid), and a document beyond
one gets a named error (``document_too_large``, ``parse_timeout``): the batch goes
on without it. The numbers are far above any real report (the largest in the
corpus: 60 pages, 600 grid cells per table, 2,000 paragraphs).

LIMITS is the one place these knobs live; the checks read it when they run, so a
caller (a test, a future settings module) may replace it.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ogi.extract.errors import UnreadableDocument

if TYPE_CHECKING:
    from lxml import etree


@dataclass(frozen=True)
class ParseLimits:
    """Per-document parse limits (and the per-worker memory cap)."""

    max_unzipped_bytes: int = 200 * 2**20  # sum of a DOCX's inflated members
    max_zip_ratio: int = 500  # inflated / compressed, per member (text XML compresses ~10×)
    max_grid_cells: int = 200_000  # positions of one HTML/DOCX table after spans are expanded
    max_pages: int = 1_000
    max_paragraphs: int = 100_000
    max_seconds: float = 120.0  # wall time of one document's parse
    # address space a pool worker may add to what it has at start (RLIMIT_AS = that + this):
    # its start size is mostly reservations (pyarrow's allocator: ~1.3 GB virtual, ~90 MB resident)
    worker_memory_bytes: int = 768 * 2**20
    # more address space while a document is read with OCR (onnxruntime's models, arenas and
    # threads reserve ~1.5 GB, ~0.7 GB resident); ogi.worker_limits.allowance
    ocr_memory_bytes: int = 1536 * 2**20


LIMITS = ParseLimits()


class DocumentTooLarge(UnreadableDocument):
    """The document exceeds a parse limit; the message says which."""

    check = "document_too_large"


class ParseTimeout(UnreadableDocument):
    """The document's parse ran past the wall-time limit."""

    check = "parse_timeout"


def current() -> ParseLimits:
    return LIMITS


def check_zip(data: bytes, name: str) -> None:
    """Refuse a zip (DOCX) whose members would inflate beyond the limits, before inflating any."""
    import io

    limits = current()
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except zipfile.BadZipFile:
        return  # the DOCX reader reports a bad zip in its own words
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > limits.max_zip_ratio * max(info.compress_size, 1) and info.file_size > 2**20:
            raise DocumentTooLarge(
                f"{name}: {info.filename} inflates {info.file_size // max(info.compress_size, 1)}× "
                f"({info.file_size:,} bytes; limit {limits.max_zip_ratio}×)"
            )
    if total > limits.max_unzipped_bytes:
        raise DocumentTooLarge(f"{name}: inflates to {total:,} bytes (limit {limits.max_unzipped_bytes:,})")


def check_count(what: str, count: int, name: str) -> None:
    """Refuse a document with more ``what`` (``pages``, ``paragraphs``) than its limit."""
    limit = getattr(current(), f"max_{what}")
    if count > limit:
        raise DocumentTooLarge(f"{name}: {count:,} {what} (limit {limit:,})")


def check_html_tables(tables: list[etree._Element], name: str) -> None:
    """Refuse a document whose tables' rowspan/colspan expand to more grid positions than
    the limit, counted before anything is expanded."""
    limits = current()
    total = 0
    for table in tables:
        for td in table.iter("td", "th"):
            total += _span(td.get("rowspan")) * _span(td.get("colspan"))
            if total > limits.max_grid_cells:
                raise DocumentTooLarge(
                    f"{name}: its tables' row/column spans expand to over {limits.max_grid_cells:,} cells"
                )


def _span(value: str | None) -> int:
    if value is None:  # most cells: no span attribute
        return 1
    try:
        return max(1, int(str(value).strip()))
    except (TypeError, ValueError):
        return 1


RETRY_SECONDS = 0.05  # how often an expired deadline's alarm fires again until the parse stops


@contextlib.contextmanager
def deadline(name: str, seconds: float | None = None) -> Iterator[None]:
    """Raise ParseTimeout in this thread after ``seconds`` of wall time.

    Uses SIGALRM, so it applies in a process's main thread (``ogi parse``, pool
    workers); elsewhere it is a no-op. A long call into C (lxml, pdfium) is
    interrupted when it returns to Python.
    """
    seconds = current().max_seconds if seconds is None else seconds
    if not seconds or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    armed = [True]

    def expire(signum: int, frame: object) -> None:
        if armed[0]:
            raise ParseTimeout(f"{name}: parse took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    # Fires again every RETRY_SECONDS until the block ends: a raise that lands in a
    # finaliser (an object's __del__ run by the garbage collector) is swallowed.
    signal.setitimer(signal.ITIMER_REAL, seconds, RETRY_SECONDS)
    try:
        yield
    finally:
        while armed[0]:
            try:
                armed[0] = False
            except ParseTimeout:  # the alarm came as the block ended: it is disarmed next turn
                continue
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
