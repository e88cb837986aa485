"""PDF reports: text through pdfium, tables through pdfplumber's finder on table pages only.

pdfplumber's table finder is what makes ruled tables come out right, but
pdfplumber reads pages through pdfminer's pure-Python interpreter, which is most
of the time spent on a report. So pdfium reads every page's text (the narrative,
and the words that tell which pages hold the template tables), and only those
pages go to the table finder, fed with pdfium's characters and ruling lines
(``pdf_fast``). A table page pdfium cannot read as a table falls back to
pdfplumber proper; a page without ruling lines is rebuilt from word positions
(``pdf_words``).
"""

from __future__ import annotations

import ctypes
import io
import re

import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ogi.extract.errors import UnreadableDocument
from ogi.extract.limits import check_count
from ogi.extract.model import Cell, Document, Grid
from ogi.extract.pdf_fast import PdfiumPage
from ogi.extract.pdf_words import word_grid

# Words that appear in the template tables' labels and hardly ever in narrative.
TABLE_WORDS = (
    "信息内容", "申请人情况", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构",
    "结果维持", "结果纠正", "尚未审结", "本年新收", "上年结转", "第二十条", "本年制发件数",
    "处理决定数量", "信访举报", "重复申请", "公开出版物", "结转下年度", "复议后起诉",
    "未经复议", "属于国家秘密", "本机关不掌握", "行政事业性收费", "本年新制作", "上一年项目数量",
    "本年收费金额", "本年废止件数", "现行有效件数", "政府集中采购", "其他处理", "本年新公开数量",
    "对外公开总数量", "采购项目数量", "本年增/减",
)  # fmt: skip
TABLE_PAGE_WORDS = 4  # narrative pages name a few of these words in passing, table pages many
SCANNED_CHARS = 20  # a page with fewer characters in its text layer is a picture: read with OCR
# A picture on a text page at least this share of the page's width and height may be a
# table (the review table is a wide strip of three rows): read with OCR. A seal or a
# logo is far narrower.
TABLE_PICTURE = (0.5, 0.04)
Box = tuple[float, float, float, float]
_SPACES = re.compile(r"\s+")
_NUMBER_TOKEN = re.compile(r"^[\d０-９][\d０-９,.]*$|^[—\-/]$")


def _keyword_count(text: str) -> int:
    compact = _SPACES.sub("", text)
    return sum(word in compact for word in TABLE_WORDS)


def _starts_with_numbers(text: str) -> bool:
    """The page opens with a row of numbers: the tail of a table from the page before."""
    lines = [line.split() for line in text.splitlines() if line.strip()][:6]
    return any(sum(bool(_NUMBER_TOKEN.match(t)) for t in tokens) >= 5 for tokens in lines)


def _table_pages(page_texts: list[str]) -> list[int]:
    """Pages holding template tables; a page right after one continues it when it
    names a table word or opens with numbers (a split table's tail may be a single
    label, or only the review table's row of numbers)."""
    pages: list[int] = []
    for i, text in enumerate(page_texts):
        count = _keyword_count(text)
        follows = bool(pages) and pages[-1] == i - 1
        if count >= TABLE_PAGE_WORDS or (follows and (count or _starts_with_numbers(text))):
            pages.append(i)
    return pages


def _grid_from_rows(rows: list[list[str | None]], index: int, page: int) -> Grid:
    grid_rows: list[list[Cell | None]] = []
    for r, row in enumerate(rows):
        grid_rows.append([None if text is None else Cell(text, page, index, r, c) for c, text in enumerate(row)])
    width = max((len(r) for r in grid_rows), default=0)
    for row in grid_rows:
        row.extend([None] * (width - len(row)))
    return Grid(index, grid_rows, page)


def _page_grids(page: PdfiumPage | pdfplumber.page.Page, first_index: int, page_no: int, continued: bool) -> list[Grid]:
    """Ruled tables when the page has them (with table words, or any ruled table on
    a page continuing the previous page's table), else the unruled reading of its
    words."""
    found = page.tables() if isinstance(page, PdfiumPage) else [t.extract() for t in page.find_tables()]
    found = [rows for rows in found if len(rows) > 1 or len(rows[0]) > 1]
    if (found and continued) or any(_keyword_count(" ".join(c or "" for r in rows for c in r)) >= 2 for rows in found):
        return [_grid_from_rows(rows, first_index + k, page_no) for k, rows in enumerate(found)]
    grid = word_grid(page.extract_words(x_tolerance=2, y_tolerance=2), first_index, page_no)
    return [grid] if grid is not None else []


