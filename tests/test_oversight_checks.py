"""The oversight checks (validate/oversight.py, validate/oversight_years.py) on hand-built
fixtures, PUDL style: each fires on the defect it names, stays quiet on a sound report,
and is not evaluated when its inputs are unknown. Then on generated documents whose
generator was asked for the defect (the generator decides what it prints; it does not
know how the checks read it)."""

from __future__ import annotations

import shutil

import pytest
from ogi_testkit.synth import make_report, render
from ogi_testkit.synth.model import reissue

from ogi.parse import template
from ogi.parse.api import parse_bytes
from ogi.validate import oversight as ov
from ogi.validate.checks import catalogue
from ogi.validate.oversight_years import OversightRules, conflicting_versions, stub_column, yoy_jump

OVERSIGHT = (
    "narrative_table_mismatch",
    "late_publication",
    "missing_section",
    "fee_unexplained",
    "template_mismatch",
    "yoy_jump",
    "conflicting_versions",
)


def _cells(**values: float | None) -> dict[str, float | None]:
    cells: dict[str, float | None] = dict.fromkeys(template.codes("2021"), 0)
    cells.update({k.replace("__", "."): v for k, v in values.items()})
    return cells


SECTIONS = {
    "overall": "2023年，我局共收到政府信息公开申请12件，上年结转2件。结转下年度继续办理1件。"
    "全年发生政府信息公开行政复议3件，行政诉讼1件。",
    "active": "第二十条第（一）项",
    "requests": "具体情况详见下表：",
    "review": "行政复议",
    "problems": "一是公开的及时性有待提高。",
    "other": "1.收取信息处理费情况：本年度未收取信息处理费。",
}
SOUND = _cells(
    requests__new_received__total=12,
    requests__carried_over__total=2,
    requests__carried_forward__total=1,
    review__admin_review__total=3,
    review__litigation_direct__total=1,
    review__litigation_after_review__total=0,
)


def _names(issues) -> list[str]:
    return [i.check for i in issues]


def test_every_oversight_check_is_in_the_catalogue() -> None:
    rows = catalogue()
    for name in OVERSIGHT:
        assert rows[name]["meaning"]
    assert rows["yoy_jump"]["severity"] == "info"


def test_a_sound_report_passes_every_check() -> None:
    assert ov.report_oversight(SOUND, SECTIONS, "2021", 2023, "2024-01-20") == []


@pytest.mark.parametrize(
    ("code", "printed", "item"),
    [
        ("requests.new_received.total", 15, "new_received"),
        ("requests.carried_over.total", 0, "carried_over"),
        ("requests.carried_forward.total", 4, "carried_forward"),
        ("review.admin_review.total", 2, "admin_review"),
        ("review.litigation_after_review.total", 1, "litigation"),  # 行政诉讼 = direct + after review
    ],
)
def test_narrative_table_mismatch_names_the_number(code: str, printed: float, item: str) -> None:
    cells = dict(SOUND) | {code: printed}
    (issue,) = ov.narrative_table_mismatch(cells, SECTIONS, "2021")
    assert issue.check == "narrative_table_mismatch" and issue.severity == "warning"
    assert issue.detail.startswith(item) and code in issue.codes
    assert f"the table has {int(sum(cells[c] for c in issue.codes))}" in issue.detail


def test_narrative_numbers_in_fullwidth_digits_with_spaces_and_wrapped_lines() -> None:
    text = dict(
        SECTIONS,
        overall="我局共收到政府信息公开申请 １２ 件，上年结转２件。这一行很长很长很长很长很长很长的说明文字结转"
        "\n下年度继续办理1件。",
    )
    assert ov.narrative_table_mismatch(SOUND, text, "2021") == []
    off = dict(SOUND) | {"requests.carried_forward.total": 5}
    assert _names(ov.narrative_table_mismatch(off, text, "2021")) == ["narrative_table_mismatch"]


def test_narrative_mismatch_not_evaluated_on_a_blank_cell_or_unstated_number() -> None:
    blank = dict(SOUND) | {"requests.new_received.total": None}
    assert ov.narrative_table_mismatch(blank, SECTIONS, "2021") == []
    assert ov.narrative_table_mismatch(dict(SOUND) | {"requests.new_received.total": 99}, {}, "2021") == []


def test_table_lines_in_a_section_are_not_read_as_narrative() -> None:
    """The requests section holds the table as text: label and numbers on their own lines."""
    table = dict(SECTIONS, requests="一、本年新收政府信息公开申请数量\n10件\n0\n二、上年结转政府信息公开申请数量\n7件")
    assert ov.narrative_table_mismatch(SOUND, table, "2021") == []


