"""Document-level checks: the document as a whole could not be read as a report.

Each of these ends a parse: the result has no cells, and the issue says what was seen.
"""

from __future__ import annotations

from ogi.validate.checks import Issue


def no_text_layer(kind: str) -> Issue:
    """A PDF or image without extractable text (a scan): nothing was read."""
    return Issue("no_text_layer", f"{kind} without extractable text (scanned): nothing was read")


def no_template_tables() -> Issue:
    """Text was read, but none of it is a template table."""
    return Issue(
        "no_template_tables",
        "no template tables found (a pre-2019 report, an image-only document, or not a report)",
    )


def unsupported_document(name: str, error: BaseException) -> Issue:
    """The parser could not open the document at all (corrupt, unsupported, missing tool)."""
    return Issue("unsupported_document", f"{name}: {type(error).__name__}: {error}")


def unreadable_document(name: str, error: BaseException) -> Issue:
    """The document could not be read: the error's own check when it names one (a parse
    limit: ``document_too_large``, ``parse_timeout``; a changed archived object:
    ``object_corrupt``), else ``unsupported_document``."""
    check = getattr(error, "check", "unsupported_document")
    return Issue(check, f"{name}: {type(error).__name__}: {error}")
