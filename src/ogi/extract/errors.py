"""Errors that stop a document from being read at all."""


class UnreadableDocument(Exception):
    """The file cannot be read (missing, corrupt, unsupported); the message names it."""

    check = "unsupported_document"  # the issue a load records for it (ogi.validate checks.csv)


class MissingTool(UnreadableDocument):
    """A converter this document needs (LibreOffice for .doc/.wps) is not installed."""
