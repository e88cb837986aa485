"""Quirks applied to the real seed report: identity breaks, merged rows, GBK pages."""

from __future__ import annotations

from pathlib import Path

from ogi.encoding import decode_page
from ogi.parse.api import parse_bytes
from ogi.parse.values import read_value
from tests.conftest import HAVE_SHARED, SHARED, needs_shared

SEED = (SHARED / "seeds" / "000_fa5e2c613ae3f656.txt").read_text(encoding="utf-8") if HAVE_SHARED else ""


def _errors(result: dict) -> dict[str, dict]:
    return {i["check"]: i for i in result["issues"] if i["severity"] == "error"}


@needs_shared
def test_identity_break_is_reported_and_number_kept() -> None:
    text = SEED.replace("(七) 总计\t24\t0\t0\t0\t0\t0\t24", "(七) 总计\t24\t0\t0\t0\t0\t0\t0")
    assert text != SEED
    result = parse_bytes(text.encode(), "broken.txt")
    assert result["cells"]["requests.total.total"] == 0  # as printed, never "fixed"
    errors = _errors(result)
    assert {"requests_balance", "requests_total_rows", "requests_total_column"} <= set(errors)
    assert "difference 24" in errors["requests_total_rows"]["detail"]
    assert "requests.total.total" in errors["requests_total_column"]["codes"]


@needs_shared
def test_2021_report_printing_other_handling_as_one_row(tmp_path: Path) -> None:
    lines = SEED.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("\t(六) 其他处理"))
    end = next(i for i, line in enumerate(lines) if "3. 其他\t" in line)
    merged = [*lines[:start], "\t(六) 其他处理\t\t2\t0\t0\t0\t0\t0\t2", *lines[end + 1 :]]
    result = parse_bytes("\n".join(merged).encode(), "merged.txt")
    cells = result["cells"]
    assert [cells[f"requests.{r}.total"] for r in ("other_no_correction", "other_unpaid_fee", "other_misc")] == [
        None
    ] * 3
    assert cells["requests.other_handling.natural_person"] == 2 and cells["requests.other_handling.total"] == 2
    warnings = {i["check"]: i for i in result["issues"]}
    assert "requests.other_handling.total" in warnings["merged_rows_or_columns"]["codes"]
    assert "其他处理" in warnings["merged_rows_or_columns"]["detail"]
    # the identity uses the merged row in place of the three sub-rows: 24 + 2 ≠ 24 is a real break
    assert "requests_total_rows" in _errors(result)


@needs_shared
def test_unreadable_cell_is_null_and_unsure() -> None:
    text = SEED.replace("行政许可\t618", "行政许可\t6l8")
    result = parse_bytes(text.encode(), "garbled.txt")
    assert result["cells"]["active.licensing.decisions"] is None
    assert "active.licensing.decisions" in _errors(result)["unsure_cell"]["codes"]


def test_gbk_page_without_charset_is_not_truncated() -> None:
    page = "<html><body><p>朱镕基同志讲话</p><p>后面的内容：予以公开</p></body></html>"
    data = page.encode("gbk")
    assert "后面的内容" in decode_page(data)
    declared = ('<html><head><meta charset="gb2312"></head><body><p>镕</p><p>尾部文字</p></body></html>').encode("gbk")
    assert "尾部文字" in decode_page(declared)


def test_printed_number_forms() -> None:
    assert read_value("０").value == 0
    assert read_value("1,234").value == 1234
    assert (read_value("24件").value, read_value("24件").unit) == (24, "件")
    assert read_value("5949.088667").value == 5949.088667
    for blank in ("", "—", "-", "/", "无", "\xa0"):
        assert read_value(blank).kind == "missing"
    assert read_value("1 2").kind == "unsure"


def test_doc_without_libreoffice_names_the_missing_tool(monkeypatch) -> None:
    import pytest

    from ogi.extract import office
    from ogi.extract.errors import MissingTool

    monkeypatch.setattr(office, "soffice", lambda: None)
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    with pytest.raises(MissingTool, match=r"report\.doc: .*LibreOffice \(soffice\)"):
        parse_bytes(ole, "report.doc")


@needs_shared
def test_report_table_nested_in_a_layout_table() -> None:
    """Old CMS pages put the whole article inside layout tables: only the leaf tables
    are report tables, and the site chrome around them is ignored."""
    html = (SHARED / "corpus" / "pingtan-2023.html").read_text(encoding="utf-8")
    start, end = html.index("<div class=TRS_Editor>"), html.rindex("</table>") + len("</table>")
    article = html[start:end]
    page = (
        "<html><head><meta charset='utf-8'><title>平潭综合实验区2023年度政府信息公开工作年度报告</title></head><body>"
        "<table width=1000><tr><td>首页 | 政务公开 | 信息公开年报</td></tr><tr><td>"
        f"<table><tr><td class=nav>当前位置：首页</td></tr><tr><td>{article}</td></tr></table>"
        "</td></tr><tr><td>版权所有 网站标识码 3590000001</td></tr></table></body></html>"
    )
    nested = parse_bytes(page.encode("utf-8"), "nested.html")
    original = parse_bytes((SHARED / "corpus" / "pingtan-2023.html").read_bytes(), "pingtan.html")
    assert nested["cells"] == original["cells"]
    assert nested["agency"] == "平潭综合实验区" and nested["year"] == 2023


def test_title_forms_give_agency_and_report_year() -> None:
    from ogi.parse.meta import read_meta

    cases = {
        ("聊城市生态环境局", "2024 年度政府信息公开工作年度报告"): ("聊城市生态环境局", 2024),
        ("2024年度某某县人民政府政府信息公开工作年度报", "告"): ("某某县人民政府", 2024),
        ("某某市交通运输局政府信息公开工作年度报告（2023年度）", "一、总体情况"): ("某某市交通运输局", 2023),
        ("2019年上海市人民政府办公厅政府信息公开工作年度报告", "发布日期：2020-01-31"): ("上海市人民政府办公厅", 2019),
    }
    for lines, (agency, year) in cases.items():
        meta = read_meta(list(lines), [], [], "pdf")
        assert (meta.agency, meta.year) == (agency, year), lines
    # the reported year, not the publication year, and metadata titles of a template are not trusted in PDFs
    meta = read_meta(
        ["某某镇人民政府", "2022年政府信息公开工作年度报告", "2023年1月20日"], ["政府信息公开工作年度报告"], [], "pdf"
    )
    assert (meta.agency, meta.year, meta.published) == ("某某镇人民政府", 2022, "2023-01-20")


@needs_shared
def test_word_web_archive_served_as_doc() -> None:
    """Sites often serve Word's "save as web page" (MHTML) under a .doc name."""
    import quopri

    page = (SHARED / "corpus" / "shanghai-office-2019.html").read_bytes()
    mhtml = (
        b'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="----=_NextPart_01"\r\n\r\n'
        b"------=_NextPart_01\r\nContent-Location: file:///C:/report.htm\r\n"
        b'Content-Transfer-Encoding: quoted-printable\r\nContent-Type: text/html; charset="utf-8"\r\n\r\n'
        + quopri.encodestring(page)
        + b"\r\n------=_NextPart_01--\r\n"
    )
    result = parse_bytes(mhtml, "report.doc")
    direct = parse_bytes(page, "report.html")
    assert result["cells"] == direct["cells"] and result["template"] == "2019"
