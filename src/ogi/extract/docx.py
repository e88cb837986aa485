"""Word reports (.docx): body paragraphs and tables in document order.

python-docx returns the same underlying ``<w:tc>`` for every grid position a
merged cell covers (horizontal gridSpan and vertical vMerge), which is exactly
the span information interpretation needs.
"""

from __future__ import annotations

import io
import zipfile

from docx import Document as open_docx
from docx.table import Table
from docx.text.paragraph import Paragraph

from ogi.extract.errors import UnreadableDocument
from ogi.extract.model import Cell, Document, Grid


def _grid(table: Table, index: int) -> Grid:
    origin: dict[int, Cell] = {}
    rows: list[list[Cell | None]] = []
    for r, row in enumerate(table.rows):
        out: list[Cell | None] = []
        for c, cell in enumerate(row.cells):
            key = id(cell._tc)
            if key not in origin:
                text = "\n".join(p.text for p in cell.paragraphs).strip()
                origin[key] = Cell(text, None, index, r, c)
            out.append(origin[key])
        rows.append(out)
    width = max((len(r) for r in rows), default=0)
    for row in rows:
        row.extend([None] * (width - len(row)))
    return Grid(index, rows)


def extract_docx(data: bytes, name: str) -> Document:
    try:
        doc = open_docx(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise UnreadableDocument(f"{name}: not a readable DOCX ({exc})") from exc
    lines: list[str] = []
    grids: list[Grid] = []
    for block in doc.iter_inner_content():
        if isinstance(block, Paragraph):
            text = block.text.strip()
            if text:
                lines.append(text)
        elif isinstance(block, Table):
            grids.append(_grid(block, len(grids)))
    title = (doc.core_properties.title or "").strip()
    return Document("docx", lines, grids, [title] if title else [])
