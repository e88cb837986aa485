"""Infrastructure helpers for the flows: which failures are worth a retry, and the
process pool that parsing runs on.

Retries: only failures of the machine are retried (a worker process killed by the
OOM killer, a busy or briefly unavailable file, a DuckDB file locked by another
writer). Bad documents and code errors fail the same way every time, and HTTP errors
are retried by the crawler's own client (one retry layer only), so none of those are
retried here.

Parsing: Prefect tasks run in threads (cheap, milliseconds each); each parse task hands
its batch to a process pool shared by every task of the process, so all cores parse and
Prefect never pays a process start per task.
"""

from __future__ import annotations

import contextlib
import errno
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from ogi.worker_limits import pool_kwargs

T = TypeVar("T")

_TRANSIENT_ERRNOS = {
    errno.EAGAIN,
    errno.EBUSY,
    errno.EINTR,
    errno.EIO,
    errno.ENFILE,
    errno.EMFILE,
    errno.ESTALE,
    errno.ETIMEDOUT,
}


def is_transient(exc: BaseException) -> bool:
    """True for failures of the infrastructure that a later attempt may not meet."""
    try:
        import httpx

        if isinstance(exc, httpx.HTTPError):
            return False  # HTTP retries live in the crawler's client, not here
    except ImportError:  # pragma: no cover - httpx is a dependency
        pass
    if isinstance(exc, BrokenProcessPool):
        return True
    try:
        import duckdb

        if isinstance(exc, duckdb.IOException):
            return True  # e.g. the database file is locked by another writer
    except ImportError:  # pragma: no cover - duckdb is a dependency
        pass
    if isinstance(exc, TimeoutError | ConnectionError | BlockingIOError | InterruptedError):
        return True
    return isinstance(exc, OSError) and exc.errno in _TRANSIENT_ERRNOS


def retry_if_transient(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect ``retry_condition_fn``: retry a failed task only for transient causes."""
    try:
        state.result()
    except BaseException as exc:
        return is_transient(exc)
    return False


def cpu_count() -> int:
    """Cores this process may use (affinity-aware), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class _SharedPool:
    """One process pool per process, opened by the first flow that needs it and shut
    down when the last one leaves; rebuilt if a worker died (BrokenProcessPool)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._users = 0
        self._workers = 0

    def _new(self, workers: int) -> ProcessPoolExecutor:
        # forkserver: workers fork from a clean server process that preloaded the parser,
        # so a worker starts fast and never inherits Prefect's threads and event loops.
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["ogi.load", "ogi.parse.api"])
        return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, **pool_kwargs(forked_here=False))

    @contextlib.contextmanager
    def lease(self, workers: int) -> Iterator[None]:
        with self._lock:
            self._users += 1
            if self._pool is None:
                self._workers = workers
                self._pool = self._new(workers)
        try:
            yield
        finally:
            with self._lock:
                self._users -= 1
                if self._users == 0 and self._pool is not None:
                    self._pool.shutdown(wait=True, cancel_futures=True)
                    self._pool = None

    def run(self, fn: Callable[..., T], *args: Any) -> T:
        with self._lock:
            if self._pool is None or getattr(self._pool, "_broken", False):
                if self._pool is not None:
                    self._pool.shutdown(wait=False, cancel_futures=True)
                self._workers = self._workers or cpu_count()
                self._pool = self._new(self._workers)
            pool = self._pool
        return pool.submit(fn, *args).result()


_POOL = _SharedPool()


def process_pool(workers: int) -> contextlib.AbstractContextManager[None]:
    """Keep the shared parse pool open (with ``workers`` processes) inside the block."""
    return _POOL.lease(workers)


def run_in_process(fn: Callable[..., T], *args: Any) -> T:
    """Run ``fn(*args)`` in the shared pool and wait; picklable arguments only."""
    return _POOL.run(fn, *args)