def extract_pdf(data: bytes, name: str) -> Document:
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise UnreadableDocument(f"{name}: not a readable PDF ({exc})") from exc
    check_count("pages", len(pdf), name)
    page_texts: list[str] = []
    grids: list[Grid] = []
    fallback: list[int] = []  # table pages pdfium could not read as tables
    try:
        textpages = []
        for page in pdf:
            textpage = page.get_textpage()
            page_texts.append(textpage.get_text_bounded().replace("\r\n", "\n").replace("\r", "\n"))
            textpages.append((page, textpage))
        scanned = [i for i, (page, _) in enumerate(textpages) if _is_picture(page, page_texts[i])]
        pictured = {
            i: boxes for i, (page, _) in enumerate(textpages) if i not in scanned and (boxes := _table_pictures(page))
        }
        ocr_lines, ocr_grids = _ocr_pages(pdf, scanned, pictured, textpages, name) if scanned or pictured else ({}, {})
        table_pages = [i for i in _table_pages(page_texts) if i not in scanned]
        for i in table_pages:
            page_grids = _page_grids(PdfiumPage(*textpages[i]), len(grids), i + 1, i - 1 in table_pages)
            if page_grids:
                grids.extend(page_grids)
            else:
                fallback.append(i)
        for page, textpage in textpages:
            textpage.close()
            page.close()
        meta_title = (pdf.get_metadata_dict().get("Title") or "").strip()
    finally:
        pdf.close()
    if fallback:
        try:
            with pdfplumber.open(io.BytesIO(data)) as plumber:
                for i in fallback:
                    grids.extend(_page_grids(plumber.pages[i], len(grids), i + 1, i - 1 in table_pages))
        except Exception as exc:  # pdfminer raises many unrelated types on damaged files
            raise UnreadableDocument(f"{name}: PDF tables unreadable ({type(exc).__name__}: {exc})") from exc
        grids = _in_page_order(grids)
    lines = [line for text in page_texts for line in _text_lines(text)]
    extraction = "text"
    if scanned or pictured:
        lines, grids = _merge_ocr(page_texts, grids, ocr_lines, ocr_grids)
        extraction = "ocr" if len(scanned) == len(page_texts) else "text+ocr"
    has_text = sum(len(_SPACES.sub("", t)) for t in page_texts) > 20 or any(ocr_lines.values())
    titles = [meta_title] if meta_title else []
    return Document("pdf", lines, grids, titles, [], pages=len(page_texts), has_text=has_text, extraction=extraction)


def _is_picture(page: pdfium.PdfPage, text: str) -> bool:
    """A page that is an image with (almost) no text layer: a scan, or a table pasted as a picture."""
    if len(_SPACES.sub("", text)) >= SCANNED_CHARS:
        return False
    return bool(_images(page))


def _images(page: pdfium.PdfPage) -> list[Box]:
    """The boxes of the page's pictures, also those one form deep, as (left, bottom,
    right, top) in points. Every page of every PDF is asked, and a text page holds
    thousands of objects, so the page's own objects are walked with pdfium's raw calls:
    pypdfium2's wrapper object per page object took 14 ms for a 6-page report (15 % of
    its extraction). A page with forms goes through the wrapper, which enters them."""
    raw = pdfium_c.FPDFPage_GetObject
    objects = [raw(page.raw, k) for k in range(pdfium_c.FPDFPage_CountObjects(page.raw))]
    kinds = [pdfium_c.FPDFPageObj_GetType(obj) for obj in objects]
    if pdfium_c.FPDF_PAGEOBJ_FORM in kinds:
        return [obj.get_bounds() for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=2)]
    boxes = []
    for obj, kind in zip(objects, kinds, strict=True):
        if kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            edges = [ctypes.c_float() for _ in range(4)]
            pdfium_c.FPDFPageObj_GetBounds(obj, *(ctypes.byref(e) for e in edges))
            boxes.append(tuple(e.value for e in edges))
    return boxes


