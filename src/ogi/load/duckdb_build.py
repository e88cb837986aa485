"""The DuckDB file: views over the current Parquet snapshot, analyst views, macros, comments.

The database holds no data, only views over the snapshot's Parquet files, and is
rebuilt in well under a second. The views name the files relative to the warehouse
folder (``tables/<snapshot>/cells/**/*.parquet``), so a copied or moved warehouse
reads its own files, never the original's. DuckDB resolves a relative path against
the working directory, or against ``file_search_path``: ``ogi query``/``ogi sql``
set it (:func:`search_path_config`); another client runs from the warehouse folder
or sets ``SET file_search_path = '/path/to/warehouse'``, and without either gets a
"no files found" error, not someone else's data.

It is built as ``.ogi.duckdb.tmp-*`` and renamed over ``ogi.duckdb``: an analyst's
open read-only connection keeps the old file (and the old snapshot, which
write_tables keeps) and never blocks a load. Temporary files left by a killed load
are removed by the next one (under the write lock, so none is in use).
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

from ogi import metadata
from ogi.load.lock import exclusive
from ogi.load.object_store import attach_object_store
from ogi.load.publish import published_files
from ogi.load.scorecards import scorecard_views
from ogi.load.tables import current_snapshot
from ogi.parse import template
from ogi.settings import settings
from ogi.storage import Location, Where, as_where, is_remote, join, work_dir
from ogi.validate.identities import APPLICANT_COLUMNS
from ogi.validate.sql import DESCRIPTIONS as CHECK_VIEWS
from ogi.validate.sql import check_views
from ogi.validate.warehouse import check_keys

DATABASE = "ogi.duckdb"
SPILL = ".duckdb-spill"  # where the build may spill to disk (removed after)
# 2021 sub-rows that together are the 2019 template's single （六）其他处理 row.
OTHER_HANDLING_PARTS = ("other_no_correction", "other_unpaid_fee", "other_misc", "other_handling")


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def search_path_config(warehouse: Path) -> dict[str, str]:
    """DuckDB configuration that resolves the views' relative file names in ``warehouse``."""
    return {"file_search_path": str(Path(warehouse).resolve())}


def _core_view(name: str, snap: Path, work: Path, base: str) -> str:
    """A view over one table's files: a glob in a local warehouse; for a remote one
    (``base``, its URL) the published files by name (:mod:`ogi.load.publish`), since
    a glob on an object store is a listing request before every query's first read."""
    if not base:
        files = _lit((snap.relative_to(work) / name / "**" / "*.parquet").as_posix())
    else:
        files = "[" + ", ".join(_lit(base + rel) for rel in published_files(snap, name)) + "]"
    return f"CREATE VIEW {name} AS SELECT * FROM read_parquet({files}, hive_partitioning = false)"


def remove_stale_builds(warehouse: Path) -> list[Path]:
    """Temporary database files of loads that died mid-build (call under the write lock)."""
    stale = sorted(Path(warehouse).glob(f".{DATABASE}.tmp-*"))
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


def _table_codes(table: str) -> list[str]:
    """Codes of one table over both templates (2021 order first), without extension codes."""
    return list(dict.fromkeys(c for v in template.VERSIONS for c in template.codes(v) if c.startswith(table + ".")))


def _wide_view(view: str, table: str) -> tuple[str, list[str]]:
    """One row per report of record, one column per cell code of ``table``."""
    codes = _table_codes(table)
    labels = template.labels("2021") | template.labels("2019")
    cols = []
    comments = []
    for code in codes:
        _, row, col = code.split(".")
        cols.append(f"max(c.value) FILTER (WHERE c.code = {_lit(code)}) AS {row}__{col}")
        _, row_label, col_label = labels[code]
        comments.append(f"COMMENT ON COLUMN {view}.{row}__{col} IS {_lit(f'{row_label} × {col_label} ({code})')}")
    sql = (
        f"CREATE VIEW {view} AS SELECT r.report_id, r.agency_id, r.year, r.template, "
        + ", ".join(cols)
        + f" FROM record_reports r LEFT JOIN cells c ON c.report_id = r.report_id AND c.table_name = {_lit(table)}"
        " GROUP BY r.report_id, r.agency_id, r.year, r.template"
    )
    return sql, comments


