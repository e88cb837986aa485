"""Scanned and picture reports: page images → the same lines and grids a text layer gives.

Local OCR only: rapidocr's PP-OCR detection and recognition models ship inside its
wheel and run on onnxruntime on the CPU, so nothing is downloaded at run time. Each
page is normalised first (a photographed page is unwarped from its outline, the
width scaled to A4 at 200 dpi, the skew removed), because the table finder and its
kernel sizes assume an upright page. Ruled tables come from the ruling lines
(``ocr_tables``); each cell's text lines are found from its ink and recognised
alone (recognition of a small crop costs a fraction of detecting text on the whole
page), and what is outside the tables goes through detection + recognition as
narrative. A page without ruled tables but with table words is rebuilt from the
text boxes' geometry (``pdf_words``), as an unruled text PDF is.

Every table cell keeps the recognition confidence (the lowest of its text lines)
and its pixel box; the parser turns a cell below ``ocr_min_confidence`` into an
``unsure_cell`` instead of a number.
"""

from __future__ import annotations

import io
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import cv2
import numpy as np

from ogi.extract.errors import UnreadableDocument
from ogi.extract.heavy import page_read
from ogi.extract.model import Cell, Document, Grid
from ogi.extract.ocr_tables import RuledTable, find_tables, line_masks
from ogi.extract.pdf_words import word_grid

PAGE_WIDTH = 1654  # A4 at 200 dpi: the scale the kernels and thresholds are set for
DET_WIDTH = 800  # detection sees the page scaled to this width (body text about 16 px high)
DET_PAD = 24  # white kept above and below the text detection sees (px at PAGE_WIDTH)
FRAGMENT = 0.6  # a band of ink shorter than this share of the page's text height is part of a line
MIN_GLYPH = 9  # a connected ink blob smaller than this both ways is a speck or a dot, not a character
REC_HEIGHT = 48  # the recogniser's input height
REC_CELL_TEXT = 40  # a text line's crop (with its margin) is scaled to this height
REREAD_TEXT = (32, 46)  # the other heights an unsure table cell's line is read again at
STRIP_GAP = 24  # white between the cells of a row recognised as one strip (px at 48 high)
STRIP_RATIO = 4.0  # a cell line at most this wide (for 48 high) joins its row's strip
REC_BATCH = 16  # crops recognised per call (sorted by width, so a batch pads little)
# Most 48x48 units in one call (a full-width text line is about 40): the recogniser's
# cost per unit grows with the call's size (about 60 us/px column up to 1,000 px, 75-85
# beyond, on this machine's cores), so calls stay small.
REC_BATCH_AREA = 20
NUMBER_CHARS = frozenset("0123456789.,-—/")  # what a printed count, amount or blank marker is made of
LOOKALIKES = frozenset("OoDQlIi|SsBZzg〇")  # letters the recogniser reads for digits
NOT_SURE = 0.5  # confidence of a number the recogniser did not read as its best guess
CROP_MARGIN = (0.25, 0.5)  # room around a cell's text line, vertical and horizontal, in text heights
EDGE = 0.012  # share of the page width blanked along each edge
TABLE_PAGE_WORDS = 4  # table words on a page without ruling lines that make it a table page


@dataclass
class _Line:
    """A text line to recognise: its crop, where it goes, and its page position."""

    crop: np.ndarray
    y: float
    x: float
    box: tuple[int, int, int, int]
    text: str = ""
    score: float = 0.0


@dataclass
class PageReading:
    lines: list[str] = field(default_factory=list)
    grids: list[Grid] = field(default_factory=list)


@cache
def _models(threads: int) -> tuple[Any, Any]:
    """rapidocr's detector and recogniser, loaded once per process, from the wheel's models."""
    from rapidocr import RapidOCR

    engine = RapidOCR(
        params={
            "Global.log_level": "error",
            "Global.use_cls": False,
            "EngineConfig.onnxruntime.intra_op_num_threads": threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            "Det.limit_type": "max",
            "Det.limit_side_len": 4000,  # the page is scaled here, not by the detector
            # Narrow crops (a cell's "0") are padded to the batch's widest, not to 320 px.
            "Rec.rec_img_shape": [3, 48, 48],
        }
    )
    # OpenCV's own threads are held to the same count: a parse process is one core's
    # work, and OpenCV's extra threads took 6 % more CPU for the same pages, which two
    # processes on two cores pay for in time.
    cv2.setNumThreads(threads)
    return engine._load_det_model(), engine._load_rec_model()