def _table_pictures(page: pdfium.PdfPage) -> list[Box]:
    """The pictures on a page with a text layer that are large enough to be a table
    pasted as a picture (``TABLE_PICTURE``), as (left, bottom, right, top) in points,
    top first."""
    width, height = page.get_size()
    wide, tall = TABLE_PICTURE
    return sorted(
        (b for b in _images(page) if b[2] - b[0] >= wide * width and b[3] - b[1] >= tall * height),
        key=lambda b: -b[3],
    )


def _ocr_pages(
    pdf: pdfium.PdfDocument,
    scanned: list[int],
    pictured: dict[int, list[Box]],
    textpages: list[tuple[pdfium.PdfPage, pdfium.PdfTextPage]],
    name: str,
) -> tuple[dict[int, list[str]], dict[int, list[Grid]]]:
    """Lines and grids of the pages read with OCR, rendered at ``ocr_dpi`` (page index →
    its lines, its grids). A page without a text layer is read whole. On a page with a
    text layer only its large pictures are read, each alone (the page blanked around
    it), and their lines go between the text layer's lines above and below them."""
    import numpy as np

    from ogi.extract import limits
    from ogi.extract.heavy import ocr_starts
    from ogi.extract.ocr import read_page
    from ogi.settings import settings
    from ogi.worker_limits import allowance

    ocr_starts(name, len(scanned) + len(pictured))
    scale = settings().ocr_dpi / 72
    lines: dict[int, list[str]] = {}
    grids: dict[int, list[Grid]] = {}
    with allowance(limits.current().ocr_memory_bytes):
        for i in sorted([*scanned, *pictured]):
            bitmap = pdf[i].render(scale=scale, grayscale=False)
            image = np.asarray(bitmap.to_pil().convert("RGB"))[:, :, ::-1].copy()
            if i not in pictured:
                reading = read_page(image, i + 1, 0)
                lines[i], grids[i] = reading.lines, reading.grids
                continue
            page, textpage = textpages[i]
            width, height = page.get_size()
            lines[i], grids[i], above = [], [], height
            for left, bottom, right, top in pictured[i]:
                lines[i] += _text_lines(textpage.get_text_bounded(0, top, width, above))
                alone = np.full_like(image, 255)
                x0, x1 = int(left * scale), int(np.ceil(right * scale))
                y0, y1 = int((height - top) * scale), int(np.ceil((height - bottom) * scale))
                alone[y0:y1, x0:x1] = image[y0:y1, x0:x1]
                reading = read_page(alone, i + 1, len(grids[i]))
                lines[i] += reading.lines
                grids[i] += reading.grids
                above = bottom
            lines[i] += _text_lines(textpage.get_text_bounded(0, 0, width, above))
    return lines, grids


def _text_lines(text: str) -> list[str]:
    """A page's text (or a part of it) as its non-blank lines, stripped."""
    return [line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n") if line.strip()]


def _merge_ocr(
    page_texts: list[str], grids: list[Grid], ocr_lines: dict[int, list[str]], ocr_grids: dict[int, list[Grid]]
) -> tuple[list[str], list[Grid]]:
    """Text-layer and OCR pages in page order, grids renumbered across the document."""
    lines: list[str] = []
    for i, text in enumerate(page_texts):
        lines += ocr_lines[i] if i in ocr_lines else _text_lines(text)
    return lines, _in_page_order([*grids, *(g for page in sorted(ocr_grids) for g in ocr_grids[page])])


def _in_page_order(grids: list[Grid]) -> list[Grid]:
    """Grids read by different passes (pdfium, the pdfplumber fallback, OCR), sorted by
    page (stable: a page's grids keep their order) and numbered across the document."""
    ordered = sorted(grids, key=lambda g: g.page or 0)
    for k, grid in enumerate(ordered):
        grid.index = k
        for row in grid.rows:
            for cell in row:
                if cell is not None:
                    cell.table = k
    return ordered
