"""Self-consistency of the synthetic report generator and its renderers.

These tests do not involve the parser: they check that the answer key is complete,
that the numbers satisfy the template identities unless a violation was asked for,
and that every output format is a readable document of the kind it claims to be.
"""

from __future__ import annotations

import io
import json
import re
import shutil

import docx
import lxml.html
import pdfplumber
import pytest
from ogi_testkit.synth import QUIRKS, make_report, render, render_many
from ogi_testkit.synth.corpus import write_corpus
from ogi_testkit.synth.identities import failed_checks
from ogi_testkit.synth.model import DASHES

from ogi.parse import template
from ogi.validate.identities import REPORT_IDENTITIES

IDENTITY_CHECKS = set(REPORT_IDENTITIES)
needs_soffice = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")


@pytest.mark.parametrize("year", [2019, 2020, 2021, 2024])
@pytest.mark.parametrize("seed", range(25))
def test_answer_key_complete_and_consistent(year: int, seed: int) -> None:
    r = make_report("聊城市生态环境局", year, seed=seed)
    assert r.template == ("2019" if year < 2021 else "2021")
    assert list(r.cells) == list(template.codes(r.template))
    assert all(isinstance(v, int | float) for v in r.cells.values())
    assert r.expected_issues == set()
    assert failed_checks(r.cells, r.template) == set()
    assert r.title.endswith("政府信息公开工作年度报告") and str(year) in r.title and r.agency in r.title
    assert r.published.year == year + 1
    assert set(r.sections) == {"overall", "active", "requests", "review", "problems", "other"}
    assert all(v >= 0 for c, v in r.cells.items() if not c.endswith(".change"))


def test_quirks_change_the_printing_not_the_numbers() -> None:
    """A quirk changes how numbers are printed, never the report's numbers: the same
    seed with and without quirks holds the same true cells; a dashed cell is keyed null
    (a dash is not zero) and printed as a dash; full-width digits reach the document."""
    plain = make_report("某县人民政府", 2023, seed=42)
    quirky = make_report("某县人民政府", 2023, seed=42, quirks=frozenset({"dash_cells", "fullwidth_digits"}))
    assert quirky.true_cells == plain.true_cells and plain.cells == plain.true_cells
    dashed = [c for c, v in quirky.cells.items() if v is None]
    assert dashed and all(quirky.true_cells[c] == 0 and quirky.printed(c) in DASHES for c in dashed)
    text = render(quirky, "txt").decode("utf-8")
    assert any("０" <= ch <= "９" for ch in text) and not any(
        "０" <= ch <= "９" for ch in render(plain, "txt").decode()
    )
    assert all(quirky.printed(c) in text for c in dashed)


def test_numbers_are_realistic() -> None:
    reports = [make_report("某县人民政府", 2024, seed=s) for s in range(200)]
    values = [v for r in reports for v in r.cells.values()]
    zeros = sum(1 for v in values if v == 0) / len(values)
    assert zeros > 0.5, "counts are mostly zero in real reports"
    assert any(v >= 1_000_000 for v in values), "some 7-digit counts"
    fees = [r.cells["active.fees.amount_wan_yuan"] for r in reports]
    assert any(isinstance(f, float) and f != int(f) for f in fees), "fees with decimals"


@pytest.mark.parametrize("quirk", sorted(QUIRKS))
@pytest.mark.parametrize("year", [2020, 2024])
def test_each_quirk(quirk: str, year: int) -> None:
    for seed in range(10):
        r = make_report("某市教育局", year, seed=seed, quirks=frozenset({quirk}))
        assert list(r.cells) == list(template.codes(r.template))
        if quirk == "identity_violation":
            assert r.expected_issues and r.expected_issues <= IDENTITY_CHECKS
            assert failed_checks(r.cells, r.template) == r.expected_issues
        else:
            assert r.expected_issues == set(), quirk
        if quirk == "merged_other_row" and r.template == "2021":
            for row in ("other_no_correction", "other_unpaid_fee", "other_misc"):
                assert all(r.cells[f"requests.{row}.{c}"] is None for c in ("natural_person", "total"))
            assert r.ext_cells["requests.other_handling.total"] == sum(
                r.true_cells[f"requests.{row}.total"]
                for row in ("other_no_correction", "other_unpaid_fee", "other_misc")
            )
        if quirk == "merged_legal_column":
            assert r.cells["requests.new_received.commercial"] is None
            assert r.cells["requests.new_received.natural_person"] is not None
            assert "requests.total.legal_entities" in r.ext_cells
            assert set(r.ext_cells) <= set(template.ext_codes())
        if quirk == "blank_review_row":
            assert all(r.cells[f"review.admin_review.{c}"] is None for c in ("upheld", "total"))
        if quirk == "dash_cells":
            dashed = [c for c, v in r.cells.items() if v is None]
            assert dashed and all(r.raw[c] in {"—", "-", "/", "无", "－", "——"} for c in dashed)
        if quirk == "fullwidth_digits":
            assert any(re.search("[０-９]", t) for t in r.raw.values())
        if quirk == "blank_cells":
            assert any(v is None for v in r.cells.values())


