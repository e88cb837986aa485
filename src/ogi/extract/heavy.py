"""OCR is the heavy part of parsing: seconds per page where a text layer takes
milliseconds. The parse fan-out (:func:`ogi.workers.parse_documents`) keeps it apart so
that HTML and text-layer PDFs never wait behind a queue of scans.

A document's type says cheaply whether it is heavy when it is a picture. A PDF only
shows it once it is opened (a page without a text layer), so the fan-out parses a
PDF in the light batches with OCR *deferred*: extraction raises :class:`NeedsOCR` at
the point it would start reading pages with OCR, and the document goes to the heavy
batches instead (its parse is not cached: it has not happened). The count of pages
read with OCR in this process is kept for the load's progress display.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_DEFER: ContextVar[bool] = ContextVar("ogi_defer_ocr", default=False)
_pages_read = 0


class NeedsOCR(Exception):
    """The document needs OCR, which was deferred: parse it in a heavy batch."""


@contextmanager
def deferring_ocr() -> Iterator[None]:
    """Inside the block, a document that needs OCR raises NeedsOCR instead of being read."""
    token = _DEFER.set(True)
    try:
        yield
    finally:
        _DEFER.reset(token)


def ocr_starts(name: str, pages: int) -> None:
    """Called before ``pages`` pages of ``name`` are read with OCR."""
    if _DEFER.get():
        raise NeedsOCR(f"{name}: {pages} page(s) to read with OCR")


def page_read() -> None:
    global _pages_read
    _pages_read += 1


def pages_read() -> int:
    """Pages read with OCR by this process so far."""
    return _pages_read