def _threads() -> int:
    from ogi.settings import settings

    return settings().ocr_threads


# ---------------------------------------------------------------- page normalising


def _gray(image: np.ndarray) -> np.ndarray:
    """Gray page with red ink dropped: the red channel shows black text dark and a red
    seal (stamped over the signature and date) nearly white."""
    if image.ndim == 2:
        return image
    return image[:, :, 2].copy()


def _unwarp(gray: np.ndarray) -> np.ndarray:
    """A photographed page (a bright quadrilateral on a darker ground) warped upright."""
    scale = 400 / gray.shape[1]
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    _, bright = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8))
    contours, _ = cv2.findContours(bright, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return gray
    outline = max(contours, key=cv2.contourArea)
    share = cv2.contourArea(outline) / (small.shape[0] * small.shape[1])
    if not 0.3 < share < 0.9:  # a scan fills the image; nothing page-like otherwise
        return gray
    quad = cv2.approxPolyDP(outline, 0.02 * cv2.arcLength(outline, True), True)
    if len(quad) != 4:
        return gray
    pts = quad.reshape(4, 2).astype(np.float32) / scale
    s, d = pts.sum(axis=1), np.diff(pts, axis=1).ravel()
    tl, br, tr, bl = pts[np.argmin(s)], pts[np.argmax(s)], pts[np.argmin(d)], pts[np.argmax(d)]
    width = int(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
    height = int(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
    target = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    matrix = cv2.getPerspectiveTransform(np.float32([tl, tr, br, bl]), target)
    return cv2.warpPerspective(gray, matrix, (width, height), flags=cv2.INTER_CUBIC, borderValue=255)


def _binary(gray: np.ndarray) -> np.ndarray:
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY_INV, 31, 15)


def _skew(binary: np.ndarray) -> float:
    """Skew angle in degrees: the rotation whose row profile is sharpest (text lines and
    ruling lines all horizontal). The coarse search (0.25° steps) sees the page 400 px
    wide, a quarter of the pixels: a step moves a line's ends by 0.9 px there, enough to
    tell the steps apart. The fine search (0.05°) sees it 800 px wide."""
    coarse, fine = (_skew_profile(binary, width) for width in (400, 800))
    best = max(np.arange(-4.0, 4.01, 0.25), key=coarse)
    return float(max(np.arange(best - 0.25, best + 0.26, 0.05), key=fine))


def _skew_profile(binary: np.ndarray, width: int) -> Any:
    """The sharpness of the page's row profile at an angle, the page seen ``width`` px wide."""
    scale = width / binary.shape[1]
    small = cv2.resize(binary, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    h, w = small.shape
    centre = (w / 2, h / 2)

    def sharpness(angle: float) -> float:
        rotated = cv2.warpAffine(small, cv2.getRotationMatrix2D(centre, angle, 1.0), (w, h))
        profile = rotated.sum(axis=1, dtype=np.float64)
        return float(np.dot(profile, profile))

    return sharpness


def normalise(image: np.ndarray) -> np.ndarray:
    """Upright gray page, ``PAGE_WIDTH`` pixels wide."""
    gray = _unwarp(_gray(image))
    if abs(gray.shape[1] - PAGE_WIDTH) > 0.05 * PAGE_WIDTH:
        scale = PAGE_WIDTH / gray.shape[1]
        interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=interpolation)
    angle = _skew(_binary(gray))
    if abs(angle) >= 0.05:
        h, w = gray.shape
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        gray = cv2.warpAffine(gray, matrix, (w, h), flags=cv2.INTER_CUBIC, borderValue=255)
    # The page's edge (a strip of desk left by unwarping, a scanner's dark rim) would
    # read as ruling lines framing the page; no report prints that close to the edge.
    edge = int(EDGE * gray.shape[1])
    gray[:edge], gray[-edge:], gray[:, :edge], gray[:, -edge:] = 255, 255, 255, 255
    return gray


# ---------------------------------------------------------------- reading


def _bands(ink: np.ndarray, origin: tuple[int, int]) -> list[tuple[int, int, int, int]]:
    """The text lines inside one cell (``ink`` is the cell's ink, at ``origin`` on the
    page), as page boxes: bands of glyphs stacked top to bottom. Specks are ignored
    here but kept in the crop (a decimal point is as small)."""
    n, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    glyphs = [stats[k] for k in range(1, n) if max(stats[k][2], stats[k][3]) >= MIN_GLYPH]
    bands: list[list[int]] = []  # [y0, y1, x0, x1]
    for x, y, w, h, _ in sorted(glyphs, key=lambda s: s[1]):
        if bands and y <= bands[-1][1] - 2:
            band = bands[-1]
            band[1], band[2], band[3] = max(band[1], y + h), min(band[2], x), max(band[3], x + w)
        else:
            bands.append([y, y + h, x, x + w])
    ox, oy = origin
    return [(ox + x0, oy + y0, ox + x1, oy + y1) for y0, y1, x0, x1 in bands]


def _band_crop(
    clean: np.ndarray,
    box: tuple[int, int, int, int],
    limit: tuple[int, int, int, int],
    height: float,
    text_height: int = REC_CELL_TEXT,
):
    """A text line's crop with white room around it, sized on the page's text height
    rather than the line's own (a lone "0" cut tight reads as the letter O). Only the
    glyphs' box is copied: specks beside them would read as a point or a comma, while
    a decimal point inside the number is kept."""
    x0, y0, x1, y1 = box
    half = max(height, y1 - y0) / 2 + CROP_MARGIN[0] * height
    cy = (y0 + y1) / 2
    top, bottom = max(limit[1], int(cy - half)), min(limit[3], int(cy + half) + 1)
    left, right = max(limit[0], int(x0 - CROP_MARGIN[1] * height)), min(limit[2], int(x1 + CROP_MARGIN[1] * height) + 1)
    crop = np.full((bottom - top, right - left), 255, np.uint8)
    gy0, gy1, gx0, gx1 = max(y0 - 1, top), min(y1 + 1, bottom), max(x0 - 1, left), min(x1 + 1, right)
    crop[gy0 - top : gy1 - top, gx0 - left : gx1 - left] = clean[gy0:gy1, gx0:gx1]
    return _canvas(crop, text_height)


def _canvas(crop: np.ndarray, text_height: int) -> np.ndarray:
    """A line crop scaled to ``text_height`` px high on a white ``REC_HEIGHT`` px canvas:
    the recogniser's cost grows with the input's width, and text a little smaller
    than its 48 px reads as well."""
    h, w = crop.shape[:2]
    scale = text_height / max(h, 1)
    width = max(8, round(w * scale))
    small = cv2.resize(crop, (width, text_height), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    top = (REC_HEIGHT - text_height) // 2
    return cv2.copyMakeBorder(small, top, REC_HEIGHT - text_height - top, 0, 0, cv2.BORDER_CONSTANT, value=255)


def _recognise(lines: list[_Line], strips: Sequence[list[_Line]] = ()) -> None:
    """Text and confidence of each line crop (batches of similar widths).

    A ``strip`` is the short cells of one table row, recognised side by side as one
    line and split back by the x position of each output frame: a lone "0" alone
    reads as the letter O, among the row's other numbers as a digit.

    The confidence is the least certain frame of the recogniser's output, not the
    mean: one doubtful digit makes the number doubtful. A reading made only of
    number characters is scored among number characters (a reading with a letter
    in it is not a number, and is never sure)."""
    units = [[line] for line in lines] + [list(strip) for strip in strips]
    if not units:
        return
    _, rec = _models(_threads())
    images = [line.crop if len(unit) == 1 else _strip(unit) for unit in units for line in unit[:1]]
    characters = rec.postprocess_op.character
    classes = _number_classes(tuple(characters))
    for batch in _batches(sorted(range(len(units)), key=lambda i: images[i].shape[1]), images):
        ratio = max(images[i].shape[1] / images[i].shape[0] for i in batch)
        norm = [rec.resize_norm_img(cv2.cvtColor(images[i], cv2.COLOR_GRAY2BGR), ratio) for i in batch]
        probs = rec.session(np.stack(norm).astype(np.float32))
        for i, frames in zip(batch, probs, strict=True):
            unit = units[i]
            if len(unit) == 1:
                unit[0].text, unit[0].score = _decode(frames, characters, classes)
                continue
            step = norm[0].shape[2] / frames.shape[0]  # pixels of the strip per output frame
            x = 0
            for line in unit:
                width = line.crop.shape[1]
                first, last = int(x / step), int(np.ceil((x + width + STRIP_GAP / 2) / step))
                line.text, line.score = _decode(frames[max(0, first) : last], characters, classes)
                x += width + STRIP_GAP


def _batches(order: list[int], images: list[np.ndarray]) -> list[list[int]]:
    """Batches of similar widths, at most ``REC_BATCH`` crops and ``REC_BATCH_AREA``
    square units (every crop is padded to the widest): a wider call costs more per
    unit, as its working memory outgrows the core's cache. A line wider than that is
    a call of its own."""
    batches: list[list[int]] = []
    for i in order:
        units = images[i].shape[1] / REC_HEIGHT
        if batches and len(batches[-1]) < REC_BATCH and (len(batches[-1]) + 1) * units <= REC_BATCH_AREA:
            batches[-1].append(i)
        else:
            batches.append([i])
    return batches


def _strip(lines: list[_Line]) -> np.ndarray:
    gap = np.full((REC_HEIGHT, STRIP_GAP), 255, np.uint8)
    parts: list[np.ndarray] = []
    for line in lines:
        parts += [line.crop, gap]
    return np.hstack(parts[:-1])


@cache
def _number_classes(characters: tuple[str, ...]) -> np.ndarray:
    return np.array([0] + [i for i, ch in enumerate(characters) if ch in NUMBER_CHARS], dtype=np.int64)


def _decode(frames: np.ndarray, characters: list[str], classes: np.ndarray) -> tuple[str, float]:
    """CTC greedy decoding of one line (frames × classes, class 0 the blank; ``classes``
    are the blank's and the number characters')."""
    best = frames.argmax(axis=1)
    text = _collapse(best, characters)
    if not text:
        return "", 0.0
    if set(text) <= NUMBER_CHARS:
        sub = frames[:, classes]
        return text, float((sub.max(axis=1) / sub.sum(axis=1)).min())
    if len(text) <= 12 and set(text) <= NUMBER_CHARS | LOOKALIKES:
        # The best reading is a letter where a digit is printed ("O" for 0): the best
        # number reading is kept, with the probability the model gave numbers, never
        # sure (the parser makes it an unsure cell).
        sub = frames[:, classes]
        number = _collapse(sub.argmax(axis=1), [characters[i] for i in classes])
        if number:
            return number, min(NOT_SURE, float(sub.sum(axis=1).min()))
    return text, float(frames[np.arange(len(best)), best].min())


def _collapse(best: np.ndarray, characters: list[str]) -> str:
    """The text of each frame's best class, repeats merged and blanks dropped."""
    keep = np.ones(len(best), dtype=bool)
    keep[1:] = best[1:] != best[:-1]
    keep &= best != 0
    return "".join(characters[i] for i in best[keep]).strip()


def _points_on_baseline(ink: np.ndarray, box: tuple[int, int, int, int]) -> bool:
    """A decimal point or thousands comma sits at the foot of the digits; a speck of
    scan noise between them, read as a point, sits anywhere."""
    x0, y0, x1, y1 = box
    n, _, stats, centroids = cv2.connectedComponentsWithStats(ink[y0:y1, x0:x1], connectivity=8)
    foot = 0.6 * (y1 - y0)
    return any(max(stats[k][2], stats[k][3]) < MIN_GLYPH and centroids[k][1] >= foot for k in range(1, n))


def _text_ranges(clean: np.ndarray, ink: np.ndarray) -> tuple[list[tuple[int, int]], tuple[int, int]]:
    """The row ranges of the page detection is to see, and the columns its glyphs span.

    Detection costs in proportion to the pixels it sees, so it sees only the rows
    with glyphs (specks left out), with ``DET_PAD`` of room: not the blanked tables
    (``clean`` is white there), not the margins. A range ends where the white
    between two lines is wider than that room, cut in its middle, so no line is cut."""
    _, _, stats, _ = cv2.connectedComponentsWithStats(np.where(clean < 255, ink, 0), connectivity=8)
    glyphs = stats[1:][np.maximum(stats[1:, 2], stats[1:, 3]) >= MIN_GLYPH]
    if not len(glyphs):
        return [], (0, 0)
    height = clean.shape[0]
    cover = np.zeros(height + 1, np.int32)
    np.add.at(cover, glyphs[:, 1], 1)
    np.add.at(cover, glyphs[:, 1] + glyphs[:, 3], -1)
    inked = np.concatenate([[False], np.cumsum(cover[:height]) > 0, [False]])
    edges = np.flatnonzero(inked[1:] != inked[:-1])
    groups: list[list[int]] = []
    for top, bottom in zip(edges[::2], edges[1::2], strict=True):
        if groups and top - groups[-1][1] <= 2 * DET_PAD:
            groups[-1][1] = bottom
        else:
            groups.append([int(top), int(bottom)])
    ranges = []
    for k, (top, bottom) in enumerate(groups):
        above = (groups[k - 1][1] + top) // 2 if k else 0
        below = (bottom + groups[k + 1][0] + 1) // 2 if k + 1 < len(groups) else height
        ranges.append((max(above, top - DET_PAD), min(below, bottom + DET_PAD)))
    columns = (
        max(0, int(glyphs[:, 0].min()) - DET_PAD),
        min(clean.shape[1], int((glyphs[:, 0] + glyphs[:, 2]).max()) + DET_PAD),
    )
    return ranges, columns


def _detect(clean: np.ndarray, ink: np.ndarray) -> list[_Line]:
    """Text lines of a page region: boxes from detection at ``DET_WIDTH`` on the
    page's ranges of text (``_text_ranges``), each cropped like a cell's line (the glyphs'
    own box, sized on the page's text height). A box holding two lines (close lines
    merge when detection sees the page small) is split into them by its ink, as a
    cell is, unless a part is far shorter than the page's lines (``FRAGMENT``): that
    is one line of characters made of stacked parts."""
    det, _ = _models(_threads())
    ranges, (left, right) = _text_ranges(clean, ink)
    scale = DET_WIDTH / clean.shape[1]
    found_bands: list[list[tuple[int, int, int, int]]] = []
    for top, bottom in ranges:
        part = cv2.copyMakeBorder(clean[top:bottom, left:right], DET_PAD, DET_PAD, 0, 0, cv2.BORDER_CONSTANT, value=255)
        small = cv2.resize(part, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        found = det(cv2.cvtColor(small, cv2.COLOR_GRAY2BGR))
        for quad in [] if found.boxes is None else found.boxes:
            pts = np.asarray(quad, dtype=np.float64) / scale
            x0, x1 = left + max(0, int(pts[:, 0].min())), left + int(pts[:, 0].max()) + 1
            y0 = max(top, int(pts[:, 1].min()) - DET_PAD + top)
            y1 = min(bottom, int(pts[:, 1].max()) - DET_PAD + top + 1)
            if y1 > y0:
                found_bands.append(_bands(ink[y0:y1, x0:x1], (x0, y0)))
    heights = [b[3] - b[1] for bands in found_bands for b in bands]
    if not heights:
        return []
    height = statistics.median(heights)
    glyph_boxes = []
    for bands in found_bands:
        if all(b[3] - b[1] >= FRAGMENT * height for b in bands):
            glyph_boxes += bands
        elif bands:  # one line whose glyphs stack in parts (a lone 告 is 𠂉 over 口)
            glyph_boxes.append(
                (min(b[0] for b in bands), min(b[1] for b in bands), max(b[2] for b in bands), max(b[3] for b in bands))
            )
    page = (0, 0, clean.shape[1], clean.shape[0])
    return [_Line(_band_crop(clean, b, page, height), (b[1] + b[3]) / 2, b[0], b) for b in glyph_boxes]


def _cell_lines(tables: list[RuledTable], clean: np.ndarray, ink: np.ndarray) -> list[list[list[_Line]]]:
    """Per table, per cell, its text lines (inside the ruling lines, which ``clean``
    has painted white)."""
    m = 4
    boxes = [
        [
            _bands(ink[y0 + m : y1 - m, x0 + m : x1 - m], (x0 + m, y0 + m)) if min(x1 - x0, y1 - y0) > 3 * m else []
            for x0, y0, x1, y1 in (cb.box for cb in table.cells)
        ]
        for table in tables
    ]
    heights = [b[3] - b[1] for table in boxes for cell in table for b in cell]
    height = statistics.median(heights) if heights else 20.0
    return [
        [
            [_Line(_band_crop(clean, b, cb.box, height), (b[1] + b[3]) / 2, b[0], b) for b in cell]
            for cb, cell in zip(table.cells, cells, strict=True)
        ]
        for table, cells in zip(tables, boxes, strict=True)
    ]


def _strips(tables: list[RuledTable], cell_lines: list[list[list[_Line]]]) -> tuple[list[_Line], list[list[_Line]]]:
    """Cell lines to read alone, and per table row the short one-line cells read together."""
    singles: list[_Line] = []
    strips: list[list[_Line]] = []
    for table, cells in zip(tables, cell_lines, strict=True):
        rows: dict[int, list[_Line]] = {}
        for cb, lines in zip(table.cells, cells, strict=True):
            short = len(lines) == 1 and lines[0].crop.shape[1] <= STRIP_RATIO * REC_HEIGHT
            if short:
                rows.setdefault(cb.r0, []).append(lines[0])
            else:
                singles += lines
        for row in rows.values():
            if len(row) > 1:
                strips.append(sorted(row, key=lambda line: line.x))
            else:
                singles += row
    return singles, strips


def _reread_unsure(tables: list[RuledTable], cell_lines: list[list[list[_Line]]], clean: np.ndarray, ink) -> None:
    """Read each unsure line of a ruled table's cells again, alone, at the
    ``REREAD_TEXT`` heights. The new reading replaces the first only when both are
    sure, agree, and are a number (its point on the baseline): the recogniser's doubt
    is often about one scale of the glyphs, and two sure, agreeing readings at other
    scales are as good as a sure first one. Nothing but the printed glyphs is used, so
    a cell is never filled in from what the identities or the neighbours expect;
    every other unsure cell stays unsure."""
    from ogi.settings import settings

    threshold = settings().ocr_min_confidence
    heights = [line.box[3] - line.box[1] for table in cell_lines for lines in table for line in lines]
    if not heights:
        return
    height = statistics.median(heights)
    unsure = [
        (line, cb.box)
        for table, cells in zip(tables, cell_lines, strict=True)
        for cb, lines in zip(table.cells, cells, strict=True)
        for line in lines
        if line.score < threshold
    ]
    if not unsure:
        return
    # Each height in turn, and only for the lines every earlier height read as a sure
    # number: a line that already failed cannot pass any more.
    readings: list[list[_Line]] = [[] for _ in unsure]
    alive = list(range(len(unsure)))
    for size in REREAD_TEXT:
        reads = [
            _Line(_band_crop(clean, unsure[i][0].box, unsure[i][1], height, size), 0.0, 0.0, unsure[i][0].box)
            for i in alive
        ]
        _recognise(reads)
        for i, read in zip(alive, reads, strict=True):
            readings[i].append(read)
        alive = [
            i
            for i, read in zip(alive, reads, strict=True)
            if read.score >= threshold and read.text and set(read.text) <= NUMBER_CHARS
        ]
    for i in alive:
        line, reads = unsure[i][0], readings[i]
        texts = {read.text for read in reads}
        if len(texts) != 1:
            continue
        text = texts.pop()
        if ("." in text or "," in text) and not _points_on_baseline(ink, line.box):
            continue
        line.text, line.score = text, min(read.score for read in reads)


def _grid(table: RuledTable, cell_lines: list[list[_Line]], index: int, page: int) -> Grid:
    rows: list[list[Cell | None]] = [[None] * table.n_cols for _ in range(table.n_rows)]
    for cb, lines in zip(table.cells, cell_lines, strict=True):
        read = [line for line in lines if line.text]
        cell = Cell(
            "\n".join(line.text for line in read),
            page,
            index,
            cb.r0,
            cb.c0,
            # A line of ink the recogniser made nothing of counts (score 0): that cell
            # is not blank, it is unread.
            confidence=min((line.score for line in lines), default=None),
            box=cb.box,
        )
        for r in range(cb.r0, cb.r1 + 1):
            for c in range(cb.c0, cb.c1 + 1):
                rows[r][c] = cell
    return Grid(index, rows, page)


def _join_lines(boxes: list[_Line]) -> list[tuple[float, str]]:
    """Text boxes → reading-order lines (boxes on one baseline joined left to right)."""
    boxes = [b for b in boxes if b.text]
    if not boxes:
        return []
    height = statistics.median(b.box[3] - b.box[1] for b in boxes)
    rows: list[list[_Line]] = []
    for b in sorted(boxes, key=lambda b: b.y):
        if rows and abs(rows[-1][0].y - b.y) < 0.5 * height:
            rows[-1].append(b)
        else:
            rows.append([b])
    return [(row[0].y, " ".join(b.text for b in sorted(row, key=lambda b: b.x))) for row in rows]


def _word(line: _Line) -> dict:
    x0, y0, x1, y1 = line.box
    return {"text": line.text, "x0": x0, "x1": x1, "top": y0, "bottom": y1, "confidence": line.score, "box": line.box}


def _keywords(text: str) -> int:
    from ogi.extract.pdf import _keyword_count

    return _keyword_count(text)


def _layers(gray: np.ndarray) -> tuple[list[RuledTable], np.ndarray, np.ndarray]:
    """A normalised page's ruled tables, the page with its ruling lines painted white
    (what cells are cropped from), and its ink without the ruling lines."""
    binary = _binary(gray)
    horizontal, vertical = line_masks(binary)
    ruling = cv2.bitwise_or(horizontal, vertical)
    ink = cv2.bitwise_and(binary, cv2.bitwise_not(ruling))
    clean = gray.copy()
    clean[ruling > 0] = 255
    return find_tables(horizontal, vertical), clean, ink


def read_page(image: np.ndarray, page: int, first_table: int) -> PageReading:
    """One page image → its text lines (reading order, table rows included) and grids."""
    page_read()
    gray = normalise(image)
    tables, clean, ink = _layers(gray)
    cell_lines = _cell_lines(tables, clean, ink)
    rest = gray.copy()
    for t in tables:
        x0, y0, x1, y1 = t.box
        rest[max(0, y0 - 4) : y1 + 5, max(0, x0 - 4) : x1 + 5] = 255
    narrative = _detect(rest, ink)
    singles, strips = _strips(tables, cell_lines)
    _recognise(singles + narrative, strips)
    for line in (line for table in cell_lines for lines in table for line in lines):
        if (
            set(line.text) <= NUMBER_CHARS
            and ("." in line.text or "," in line.text)
            and not _points_on_baseline(ink, line.box)
        ):
            line.score = 0.0
    _reread_unsure(tables, cell_lines, clean, ink)
    reading = PageReading()
    positioned = _join_lines(narrative)
    for k, (table, lines) in enumerate(zip(tables, cell_lines, strict=True)):
        grid = _grid(table, lines, first_table + k, page)
        reading.grids.append(grid)
        for r in range(len(grid.rows)):
            texts = [c.text.replace("\n", "") for c in grid.distinct_row(r) if c.text]
            if texts:
                y = min(c.box[1] for c in grid.distinct_row(r) if c.box)
                positioned.append((float(y), " ".join(texts)))
    if not tables and _keywords(" ".join(b.text for b in narrative)) >= TABLE_PAGE_WORDS:
        narrative += _missed(narrative, clean, ink)
        _restrip(narrative)
        unruled = _unruled_grid(narrative, first_table, page)
        if unruled is not None:
            reading.grids.append(unruled)
    reading.lines = [text for _, text in sorted(positioned, key=lambda p: p[0])]
    return reading


def _missed(boxes: list[_Line], clean: np.ndarray, ink: np.ndarray) -> list[_Line]:
    """Text the detector left out of an unruled table (a lone "0" among wide gaps):
    glyph-sized ink outside every detected box, grouped into words and recognised.
    Missed, a printed number would look like a blank cell."""
    if not boxes:
        return []
    height = int(statistics.median(b.box[3] - b.box[1] for b in boxes))
    rest = ink.copy()
    for b in boxes:
        x0, y0, x1, y1 = b.box
        rest[max(0, y0 - 3) : y1 + 4, max(0, x0 - 3) : x1 + 4] = 0
    joined = cv2.dilate(rest, cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, height // 2), 3)))
    n, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    page = (0, 0, clean.shape[1], clean.shape[0])
    found = []
    for k in range(1, n):
        x, y, w, h = (int(v) for v in stats[k][:4])
        if not 0.5 * height <= h <= 2 * height or w > 8 * height:
            continue
        bands = _bands(rest[y : y + h, x : x + w], (x, y))
        if len(bands) == 1:
            found.append(_Line(_band_crop(clean, bands[0], page, height), (bands[0][1] + bands[0][3]) / 2, x, bands[0]))
    _recognise(found)
    return [line for line in found if line.text]


def _restrip(boxes: list[_Line]) -> None:
    """The short number boxes of an unruled table, read again side by side per line of
    the page (as a ruled row's cells are): alone, a "0" reads as the letter O."""
    short = [
        b for b in boxes if b.crop.shape[1] <= STRIP_RATIO * REC_HEIGHT and set(b.text) <= NUMBER_CHARS | LOOKALIKES
    ]
    if not short:
        return
    height = statistics.median(b.box[3] - b.box[1] for b in short)
    lines: list[list[_Line]] = []
    for b in sorted(short, key=lambda b: b.y):
        if lines and abs(lines[-1][-1].y - b.y) < 0.5 * height:
            lines[-1].append(b)
        else:
            lines.append([b])
    _recognise([], [sorted(line, key=lambda b: b.x) for line in lines if len(line) > 1])


def _unruled_grid(boxes: list[_Line], index: int, page: int) -> Grid | None:
    """A table without ruling lines, rebuilt from the text boxes like an unruled PDF's
    words (a value cell keeps the lowest confidence of the boxes it was built from)."""
    words = [_word(b) for b in boxes if b.text]
    return word_grid(words, index, page)


def read_pages(images: Iterable[np.ndarray]) -> tuple[list[str], list[Grid]]:
    """Pages in order → the document's lines and grids (grid indices numbered across pages)."""
    lines: list[str] = []
    grids: list[Grid] = []
    for k, image in enumerate(images):
        reading = read_page(image, k + 1, len(grids))
        lines += reading.lines
        grids += reading.grids
    return lines, grids


def image_pages(data: bytes, name: str) -> list[np.ndarray]:
    """Every frame of an image file (a multi-page TIFF or GIF has several), as BGR arrays."""
    from PIL import Image, ImageSequence, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            frames = [np.asarray(frame.convert("RGB"))[:, :, ::-1].copy() for frame in ImageSequence.Iterator(img)]
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise UnreadableDocument(f"{name}: not a readable image ({exc})") from exc
    if not frames or min(frames[0].shape[:2]) < 100:
        raise UnreadableDocument(f"{name}: image too small to read ({frames[0].shape[1::-1] if frames else 'empty'})")
    return frames


def extract_image(data: bytes, name: str) -> Document:
    """A picture report (JPG/PNG/TIFF page or pages) read with OCR."""
    from ogi.extract.limits import check_count

    frames = image_pages(data, name)
    check_count("pages", len(frames), name)
    lines, grids = read_pages(frames)
    return Document("image", lines, grids, pages=len(frames), has_text=bool(lines), extraction="ocr")


def extract_pictures(parts: Sequence[bytes], name: str) -> Document:
    """A report published as a sequence of pictures (an article's ``<img>`` pages), read
    with OCR as one document: the pictures' frames in order are its pages."""
    from ogi.extract.limits import check_count

    frames = [frame for k, data in enumerate(parts) for frame in image_pages(data, f"{name} (picture {k + 1})")]
    check_count("pages", len(frames), name)
    lines, grids = read_pages(frames)
    return Document("image", lines, grids, pages=len(frames), has_text=bool(lines), extraction="ocr")
