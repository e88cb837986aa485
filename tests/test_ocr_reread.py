"""An unsure table cell is read again at other scales, and only sure agreeing number
readings of its own glyphs replace the first reading (``ogi.extract.ocr._reread_unsure``).

The page is drawn here: a ruled table with known numbers, so the oracle is what was
printed, not what the recogniser said the first time."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ogi.extract import ocr

PRINTED = [["17", "305", "42"], ["8", "1260", "93"]]


def _page() -> np.ndarray:
    page = np.full((700, 1654), 255, np.uint8)
    x0, y0, w, h = 200, 150, 300, 90
    for r in range(len(PRINTED) + 1):
        cv2.line(page, (x0, y0 + r * h), (x0 + 3 * w, y0 + r * h), 0, 3)
    for c in range(4):
        cv2.line(page, (x0 + c * w, y0), (x0 + c * w, y0 + len(PRINTED) * h), 0, 3)
    for r, row in enumerate(PRINTED):
        for c, text in enumerate(row):
            cv2.putText(page, text, (x0 + c * w + 110, y0 + r * h + 60), cv2.FONT_HERSHEY_SIMPLEX, 1.3, 0, 3)
    return page


def _read_cells():
    tables, clean, ink = ocr._layers(ocr.normalise(cv2.cvtColor(_page(), cv2.COLOR_GRAY2BGR)))
    cell_lines = ocr._cell_lines(tables, clean, ink)
    lines = [line for table in cell_lines for cell in table for line in cell]
    ocr._recognise(lines)
    return tables, cell_lines, clean, ink, lines


@pytest.fixture(scope="module")
def read():
    return _read_cells()


def test_the_drawn_table_is_read_right_first(read):
    tables, _, _, _, lines = read
    assert len(tables) == 1
    assert sorted(line.text for line in lines) == sorted(t for row in PRINTED for t in row)


def test_unsure_cells_read_again_take_the_printed_number():
    tables, cell_lines, clean, ink, lines = _read_cells()
    printed = {id(line): line.text for line in lines}  # read right (test above)
    for line in lines:
        line.text, line.score = "", 0.0  # as if the first reading had made nothing of them
    ocr._reread_unsure(tables, cell_lines, clean, ink)
    restored = [line for line in lines if line.text]
    # each cell has its printed number back, sure, or stays unsure; never another number
    assert all(line.text == printed[id(line)] and line.score >= 0.9 for line in restored)
    assert all(line.score == 0.0 for line in lines if not line.text)
    assert len(restored) >= len(lines) / 2


def test_a_reread_that_is_not_sure_changes_nothing(monkeypatch):
    tables, cell_lines, clean, ink, lines = _read_cells()
    for line in lines:
        line.text, line.score = "7", 0.3
    monkeypatch.setattr(ocr, "_recognise", lambda batch, strips=(): [setattr(b, "score", 0.5) for b in batch])
    ocr._reread_unsure(tables, cell_lines, clean, ink)
    assert all(line.text == "7" and line.score == 0.3 for line in lines)


def test_rereads_that_disagree_change_nothing(monkeypatch):
    tables, cell_lines, clean, ink, lines = _read_cells()
    for line in lines:
        line.text, line.score = "7", 0.3

    heights = iter(range(len(ocr.REREAD_TEXT)))

    def disagreeing(batch, strips=()):  # each height reads its own, sure number
        number = str(next(heights))
        for b in batch:
            b.text, b.score = number, 0.99

    monkeypatch.setattr(ocr, "_recognise", disagreeing)
    ocr._reread_unsure(tables, cell_lines, clean, ink)
    assert all(line.text == "7" and line.score == 0.3 for line in lines)
