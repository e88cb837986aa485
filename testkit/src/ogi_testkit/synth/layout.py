"""Format-independent layout: the report as a list of blocks and tables as span grids.

Every renderer (HTML, DOCX, text) walks the same blocks, so a quirk that changes
what is printed (a typo'd label, a merged row) is decided once here and appears
identically in every format. Tables imitate the official 2021 blank template
(国办公开办函〔2021〕30号) and the 2019 trial format, including rowspan/colspan.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from typing import Literal

from ogi_testkit.synth import spec as tpl
from ogi_testkit.synth.model import EXT_COL, EXT_ROW, LEGAL_SUBCOLS, MISSING_ROW, OTHER_SUBROWS, SyntheticReport
from ogi_testkit.synth.variants import wordings

Kind = Literal["head", "label", "value"]


@dataclass
class Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    kind: Kind = "label"
    code: str | None = None


@dataclass
class Table:
    name: str  # active | requests | review
    ncols: int
    rows: list[list[Cell]]
    header_rows: int = 0
    spacer: bool = False  # the last column is an empty spacer column

    def grid(self) -> list[list[Cell | None]]:
        """Rows × ncols positions: the origin Cell where a cell starts, None where covered."""
        out: list[list[Cell | None]] = [[None] * self.ncols for _ in self.rows]
        taken = [[False] * self.ncols for _ in self.rows]
        for r, row in enumerate(self.rows):
            c = 0
            for cell in row:
                while taken[r][c]:
                    c += 1
                out[r][c] = cell
                for dr in range(cell.rowspan):
                    for dc in range(cell.colspan):
                        taken[r + dr][c + dc] = True
                c += cell.colspan
        return out


@dataclass
class Block:
    kind: Literal["title", "heading", "para", "table", "signature"]
    text: str = ""
    table: Table | None = None
    extra: dict[str, str] = field(default_factory=dict)


HEADINGS = {
    "overall": ("一、总体情况",),
    "active": ("二、主动公开政府信息情况", "二、行政机关主动公开政府信息情况"),
    "requests": ("三、收到和处理政府信息公开申请情况", "三、行政机关收到和处理政府信息公开申请情况"),
    "review": (
        "四、政府信息公开行政复议、行政诉讼情况",
        "四、因政府信息公开工作被申请行政复议、提起行政诉讼情况",
        "四、政府信息公开行政复议及行政诉讼情况",
    ),
    "problems": ("五、存在的主要问题及改进情况", "五、政府信息公开工作存在的主要问题及改进情况"),
    "other": ("六、其他需要报告的事项",),
}
BALANCE_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
GROUP_III = "三、本年度办理结果"
TYPOS = {
    "本年废止件数": "本年度止件数",
    "2.其他法律行政法规禁止公开": "2.其他法律行政止公开",
    "结果维持": "结 果维持",
    "（二）部分公开（区分处理的，只计这一情形，不计其他情形）": "(二) 部分公开(区分处理的, 只计这一情形, 不计其他情形)",
}


class Labeler:
    """Applies the label quirks (typos, spaced characters, wording) to template labels."""

    def __init__(self, report: SyntheticReport) -> None:
        self.q = report.quirks
        self._typo_done: set[str] = set()

    def __call__(self, text: str, *, spaced: bool = False, vertical: bool = False) -> str:
        if "older_wordings" in self.q:
            text = wordings()["older_wordings"].get(text, text)
        if "label_typos" in self.q and text in TYPOS and text not in self._typo_done:
            self._typo_done.add(text)  # typos are one-offs: only the first occurrence
            text = TYPOS[text]
        if "wording_variants" in self.q and text == "总计" and not vertical and spaced:
            text = "合计"
        if "spaced_labels" in self.q:
            if vertical:
                return "\n".join(text)
            if spaced:
                return " ".join(text)
        return text


_NUMBERS = ("一、", "二、", "三、", "四、", "五、", "六、")


def heading(report: SyntheticReport, section: str) -> str:
    """A section heading as this report prints it (the template's, or a variant)."""
    options = HEADINGS[section]
    text = options[0]
    if "wording_variants" in report.quirks and len(options) > 1:
        text = options[1 + report.seed % (len(options) - 1)]
    if "headings_reworded" in report.quirks:
        reworded = wordings()["headings_reworded"][section]
        text = reworded[report.seed % len(reworded)]
    k = list(HEADINGS).index(section)
    if "headings_numbered_alt" in report.quirks:
        numbers = wordings()["heading_numbers"]
        text = numbers[report.seed % len(numbers)][k] + text.removeprefix(_NUMBERS[k])
    if "headings_unnumbered" in report.quirks:
        text = text.removeprefix(_NUMBERS[k])
    return text


def _value(report: SyntheticReport, code: str, colspan: int = 1) -> Cell:
    return Cell(report.printed(code), colspan=colspan, kind="value", code=code)


def active_table(report: SyntheticReport) -> Table:
    lab = Labeler(report)
    v = report.template
    col_label = {c.col: c.label for c in tpl.cols(v, "active")}
    rows_by = {r.row: r for r in tpl.rows(v, "active")}
    out: list[list[Cell]] = []
    if v == "2021":
        n = 4
        groups = [
            ("第二十条第（一）项", ["regulations", "normative_documents"]),
            ("第二十条第（五）项", ["licensing"]),
            ("第二十条第（六）项", ["penalty", "coercion"]),
            ("第二十条第（八）项", ["fees"]),
        ]
        spans = {1: [3], 3: [1, 1, 1]}
    else:
        n = 5
        groups = [
            ("第二十条第（一）项", ["regulations", "normative_documents"]),
            ("第二十条第（五）项", ["licensing", "other_services"]),
            ("第二十条第（六）项", ["penalty", "coercion"]),
            ("第二十条第（八）项", ["fees"]),
            ("第二十条第（九）项", ["procurement"]),
        ]
        spans = {3: [1, 2, 1], 2: [2, 2]}
    for group, rows in groups:
        out.append([Cell(group, colspan=n, kind="head")])
        cols = rows_by[rows[0]].cols
        widths = spans.get(len(cols), [n - 1])
        out.append(
            [Cell("信息内容", kind="head")]
            + [Cell(lab(col_label[c]), colspan=w, kind="head") for c, w in zip(cols, widths, strict=True)]
        )
        for r in rows:
            if "missing_row" in report.quirks and r == MISSING_ROW:
                continue
            spec = rows_by[r]
            out.append(
                [Cell(lab(spec.label))]
                + [_value(report, f"active.{r}.{c}", w) for c, w in zip(spec.cols, widths, strict=True)]
            )
    return Table("active", n, out)


def _split_label(label: str) -> tuple[str, str]:
    """Row label of cells.csv → (group label, own label)."""
    if label.startswith(GROUP_III):
        return GROUP_III, label[len(GROUP_III) :]
    if " " in label:
        group, own = label.split(" ", 1)
        return group, own
    return "", label


def requests_table(report: SyntheticReport) -> Table:
    lab = Labeler(report)
    v = report.template
    legal_merged = report.merged_legal_column
    cols = [c.col for c in tpl.cols(v, "requests")]
    sub_labels = {c.col: c.label.split(" ")[-1] for c in tpl.cols(v, "requests")}
    value_cols = ["natural_person", EXT_COL, "total"] if legal_merged else cols
    n = 3 + len(value_cols)
    out: list[list[Cell]] = []
    if legal_merged:
        out.append([Cell(BALANCE_NOTE, rowspan=2, colspan=3, kind="head"), Cell("申请人情况", colspan=3, kind="head")])
        out.append([Cell(lab(x, spaced=True), kind="head") for x in ("自然人", "法人或其他组织", "总计")])
        header_rows = 2
    else:
        out.append([Cell(BALANCE_NOTE, rowspan=3, colspan=3, kind="head"), Cell("申请人情况", colspan=7, kind="head")])
        out.append(
            [
                Cell(lab("自然人"), rowspan=2, kind="head"),
                Cell("法人或其他组织", colspan=5, kind="head"),
                Cell(lab("总计", spaced=True), rowspan=2, kind="head"),
            ]
        )
        out.append([Cell(lab(sub_labels[c], spaced=True), kind="head") for c in LEGAL_SUBCOLS])
        header_rows = 3

    specs = list(tpl.rows(v, "requests"))
    printed: list[tuple[str, str, str]] = []  # (row code, group, own label)
    for spec in specs:
        if report.merged_other_row and spec.row in OTHER_SUBROWS:
            if spec.row == OTHER_SUBROWS[0]:
                printed.append((EXT_ROW, GROUP_III, "（六）其他处理"))
            continue
        group, own = _split_label(spec.label)
        if not group and own.startswith("（"):  # （六）其他处理 (2019), （七）总计
            group = GROUP_III
        printed.append((spec.row, group, own))

    outcome = [p for p in printed if p[1] and p[0] not in ("new_received", "carried_over", "carried_forward")]
    first_outcome = outcome[0][0]
    # group_label_repeated: 三、本年度办理结果 printed again where （三）不予公开 starts
    first_span = len(outcome)
    second_outcome = None
    if "group_label_repeated" in report.quirks:
        first_span = next(i for i, p in enumerate(outcome) if p[1] != GROUP_III)
        second_outcome = outcome[first_span][0]
    seen_groups: set[str] = set()
    for row, group, own in printed:
        values = [_value(report, f"requests.{row}.{c}") for c in value_cols]
        cells: list[Cell] = []
        if not group:
            cells.append(Cell(lab(own), colspan=3))
        else:
            if row == first_outcome:
                cells.append(Cell(lab(GROUP_III, vertical=True), rowspan=first_span))
            elif row == second_outcome:
                cells.append(Cell(lab(GROUP_III, vertical=True), rowspan=len(outcome) - first_span))
            if group == GROUP_III:
                cells.append(Cell(lab(own), colspan=2))
            else:
                if group not in seen_groups:
                    seen_groups.add(group)
                    size = sum(1 for p in printed if p[1] == group)
                    cells.append(Cell(group, rowspan=size))
                cells.append(Cell(lab(own)))
        out.append(cells + values)
    return Table("requests", n, out, header_rows=header_rows)


def review_table(report: SyntheticReport) -> Table:
    lab = Labeler(report)
    col_labels = [c.label for c in tpl.cols(report.template, "review")]
    cols = [c.col for c in tpl.cols(report.template, "review")]
    out = [
        [Cell("行政复议", colspan=5, kind="head"), Cell("行政诉讼", colspan=10, kind="head")],
        [Cell(lab(x, spaced=x == "总计"), rowspan=2, kind="head") for x in col_labels]
        + [Cell("未经复议直接起诉", colspan=5, kind="head"), Cell("复议后起诉", colspan=5, kind="head")],
        [Cell(lab(x, spaced=x == "总计"), kind="head") for x in col_labels * 2],
        [_value(report, f"review.{r.row}.{c}") for r in tpl.rows(report.template, "review") for c in cols],
    ]
    return Table("review", 15, out, header_rows=3)


def opening(report: SyntheticReport) -> list[str]:
    """The sentences before section 一 of the opening_* variants: one paragraph, or one
    per sentence."""
    words = wordings()
    rng = random.Random(f"{report.seed}/opening/{report.agency}/{report.year}")
    host = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 8)))
    fmt = {
        "agency": report.agency,
        "year": report.year,
        "n_cn": rng.choice(("6", "六")),
        "host": host,
        "address": f"{report.agency[:3]}{rng.choice(('人民路', '政务中心', '行政中心大楼'))}{rng.randint(1, 300)}号",
        "post": f"{rng.randint(100000, 859999)}",
        "phone": f"0{rng.randint(310, 999)}-{rng.randint(2000000, 8999999)}",
        "mail": f"{host}gk@{host}.gov.cn",
    }
    names = ("opening_basis", "opening_parts", "opening_period", "opening_download", "opening_contact")
    sentences = [rng.choice(words[n]).format(**fmt) for n in names if n in report.quirks]
    if sentences and rng.random() < 0.5:
        return ["".join(sentences)]
    return sentences


