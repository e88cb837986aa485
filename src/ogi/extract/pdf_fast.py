"""pdfplumber's table finder fed from pdfium instead of pdfminer.

pdfplumber finds ruled tables well, but reads a page through pdfminer's
pure-Python content-stream interpreter, which is most of the time spent on a
report. pdfium (C++) gives the same two things the table finder needs —
character boxes and ruling-line segments — in a fraction of that time. The
finder only reads ``page.chars``, ``page.edges`` and ``page.bbox``, so a small
page-like object carries them. Paths inside form XObjects or drawn as curves are
not read here; a page where pdfium yields no ruling lines goes back to
pdfplumber proper.
"""

from __future__ import annotations

import ctypes
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfplumber.table import TableFinder
from pdfplumber.utils import extract_words

MIN_EDGE = 1.0  # points; shorter segments are glyph parts or joins, not rulings


class PdfiumPage:
    """The parts of a pdfplumber Page that TableFinder and word extraction read."""

    def __init__(self, page: pdfium.PdfPage, textpage: pdfium.PdfTextPage):
        self.width, self.height = page.get_size()
        self.bbox = (0.0, 0.0, self.width, self.height)
        self.chars = _chars(textpage, self.height)
        self.edges = _edges(page, self.height)

    def extract_words(self, **kwargs: Any) -> list[dict]:
        return extract_words(self.chars, **kwargs)

    def tables(self) -> list[list[list[str | None]]]:
        return [t.extract() for t in TableFinder(self).tables]  # type: ignore[arg-type]


def _chars(textpage: pdfium.PdfTextPage, height: float) -> list[dict]:
    chars = []
    for i in range(textpage.count_chars()):
        text = textpage.get_text_range(i, 1)
        if not text or text.isspace():
            continue
        left, bottom, right, top = textpage.get_charbox(i, loose=True)  # one height per line
        if right <= left or top <= bottom:
            continue
        y0, y1 = height - top, height - bottom
        chars.append(
            {
                "text": text,
                "x0": left,
                "x1": right,
                "top": y0,
                "bottom": y1,
                "doctop": y0,
                "width": right - left,
                "height": y1 - y0,
                "upright": True,
                "size": y1 - y0,
                "object_type": "char",
            }
        )
    return chars


def _edge(x0: float, y0: float, x1: float, y1: float, height: float) -> dict | None:
    if abs(y1 - y0) < 0.5 and abs(x1 - x0) >= MIN_EDGE:
        top = height - (y0 + y1) / 2
        left, right = sorted((x0, x1))
        return {"x0": left, "x1": right, "top": top, "bottom": top, "doctop": top, "width": right - left,
                "height": 0.0, "orientation": "h", "object_type": "line"}  # fmt: skip
    if abs(x1 - x0) < 0.5 and abs(y1 - y0) >= MIN_EDGE:
        top, bottom = sorted((height - y0, height - y1))
        return {"x0": x0, "x1": x0, "top": top, "bottom": bottom, "doctop": top, "width": 0.0,
                "height": bottom - top, "orientation": "v", "object_type": "line"}  # fmt: skip
    return None


def _edges(page: pdfium.PdfPage, height: float) -> list[dict]:
    """Straight horizontal and vertical segments of the page's top-level paths."""
    edges: list[dict] = []
    x, y = ctypes.c_float(), ctypes.c_float()
    matrix = pdfium_c.FS_MATRIX()
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_PATH,), max_depth=1):
        raw = obj.raw
        if not pdfium_c.FPDFPageObj_GetMatrix(raw, ctypes.byref(matrix)):
            continue
        a, b, c, d, e, f = matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f
        start = current = None
        for k in range(pdfium_c.FPDFPath_CountSegments(raw)):
            seg = pdfium_c.FPDFPath_GetPathSegment(raw, k)
            pdfium_c.FPDFPathSegment_GetPoint(seg, ctypes.byref(x), ctypes.byref(y))
            point = (a * x.value + c * y.value + e, b * x.value + d * y.value + f)
            kind = pdfium_c.FPDFPathSegment_GetType(seg)
            if kind == pdfium_c.FPDF_SEGMENT_MOVETO:
                start = current = point
            elif kind == pdfium_c.FPDF_SEGMENT_LINETO and current is not None:
                edge = _edge(*current, *point, height)
                if edge:
                    edges.append(edge)
                current = point
            else:
                current = point
            if pdfium_c.FPDFPathSegment_GetClose(seg) and current is not None and start is not None:
                edge = _edge(*current, *start, height)
                if edge:
                    edges.append(edge)
                current = start
    return edges