def test_late_publication() -> None:
    (issue,) = ov.late_publication(2023, "2024-02-03")
    assert issue.check == "late_publication" and "3 day(s) after the deadline 2024-01-31" in issue.detail
    assert ov.late_publication(2023, "2024-01-31") == []
    assert ov.late_publication(2023, None) == []  # unknown: not evaluated
    assert ov.late_publication(None, "2024-05-01") == []


def test_missing_section() -> None:
    (issue,) = ov.missing_section(dict(SECTIONS, problems=""), SOUND)
    assert issue.codes == ["problems"] and "五、存在的主要问题及改进情况" in issue.detail
    (issue,) = ov.missing_section(dict(SECTIONS, problems="无。"), SOUND)  # no problem stated
    assert issue.codes == ["problems"]
    assert ov.missing_section(dict(SECTIONS, other="无。"), SOUND) == []  # an explicit statement
    # A section that is only its table (text extraction put it in the grid) is present.
    assert ov.missing_section(dict(SECTIONS, requests=""), SOUND) == []
    empty_table = {c: None for c in SOUND}
    (issue,) = ov.missing_section(dict(SECTIONS, requests="", active=""), empty_table)
    assert issue.codes == ["active", "requests"]


def test_fee_unexplained() -> None:
    fee = dict(SOUND) | {"requests.other_unpaid_fee.total": 2}
    (issue,) = ov.fee_unexplained(fee, dict(SECTIONS, other="1.人大代表建议办理情况。"))
    assert "does not state the 信息处理费" in issue.detail and issue.codes == [ov.FEE_NOTICE_CODE]
    (issue,) = ov.fee_unexplained(fee, dict(SECTIONS, other="本年度未发出收费通知。"))
    assert "no fee notice" in issue.detail
    (issue,) = ov.fee_unexplained(fee, dict(SECTIONS, other="本年度发出收费通知1件，收取信息处理费0元。"))
    assert "states 1 fee notice" in issue.detail
    assert ov.fee_unexplained(fee, dict(SECTIONS, other="发出收费通知2件，实际收取信息处理费0元。")) == []
    assert ov.fee_unexplained(fee, SECTIONS) == []  # 未收取信息处理费: explained (the notices went unpaid)
    assert ov.fee_unexplained(SOUND, {}) == []  # no fee notice in the table
    assert ov.fee_unexplained(dict(SOUND) | {ov.FEE_NOTICE_CODE: None}, {}) == []


def test_template_mismatch() -> None:
    assert _names(ov.template_mismatch(2022, "2019")) == ["template_mismatch"]
    assert _names(ov.template_mismatch(2020, "2021")) == ["template_mismatch"]
    assert ov.template_mismatch(2020, "2019") == ov.template_mismatch(2021, "2021") == []
    assert ov.template_mismatch(None, "2019") == []


def _record(agency: str, year: int, rid: str, **codes: float | None) -> dict:
    row = {"report_id": rid, "agency_id": agency, "year": year}
    return row | {stub_column(k.replace("__", ".")): v for k, v in codes.items()}


def test_yoy_jump_with_factor_and_minimum() -> None:
    rules = OversightRules(yoy_factor=3.0, yoy_minimum=30, small_requests=30)
    records = {
        ("a", 2022): _record("a", 2022, "r1", requests__new_received__total=40, requests__total__total=40),
        ("a", 2023): _record("a", 2023, "r2", requests__new_received__total=130, requests__total__total=110),
        ("b", 2022): _record("b", 2022, "r3", requests__new_received__total=2, requests__total__total=0),
        ("b", 2023): _record("b", 2023, "r4", requests__new_received__total=25, requests__total__total=None),
        ("new", 2023): _record("new", 2023, "r6", requests__new_received__total=90),
        ("old", 2022): _record("old", 2022, "r5", requests__new_received__total=10),
    }
    issues = yoy_jump(records, {"new": "old"}, rules)
    assert [(i["report_id"], i["codes"]) for i in issues] == [
        ("r2", ["requests.new_received.total"]),  # 40 → 130 is ×3.25; 40 → 110 is ×2.75
        ("r6", ["requests.new_received.total"]),  # against the predecessor's 10
    ]
    assert issues[0]["severity"] == "info" and "×3.25" in issues[0]["detail"]
    # b: 2 → 25 is ×12.5 but both years are below the minimum; a blank is not evaluated.
    looser = OversightRules(yoy_factor=4.0, yoy_minimum=30, small_requests=30)
    assert [i["report_id"] for i in yoy_jump(records, {"new": "old"}, looser)] == ["r6"]


