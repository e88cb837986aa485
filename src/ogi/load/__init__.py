"""The warehouse stage: archive → parse cache → Parquet snapshot → DuckDB.

The five functions below are the contract the Prefect flows call (docs/interfaces.md);
``load`` chains them for ``ogi load``.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

from ogi.load.duckdb_build import build_duckdb
from ogi.load.parse_cache import parse_batch
from ogi.load.plan import DocumentRef, plan
from ogi.load.tables import LoadSummary, write_tables
from ogi.worker_limits import pool_kwargs

__all__ = ["DocumentRef", "LoadSummary", "build_duckdb", "load", "parse_batch", "plan", "write_tables"]

BATCH = 16  # documents per worker task: large enough to amortize dispatch, small enough to balance


def _parse_quietly(refs: list[DocumentRef], archive: Path, warehouse: Path) -> int:
    """parse_batch without shipping the results back: the cache is what counts."""
    return len(parse_batch(refs, archive, warehouse))


def load(
    archive: Path,
    warehouse: Path,
    workers: int | None = None,
    *,
    as_of: date | None = None,
    allow_shrink: bool = False,
    keep_snapshots: int | None = None,
) -> LoadSummary:
    """Parse what is new, write the tables, build the database; uses every core by default.

    Refuses (LoadRefused) an archive with no fetch log or one that shrank far below
    the current snapshot unless ``allow_shrink`` (see ogi.load.snapshots).
    """
    archive, warehouse = Path(archive), Path(warehouse)
    if not archive.is_dir():
        raise FileNotFoundError(f"{archive}: archive folder not found")
    workers = workers or os.cpu_count() or 1
    refs = plan(archive, warehouse)
    batches = [refs[i : i + BATCH] for i in range(0, len(refs), BATCH)]
    if workers > 1 and len(batches) > 1:
        with ProcessPoolExecutor(max_workers=workers, **pool_kwargs()) as pool:
            parsed = sum(pool.map(_parse_quietly, batches, [archive] * len(batches), [warehouse] * len(batches)))
    else:
        parsed = sum(_parse_quietly(b, archive, warehouse) for b in batches)
    retention = {} if keep_snapshots is None else {"keep_snapshots": keep_snapshots}
    summary = write_tables(archive, warehouse, workers=workers, as_of=as_of, allow_shrink=allow_shrink, **retention)
    summary.parsed = parsed
    summary.database = str(build_duckdb(warehouse))
    return summary
