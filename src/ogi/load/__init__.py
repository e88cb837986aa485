"""The warehouse stage: archive → parse cache → Parquet snapshot → DuckDB.

The five functions below are the contract the Prefect flows call (docs/interfaces.md);
``load`` chains them for ``ogi load``, parsing through the same fan-out as the flows
(:func:`ogi.workers.parse_documents`).
"""

from __future__ import annotations

import contextlib
from datetime import date
from pathlib import Path

from ogi.load.duckdb_build import build_duckdb
from ogi.load.parse_cache import parse_batch
from ogi.load.plan import DocumentRef, plan
from ogi.load.tables import LoadSummary, write_tables
from ogi.runlog import RunLog
from ogi.storage import Where, as_where

__all__ = ["DocumentRef", "LoadSummary", "build_duckdb", "load", "parse_batch", "plan", "write_tables"]


def load(
    archive: Where,
    warehouse: Where,
    workers: int | None = None,
    *,
    as_of: date | None = None,
    allow_shrink: bool = False,
    keep_snapshots: int | None = None,
    log: RunLog | None = None,
    dask: str | None = None,
) -> LoadSummary:
    """Parse what is new, write the tables, build the database; uses every core by default,
    or the Dask cluster ``dask`` (default ``OGI_DASK``; see :mod:`ogi.orchestrate.dask`).

    Refuses (LoadRefused) an archive with no fetch log or one that shrank far below
    the current snapshot unless ``allow_shrink`` (see ogi.load.snapshots). Problems go
    to ``log`` (default: a new run's issues log in ``OGI_RUNS``): each unreadable
    document, and a load that fails (logged, then raised).
    """
    from ogi.settings import settings
    from ogi.workers import parse_documents

    archive, warehouse = as_where(archive), as_where(warehouse)
    if isinstance(archive, Path) and not archive.is_dir():
        raise FileNotFoundError(f"{archive}: archive folder not found")
    config = settings()
    workers = workers or config.worker_count
    log = log or RunLog.open(config.runs_for(warehouse))
    retention = {} if keep_snapshots is None else {"keep_snapshots": keep_snapshots}
    dask = dask or config.dask
    try:
        with contextlib.ExitStack() as stack:
            on_dask = None
            if dask:
                from ogi.orchestrate.dask import batches_on

                on_dask = stack.enter_context(batches_on(dask, str(archive), str(warehouse)))
            stats = parse_documents(
                plan(archive, warehouse), archive, warehouse, workers=workers, log=log, map_batches=on_dask
            )
        for entry in stats.problems:  # unreadable documents met on the cluster
            log.add("parse", "error", "unreadable_document", **entry)
        summary = write_tables(archive, warehouse, workers=workers, as_of=as_of, allow_shrink=allow_shrink, **retention)
        summary.database = str(build_duckdb(warehouse))
    except Exception as exc:
        log.add("load", "error", "load_failed", f"{type(exc).__name__}: {exc}", warehouse=str(warehouse))
        raise
    summary.parsed = stats.planned
    summary.parse_failed = stats.failed
    summary.parser_failures = [f for f in stats.failures if "parser failure" in f]
    if stats.parser_failures > len(summary.parser_failures):
        summary.parser_failures.append(f"… {stats.parser_failures - len(summary.parser_failures)} more")
    summary.run_id, summary.issues_log = log.run_id, str(log.path)
    return summary