def test_conflicting_versions_compares_printed_numbers_only() -> None:
    def stub(rid: str, digest: str, record: bool) -> dict:
        return {"report_id": rid, "agency_id": "a", "year": 2023, "template": "2021", "cells_digest": digest,
                "is_record": record, "document_url": f"http://x/{rid}"}  # fmt: skip

    cells = {
        "pdf": {"requests.granted.total": 10, "requests.total.total": 20, "review.admin_review.total": None},
        "html": {"requests.granted.total": 13, "requests.total.total": 20, "review.admin_review.total": 4},
        "same": {"requests.granted.total": 10, "requests.total.total": 20},
    }
    asked: list[list[str]] = []

    def read(ids: list[str]) -> dict:
        asked.append(ids)
        return {i: cells[i] for i in ids}

    (issue,) = conflicting_versions([stub("html", "x", False), stub("pdf", "y", True)], read)
    assert issue["report_id"] == "pdf" and issue["codes"] == ["requests.granted.total"]  # a blank is no conflict
    assert "requests.granted.total 10 vs 13" in issue["detail"] and "the record rule picks pdf" in issue["detail"]
    assert conflicting_versions([stub("same", "z", False), stub("pdf", "y", True)], read) == []
    asked.clear()
    assert conflicting_versions([stub("pdf", "y", True), stub("same", "y", False)], read) == []
    assert asked == []  # equal digests: no cells read


# ---------------------------------------------------------------- generated documents

ASKED_FOR = [
    ("narrative_table_mismatch", {"quirks": {"narrative_mismatch"}}),
    ("late_publication", {"quirks": {"late_publication"}}),
    ("missing_section", {"quirks": {"empty_problems_section"}}),
    ("fee_unexplained", {"quirks": {"fee_unexplained"}}),
    ("template_mismatch", {"template": "2019"}),
]
PER_REPORT = {name for name, _ in ASKED_FOR}


def _fired(data: bytes, name: str) -> set[str]:
    return {i["check"] for i in parse_bytes(data, name)["issues"] if i["check"] in PER_REPORT}


@pytest.mark.parametrize(("check", "ask"), ASKED_FOR, ids=[c for c, _ in ASKED_FOR])
def test_generated_defect_is_reported(check: str, ask: dict) -> None:
    prev = make_report("聊城市财政局", 2022, seed=11)
    for seed in (1, 2):
        report = make_report("聊城市财政局", 2023, seed=seed, previous=prev, **ask)
        assert report.defects == {check}
        assert _fired(render(report, "html"), "r.html") == {check}, seed
        sound = make_report("聊城市财政局", 2023, seed=seed, previous=prev)
        assert sound.defects == set() and _fired(render(sound, "html"), "r.html") == set()


@pytest.mark.skipif(shutil.which("soffice") is None, reason="synth renders PDF through LibreOffice")
def test_generated_narrative_mismatch_in_a_pdf() -> None:
    """PDF text sets numbers apart with spaces and wraps prose at the page width."""
    prev = make_report("聊城市人民政府", 2022, seed=11)
    report = make_report("聊城市人民政府", 2023, seed=4, previous=prev, quirks={"narrative_mismatch"})
    assert _fired(render(report, "pdf"), "r.pdf") == {"narrative_table_mismatch"}


def test_generated_sequences_continue_and_jump_when_asked() -> None:
    prev = make_report("山东省人民政府", 2022, seed=11)
    sound = make_report("山东省人民政府", 2023, seed=12, previous=prev)
    for col in ("natural_person", "total"):
        assert sound.true_cells[f"requests.carried_over.{col}"] == prev.true_cells[f"requests.carried_forward.{col}"]
    assert sound.size == prev.size and "yoy_jump" not in sound.defects
    surge = make_report("山东省人民政府", 2023, seed=12, previous=prev, growth=5.0)
    assert "yoy_jump" in surge.defects
    broken = make_report("山东省人民政府", 2023, seed=12, previous=prev, quirks={"carryover_break"})
    assert broken.defects == {"carryover_continuity"}
    again = reissue(sound)
    differ = {c for c in sound.cells if sound.cells[c] != again.cells[c]}
    assert "requests.granted.total" in differ and again.defects == {"conflicting_versions"}
