"""The warehouse stage: archive → parse cache → Parquet snapshot → DuckDB.

The five functions below are the contract the Prefect flows call (docs/interfaces.md);
``load`` chains them for ``ogi load``.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

from ogi.load.duckdb_build import build_duckdb
from ogi.load.parse_cache import parse_batch
from ogi.load.plan import DocumentRef, plan
from ogi.load.tables import LoadSummary, write_tables

__all__ = ["DocumentRef", "LoadSummary", "build_duckdb", "load", "parse_batch", "plan", "write_tables"]


def _parse_quietly(refs: list[DocumentRef], archive: Path, warehouse: Path) -> int:
    """parse_batch without shipping the results back: the cache is what counts."""
    return len(parse_batch(refs, archive, warehouse))


def load(archive: Path, warehouse: Path, workers: int | None = None, *, as_of: date | None = None) -> LoadSummary:
    """Parse what is new, write the tables, build the database; uses every core by default.

    Parse tasks are ``OGI_LOAD_BATCH`` documents each: large enough to amortize
    dispatch, small enough to balance.
    """
    from ogi.settings import settings

    archive, warehouse = Path(archive), Path(warehouse)
    config = settings()
    workers = workers or config.worker_count
    refs = plan(archive, warehouse)
    size = config.load_batch
    batches = [refs[i : i + size] for i in range(0, len(refs), size)]
    if workers > 1 and len(batches) > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            parsed = sum(pool.map(_parse_quietly, batches, [archive] * len(batches), [warehouse] * len(batches)))
    else:
        parsed = sum(_parse_quietly(b, archive, warehouse) for b in batches)
    summary = write_tables(archive, warehouse, workers=workers, as_of=as_of)
    summary.parsed = parsed
    summary.database = str(build_duckdb(warehouse))
    return summary
