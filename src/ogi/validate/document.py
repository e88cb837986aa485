"""Document-level checks: the document as a whole could not be read as a report.

Each of these ends a parse: the result has no cells, and the issue says what was seen.
"""

from __future__ import annotations

from pathlib import Path

from ogi.validate.checks import Issue


def no_text_layer(kind: str) -> Issue:
    """A PDF or image without extractable text (a scan): nothing was read."""
    return Issue("no_text_layer", f"{kind} without extractable text (scanned): nothing was read")


def no_template_tables(seen: str = "") -> Issue:
    """Text was read, but none of it is a template table; ``seen`` says what was there
    (tables, table keywords, what the title claims), so a lost report can be found."""
    detail = "no template tables found (a pre-2019 report, an image-only document, or not a report)"
    return Issue("no_template_tables", f"{detail}: {seen}" if seen else detail)


def parser_failure(name: str, error: BaseException) -> Issue:
    """Extraction or parsing crashed on the document: a bug, shown as a failure of
    this document (with where it was raised), never stored as a property of the data."""
    import traceback

    frames = traceback.extract_tb(error.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return Issue("parser_failure", f"{name}: {type(error).__name__}: {error}{where}")


def unreadable_document(name: str, error: BaseException) -> Issue:
    """The document could not be read: the error's own check when it names one (a parse
    limit: ``document_too_large``, ``parse_timeout``; a changed archived object:
    ``object_corrupt``), else ``unsupported_document``."""
    check = getattr(error, "check", "unsupported_document")
    return Issue(check, f"{name}: {type(error).__name__}: {error}")
