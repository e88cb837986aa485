"""DOCX rendering with python-docx, imitating the official blank 2021 template.

The template (template-2021-blank.docx) uses real merged cells — ``w:gridSpan`` for
horizontal and ``w:vMerge`` for vertical merges — and so do we: parsers reading DOCX
tables must cope with python-docx reporting a merged cell once per grid position.
Options: ``ruled`` (table borders), ``split_requests`` (tall rows so the requests
table must cross a page break), ``repeat_header`` (header rows repeat on each page).
"""

from __future__ import annotations

import io

import docx
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from ogi_testkit.synth.layout import Table, blocks
from ogi_testkit.synth.model import SyntheticReport

BODY_FONT = "仿宋_GB2312"
TITLE_FONT = "方正小标宋简体"
HEAD_FONT = "黑体"
TABLE_FONT = "宋体"
TEXT_WIDTH_CM = 16.6
PICTURE_DPI = 200  # a pasted table picture's pixels per inch at its printed size
PICTURE_MAX_HEIGHT_CM = 24.0  # the page's text height, about
# Column widths of the official blank template (twips), scaled to our text width.
TEMPLATE_REQUESTS_TWIPS = (754, 921, 3271)
TEMPLATE_VALUE_TWIPS = 685


def _font(run, name: str, size: float, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:eastAsia", "w:ascii", "w:hAnsi"):
        fonts.set(qn(attr), name)


def _widths(table: Table) -> list[float]:
    if table.spacer:  # an empty spacer column at the right edge, narrow
        base = _widths(Table(table.name, table.ncols - 1, [], table.header_rows))
        spacer = 0.6
        scale = (TEXT_WIDTH_CM - spacer) / TEXT_WIDTH_CM
        return [w * scale for w in base] + [spacer]
    n = table.ncols
    if table.name == "requests":
        labels = [t / 567 for t in TEMPLATE_REQUESTS_TWIPS]
        # a merged 法人或其他组织 column: authors spread three columns over the same width
        values = [TEMPLATE_VALUE_TWIPS / 567] * 7 if n == 10 else [TEMPLATE_VALUE_TWIPS * 7 / 3 / 567] * 3
        scale = TEXT_WIDTH_CM / (sum(labels) + sum(values))
        return [w * scale for w in labels + values]
    if table.name == "active":
        first = 4.2
        return [first] + [(TEXT_WIDTH_CM - first) / (n - 1)] * (n - 1)
    return [TEXT_WIDTH_CM / n] * n


def _set_borders(tbl, on: bool) -> None:
    tbl_pr = tbl._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "single" if on else "nil")
        if on:
            el.set(qn("w:sz"), "4")
            el.set(qn("w:color"), "000000")
        borders.append(el)
    tbl_pr.append(borders)


