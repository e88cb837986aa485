"""Plain-text rendering, shaped like text extracted from a PDF (the seed document).

Table rows become tab-separated lines with one field per grid column; positions
covered by a rowspan/colspan are empty fields, as pdftotext-style extraction gives.
"""

from __future__ import annotations

from ogi_testkit.synth.layout import Table, blocks
from ogi_testkit.synth.model import SyntheticReport


def table_lines(table: Table) -> list[str]:
    lines = []
    for row in table.grid():
        fields = ["" if c is None else c.text.replace("\n", "") for c in row]
        lines.append("\t".join(fields))
    return lines


def render_text(report: SyntheticReport) -> str:
    out: list[str] = []
    if "extra_blocks" in report.quirks:
        out += [f"发布机构：{report.agency}", f"发布日期：{report.published:%Y-%m-%d}", ""]
    for b in blocks(report):
        if b.kind == "table" and b.table is not None:
            out += [*table_lines(b.table), ""]
        elif b.kind == "signature":
            out += [b.text, b.extra["date"]]
        else:
            out += [b.text, ""]
    return "\n".join(out) + "\n"
