"""``ogi export``: the analyst views for people who work in spreadsheets.

``xlsx`` writes one workbook with one sheet per view; ``csv`` one UTF-8 file per view
(with a BOM, so Excel opens Chinese text correctly). Column headers are Chinese: the
label ogi.metadata gives a column, else the view's DuckDB column comment (the wide
per-report views describe each cell as 行 × 列), else the column name.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ogi import metadata

#: Views exported by default, in sheet order.
VIEWS = (
    "scorecard",
    "scorecard_region",
    "coverage",
    "record_reports",
    "report_requests",
    "report_active",
    "report_review",
    "requests_harmonized",
)
SHEET_NAMES = {
    "scorecard": "记分卡",
    "scorecard_region": "区划汇总",
    "coverage": "发布覆盖",
    "record_reports": "年报清单",
    "report_requests": "依申请公开",
    "report_active": "主动公开",
    "report_review": "复议诉讼",
    "requests_harmonized": "依申请公开(可比)",
}
FORMATS = ("xlsx", "csv")


@dataclass
class ExportSummary:
    files: list[str]
    rows: dict[str, int]


def headers(con: Any, view: str, columns: list[str]) -> list[str]:
    """Chinese header of each column of ``view``."""
    known = {c.name: c.zh for c in metadata.BY_NAME[view].columns} if view in metadata.BY_NAME else {}
    comments = dict(
        con.execute(
            "SELECT column_name, comment FROM duckdb_columns() WHERE table_name = ? AND comment IS NOT NULL", [view]
        ).fetchall()
    )
    out = []
    for name in columns:
        if name in known:
            out.append(known[name] or name)
        elif name in comments:  # "行 × 列 (code)": the code stays in the column name
            out.append(comments[name].rsplit(" (", 1)[0])
        else:
            out.append(name)
    return out


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return value


def export_views(warehouse: Path, out: Path, fmt: str = "xlsx", views: list[str] | None = None) -> ExportSummary:
    """Write the views to ``out`` (a .xlsx file, or a folder of CSV files)."""
    from ogi.load.query import connect

    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (use one of {', '.join(FORMATS)})")
    views = list(views or VIEWS)
    con = connect(Path(warehouse))
    try:
        existing = {n for (n,) in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
        unknown = [v for v in views if v not in existing]
        if unknown:
            raise ValueError(
                f"no view named {', '.join(unknown)} in the warehouse (views: {', '.join(sorted(existing))})"
            )
        tables = {}
        for view in views:
            rel = con.execute(f'SELECT * FROM "{view}"')
            columns = [d[0] for d in rel.description]
            rows = rel.fetchall()
            tables[view] = (headers(con, view, columns), rows)
    finally:
        con.close()
    out = Path(out)
    if fmt == "csv":
        out.mkdir(parents=True, exist_ok=True)
        files = []
        for view, (head, rows) in tables.items():
            path = out / f"{view}.csv"
            with path.open("w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(head)
                writer.writerows([_cell(v) for v in row] for row in rows)
            files.append(str(path))
        return ExportSummary(files, {v: len(r) for v, (_, r) in tables.items()})
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for view, (head, rows) in tables.items():
        sheet = book.create_sheet(SHEET_NAMES.get(view, view)[:31])
        sheet.append(head)
        for row in rows:
            sheet.append([_cell(v) for v in row])
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    book.save(tmp)
    tmp.replace(out)
    return ExportSummary([str(out)], {v: len(r) for v, (_, r) in tables.items()})


def default_output(warehouse: Path, fmt: str) -> Path:
    stamp = date.today().isoformat()
    return Path(warehouse) / "exports" / (f"ogi-{stamp}.xlsx" if fmt == "xlsx" else f"ogi-{stamp}")
