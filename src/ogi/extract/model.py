"""What extraction hands to interpretation: cell grids and text lines, with positions.

Extraction knows nothing about the template; interpretation knows nothing about
file formats. A merged (rowspan/colspan) cell appears once per covered grid
position as the *same* ``Cell`` object, so interpretation can tell "one printed
cell spanning three columns" from "three printed cells".
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(eq=False)
class Cell:
    text: str
    page: int | None
    table: int
    row: int
    col: int
    confidence: float | None = None  # OCR recognition confidence (0..1); None for a text layer
    box: tuple[int, int, int, int] | None = None  # OCR pixel box (x0, y0, x1, y1) on the page image


@dataclass(eq=False)
class Grid:
    """One table as printed: ``rows[r][c]`` is the cell covering that position, or None
    where the source has no cell there (a ragged row)."""

    index: int
    rows: list[list[Cell | None]]
    page: int | None = None
    col_x: list[float | None] | None = None  # column centres on the page, when known (unruled PDF)

    def distinct_row(self, r: int) -> list[Cell]:
        """The printed cells of row ``r`` in order, each merged cell once, and only
        in the row where it starts (a rowspan continuation is not printed again)."""
        out: list[Cell] = []
        seen: set[int] = set()
        for cell in self.rows[r]:
            if cell is None or id(cell) in seen:
                continue
            seen.add(id(cell))
            if cell.row == r:
                out.append(cell)
        return out


@dataclass(eq=False)
class Document:
    """A report document reduced to what the parser reads."""

    kind: str  # html, pdf, docx, text, image
    lines: list[str]  # narrative text, in reading order (tables may be included)
    grids: list[Grid]
    title_hints: list[str] = field(default_factory=list)  # metadata titles, best first
    published_hints: list[str] = field(default_factory=list)
    pages: int | None = None
    has_text: bool = True
    extraction: str = "text"  # "text": read from the document's text; "ocr": recognised from page images