def test_raw_text_reads_back_to_key() -> None:
    """What the document prints must mean exactly the answer key (no hidden disagreement)."""
    table = str.maketrans("０１２３４５６７８９，．", "0123456789,.")
    quirks = frozenset({"fullwidth_digits", "thousands_sep", "unit_suffix", "dash_cells", "blank_cells"})
    for seed in range(30):
        r = make_report("某县人民政府", 2024, seed=seed, quirks=quirks)
        for code, value in r.cells.items():
            text = r.raw[code].translate(table).replace(",", "").removesuffix("件")
            if value is None:
                assert text in {"", "—", "-", "/", "无", "－", "——"}
            else:
                assert float(text) == value, (code, r.raw[code], value)


@pytest.mark.parametrize("style", ["trs", "plain", "spans"])
def test_html_styles(style: str) -> None:
    r = make_report("聊城市生态环境局", 2024, seed=3, quirks=frozenset({"extra_blocks", "spaced_labels"}))
    data = render(r, "html", style=style)
    doc = lxml.html.fromstring(data.decode("utf-8"))
    tables = doc.findall(".//table")
    assert len(tables) >= 3
    assert doc.xpath(".//td[@rowspan]") and doc.xpath(".//*[@colspan]")
    text = doc.text_content()
    assert "申请人情况" in text and "行政复议" in text and "索引号" in text


@pytest.mark.parametrize("meta", [True, False])
def test_html_gbk(meta: bool) -> None:
    r = make_report("淮安市人民政府", 2022, seed=5)
    data = render(r, "html-gbk", charset_meta=meta)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    text = data.decode("gb18030")
    assert r.title in text
    assert ("charset=gb2312" in text) is meta
    assert "charset" not in text.lower() or meta


def test_docx_has_real_merges() -> None:
    r = make_report("聊城市生态环境局", 2024, seed=1)
    data = render(r, "docx")
    d = docx.Document(io.BytesIO(data))
    assert len(d.tables) == 3
    xml = d.tables[1]._tbl.xml
    assert "w:gridSpan" in xml and "w:vMerge" in xml
    assert [len(t.columns) for t in d.tables] == [4, 10, 15]
    assert d.paragraphs[0].text == r.title


def test_txt_is_tab_separated() -> None:
    r = make_report("聊城市生态环境局", 2024, seed=1)
    text = render(r, "txt").decode("utf-8")
    assert r.title in text
    assert any(line.count("\t") == 9 for line in text.splitlines())


@needs_soffice
def test_pdf_and_doc_are_readable(tmp_path) -> None:
    r = make_report("聊城市生态环境局", 2024, seed=1)
    r2 = make_report("东阿县人民政府", 2020, seed=2)
    pdf, pdf_split, pdf_html, doc = render_many(
        [
            (r, "pdf", {}),
            (r, "pdf", {"split_requests": True, "repeat_header": True, "ruled": False}),
            (r2, "pdf", {"via": "html"}),
            (r, "doc", {}),
        ]
    )
    for data in (pdf, pdf_split, pdf_html):
        with pdfplumber.open(io.BytesIO(data)) as p:
            text = "".join(page.extract_text() or "" for page in p.pages)
            assert "申请人情况" in text and "行政复议" in text
            assert 4 <= len(p.pages) <= 8
    with pdfplumber.open(io.BytesIO(pdf)) as p:
        assert 5 <= len(p.pages) <= 7
    assert doc.startswith(b"\xd0\xcf\x11\xe0")


def test_write_corpus(tmp_path) -> None:
    items = write_corpus(tmp_path, 8, seed=3, formats={"html": 2, "html-gbk": 1, "docx": 1, "txt": 1})
    assert len(items) == 8
    for item in items:
        assert item.path.exists() and item.path.stat().st_size > 1000
        key = json.loads((tmp_path / f"{item.path.name}.truth.json").read_text(encoding="utf-8"))
        assert {"file", "agency", "year", "template", "cells"} <= set(key)
        assert key["file"] == item.path.name
        assert list(key["cells"]) == list(template.codes(key["template"]))
