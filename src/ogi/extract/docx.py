"""Word reports (.docx): body paragraphs and tables in document order.

python-docx returns the same underlying ``<w:tc>`` for every grid position a
merged cell covers (horizontal gridSpan and vertical vMerge), which is exactly
the span information interpretation needs.
"""

from __future__ import annotations

import io
import zipfile

from docx import Document as open_docx
from docx.oxml.ns import qn
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from lxml import etree

from ogi.extract.errors import UnreadableDocument
from ogi.extract.limits import check_count, check_zip
from ogi.extract.model import Cell, Document, Grid


def _grid(table: Table, index: int) -> Grid:
    """Expand gridSpan (horizontal) and vMerge (vertical) into a full grid, walking
    the XML so that a merged cell is one Cell object on every position it covers."""
    rows: list[list[Cell | None]] = []
    for r, tr in enumerate(table._tbl.tr_lst):
        row: list[Cell | None] = [None] * (tr.grid_before or 0)
        for tc in tr.tc_lst:
            c = len(row)
            above = rows[r - 1][c] if r and c < len(rows[r - 1]) else None
            if tc.vMerge == "continue" and above is not None:
                cell = above
            else:
                cell = Cell(_Cell(tc, table).text.strip(), None, index, r, c)
            row.extend([cell] * tc.grid_span)
        rows.append(row)
    width = max((len(r) for r in rows), default=0)
    for row in rows:
        row.extend([None] * (width - len(row)))
    return Grid(index, rows)


def extract_docx(data: bytes, name: str) -> Document:
    check_zip(data, name)
    try:
        doc = open_docx(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise UnreadableDocument(f"{name}: not a readable DOCX ({exc})") from exc
    except etree.XMLSyntaxError as exc:  # entity expansion, excessive nesting, malformed XML
        raise UnreadableDocument(f"{name}: the DOCX's XML is not acceptable ({exc.msg})") from exc
    check_count("paragraphs", sum(1 for _ in doc.element.body.iter(qn("w:p"))), name)
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