def _analyst_views(last_year: int) -> list[str]:
    parts = ", ".join(_lit(p) for p in OTHER_HANDLING_PARTS)
    applicants = ", ".join(_lit(a) for a in APPLICANT_COLUMNS)
    return [
        "CREATE VIEW record_reports AS SELECT r.report_id, r.agency_id, r.year, r.template, "
        "a.name AS agency_name, a.level, a.region_code, province_of(a.region_code) AS province_code, "
        "r.parse_status FROM reports r LEFT JOIN agencies a USING (agency_id) WHERE r.is_record",
        "CREATE VIEW requests_harmonized AS SELECT r.report_id, r.agency_id, r.year, r.template, "
        f"CASE WHEN c.row_name IN ({parts}) THEN 'other_handling' ELSE c.row_name END AS outcome, "
        "c.col_name AS applicant, "
        "CASE WHEN count(c.value) = 0 THEN NULL ELSE sum(c.value) END AS value, "
        "CAST(count(*) AS INTEGER) AS parts, CAST(count(c.value) AS INTEGER) AS parts_filled "
        "FROM record_reports r JOIN cells c ON c.report_id = r.report_id "
        f"WHERE c.table_name = 'requests' AND c.col_name IN ({applicants}) GROUP BY ALL",
        f"CREATE MACRO last_complete_year() AS {last_year}",
        "CREATE VIEW coverage AS "
        "WITH present AS (SELECT DISTINCT agency_id, year FROM reports), "
        "rec AS (SELECT r.agency_id, r.year, r.template IS NOT NULL AS parsed, "
        "  r.parse_status = 'ok' AND NOT EXISTS (SELECT 1 FROM issues i WHERE i.report_id = r.report_id "
        "  AND i.severity = 'error') AS clean FROM reports r WHERE r.is_record), "
        # every (agency, expected year): a grid first, so the outer joins below are not
        # correlated (DuckDB 1.5 plans no outer join on a LATERAL's columns)
        "grid AS (SELECT a.agency_id, a.level, a.region_code, "
        f"unnest(range(coalesce(a.first_year, {settings().first_year}), last_complete_year() + 1)) AS year "
        "FROM agencies a WHERE a.in_registry) "
        "SELECT g.agency_id, CAST(g.year AS SMALLINT) AS year, g.level, g.region_code, "
        "p.agency_id IS NOT NULL AS present, coalesce(rec.parsed, false) AS parsed, "
        "coalesce(rec.clean, false) AS clean, p.agency_id IS NULL AS missing "
        "FROM grid g LEFT JOIN present p ON p.agency_id = g.agency_id AND p.year = g.year "
        "LEFT JOIN rec ON rec.agency_id = g.agency_id AND rec.year = g.year",
    ]


def build_duckdb(warehouse: Where) -> Where:
    """Build ``WAREHOUSE/ogi.duckdb`` for the current snapshot and rename it into place.

    For a remote warehouse the views name the published files by URL
    (``s3://bucket/prefix/tables/<snapshot>/…``), and the database is built in the
    working folder and uploaded beside them, where ``ogi query`` finds it.
    """
    warehouse = as_where(warehouse)
    work = work_dir(warehouse).resolve()
    with exclusive(work):
        if not is_remote(warehouse):
            return _build(work, "")
        built = _build(work, Location(warehouse).uri() + "/")
        Location(warehouse).write(DATABASE, built.read_bytes())
        return join(warehouse, DATABASE)


def _build(warehouse: Path, base: str) -> Path:
    """Build the database in local folder ``warehouse``; ``base`` prefixes the views'
    relative file names ("" for a local warehouse)."""
    import duckdb

    snap = current_snapshot(warehouse)
    if snap is None:
        raise FileNotFoundError(f"{warehouse}: no tables yet (run `ogi load` first)")
    manifest = json.loads((snap / "manifest.json").read_text())
    target = warehouse / DATABASE
    remove_stale_builds(warehouse)
    tmp = warehouse / f".{DATABASE}.tmp-{uuid.uuid4().hex}"
    try:
        con = duckdb.connect(str(tmp), config=search_path_config(warehouse))
        try:
            if base:
                attach_object_store(con)
            for name, (args, body, _) in metadata.MACROS.items():
                con.execute(f"CREATE MACRO {name}{args} AS {body}")
            for table in metadata.CORE:
                con.execute(_core_view(table.name, snap, warehouse, base))
            statements = _analyst_views(manifest["last_complete_year"])
            extra_comments = []
            for view, table in (
                ("report_requests", "requests"),
                ("report_active", "active"),
                ("report_review", "review"),
            ):
                sql, comments = _wide_view(view, table)
                statements.insert(1, sql)
                extra_comments += comments
            for sql in statements + check_views() + scorecard_views():
                con.execute(sql)
            for view, description in CHECK_VIEWS.items():
                con.execute(f"COMMENT ON VIEW {view} IS {_lit(description)}")
            for table in metadata.TABLES:
                for sql in metadata.comment_sql(table.name):
                    con.execute(sql)
            for sql in extra_comments:
                con.execute(sql)
            for name, (_, _, description) in metadata.MACROS.items():
                con.execute(f"COMMENT ON MACRO {name} IS {_lit(description)}")
            con.execute(f"COMMENT ON MACRO last_complete_year IS {_lit('Last complete report year of the load.')}")
            # The key checks hash every row of the largest tables (20 M cells at 100,000
            # reports): bounded, DuckDB spills to disk instead of taking gigabytes.
            con.execute(f"SET memory_limit = {_lit(settings().build_memory)}")
            con.execute(f"SET temp_directory = {_lit(str(warehouse / SPILL))}")
            con.execute("SET preserve_insertion_order = false")
            check_keys(con, base + snap.relative_to(warehouse).as_posix() if base else str(snap))
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)
        shutil.rmtree(warehouse / SPILL, ignore_errors=True)
    return target
