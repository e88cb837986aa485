"""``ogi query`` and ``ogi sql``: read-only access to ``WAREHOUSE/ogi.duckdb``.

Connections are read-only, so any number of analysts can query while a load
builds the next database file beside it.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ogi.load.duckdb_build import DATABASE

if TYPE_CHECKING:
    import duckdb

FORMATS = ("table", "csv", "json", "parquet")


def connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    import duckdb

    path = Path(warehouse) / DATABASE
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no warehouse database (run `ogi load` first)")
    return duckdb.connect(str(path), read_only=True)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _cell(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e15 and not value.is_integer() else f"{value:.0f}"
    return str(_plain(value))


def format_table(columns: list[str], rows: list[tuple]) -> str:
    """Aligned plain-text table (CJK characters counted as two columns wide)."""
    import unicodedata

    def width(s: str) -> int:
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)

    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([width(c)] + [width(r[i]) for r in cells]) for i, c in enumerate(columns)]

    def line(values: list[str]) -> str:
        return " | ".join(v + " " * (w - width(v)) for v, w in zip(values, widths, strict=True)).rstrip()

    out = [line(columns), "-+-".join("-" * w for w in widths)]
    out += [line(r) for r in cells]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


def write_result(con: duckdb.DuckDBPyConnection, sql: str, fmt: str, out: TextIO, output: Path | None) -> None:
    """Run ``sql`` and write its result in ``fmt`` to ``output`` (or ``out``)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "parquet":
        import pyarrow.parquet as pq

        if output is None:
            raise ValueError("--format parquet needs --output FILE")
        pq.write_table(con.sql(sql).to_arrow_table(), output)
        return
    rel = con.execute(sql)
    columns = [d[0] for d in rel.description or []]
    rows = rel.fetchall()
    buf = io.StringIO()
    if fmt == "table":
        buf.write(format_table(columns, rows) + "\n")
    elif fmt == "csv":
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[_plain(v) for v in row] for row in rows])
    else:
        json.dump([dict(zip(columns, map(_plain, row), strict=True)) for row in rows], buf, ensure_ascii=False)
        buf.write("\n")
    if output is None:
        out.write(buf.getvalue())
    else:
        Path(output).write_text(buf.getvalue(), encoding="utf-8")


def run_query(sql: str, warehouse: Path, fmt: str = "table", output: Path | None = None) -> None:
    con = connect(warehouse)
    try:
        write_result(con, sql, fmt, sys.stdout, output)
    finally:
        con.close()


def repl(warehouse: Path, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> None:
    """A small DuckDB shell: statements end with ``;``; ``.tables`` lists views; ``.quit`` exits.

    The duckdb CLI is not installed here and the Python package has no shell of its
    own, so this covers what analysts need: SQL with aligned output and history.
    """
    import duckdb

    interactive = stdin.isatty()
    if interactive:
        import readline  # noqa: F401  (line editing and history for input())

        out.write(f"ogi sql on {Path(warehouse) / DATABASE} (read-only). End statements with ';', .quit to exit.\n")
    con = connect(warehouse)
    buffer: list[str] = []
    try:
        while True:
            prompt = "ogi> " if not buffer else "...> "
            if interactive:
                try:
                    line = input(prompt)
                except EOFError:
                    break
            else:
                line = stdin.readline()
                if not line:
                    break
            stripped = line.strip()
            if not buffer and stripped in (".quit", ".exit"):
                break
            if not buffer and stripped == ".tables":
                line = "SELECT view_name AS name, comment FROM duckdb_views() WHERE NOT internal ORDER BY 1;"
                stripped = line
            buffer.append(line)
            if not stripped.endswith(";"):
                continue
            sql = "\n".join(buffer)
            buffer = []
            try:
                write_result(con, sql, "table", out, None)
            except duckdb.Error as exc:
                out.write(f"Error: {exc}\n")
    finally:
        con.close()