def _shaped(report: SyntheticReport, name: str, table: Table, title: str | None) -> list[Table]:
    """The splits and wrappers of the variant catalogue applied to one template table."""
    q = report.quirks
    words = wordings()
    n = table.ncols
    rows = [list(r) for r in table.rows]
    header = table.header_rows
    if "heading_in_table" in q and title:
        rows.insert(0, [Cell(title, colspan=n, kind="head")])
        header += 1
    if "spacer_cells" in q:
        blank = [Cell("", kind="value") for _ in range(n)]
        if name == "active":  # a spacer row before each block of section 2
            starts = [i for i, r in enumerate(rows) if i and r[0].text.startswith("第二十条")]
            for i in reversed(starts):
                rows.insert(i, list(blank))
        else:
            rows.insert(header, list(blank))
        for r in rows:
            r.append(Cell("", kind="value"))
        n += 1
    if "notes_rows" in q:
        note = words["notes"][report.seed % len(words["notes"])].format(year=report.year)
        rows.append([Cell(note, colspan=n)])
    if "trailing_empty_row" in q:
        rows.append([Cell("", kind="value") for _ in range(n)])
    spacer = "spacer_cells" in q
    if "split_active_blocks" in q and name == "active":
        starts = [i for i, r in enumerate(rows) if r[0].text.startswith("第二十条")]
        starts[0] = 0
        bounds = [*starts, len(rows)]
        return [Table(name, n, rows[a:b], 0, spacer) for a, b in itertools.pairwise(bounds) if b > a]
    if "split_header" in q and name in ("requests", "review") and header:
        return [Table(name, n, rows[:header], header, spacer), Table(name, n, rows[header:], 0, spacer)]
    return [Table(name, n, rows, header, spacer)]


