"""OCR round trip: generated reports, printed to PDF, turned into pictures (clean scans,
office scans, a seal over the signature, a photo at a slant), parsed back with
``ogi.parse`` and compared with the generator's answer key.

What must hold is the contract, not a score: every number the parser gives equals
the number printed (no OCR misreading ever reaches the warehouse as a number), and
every printed number it could not read is null with an error naming it. Accuracy
(cells right over all cells) is asserted loosely per report; ``benchmarks/bench_ocr.py``
measures it on many.
"""

from __future__ import annotations

import math
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from ogi_testkit.synth import make_report, render_many

from ogi.parse.api import parse_bytes

HAVE_SOFFICE = shutil.which("soffice") is not None
pytestmark = pytest.mark.skipif(not HAVE_SOFFICE, reason="LibreOffice (soffice) is not installed")
# Cell accuracy asserted per report (the contract above is asserted exactly). An
# office scan of an unruled table is the hardest: blurred lone zeros come out unsure.
MIN_ACCURACY = {True: 0.95, False: 0.85}  # by ruled


@dataclass(frozen=True)
class Case:
    agency: str
    year: int
    degradation: str
    ruled: bool
    seed: int

    @property
    def id(self) -> str:
        return f"{self.year}-{self.degradation}-{'ruled' if self.ruled else 'unruled'}"


CASES = (
    Case("东阿县人民政府", 2024, "clean", True, 1),
    Case("聊城市生态环境局", 2020, "office", True, 2),
    Case("淮安市人民政府", 2023, "office", False, 3),
    Case("清江浦区人民政府", 2022, "photo", True, 4),
    Case("山东省教育厅", 2019, "seal", True, 5),
)


@pytest.fixture(scope="module")
def rendered() -> dict[str, tuple[dict, bytes]]:
    """Each case's answer key and text-layer PDF (one soffice call for all)."""
    reports = [make_report(c.agency, c.year, seed=c.seed) for c in CASES]
    pdfs = render_many([(r, "pdf", {"ruled": c.ruled}) for r, c in zip(reports, CASES, strict=True)])
    return {
        c.id: ({**r.cells, **r.ext_cells, "_template": r.template}, pdf)
        for c, r, pdf in zip(CASES, reports, pdfs, strict=True)
    }


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, abs_tol=1e-9)


def _named(code: str, issues: list[dict]) -> bool:
    """The code (or its row) is named by an error."""
    return any(
        i["severity"] == "error" and any(code == c or code.startswith(c + ".") for c in i["codes"]) for i in issues
    )


def _check(result: dict, truth: dict, *, partial: bool = False) -> float:
    """Asserts the contract against the answer key; returns the cell accuracy."""
    cells = result["cells"]
    expected = {k: v for k, v in truth.items() if not k.startswith("_")}
    if partial:  # one page: only the cells it prints
        expected = {k: v for k, v in expected.items() if k in result["raw"]}
    silent = {c: (cells[c], v) for c, v in expected.items() if cells.get(c) is not None and not _same(cells[c], v)}
    assert not silent, f"numbers that differ from the printed ones: {silent}"
    missed = [c for c, v in expected.items() if v is not None and cells.get(c) is None]
    unflagged = [c for c in missed if not _named(c, result["issues"])]
    assert not unflagged, f"printed numbers left null without an error: {unflagged}"
    for code in missed:
        if code in result["raw"]:
            assert result["raw"][code] is not None  # the printed text is kept
    right = sum(_same(cells.get(c), v) for c, v in expected.items())
    return right / len(expected)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_scanned_pdf_round_trip(case: Case, rendered: dict[str, tuple[dict, bytes]]) -> None:
    from ogi_testkit.synth.scan import scan_pdf

    truth, pdf = rendered[case.id]
    scanned = scan_pdf(pdf, case.degradation, case.seed)
    result = parse_bytes(scanned, f"{case.id}.pdf")
    assert result["extraction"] == "ocr"
    assert result["template"] == truth["_template"]
    assert result["year"] == case.year
    assert not any(i["check"] == "no_text_layer" for i in result["issues"])
    accuracy = _check(result, truth)
    assert accuracy >= MIN_ACCURACY[case.ruled], f"cell accuracy {accuracy:.3f}"
    assert result["confidence"], "OCR cells carry their confidence"
    box = next(p["box"] for p in result["positions"].values() if "box" in p)
    assert len(box) == 4 and box[0] < box[2] and box[1] < box[3]


def test_picture_of_a_table_page(rendered: dict[str, tuple[dict, bytes]]) -> None:
    """One JPG page (a picture in an article): the cells it prints are right."""
    from ogi_testkit.synth.scan import scan_images

    truth, pdf = rendered[CASES[0].id]
    pages = scan_images(pdf, "office", seed=7)
    result = parse_bytes(pages[_page_with(pdf, "本年新收")], "page.jpg")
    assert result["document_kind"] == "image" and result["extraction"] == "ocr"
    assert result["raw"], "the page's table cells are read"
    _check(result, truth, partial=True)


