"""An unruled table's label run together with its row's first number.

OCR (and now and then a text layer) gives a row's label and the number beside it as
one word when the gap between them is small: ``2.其他处理0``, or ``3.合计·0`` with a
speck read as a point. Taken whole as label text, the number's cell would look blank:
a printed number lost without a word. The word grid splits the number off into the
column it stands over; a number with a speck stays as printed, so the parser flags it.
Hand-built words: the expected cells are the ones drawn here.
"""

from __future__ import annotations

from ogi.extract.pdf_words import word_grid

H = 20  # text height


def _word(text: str, x0: float, x1: float, y: float) -> dict:
    return {"text": text, "x0": x0, "x1": x1, "top": y, "bottom": y + H, "confidence": 0.99}


def _table(second_label: str, third_label: str, label_end: float = 406) -> list[dict]:
    words = [_word(h, c - 10, c + 10, 60) for h, c in (("甲", 400), ("乙", 500), ("丙", 600))]
    words += [_word("1.新收申请", 100, 220, 100), _word("5", 395, 405, 100)]
    words += [_word("6", 495, 505, 100), _word("11", 590, 610, 100)]
    words += [_word(second_label, 100, label_end, 140), _word("0", 495, 505, 140), _word("0", 595, 605, 140)]
    words += [_word(third_label, 100, label_end, 180), _word("7", 495, 505, 180), _word("8", 595, 605, 180)]
    return words


def _rows(words: list[dict]) -> dict[str, list[str]]:
    grid = word_grid(words, 0, 1)
    assert grid is not None
    width = len(grid.col_x) - 3
    return {
        "".join(c.text for c in row[:width]): [c.text for c in row[width:]]
        for row in grid.rows
        if any(c.text for c in row[:width])
    }


def test_a_number_run_into_its_label_is_its_cell() -> None:
    rows = _rows(_table("2.其他处理0", "3.合计7"))
    assert rows["1.新收申请"] == ["5", "6", "11"]
    assert rows["2.其他处理"] == ["0", "0", "0"]
    assert rows["3.合计"] == ["7", "7", "8"]


def test_a_speck_before_the_number_stays_visible() -> None:
    rows = _rows(_table("2.其他处理0", "3.合计·0"))
    assert rows["3.合计"] == ["·0", "7", "8"]  # not blank: the parser makes it an unsure cell


def test_a_label_left_of_the_numbers_is_untouched() -> None:
    words = _table("2.其他处理", "3.合计", label_end=220)
    words += [_word("0", 395, 405, 140), _word("9", 395, 405, 180)]
    rows = _rows(words)
    assert rows["2.其他处理"] == ["0", "0", "0"] and rows["3.合计"] == ["9", "7", "8"]