def _after_table(report: SyntheticReport, name: str) -> str:
    words = wordings()["after_table"]
    text = words[(report.seed + len(name)) % len(words)]
    t = report.true_cells
    return text.format(
        short="本机关",
        year=report.year,
        agency=report.agency,
        events=report.seed % 5 + 2,
        new=int(t["requests.new_received.total"]),
    )


def blocks(report: SyntheticReport) -> list[Block]:
    """The whole report, top to bottom, as renderer-independent blocks."""
    q = report.quirks
    out = [Block("title", report.title)]
    out += [Block("para", p) for p in opening(report)]
    s = report.sections

    def head(name: str) -> None:
        if "headings_missing" not in q:
            out.append(Block("heading", heading(report, name)))

    head("overall")
    out += [Block("para", p) for p in s["overall"].split("\n") if p]
    for name, table in (("active", active_table), ("requests", requests_table), ("review", review_table)):
        in_table = "heading_in_table" in q and "headings_missing" not in q
        if not in_table:
            head(name)
        if s.get(name):
            out.append(Block("para", s[name]))
        if "tables_in_narrative" in q:
            out.append(Block("para", f"{report.year}年度{heading(report, name)[2:]}统计如下（单位：件）："))
        title = heading(report, name) if in_table else None
        out += [Block("table", table=t) for t in _shaped(report, name, table(report), title)]
        if "notes_rows" in q:
            out.append(Block("para", "注：数据来源于本机关政府信息公开工作台账。"))
        if "tables_in_narrative" in q:
            out.append(Block("para", _after_table(report, name)))
    for name in ("problems", "other"):
        head(name)
        out += [Block("para", p) for p in s[name].split("\n") if p]
    out.append(Block("signature", report.agency, extra={"date": f"{report.published:%Y年%-m月%-d日}"}))
    return out