def _page_with(pdf: bytes, words: str) -> int:
    """Index of the first page whose text layer prints ``words``."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        texts = [page.get_textpage().get_text_bounded().replace("\r\n", "") for page in doc]
    finally:
        doc.close()
    return next(k for k, text in enumerate(texts) if words in text.replace(" ", ""))


def test_unsure_below_the_confidence_threshold(rendered: dict[str, tuple[dict, bytes]], monkeypatch) -> None:
    """A cell recognised with low confidence is null with unsure_cell, its text in raw;
    the same cell at high confidence is its number (the threshold is a setting)."""
    from ogi.extract import extract
    from ogi.parse import api
    from ogi.parse.report import interpret

    truth, pdf = rendered[CASES[0].id]
    doc = extract(pdf, "x.pdf")  # the text layer: exact cells, then marked as OCR's
    doc.extraction = "ocr"
    for grid in doc.grids:
        for row in grid.rows:
            for cell in row:
                if cell is not None:
                    cell.confidence = 0.99
    code = "requests.new_received.natural_person"
    first = interpret(doc, file="x.pdf", data=pdf, parser_version=api.PARSER_VERSION)
    assert first["cells"][code] == truth[code]
    target = next(c for g in doc.grids for row in g.rows for c in row if c is not None and c.text == first["raw"][code])
    target.confidence = 0.5
    second = interpret(doc, file="x.pdf", data=pdf, parser_version=api.PARSER_VERSION)
    assert second["cells"][code] is None
    assert second["raw"][code] == first["raw"][code]
    assert any(i["check"] == "unsure_cell" and code in i["codes"] for i in second["issues"])
    monkeypatch.setenv("OGI_OCR_MIN_CONFIDENCE", "0.4")
    third = interpret(doc, file="x.pdf", data=pdf, parser_version=api.PARSER_VERSION)
    assert third["cells"][code] == truth[code]


def test_unreadable_image_names_the_file() -> None:
    from ogi.extract.errors import UnreadableDocument

    with pytest.raises(UnreadableDocument, match=r"broken\.png"):
        parse_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "broken.png")


def test_models_ship_in_the_wheel() -> None:
    """No model download at run time: the detector and recogniser files are installed."""
    import rapidocr

    models = Path(rapidocr.__file__).parent / "models"
    names = {p.name for p in models.glob("*.onnx")}
    assert any("det" in n for n in names) and any("rec" in n for n in names), names


def test_confidence_and_box_reach_the_cells_table(rendered: dict[str, tuple[dict, bytes]]) -> None:
    """Through the parse cache into the warehouse's cells rows: each OCR cell keeps its
    confidence and pixel box; a text-layer cell has neither (null, not a made-up 1.0)."""
    from ogi_testkit.synth.scan import scan_pdf

    from ogi.load.parse_cache import from_compact, to_compact
    from ogi.load.tables import _CellColumns

    _, pdf = rendered[CASES[0].id]
    ocr = parse_bytes(scan_pdf(pdf, "clean", CASES[0].seed), "scan.pdf")
    text = parse_bytes(pdf, "text.pdf")
    again = from_compact(to_compact(ocr))
    assert again["confidence"] == ocr["confidence"] and again["positions"] == ocr["positions"]
    columns = _CellColumns()
    columns.add("r-ocr", "A1", to_compact(ocr))
    columns.add("r-text", "A1", to_compact(text))
    rows = columns.table(2024).to_pylist()
    scanned = {r["code"]: r for r in rows if r["report_id"] == "r-ocr"}
    read = [c for c in ocr["confidence"] if c in scanned]
    assert read, "OCR cells in the table"
    for code in read:
        assert scanned[code]["confidence"] == ocr["confidence"][code]
        assert scanned[code]["box"] == ocr["positions"][code]["box"]
    typed = [r for r in rows if r["report_id"] == "r-text"]
    assert typed and all(r["confidence"] is None and r["box"] is None for r in typed)


PASTED = (CASES[0], CASES[2])  # a ruled and an unruled report


@pytest.fixture(scope="module")
def pasted() -> dict[str, tuple[dict, dict, bytes]]:
    """Text-layer PDFs whose tables were pasted as pictures (the generator prints each
    table alone and pastes its picture where the table goes): answer key, printed
    sections, PDF."""
    reports = [make_report(c.agency, c.year, seed=c.seed) for c in PASTED]
    jobs = [(r, "pdf", {"ruled": c.ruled, "tables_as_pictures": True}) for r, c in zip(reports, PASTED, strict=True)]
    return {
        c.id: ({**r.cells, **r.ext_cells, "_template": r.template}, r.sections, pdf)
        for c, r, pdf in zip(PASTED, reports, render_many(jobs), strict=True)
    }


@pytest.mark.parametrize("case", PASTED, ids=lambda c: c.id)
def test_tables_pasted_as_pictures_in_a_text_pdf(case: Case, pasted) -> None:
    """The narrative comes from the text layer, exactly; the tables from OCR of the
    pictures, under the same contract as a scan."""
    truth, sections, pdf = pasted[case.id]
    result = parse_bytes(pdf, f"{case.id}-pasted.pdf")
    assert result["extraction"] == "text+ocr"
    assert result["template"] == truth["_template"] and result["year"] == case.year
    accuracy = _check(result, truth)
    assert accuracy >= MIN_ACCURACY[case.ruled], f"cell accuracy {accuracy:.3f}"
    read = _compact(result["sections"].values())
    printed = [t for t in map(_compact, ([text] for text in sections.values())) if len(t) > 40]
    assert printed and all(t in read for t in printed), "the text layer's narrative, character for character"


def _compact(texts) -> str:
    """Texts joined without white space or curly quotes (pdfium's text of LibreOffice's
    PDFs moves “ ” away from the words they enclose, on every page with a text layer)."""
    return "".join("".join(text.split()) for text in texts).translate({ord(q): None for q in "“”‘’"})
