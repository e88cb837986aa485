"""DuckLake or the snapshot-and-pointer design? The evidence for docs/storage.md.

Takes a loaded warehouse (its current snapshot), publishes the same core tables into a
DuckLake catalog (a DuckDB-file catalog, data files in a folder or an S3 bucket), then
times, for both designs: publishing a full load, publishing a load in which a few
reports changed, and three queries typical of the README's (a scan of every cell, an
aggregate by year, a join of reports and cells), local and on S3.

    uv run python benchmarks/bench_ducklake.py --warehouse DIR [--s3]

``--s3`` starts moto's S3 server in its own process and puts both designs' files in a
bucket. Both extensions come from PyPI packages (duckdb-extension-httpfs,
duckdb-extension-ducklake) at duckdb's version.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scale import BUCKET, start_s3

TABLES = ("reports", "cells", "issues", "sections", "documents", "agencies")
UNPARTITIONED = ("documents", "agencies")
QUERIES = {
    "scan every cell": "SELECT count(*), count(value), sum(value) FROM {p}cells",
    "cells by year": "SELECT year, count(*), sum(value) FROM {p}cells GROUP BY year ORDER BY year",
    "reports × cells (one code)": "SELECT r.agency_id, r.year, c.value FROM {p}reports r JOIN {p}cells c "
    "USING (report_id) WHERE c.code = 'requests.new_received.total' ORDER BY c.value DESC NULLS LAST LIMIT 20",
}


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _install(con: duckdb.DuckDBPyConnection, name: str) -> None:
    import importlib

    package = importlib.import_module(f"duckdb_extension_{name}")
    found = next(Path(package.__file__).parent.glob(f"extensions/v{duckdb.__version__}/{name}.duckdb_extension"))
    con.execute(f"INSTALL {_lit(str(found))}")
    con.execute(f"LOAD {name}")


def _connect(s3: bool) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    if s3:
        from ogi.load.object_store import attach_object_store

        attach_object_store(con)
    _install(con, "ducklake")
    return con


def _time(con: duckdb.DuckDBPyConnection, sql: str, repeat: int = 3) -> tuple[float, float]:
    times = []
    for _ in range(repeat + 1):
        t = time.perf_counter()
        con.execute(sql).fetchall()
        times.append(time.perf_counter() - t)
    return times[0], min(times[1:])


def snapshot_files(warehouse: Path) -> Path:
    name = (warehouse / "tables" / "CURRENT").read_text().strip()
    return warehouse / "tables" / name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--s3", action="store_true")
    args = parser.parse_args()
    snap = snapshot_files(args.warehouse)
    manifest = json.loads((snap / "manifest.json").read_text())
    work = Path(tempfile.mkdtemp(prefix="ogi-bench-lake-"))
    s3 = None
    if args.s3:
        s3, _ = start_s3(work)
    try:
        base = f"s3://{BUCKET}/" if args.s3 else str(work) + "/"
        con = _connect(args.s3)
        # the snapshot design: the snapshot's files, copied where readers read them
        t = time.perf_counter()
        snap_base = base + "snapshot/"
        if not args.s3:
            (work / "snapshot").mkdir()
        by_year = "(FORMAT parquet, PARTITION_BY (year), WRITE_PARTITION_COLUMNS true, OVERWRITE_OR_IGNORE)"
        for table in TABLES:
            source = f"COPY (SELECT * FROM read_parquet({_lit(str(snap / table / '**' / '*.parquet'))}))"
            if table in UNPARTITIONED:
                con.execute(f"{source} TO {_lit(snap_base + table + '.parquet')} (FORMAT parquet)")
            else:
                con.execute(f"{source} TO {_lit(snap_base + table)} {by_year}")
        snap_publish = time.perf_counter() - t
        for table in TABLES:
            files = snap_base + (f"{table}.parquet" if table in UNPARTITIONED else f"{table}/**/*.parquet")
            con.execute(f"CREATE VIEW s_{table} AS SELECT * FROM read_parquet({_lit(files)}, hive_partitioning=false)")

        # DuckLake: a DuckDB-file catalog, data files beside the snapshot's
        t = time.perf_counter()
        catalog = work / "lake.ducklake"
        con.execute(f"ATTACH {_lit('ducklake:' + str(catalog))} AS lake (DATA_PATH {_lit(base + 'lake/')})")
        for table in TABLES:
            con.execute(
                f"CREATE TABLE lake.{table} AS SELECT * FROM read_parquet("
                f"{_lit(str(snap / table / '**' / '*.parquet'))}, hive_partitioning=false)"
            )
        lake_publish = time.perf_counter() - t

        # a load where 1 % of the reports changed: DuckLake deletes and inserts their rows;
        # the snapshot design rebuilds the buckets (sha256 prefixes) they fall in
        changed = con.execute("SELECT report_id FROM s_reports USING SAMPLE 1 PERCENT (reservoir, 7)").fetchall()
        ids = ", ".join(_lit(r[0]) for r in changed)
        t = time.perf_counter()
        con.execute("BEGIN")
        for table in ("cells", "issues", "sections", "reports"):
            rows = f"SELECT * FROM s_{table} WHERE report_id IN ({ids})"
            con.execute(f"CREATE TEMP TABLE keep_{table} AS {rows}")
            con.execute(f"DELETE FROM lake.{table} WHERE report_id IN ({ids})")
            con.execute(f"INSERT INTO lake.{table} SELECT * FROM keep_{table}")
        con.execute("COMMIT")
        lake_update = time.perf_counter() - t
        shas = con.execute(f"SELECT document_sha256 FROM s_reports WHERE report_id IN ({ids})").fetchall()
        buckets = {r[0][0] for r in shas}
        share = len(buckets) / max(1, len(manifest["buckets"]))

        where = "S3 (moto)" if args.s3 else "disk"
        print(f"warehouse: {args.warehouse} ({manifest['reports']} reports); files on {where}")
        print(f"publish a full load:  snapshot {snap_publish:.2f} s, DuckLake {lake_publish:.2f} s")
        print(
            f"publish 1 % changed ({len(changed)} reports): DuckLake {lake_update:.2f} s (delete + insert); "
            f"snapshot rebuilds {len(buckets)} of {len(manifest['buckets'])} buckets ({share:.0%} of the files)"
        )
        for title, sql in QUERIES.items():
            s_cold, s_warm = _time(con, sql.format(p="s_"))
            l_cold, l_warm = _time(con, sql.format(p="lake."))
            print(
                f"{title:28s} snapshot {s_cold:.3f} s cold / {s_warm:.3f} s warm;"
                f" DuckLake {l_cold:.3f} / {l_warm:.3f} s"
            )
        files = con.execute("SELECT count(*) FROM ducklake_list_files('lake', 'cells')").fetchone()[0]
        mine = len(list((snap / "cells").rglob("*.parquet")))
        print(f"DuckLake cells data files after the update: {files} (snapshot: {mine})")
        con.close()
    finally:
        if s3 is not None:
            s3.terminate()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
