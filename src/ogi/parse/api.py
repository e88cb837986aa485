"""The parser's public entry points (see docs/interfaces.md)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from lxml import etree

from ogi.extract import extract
from ogi.extract.errors import UnreadableDocument
from ogi.extract.limits import DocumentTooLarge, deadline
from ogi.parse import template


def _code_hash() -> str:
    """Digest of the code a parse runs (extraction, page decoding, parsing,
    validation): part of the version."""
    h = hashlib.sha256()
    root = Path(__file__).resolve().parent.parent
    files = [root / "encoding.py"] + [
        p for d in ("extract", "parse", "validate") for p in sorted((root / d).rglob("*.py"))
    ]
    for path in files:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:8]


PARSER_VERSION = f"1.0+{_code_hash()}.{template.data_hash()[:8]}"

__all__ = ["PARSER_VERSION", "UnreadableDocument", "parse_bytes", "parse_path"]


def parse_bytes(data: bytes, name: str, *, source_url: str | None = None) -> dict[str, Any]:
    """Parse one document held in memory. ``name`` only hints at the type."""
    from ogi.parse.report import interpret

    if not data:
        raise UnreadableDocument(f"{name}: empty file")
    try:
        with deadline(name):
            doc = extract(data, name)
            result = interpret(doc, file=name, data=data, parser_version=PARSER_VERSION)
    except MemoryError:
        raise DocumentTooLarge(f"{name}: parsing it exceeded the memory limit") from None
    except RecursionError:
        raise DocumentTooLarge(f"{name}: nested too deeply to parse") from None
    except etree.XMLSyntaxError as exc:  # XML inside a document (entity bomb, 10,000-deep nesting)
        raise UnreadableDocument(f"{name}: unacceptable XML ({exc.msg})") from None
    if source_url:
        result["source_url"] = source_url
    return result


def parse_path(path: Path | str) -> dict[str, Any]:
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise UnreadableDocument(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise UnreadableDocument(f"{path}: is a directory") from exc
    except OSError as exc:
        raise UnreadableDocument(f"{path}: cannot be read ({exc.strerror})") from exc
    return parse_bytes(data, str(path))
