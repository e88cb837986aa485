"""Publishing a snapshot built in the working folder to a remote warehouse.

A snapshot is built as one file per (table, year, bucket) so that a load rebuilds only
the buckets whose documents changed; that reuse happens in the working folder. A query
on an object store pays per file (a request for the footer, another for the data,
before any row is read), and 16 buckets make 16 times the files. So what is published
is one file per (table, year): each folder's bucket files written one after the other
into one Parquet file, row group by row group (a bucket's rows keep their clustering,
and memory holds one bucket at a time). The views of a remote warehouse name these
files (:func:`published_files`), and the published ``manifest.json`` lists them under
``published``.
"""

from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ogi.load.snapshots import ROW_GROUP
from ogi.settings import cpu_count
from ogi.storage import Location

PUBLISHED_FILE = "data.parquet"  # the one file of each folder of a published snapshot


def published_files(snap: Path, table: str) -> list[str]:
    """The files of ``table`` as published from local snapshot ``snap``, relative to
    the warehouse's working folder (``tables/<snapshot>/<table>/…/data.parquet``)."""
    folders = sorted({path.parent for path in (snap / table).rglob("*.parquet")})
    base = snap.parent.parent
    return [(folder / PUBLISHED_FILE).relative_to(base).as_posix() for folder in folders]


def _merge(files: list[Path], target: Path) -> None:
    """Write ``files`` (one schema) into ``target``, one after the other, in row groups
    of ``ROW_GROUP`` rows: a query reads each column of each row group with its own
    request, so a row group per bucket would multiply the requests by the buckets.
    Memory holds about one row group."""
    schema = pq.read_schema(files[0])
    pending: list[pa.Table] = []
    rows = 0
    with pq.ParquetWriter(target, schema, compression="zstd") as writer:
        for path in files:
            source = pq.ParquetFile(path)
            for group in range(source.num_row_groups):
                pending.append(source.read_row_group(group))
                rows += pending[-1].num_rows
                if rows >= ROW_GROUP:
                    whole = pa.concat_tables(pending)
                    cut = rows - rows % ROW_GROUP
                    writer.write_table(whole.slice(0, cut), row_group_size=ROW_GROUP)
                    pending, rows = [whole.slice(cut)], rows - cut
        if rows or not pending:
            writer.write_table(pa.concat_tables(pending) if pending else schema.empty_table())


def _staged(snap: Path, stage: Path) -> None:
    """The published form of ``snap`` in folder ``stage``: Parquet folders merged, other
    files (the manifest) as they are, the manifest told which files were published."""
    folders = sorted({path.parent for path in snap.rglob("*.parquet")})
    targets = [stage / folder.relative_to(snap) / PUBLISHED_FILE for folder in folders]
    for target in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(cpu_count()) as threads:  # Arrow reads and writes without the GIL
        list(threads.map(lambda folder, target: _merge(sorted(folder.glob("*.parquet")), target), folders, targets))
    published = [target.relative_to(stage).as_posix() for target in targets]
    for path in snap.rglob("*"):
        if path.is_file() and path.suffix != ".parquet":
            (stage / path.relative_to(snap)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, stage / path.relative_to(snap))
    manifest = stage / "manifest.json"
    if manifest.is_file():
        entry = json.loads(manifest.read_text())
        manifest.write_text(json.dumps(entry | {"published": published}, ensure_ascii=False, indent=1))


def publish_snapshot(warehouse: str, root: Path, name: str) -> int:
    """Upload snapshot ``name`` of ``root`` (the working folder's snapshots) to the
    remote warehouse in its published form, then point ``tables/CURRENT`` at it and
    drop remote snapshots the working folder no longer keeps. Returns the bytes sent."""
    remote = Location(warehouse)
    stage = root.parent / f".publish-{name}"
    shutil.rmtree(stage, ignore_errors=True)
    try:
        _staged(root / name, stage)
        sent = remote.upload_tree(stage, f"tables/{name}")
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    remote.write("tables/CURRENT", f"{name}\n".encode())
    kept = {p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")}
    for old in remote.children("tables"):
        if old not in kept:
            remote.remove_tree(f"tables/{old}")
    return sent
