"""Stage notifications from the flows to whoever shows progress (the demo's display).

Flow and task functions run in the caller's process (threads for tasks), so a plain
callback is enough; with no listener the calls cost nothing. Kept free of Prefect so
that the display code does not need it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Listener = Callable[[str, str], None]
_listeners: list[Listener] = []
_lock = threading.Lock()


def stage(name: str, detail: str = "") -> None:
    """Announce that ``name`` (crawl, plan, parse, tables, duckdb, report) is running."""
    with _lock:
        listeners = list(_listeners)
    for listener in listeners:
        listener(name, detail)


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Call ``listener(stage, detail)`` for every announcement inside the block."""
    with _lock:
        _listeners.append(listener)
    try:
        yield
    finally:
        with _lock:
            _listeners.remove(listener)
