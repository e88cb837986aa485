"""Property-based: generated HTML tables and number strings never crash the parser, and
every number in ``cells`` is a number printed in the input.

Two families of input: a generated report (the test kit's own template copy) whose
value cells print arbitrary number-like strings (separators, full-width digits,
units, signs, dashes, decimals, junk), and free-form tables with random spans and
label-like or number-like text. The oracle is the input itself: the numbers that
can be read from the printed text by a rule written here (digits in ASCII or
full-width, thousands separators dropped), not by the parser's code.
"""

from __future__ import annotations

import dataclasses
import html
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ogi_testkit.synth import make_report, render

from ogi.extract.errors import UnreadableDocument
from ogi.parse.api import parse_bytes

_FULL = str.maketrans("０１２３４５６７８９．，－", "0123456789.,-")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
UNITS = ("件", "万元", "元", "个", "人次", "%")
DASHES = ("", "—", "-", "/", "无", "－", "——", " ")


def printed_numbers(text: str) -> set[float]:
    """Every number a reader could see in ``text``: ASCII or full-width digits, commas dropped."""
    plain = html.unescape(text).translate(_FULL)
    plain = re.sub(r"(?<=\d)[,，](?=\d{3})", "", plain)
    return {float(m) for m in _NUMBER.findall(plain)}


def _full_width(s: str) -> str:
    return s.translate(str.maketrans("0123456789.,", "０１２３４５６７８９．，"))


integers = st.integers(min_value=0, max_value=10**8)
number_strings = st.one_of(
    integers.map(str),
    integers.map(lambda n: f"{n:,}"),
    integers.map(lambda n: _full_width(str(n))),
    st.tuples(integers, st.sampled_from(UNITS)).map(lambda t: f"{t[0]}{t[1]}"),
    st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False).map(str),
    st.integers(min_value=-1000, max_value=-1).map(str),
    st.sampled_from(DASHES),
    st.text(alphabet="0123456789０１２３４５６７８９,，.．-—/ 件元万（）()约余多", max_size=8),
)


@st.composite
def reports_printing(draw: st.DrawFn) -> tuple[bytes, str]:
    seed = draw(st.integers(min_value=0, max_value=50))
    year = draw(st.sampled_from([2019, 2020, 2022, 2024]))
    report = make_report("聊城市教育局", year, seed=seed)
    codes = sorted(report.raw)
    texts = draw(st.lists(number_strings, min_size=len(codes), max_size=len(codes)))
    changed = dataclasses.replace(report, raw=dict(zip(codes, texts, strict=True)))
    style = draw(st.sampled_from(["trs", "plain", "spans"]))
    return render(changed, "html", style=style), style


labels = st.sampled_from(
    ["新收政府信息公开申请数量", "上年结转", "（一）予以公开", "总计", "自然人", "商业企业", "维持", "纠正", "行政复议"]
)


@st.composite
def free_tables(draw: st.DrawFn) -> bytes:
    rows = draw(st.integers(min_value=1, max_value=12))
    body = []
    for _ in range(rows):
        cells = draw(st.lists(st.one_of(number_strings, labels), min_size=1, max_size=10))
        tds = []
        for text in cells:
            rs, cs = draw(st.integers(1, 4)), draw(st.integers(1, 4))
            tds.append(f'<td rowspan="{rs}" colspan="{cs}">{html.escape(text)}</td>')
        body.append("<tr>" + "".join(tds) + "</tr>")
    doc = (
        "<html><head><meta charset='utf-8'><title>2023年政府信息公开工作年度报告</title></head><body>"
        "<h1>2023年政府信息公开工作年度报告</h1><p>一、总体情况</p>"
        f"<table>{''.join(body)}</table><p>六、其他需要报告的事项</p></body></html>"
    )
    return doc.encode("utf-8")


def _check(data: bytes) -> None:
    try:
        result = parse_bytes(data, "generated.html")
    except UnreadableDocument:
        return  # a named refusal is allowed; any other exception fails the test
    seen = printed_numbers(data.decode("utf-8"))
    for code, value in result["cells"].items():
        if value is None:
            continue
        assert float(value) in seen, (code, value, result["raw"].get(code))
        assert float(value) in printed_numbers(result["raw"][code]), (code, value, result["raw"][code])


SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(reports_printing())
def test_reports_printing_arbitrary_numbers(doc: tuple[bytes, str]) -> None:
    _check(doc[0])


@SETTINGS
@given(free_tables())
def test_free_form_tables(doc: bytes) -> None:
    _check(doc)
