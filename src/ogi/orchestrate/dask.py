"""The parse batches of a flow run on a Dask cluster (``--dask``), through prefect-dask.

Text parsing does not need a cluster (one machine loads 100,000 text reports in a
minute); a national backfill, OCR at seconds per page and an archive larger than
one disk do. Then prefect-dask's ``DaskTaskRunner`` gives the flow a cluster, one
Prefect task per round (``parse-on-dask``) submits the round's parse and OCR batches
through the runner's client as plain Dask tasks (:func:`map_on`), and everything else
of the flow (plan, tables, database, report) stays in the flow's process: it is
light, and it writes the warehouse, which has one writer. A Prefect task per batch
would run Prefect's engine on every worker: measured, about 8 s of start per worker
and 30 % more per batch, for nothing the flow's own logs do not say.

``--dask`` is a scheduler address (``tcp://host:8786``: a cluster someone runs, its
workers on any machine that reaches the archive and the warehouse, which for more
than one machine means an object store) or ``local:N`` (a LocalCluster of N worker
processes, one thread each, started for the run and closed after it).

On a Dask worker a batch is parsed in the worker process itself: Dask's worker
processes are daemons, which may not start the process pool ogi uses elsewhere, and
Dask already gives a process per core. What the pool added is replaced: Dask's
``memory_limit`` per worker stands for ogi's per-process memory cap (a worker beyond
it is restarted and its task rerun), and a worker that dies mid-batch (killed, out
of memory) has its batch rescheduled on another worker (Dask's
``allowed-failures``). The per-document time limit (``parse_timeout``) needs the
main thread, which Dask's task threads are not, so under Dask only the memory bound
holds; documents that hang are the local pool's to catch.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

LOCAL = "local:"


def parse_spec(spec: str) -> int | str:
    """The number of local worker processes (``local:N``) or the scheduler address;
    ValueError naming the option for anything else."""
    if spec.startswith(LOCAL):
        try:
            workers = int(spec[len(LOCAL) :])
        except ValueError:
            raise ValueError(f"--dask {spec!r}: local:N needs a number of worker processes") from None
        if workers < 1:
            raise ValueError(f"--dask {spec!r}: at least one worker process")
        return workers
    if "://" not in spec:
        raise ValueError(f"--dask {spec!r}: give a scheduler address (tcp://host:8786) or local:N")
    return spec


def _cluster_kwargs(workers: int) -> dict[str, Any]:
    return {"n_workers": workers, "threads_per_worker": 1, "processes": True, "dashboard_address": None}


def task_runner(spec: str) -> Any:
    """The DaskTaskRunner for ``spec`` (``tcp://…`` or ``local:N``)."""
    from prefect_dask import DaskTaskRunner

    target = parse_spec(spec)
    if isinstance(target, int):
        return DaskTaskRunner(cluster_class="distributed.LocalCluster", cluster_kwargs=_cluster_kwargs(target))
    return DaskTaskRunner(address=target)


def map_on(client: Any, archive: str, warehouse: str) -> Callable[[list[list[Any]]], list[Any]]:
    """A ``map_batches`` for :func:`ogi.workers.parse_documents` that runs every batch
    as one plain Dask task on ``client``'s cluster (a lost worker's batch is rerun
    elsewhere: Dask's ``allowed-failures``)."""
    from ogi.workers import parse_in_worker

    def run(batches: list[list[Any]]) -> list[Any]:
        futures = client.map(parse_in_worker, batches, archive=archive, warehouse=warehouse, collect=True, pure=False)
        return client.gather(futures)

    return run


@contextmanager
def batches_on(spec: str, archive: str, warehouse: str) -> Iterator[Any]:
    """For ``ogi load --dask`` (no Prefect): inside the block, :func:`map_on` a
    ``distributed`` client. A ``local:N`` cluster lives for the block, so the fan-out's
    rounds (light documents, then the ones needing OCR) share its workers."""
    from distributed import Client, LocalCluster

    target = parse_spec(spec)
    with contextlib.ExitStack() as stack:
        cluster = stack.enter_context(LocalCluster(**_cluster_kwargs(target))) if isinstance(target, int) else None
        client = stack.enter_context(Client(cluster if cluster is not None else target))
        yield map_on(client, archive, warehouse)
