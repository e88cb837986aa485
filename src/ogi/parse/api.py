"""The parser's public entry points (see docs/interfaces.md)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lxml import etree

from ogi.archive.parts import parts_sha256
from ogi.extract import extract, extract_pictures
from ogi.extract.errors import UnreadableDocument
from ogi.extract.limits import DocumentTooLarge, deadline
from ogi.parse import template

#: The parser's own release: bump it whenever a change to the code alters any parse
#: output (tests/test_parser_version.py fails until you do, and then until the golden
#: outputs are regenerated with ``uv run python -m tests.golden_outputs``). Editing a
#: comment or refactoring without changing output needs no bump, and forces no reparse.
PARSER_RELEASE = "1.5.0"

#: Distributions whose behaviour decides what the extraction reads: an upgrade of any
#: of them may change the output, so their versions are part of the parser version.
EXTRACTION_LIBRARIES = (
    "pdfplumber",
    "pdfminer.six",
    "pypdfium2",
    "lxml",
    "python-docx",
    "charset-normalizer",
    "rapidfuzz",
    "rapidocr",
    "onnxruntime",
    "opencv-python-headless",
)


def library_versions() -> dict[str, str]:
    """Installed version of each extraction library."""
    from importlib.metadata import version

    return {name: version(name) for name in EXTRACTION_LIBRARIES}


def _libraries_hash() -> str:
    text = ";".join(f"{name}={v}" for name, v in library_versions().items())
    return hashlib.sha256(text.encode()).hexdigest()[:8]


#: Release + digest of the label and check data files + digest of the extraction
#: libraries' versions: a parse cached under another version is parsed again.
PARSER_VERSION = f"{PARSER_RELEASE}+{template.data_hash()[:8]}.{_libraries_hash()}"

__all__ = ["PARSER_RELEASE", "PARSER_VERSION", "UnreadableDocument", "parse_bytes", "parse_parts", "parse_path"]


def parse_bytes(data: bytes, name: str, *, source_url: str | None = None) -> dict[str, Any]:
    """Parse one document held in memory. ``name`` only hints at the type."""
    if not data:
        raise UnreadableDocument(f"{name}: empty file")
    return _parse(lambda: extract(data, name), name, data, source_url)


def parse_parts(parts: list[bytes], name: str, *, source_url: str | None = None) -> dict[str, Any]:
    """Parse a report published as a sequence of pictures (``parts``, in page order) as
    one document. Its ``sha256`` is the key of its parts and ``parts`` lists theirs."""
    if not parts or not all(parts):
        raise UnreadableDocument(f"{name}: a picture of the sequence is empty")
    result = _parse(lambda: extract_pictures(parts, name), name, b"", source_url)
    shas = [hashlib.sha256(p).hexdigest() for p in parts]
    result["sha256"] = parts_sha256(shas)
    result["parts"] = shas
    return result


def _parse(read: Callable[[], Any], name: str, data: bytes, source_url: str | None) -> dict[str, Any]:
    """Extract (``read``) and interpret under the document's limits, the limits' own
    failures named as the document's."""
    from ogi.parse.report import interpret

    try:
        with deadline(name):
            doc = read()
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
