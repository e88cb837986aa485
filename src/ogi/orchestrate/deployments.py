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


def build_deployments(
    *,
    registry: Path | None,
    archive: Path,
    warehouse: Path,
    cron: str | None = None,
    timezone: str | None = None,
) -> list[Any]:
    """``nightly`` on a cron schedule (in ``timezone``); ``backfill`` and ``reparse``
    unscheduled, run on demand from the UI or ``prefect deployment run``."""
    cron, timezone = cron or settings().cron, timezone or settings().timezone
    common = {"archive": str(Path(archive).resolve()), "warehouse": str(Path(warehouse).resolve())}
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


def serve_deployments(
    *,
    registry: Path | None,
    archive: Path,
    warehouse: Path,
    cron: str | None = None,
    timezone: str | None = None,
    limit: int | None = 1,
) -> None:
    """Serve the deployments until interrupted (``limit`` concurrent runs, default 1:
    two loads must not rebuild one warehouse at the same time)."""
    deployments = build_deployments(
        registry=registry, archive=archive, warehouse=warehouse, cron=cron, timezone=timezone
    )
    serve(*deployments, limit=limit)