def _cell_margins(tbl, twips: int) -> None:
    mar = OxmlElement("w:tblCellMar")
    for edge in ("left", "right"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:w"), str(twips))
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    tbl._tbl.tblPr.append(mar)


def _row_flag(row, tag: str) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement(f"w:{tag}")
    tr_pr.append(el)


def add_table(document, table: Table, *, ruled: bool, split: bool, repeat_header: bool) -> None:
    grid = table.grid()
    t = document.add_table(rows=len(grid), cols=table.ncols)
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    _set_borders(t, ruled)
    _cell_margins(t, 57)
    widths = _widths(table)
    for col, width in zip(t.columns, widths, strict=True):
        col.width = Cm(width)  # w:tblGrid — what LibreOffice and Word lay out by
    size = 9 if table.name == "review" else 10
    # ``Table.cell`` rebuilds the whole cell list on every call; the list only changes
    # when cells merge, so it is rebuilt then (same result, a fraction of the time).
    cached: list = []

    def at(r: int, c: int):
        if not cached:
            cached.extend(t._cells)
        return cached[r * table.ncols + c]

    for r, row in enumerate(grid):
        for c, cell in enumerate(row):
            at(r, c).width = Cm(widths[c])
            if cell is None:
                continue
            target = at(r, c)
            if cell.rowspan > 1 or cell.colspan > 1:
                target = target.merge(at(r + cell.rowspan - 1, c + cell.colspan - 1))
                cached.clear()
            target.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            lines = cell.text.split("\n") if cell.text else [""]
            para = target.paragraphs[0]
            for i, line in enumerate(lines):
                if i:
                    para = target.add_paragraph()
                para.alignment = WD_ALIGN_PARAGRAPH.CENTER
                para.paragraph_format.space_after = Pt(0)
                para.paragraph_format.space_before = Pt(0)
                if line:
                    _font(para.add_run(line), TABLE_FONT, size, bold=cell.kind == "head")
    for r, row in enumerate(t.rows):
        _row_flag(row, "cantSplit")
        if repeat_header and r < table.header_rows:
            _row_flag(row, "tblHeader")
        if split and table.name == "requests":
            row.height = Cm(1.05)
            row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST


def build_document(
    report: SyntheticReport,
    *,
    ruled: bool = True,
    split_requests: bool = False,
    repeat_header: bool = False,
    title_lines: int = 1,
    table_pictures: list[bytes] | None = None,
):
    """A python-docx Document for the report (also the input of PDF/DOC conversion).

    ``table_pictures``: the tables as pictures (PNG at ``PICTURE_DPI``, in the report's
    order), pasted where the tables go, as authors do who copy a table from a
    spreadsheet or another document as a picture."""
    d = blank_document()
    pictures = list(table_pictures or [])
    for b in blocks(report):
        if b.kind == "title":
            texts = [b.text]
            if title_lines == 2:
                year_at = b.text.find(str(report.year))
                cut = year_at if year_at > 0 else b.text.find("政府信息公开")
                texts = [b.text[:cut], b.text[cut:]]
            for text in texts:
                p = d.add_paragraph()
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                _font(p.add_run(text), TITLE_FONT, 22)
            d.add_paragraph()
        elif b.kind == "heading":
            p = d.add_paragraph()
            p.paragraph_format.first_line_indent = Pt(32)
            _font(p.add_run(b.text), HEAD_FONT, 16)
        elif b.kind == "para":
            p = d.add_paragraph()
            p.paragraph_format.first_line_indent = Pt(32)
            p.paragraph_format.line_spacing = Pt(28)
            p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            _font(p.add_run(b.text), BODY_FONT, 16)
        elif b.kind == "table" and b.table is not None and table_pictures is not None:
            add_picture(d, pictures.pop(0))
        elif b.kind == "table" and b.table is not None:
            add_table(d, b.table, ruled=ruled, split=split_requests, repeat_header=repeat_header)
            d.add_paragraph()
        elif b.kind == "signature":
            for text in (b.text, b.extra["date"]):
                p = d.add_paragraph()
                p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                _font(p.add_run(text), BODY_FONT, 16)
    return d


def blank_document(page_height_cm: float = 29.7):
    """An empty A4 document (or a taller page) with the report's margins and body font."""
    d = docx.Document()
    sec = d.sections[0]
    sec.page_width, sec.page_height = Cm(21.0), Cm(page_height_cm)
    sec.left_margin = sec.right_margin = Cm(2.2)
    sec.top_margin = sec.bottom_margin = Cm(2.54)
    normal = d.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(16)
    return d


def add_picture(document, png: bytes) -> None:
    """A picture at its printed size (``PICTURE_DPI``), centred, shrunk to fit the page."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as img:
        width_cm, height_cm = (px / PICTURE_DPI * 2.54 for px in img.size)
    fit = min(1.0, TEXT_WIDTH_CM / width_cm, PICTURE_MAX_HEIGHT_CM / height_cm)
    p = document.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run().add_picture(io.BytesIO(png), width=Cm(width_cm * fit))


def render_docx(report: SyntheticReport, **options) -> bytes:
    buf = io.BytesIO()
    build_document(report, **options).save(buf)
    return buf.getvalue()
