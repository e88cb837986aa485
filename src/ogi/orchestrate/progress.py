"""Stage notifications from the flows to whoever shows progress (the demo's display).

Flow and task functions run in the caller's process (threads for tasks), so a plain
callback is enough; with no listener the calls cost nothing. Kept free of Prefect so
that the display code does not need it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

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


class TerminalLine:
    """A listener that keeps the latest announcement on one line of ``stream`` (a
    terminal: each one overwrites the last), for ``ogi load``'s progress on stderr."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.written = False

    def __call__(self, name: str, detail: str = "") -> None:
        with _lock:
            self.stream.write(f"\r\x1b[K{name}: {detail}")
            self.stream.flush()
            self.written = True

    def close(self) -> None:
        """End the line, so what is printed next starts on its own."""
        if self.written:
            self.stream.write("\n")
            self.stream.flush()


@contextmanager
def on_terminal(stream: TextIO) -> Iterator[None]:
    """Show announcements on ``stream`` inside the block when it is a terminal (else nothing)."""
    if not stream.isatty():
        yield
        return
    line = TerminalLine(stream)
    try:
        with listening(line):
            yield
    finally:
        line.close()
