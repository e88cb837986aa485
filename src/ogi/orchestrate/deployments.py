"""Deployments of the flows, and ``ogi serve``.

``serve`` registers the deployments with the Prefect server and runs their scheduled
(and UI-triggered) runs in this process. When the process stops (SIGTERM or SIGINT),
Prefect pauses the deployments (``paused`` in the API; serving again resumes them), so
``ogi serve`` must run as a long-lived service; docs/operations.md has a systemd unit,
and the work pool + worker setup for running flows on other machines.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import serve
from prefect.schedules import Cron

from ogi.orchestrate.flows import backfill, nightly, reparse
from ogi.settings import settings
from ogi.storage import Where, as_where


def build_deployments(
    *,
    registry: Path | None,
    archive: Where,
    warehouse: Where,
    cron: str | None = None,
    timezone: str | None = None,
    dask: str | None = None,
) -> list[Any]:
    """``nightly`` on a cron schedule (in ``timezone``); ``backfill`` and ``reparse``
    unscheduled, run on demand from the UI or ``prefect deployment run``. ``dask``
    (default ``OGI_DASK``) is every run's parse cluster, like ``--dask``."""
    cron, timezone = cron or settings().cron, timezone or settings().timezone
    dask = dask or settings().dask
    common = {"archive": _absolute(archive), "warehouse": _absolute(warehouse)} | ({"dask": dask} if dask else {})
    reg = {"registry": str(Path(registry).resolve())} if registry else {}
    return [
        nightly.to_deployment(
            name="ogi-nightly",
            schedule=Cron(cron, timezone=timezone),
            parameters={**common, **reg},
            description="Crawl the registry, parse what changed, rebuild the warehouse.",
            tags=["ogi"],
        ),
        backfill.to_deployment(
            name="ogi-backfill",
            parameters={**common, **reg},
            description="Crawl chosen agencies (and years) and load what is new.",
            tags=["ogi"],
        ),
        reparse.to_deployment(
            name="ogi-reparse",
            parameters=common,
            description="Re-parse the whole archive (no network), e.g. after a parser upgrade.",
            tags=["ogi"],
        ),
    ]


def _absolute(where: Where) -> str:
    """A folder as an absolute path (the worker's working directory differs), a URL as is."""
    where = as_where(where)
    return where if isinstance(where, str) else str(where.resolve())


def serve_deployments(
    *,
    registry: Path | None,
    archive: Where,
    warehouse: Where,
    cron: str | None = None,
    timezone: str | None = None,
    limit: int | None = 1,
    dask: str | None = None,
) -> None:
    """Serve the deployments until interrupted (``limit`` concurrent runs, default 1:
    two loads must not rebuild one warehouse at the same time)."""
    deployments = build_deployments(
        registry=registry, archive=archive, warehouse=warehouse, cron=cron, timezone=timezone, dask=dask
    )
    serve(*deployments, limit=limit)
