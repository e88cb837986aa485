"""Which failures of a flow's task are worth a retry (the pool parsing runs on is
:mod:`ogi.workers`).

Retries: only failures of the machine are retried (a worker process killed by the
OOM killer, a busy or briefly unavailable file, a DuckDB file locked by another
writer). Bad documents and code errors fail the same way every time, and HTTP errors
are retried by the crawler's own client (one retry layer only), so none of those are
retried here.
"""

from __future__ import annotations

import errno
from concurrent.futures.process import BrokenProcessPool
from typing import Any

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
