"""``ogi query`` and ``ogi sql``: read-only access to ``WAREHOUSE/ogi.duckdb``.

Connections are read-only, so any number of analysts can query while a load
builds the next database file beside it. Read-only means more than DuckDB's
``read_only`` (which only protects the database file): a ``COPY … TO`` could
otherwise overwrite the snapshot's Parquet files. So :func:`connect` also turns
off DuckDB's external access except reading the warehouse's ``tables/`` folder,
disables extension installs and loads, and locks the configuration; and
:func:`check_read_only` admits only SELECT (and EXPLAIN of a SELECT) statements,
because the one folder DuckDB may read is also one it could write. The only file
``ogi query`` writes is the ``--output`` the user names, written by Python.

The views name their Parquet files relative to the warehouse folder (see
duckdb_build); ``file_search_path`` resolves them, so a copied warehouse reads
its own files.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ogi.load.duckdb_build import DATABASE, search_path_config
from ogi.load.object_store import attach_object_store
from ogi.storage import Location, Where, as_where, is_remote, join, work_dir

if TYPE_CHECKING:
    import duckdb

FORMATS = ("table", "csv", "json", "parquet")
_READ_STATEMENTS = ("SELECT",)
_EXPLAIN = re.compile(r"^\s*explain(\s+analy[sz]e)?\s+", re.IGNORECASE)


class WriteRefused(ValueError):
    """A statement that could change a file (COPY, ATTACH, INSTALL, SET, …) given to a read-only command."""


def connect(warehouse: Where, *, sandboxed: bool = True) -> duckdb.DuckDBPyConnection:
    """A read-only connection that resolves the views' files in ``warehouse``.

    ``sandboxed`` (for anything running SQL a user typed): it can read the
    warehouse's tables and no other file. ogi's own reports (the data-quality
    artifact) pass False to read and write their files beside the warehouse.

    A remote warehouse (``s3://…``): its ``ogi.duckdb`` (views only, a few hundred KB)
    is copied to the working folder when it changed, and its views read the published
    Parquet files in place through httpfs.
    """
    import duckdb

    warehouse = as_where(warehouse)
    local = work_dir(warehouse).resolve()
    path = _remote_database(warehouse, local) if is_remote(warehouse) else local / DATABASE
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no warehouse database (run `ogi load` first)")
    config = search_path_config(local) | {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    con = duckdb.connect(str(path), read_only=True, config=config)
    try:
        if is_remote(warehouse):
            attach_object_store(con)
    except BaseException:
        con.close()
        raise
    if not sandboxed:
        return con
    try:
        tables = (Location(warehouse).uri("tables") if is_remote(warehouse) else str(local / "tables")) + "/"
        con.execute("SET allowed_directories = [?, 'tables/']", [tables])
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con


def _remote_database(warehouse: str, local: Path) -> Path:
    """This machine's copy of the remote ``ogi.duckdb``, fetched again when its ETag changed."""
    remote = Location(warehouse)
    info = remote.info(DATABASE)
    if info is None:
        raise FileNotFoundError(f"{remote.uri(DATABASE)}: no warehouse database (run `ogi load` first)")
    copy = local / "query" / DATABASE
    stamp = copy.with_suffix(".etag")
    if not copy.is_file() or not stamp.is_file() or stamp.read_text() != json.dumps(info):
        copy.parent.mkdir(parents=True, exist_ok=True)
        Location(copy.parent).write(DATABASE, remote.read(DATABASE))
        stamp.write_text(json.dumps(info))
    return copy


def check_read_only(sql: str) -> None:
    """Refuse any statement but SELECT (and EXPLAIN of one): the one folder DuckDB may
    read (the warehouse's tables) it could also write, so writes are stopped here."""
    import duckdb

    for statement in duckdb.extract_statements(sql):
        kind = statement.type.name
        if kind == "EXPLAIN":
            inner = duckdb.extract_statements(_EXPLAIN.sub("", statement.query, count=1))
            kind = "EXPLAIN " + ",".join(s.type.name for s in inner) if len(inner) != 1 else inner[0].type.name
        if kind not in _READ_STATEMENTS:
            raise WriteRefused(
                f"the warehouse is read-only here: {kind} statements are refused"
                " (only SELECT; write results with --output FILE)"
            )


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
    check_read_only(sql)
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


def run_query(sql: str, warehouse: Where, fmt: str = "table", output: Path | None = None) -> None:
    con = connect(warehouse)
    try:
        write_result(con, sql, fmt, sys.stdout, output)
    finally:
        con.close()


def repl(warehouse: Where, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> None:
    """A small DuckDB shell: statements end with ``;``; ``.tables`` lists views; ``.quit`` exits.

    The duckdb CLI is not installed here and the Python package has no shell of its
    own, so this covers what analysts need: SQL with aligned output and history.
    """
    import duckdb

    interactive = stdin.isatty()
    if interactive:
        import readline  # noqa: F401  (line editing and history for input())

        out.write(f"ogi sql on {join(warehouse, DATABASE)} (read-only). End statements with ';', .quit to exit.\n")
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
            except (duckdb.Error, WriteRefused) as exc:
                out.write(f"Error: {exc}\n")
    finally:
        con.close()
