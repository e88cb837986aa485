"""What an OGI office checks by hand in one report, beyond the format's arithmetic.

Provincial OGI offices and transparency-index researchers read the narrative
against the tables, look at the publication date, see that every section is
there, that fee notices are explained, and that the report uses the format of its
year. Each check here returns named issues (data/checks.csv) with the evidence in
``detail``; nothing printed is changed. A check whose inputs are unknown (no
published date, a blank cell) is not evaluated rather than guessed.

The phrases the narrative states numbers in are data (data/narrative_numbers.csv).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache

from ogi.validate.checks import DATA, Issue

Number = int | float | None

SECTION_NAMES = {
    "overall": "一、总体情况",
    "active": "二、主动公开政府信息情况",
    "requests": "三、收到和处理政府信息公开申请情况",
    "review": "四、政府信息公开行政复议、行政诉讼情况",
    "problems": "五、存在的主要问题及改进情况",
    "other": "六、其他需要报告的事项",
}
#: Text that, alone in a section, says nothing (a section "printed empty").
_EMPTY_TEXT = re.compile(r"^[\s。．.、：:（）()\-—]*$")
#: In 第五部分 a bare "无" states no problem at all, which the format does not allow; in
#: the other sections it is an explicit statement that there is nothing to report.
_NOTHING_STATED = re.compile(r"^[\s。．.、：:]*(?:暂)?无[\s。．.、：:]*$")
#: Sections that are mostly the template's table: the table counts as their content.
_TABLE_SECTIONS = {"active": "active.", "requests": "requests.", "review": "review."}
_WRAPPED_LINE = 20  # characters: a prose line at least this long may have been wrapped
_SPACES = re.compile(r"[ \t\u3000\xa0]+")
_THOUSANDS = re.compile(r"(?<=\d)[,，](?=\d{3})")
#: The 2021 format's row counting requests dropped because a fee notice went unpaid.
FEE_NOTICE_CODE = "requests.other_unpaid_fee.total"
_FEE_STATED = re.compile(r"信息处理费|收费通知|处理费")
_FEE_NOTICES = re.compile(r"(?:发出|送达|出具)收费通知(?:书)?(?:共)?(\d+)\s*(?:件|份|次)")
_NO_FEE_NOTICE = re.compile(r"未(?:发出|送达|出具)(?:过)?收费通知")


@dataclass(frozen=True)
class NarrativeNumber:
    """A number the narrative states, and the table cells (summed) it must equal."""

    item: str
    templates: frozenset[str]
    codes: tuple[str, ...]
    pattern: re.Pattern[str]


@cache
def narrative_numbers() -> tuple[NarrativeNumber, ...]:
    with (DATA / "narrative_numbers.csv").open(encoding="utf-8", newline="") as fh:
        return tuple(
            NarrativeNumber(
                r["item"], frozenset(r["templates"].split()), tuple(r["codes"].split()), re.compile(r["pattern"])
            )
            for r in csv.DictReader(fh)
        )


def _plain(text: str) -> str:
    """Full-width digits, spaces and thousands separators as an author's keyboard varies
    them, and prose lines a PDF wrapped at the page width joined again (a long line that does
    not end a sentence continues on the next; table lines are short)."""
    lines = unicodedata.normalize("NFKC", text).split("\n")
    out: list[str] = []
    joining = False
    for raw in lines:
        line = _SPACES.sub("", raw)  # PDFs set numbers apart: "申请 27 件"
        if joining and out:
            out[-1] += line
        else:
            out.append(line)
        joining = len(line) >= _WRAPPED_LINE and not line.endswith(("。", "；", "：", ":", ";", "！", "？"))
    return _THOUSANDS.sub("", "\n".join(out))


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def narrative_table_mismatch(cells: Mapping[str, Number], sections: Mapping[str, str], version: str) -> list[Issue]:
    """A number the narrative states differs from the table (and no statement of it agrees)."""
    text = _plain("\n".join(sections.values()))
    out = []
    for spec in narrative_numbers():
        if version not in spec.templates:
            continue
        values = [cells.get(c) for c in spec.codes]
        if any(v is None for v in values):
            continue  # a blank operand: nothing to compare with
        table = sum(float(v) for v in values)  # type: ignore[arg-type]
        stated = [int(m.group(1)) for m in spec.pattern.finditer(text)]
        if not stated or any(s == table for s in stated):
            continue
        where = " + ".join(spec.codes)
        said = ", ".join(dict.fromkeys(str(s) for s in stated))
        out.append(
            Issue(
                "narrative_table_mismatch",
                f"{spec.item}: the narrative states {said}, the table has {_fmt(table)} ({where}); "
                f"difference {_fmt(stated[0] - table)}",
                list(spec.codes),
            )
        )
    return out


def publication_deadline(year: int) -> date:
    """Reports are due by 31 January of the following year (条例 第五十条)."""
    return date(year + 1, 1, 31)


def late_publication(year: int | None, published: str | None) -> list[Issue]:
    """Published after the deadline; an unknown date or year is not evaluated."""
    if year is None or not published:
        return []
    try:
        day = date.fromisoformat(published)
    except ValueError:
        return []
    deadline = publication_deadline(year)
    if day <= deadline:
        return []
    return [Issue("late_publication", f"published {day}, {(day - deadline).days} day(s) after the deadline {deadline}")]


def _section_empty(name: str, text: str, cells: Mapping[str, Number]) -> bool:
    prefix = _TABLE_SECTIONS.get(name)
    if prefix and any(v is not None for c, v in cells.items() if c.startswith(prefix)):
        return False
    return bool(_EMPTY_TEXT.match(text) or (name == "problems" and _NOTHING_STATED.match(text)))


def missing_section(sections: Mapping[str, str], cells: Mapping[str, Number]) -> list[Issue]:
    """One warning listing the sections that are absent or printed with nothing in them."""
    empty = [name for name in SECTION_NAMES if _section_empty(name, sections.get(name) or "", cells)]
    if not empty:
        return []
    names = "; ".join(f"{SECTION_NAMES[n]} ({n})" for n in empty)
    return [Issue("missing_section", f"{len(empty)} section(s) absent or empty: {names}", empty)]


def fee_unexplained(cells: Mapping[str, Number], sections: Mapping[str, str]) -> list[Issue]:
    """Fee notices in the table must be explained in section 6 (信息处理费)."""
    notices = cells.get(FEE_NOTICE_CODE)
    if notices is None or notices <= 0:
        return []
    other = _plain(sections.get("other") or "")
    shown = f"{FEE_NOTICE_CODE} = {_fmt(notices)} (fee notices unpaid)"
    if not _FEE_STATED.search(other):
        return [Issue("fee_unexplained", f"{shown}, but section 6 does not state the 信息处理费", [FEE_NOTICE_CODE])]
    if _NO_FEE_NOTICE.search(other):
        return [Issue("fee_unexplained", f"{shown}, but section 6 says no fee notice was sent", [FEE_NOTICE_CODE])]
    stated = [int(m.group(1)) for m in _FEE_NOTICES.finditer(other)]
    if stated and max(stated) < notices:
        return [
            Issue(
                "fee_unexplained",
                f"{shown}, but section 6 states {max(stated)} fee notice(s) sent",
                [FEE_NOTICE_CODE],
            )
        ]
    return []


def expected_template(year: int) -> str:
    """The State Council format of a report year: the 2019 trial format until 2020."""
    return "2019" if year <= 2020 else "2021"


def template_mismatch(year: int | None, version: str) -> list[Issue]:
    if year is None or expected_template(year) == version:
        return []
    return [
        Issue(
            "template_mismatch",
            f"a {year} report printed on the {version} format (the {expected_template(year)} format applies)",
        )
    ]


def report_oversight(
    cells: Mapping[str, Number],
    sections: Mapping[str, str],
    version: str,
    year: int | None,
    published: str | None,
) -> list[Issue]:
    """Every one-report oversight check of a report with template tables."""
    return [
        *narrative_table_mismatch(cells, sections, version),
        *late_publication(year, published),
        *missing_section(sections, cells),
        *fee_unexplained(cells, sections),
        *template_mismatch(year, version),
    ]
