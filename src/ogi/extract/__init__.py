"""Extraction: any supported document → text lines and cell grids (no template knowledge)."""

from __future__ import annotations

from pathlib import PurePosixPath

from ogi.extract.errors import UnreadableDocument
from ogi.extract.model import Document

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff(data: bytes, name: str) -> str:
    """Document type from the bytes; the name's extension only breaks ties."""
    head = data[:2048].lstrip()
    suffix = PurePosixPath(name.split("?")[0]).suffix.lower()
    if data.startswith(b"%PDF") or b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "docx" if b"word/" in data[:65536] or suffix == ".docx" else "zip"
    if data.startswith(_OLE):
        return "wps" if suffix == ".wps" else "doc"
    if data[:3] == b"\xff\xd8\xff" or data[:8] == b"\x89PNG\r\n\x1a\n" or data[:4] in (b"GIF8", b"II*\x00"):
        return "image"
    if head[:2048].lower().startswith(b"mime-version") or b"multipart/related" in head[:2048].lower():
        return "mhtml"
    lowered = head[:512].lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head", b"<meta", b"<body")) or (
        b"<table" in data[:200000].lower() and suffix not in (".txt",)
    ):
        return "html"
    if suffix in (".htm", ".html", ".shtml", ".jsp", ".php", ".asp", ".aspx"):
        return "html"
    if b"\x00" in data[:4096]:
        return "binary"
    return "text"


def extract(data: bytes, name: str) -> Document:
    """The document's lines and grids; a picture, and a PDF page without a text layer,
    are read with OCR (``ocr``)."""
    kind = sniff(data, name)
    if kind == "html":
        from ogi.extract.html import extract_html

        return extract_html(data, name)
    if kind == "mhtml":
        from ogi.extract.html import extract_html, html_from_mhtml

        return extract_html(html_from_mhtml(data, name), name)
    if kind == "pdf":
        from ogi.extract.pdf import extract_pdf

        return extract_pdf(data, name)
    if kind == "docx":
        from ogi.extract.docx import extract_docx

        return extract_docx(data, name)
    if kind in ("doc", "wps"):
        from ogi.extract.docx import extract_docx
        from ogi.extract.office import convert_to_docx

        return extract_docx(convert_to_docx(data, name, f".{kind}"), name)
    if kind == "text":
        from ogi.extract.text import extract_text

        return extract_text(data, name)
    if kind == "image":
        from ogi.extract import limits
        from ogi.extract.heavy import ocr_starts
        from ogi.extract.ocr import extract_image
        from ogi.worker_limits import allowance

        ocr_starts(name, 1)
        with allowance(limits.current().ocr_memory_bytes):
            return extract_image(data, name)
    raise UnreadableDocument(f"{name}: unsupported document type ({kind})")


def extract_pictures(parts: list[bytes], name: str) -> Document:
    """The lines and grids of a document published as a sequence of pictures, in order
    (every part must be an image: anything else in the sequence is not a page)."""
    from ogi.extract import limits
    from ogi.extract.heavy import ocr_starts
    from ogi.extract.ocr import extract_pictures as read_pictures
    from ogi.worker_limits import allowance

    for k, data in enumerate(parts):
        if sniff(data, name) != "image":
            raise UnreadableDocument(f"{name}: part {k + 1} of its pictures is not an image ({sniff(data, name)})")
    ocr_starts(name, len(parts))
    with allowance(limits.current().ocr_memory_bytes):
        return read_pictures(parts, name)
