"""Parser round trip: render synthetic reports with known numbers, parse, compare.

Each case is (format, template year, quirks, render options). All documents are
rendered once per session (PDF/DOC through a single soffice call) and cached in a
session tmp dir; each test then parses one document with ``ogi.parse.api`` and
requires the exact answer key: every template cell, agency/year/template, the
extension cells of merged rows/columns, and exactly the identity errors the printed
numbers break (no false identity errors).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field

import pytest
from ogi_testkit.synth import EXTENSIONS, QUIRKS, SyntheticReport, make_report, render_many

from ogi.parse import template
from ogi.validate.identities import REPORT_IDENTITIES

IDENTITY_CHECKS = set(REPORT_IDENTITIES)
OFFICE = {"pdf", "doc"}
HAVE_SOFFICE = shutil.which("soffice") is not None

SINGLE_QUIRKS = sorted(QUIRKS - {"extra_blocks"})  # extra_blocks is tested on HTML pages only
PDF_QUIRKS = [
    (),
    ("merged_other_row",),
    ("merged_legal_column",),
    ("identity_violation",),
    ("blank_cells", "dash_cells"),
    ("fullwidth_digits", "thousands_sep", "unit_suffix"),
    ("label_typos", "spaced_labels", "wording_variants"),
    ("blank_review_row",),
]


@dataclass(frozen=True)
class Case:
    fmt: str
    year: int
    quirks: tuple[str, ...] = ()
    options: tuple[tuple[str, object], ...] = field(default=())
    seed: int = 0

    @property
    def id(self) -> str:
        opts = ",".join(f"{k}={v}" for k, v in self.options)
        return f"{self.fmt}-{self.year}-{'+'.join(self.quirks) or 'clean'}" + (f"[{opts}]" if opts else "")


def _cases() -> list[Case]:
    cases: list[Case] = []
    styles = ("trs", "plain", "spans")
    for year in (2024, 2020):
        for i, q in enumerate([(), *[(x,) for x in SINGLE_QUIRKS], ("extra_blocks",)]):
            cases.append(Case("html", year, q, (("style", styles[i % 3]),), seed=i))
        for style in styles:
            cases.append(Case("html", year, ("label_typos", "spaced_labels", "dash_cells"), (("style", style),), 7))
        cases.append(Case("html-gbk", year, (), (("charset_meta", True),), 1))
        cases.append(Case("html-gbk", year, ("extra_blocks",), (("charset_meta", False), ("style", "trs")), 2))
        for i, q in enumerate([(), *[(x,) for x in SINGLE_QUIRKS]]):
            cases.append(Case("docx", year, q, seed=20 + i))
            cases.append(Case("txt", year, q, seed=40 + i))
    for i, q in enumerate(PDF_QUIRKS):
        cases.append(Case("pdf", 2024 if i % 3 else 2020, q, seed=60 + i))
    for opts in (
        (("ruled", False),),
        (("split_requests", True), ("repeat_header", False)),
        (("split_requests", True), ("repeat_header", True)),
        (("title_lines", 2),),
        (("via", "html"),),
    ):
        cases.append(Case("pdf", 2023, (), opts, seed=80 + len(cases)))
    cases.append(Case("pdf", 2022, ("merged_legal_column", "thousands_sep"), (("split_requests", True),), 90))
    cases.append(Case("doc", 2024, (), seed=95))
    cases.append(Case("doc", 2020, ("merged_other_row",), seed=96))
    return cases


CASES = _cases()
AGENCIES = ("聊城市生态环境局", "东阿县人民政府", "淮安市人民政府", "清江浦区人民政府", "山东省教育厅")


def _report(case: Case) -> SyntheticReport:
    agency = AGENCIES[case.seed % len(AGENCIES)]
    return make_report(agency, case.year, seed=case.seed, quirks=frozenset(case.quirks))


@pytest.fixture(scope="session")
def rendered(tmp_path_factory) -> dict[str, tuple[SyntheticReport, bytes, str]]:
    """Every case rendered once; office formats in one soffice call."""
    folder = tmp_path_factory.mktemp("synth-roundtrip")
    cases = [c for c in CASES if HAVE_SOFFICE or c.fmt not in OFFICE]
    reports = [_report(c) for c in cases]
    blobs = render_many([(r, c.fmt, dict(c.options)) for r, c in zip(reports, cases, strict=True)])
    out = {}
    for i, (case, report, data) in enumerate(zip(cases, reports, blobs, strict=True)):
        name = f"{i:03d}{EXTENSIONS[case.fmt]}"
        (folder / name).write_bytes(data)
        out[case.id] = (report, data, name)
    return out


def _params() -> list:
    out = []
    for c in CASES:
        marks = [pytest.mark.skipif(not HAVE_SOFFICE, reason="LibreOffice not installed")] if c.fmt in OFFICE else []
        out.append(pytest.param(c, id=c.id, marks=marks))
    return out


@pytest.mark.parametrize("case", _params())
def test_round_trip(case: Case, rendered) -> None:
    from ogi.parse.api import parse_bytes

    report, data, name = rendered[case.id]
    result = parse_bytes(data, name)
    problems: list[str] = []
    for key in ("agency", "year", "template"):
        if result.get(key) != getattr(report, key):
            problems.append(f"{key}: got {result.get(key)!r} want {getattr(report, key)!r}")
    cells = result.get("cells") or {}
    for code in template.codes(report.template):
        got = cells.get(code, "<missing>")
        if got != report.cells[code] or type(got) is bool:
            problems.append(f"{code}: got {got!r} want {report.cells[code]!r} (printed {report.raw.get(code)!r})")
    for code, want in report.ext_cells.items():
        if cells.get(code, "<missing>") != want:
            problems.append(f"ext {code}: got {cells.get(code, '<missing>')!r} want {want!r}")
    errors = {i["check"] for i in result.get("issues", []) if i.get("severity") == "error"}
    got_ids = errors & IDENTITY_CHECKS
    if got_ids != report.expected_issues:
        problems.append(f"identity errors: got {sorted(got_ids)} want {sorted(report.expected_issues)}")
    assert not problems, f"{case.id}: {len(problems)} problem(s)\n" + "\n".join(problems[:40])


@pytest.mark.parametrize(
    "case", [p for p in _params() if set(p.values[0].quirks) & {"merged_other_row", "merged_legal_column"}]
)
def test_merged_reported(case: Case, rendered) -> None:
    """A merged row/column is a warning naming the extension codes it was kept under."""
    from ogi.parse.api import parse_bytes

    report, data, name = rendered[case.id]
    if not report.ext_cells:
        pytest.skip("merged_other_row has no effect on a 2019-format report")
    issues = [i for i in parse_bytes(data, name)["issues"] if i["check"] == "merged_rows_or_columns"]
    assert issues, "no merged_rows_or_columns issue"
    named = {c for i in issues for c in i.get("codes", [])}
    assert set(report.ext_cells) <= named
