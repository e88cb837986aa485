"""Plain text as extracted from a PDF (pdftotext, copy-paste): tabs separate cells.

A run of lines holding tabs is one table; blank lines inside the run (page
breaks, wrapped rows) do not end it. Cells are taken as printed, blanks included:
an empty field between two tabs is a blank cell.
"""

from __future__ import annotations

from ogi.encoding import decode_page
from ogi.extract.model import Cell, Document, Grid


def text_grids(lines: list[str], page: int | None = None, first_index: int = 0) -> list[Grid]:
    grids: list[Grid] = []
    current: list[list[str]] = []

    def close() -> None:
        if current:
            index = first_index + len(grids)
            rows: list[list[Cell | None]] = [
                [Cell(text.strip(), page, index, r, c) for c, text in enumerate(fields)]
                for r, fields in enumerate(current)
            ]
            width = max(len(r) for r in rows)
            for row in rows:
                row.extend([None] * (width - len(row)))
            grids.append(Grid(index, rows, page))
            current.clear()

    for line in lines:
        if "\t" in line:
            current.append(line.rstrip("\r\n").split("\t"))
        elif line.strip():
            close()
    close()
    return grids


def extract_text(data: bytes, name: str) -> Document:
    text = decode_page(data)
    lines = text.splitlines()
    narrative = [line.strip() for line in lines if line.strip() and "\t" not in line]
    return Document("text", narrative, text_grids(lines))
