"""The SQL check views give what the Python identity checks give, on the same cells.

Reports come from the generator (its own template copy) in every layout the format
allows (merged 法人或其他组织 column, merged （六）其他处理 row, both templates), with
printed numbers nudged so that identities break and blanks leave some unevaluable.
"""

from __future__ import annotations

import random

import duckdb
import pyarrow as pa
from ogi_testkit.synth import make_report

from ogi import metadata
from ogi.validate.identities import REPORT_IDENTITIES, check_identities, instances, layout_of
from ogi.validate.sql import check_views

QUIRK_SETS = (
    frozenset(),
    frozenset({"merged_other_row"}),
    frozenset({"merged_legal_column"}),
    frozenset({"merged_other_row", "merged_legal_column"}),
)


def _reports() -> dict[str, tuple[str, dict]]:
    rng = random.Random(5)
    out = {}
    for i in range(48):
        report = make_report("某市人民政府", rng.choice((2019, 2020, 2022, 2024)), seed=i, quirks=QUIRK_SETS[i % 4])
        cells = dict(report.cells) | dict(report.ext_cells)
        for code in rng.sample(sorted(c for c, v in cells.items() if v is not None), k=i % 3):
            cells[code] += rng.choice((1, -2, 10))  # printed wrong: breaks what it takes part in
        if i % 5 == 0:
            cells[rng.choice(sorted(cells))] = None  # printed blank: unevaluable
        out[f"r{i:02d}"] = (report.template, cells)
    return out


def _warehouse(reports: dict[str, tuple[str, dict]]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    rows = {"report_id": [], "agency_id": [], "year": [], "template": [], "is_record": []}
    cells = {"report_id": [], "code": [], "table_name": [], "row_name": [], "col_name": [], "value": []}
    for rid, (tpl, values) in reports.items():
        for key, val in zip(rows, (rid, "a", 2020, tpl, False), strict=True):
            rows[key].append(val)
        for code, value in values.items():
            t, r, c = code.split(".")
            for key, val in zip(cells, (rid, code, t, r, c, None if value is None else float(value)), strict=True):
                cells[key].append(val)
    reports_t, cells_t = pa.table(rows), pa.table(cells)  # noqa: F841 (read by DuckDB by name)
    agencies_t = metadata.arrow_schema("agencies").empty_table()  # noqa: F841
    con.execute("CREATE TABLE reports AS SELECT * FROM reports_t")
    con.execute("CREATE TABLE cells AS SELECT * FROM cells_t")
    con.execute("CREATE TABLE agencies AS SELECT * FROM agencies_t")
    for sql in check_views():
        con.execute(sql)
    return con


def test_sql_views_match_the_python_checks() -> None:
    reports = _reports()
    con = _warehouse(reports)
    for rid, (tpl, cells) in reports.items():
        assert con.execute(
            "SELECT legal_merged, other_merged FROM report_layouts WHERE report_id = ?", [rid]
        ).fetchone() == (layout_of(cells, tpl).legal_merged, layout_of(cells, tpl).other_merged), rid
    expected, unevaluable = set(), set()
    for rid, (tpl, cells) in reports.items():
        for issue in check_identities(cells, tpl):
            if issue.check == "identity_unevaluable":
                unevaluable.add((rid, issue.codes[0]))
            else:
                expected.add((rid, issue.check, issue.detail.rsplit(": ", 1)[0]))
    got = set()
    for check in REPORT_IDENTITIES:
        got |= {
            (rid, check, where)
            for rid, where in con.execute(f"SELECT report_id, location FROM check_{check}").fetchall()
        }
    assert got == expected
    assert len(expected) > 20 and {c for _, c, _ in expected} == set(REPORT_IDENTITIES)  # every check exercised
    sql_unevaluable = set(
        con.execute(
            "SELECT DISTINCT report_id, check_name FROM identity_results WHERE status = 'unevaluable'"
        ).fetchall()
    )
    assert sql_unevaluable == unevaluable and unevaluable
    layouts = {layout_of(c, t) for t, c in reports.values()}
    assert len(layouts) == 6  # both templates, each merge, both merges


def test_every_equation_is_one_result_per_report() -> None:
    reports = _reports()
    con = _warehouse(reports)
    counts = dict(con.execute("SELECT report_id, count(*) FROM identity_results GROUP BY 1").fetchall())
    assert counts == {rid: len(instances(layout_of(c, t))) for rid, (t, c) in reports.items()}
