"""What every pool worker does first: end when the process that owns the pool is gone,
and cap its own memory.

A pool worker outlived a ``kill -9`` of the load that started it (re-parented to
PID 1) and kept whatever it inherited, so every later load waited. Each worker
therefore runs a watchdog thread that watches the owning process itself (PID and
start time, so a reused PID does not count) and ends the worker within half a
second of it being gone, whatever the start method. Under a forkserver (ogi's
default) the workers are the server's children; once they are gone the server
exits by itself.

Not ``prctl(PR_SET_PDEATHSIG)``: the kernel sends that signal when the *thread*
that started the child ends, not the process. ``ProcessPoolExecutor`` starts
workers from whichever thread submits work (under spawn and forkserver, one at a
time as they are needed), and ogi submits from short-lived threads (a thread pool
per parse fan-out, Prefect's task threads), so workers were killed when those
threads finished: a broken pool, or a shutdown that waited for ever.

The memory cap (``RLIMIT_AS``, the worker's address space) turns a document that
would take the machine down into a ``MemoryError`` in one worker, which the parse
stage records as ``document_too_large``; the batch goes on.

Pools get ``initializer``/``initargs`` from :func:`pool_kwargs`.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from ogi.extract import limits

_WATCH_S = 0.5


def process_start(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), None if it is gone
    (or a zombie) or there is no /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return None if fields[0] in ("Z", "X") else fields[19]


def _running(pid: int, start: str | None) -> bool:
    if start is not None:
        return process_start(pid) == start
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def _watch(pid: int, start: str | None) -> None:
    """End this process (os._exit) soon after process ``pid`` is gone."""

    def loop() -> None:
        while _running(pid, start):
            time.sleep(_WATCH_S)
        os._exit(1)

    threading.Thread(target=loop, name="ogi-owner-watch", daemon=True).start()


def _address_space() -> int:
    """This process's current virtual size in bytes (0 where /proc is not available)."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


def limit_memory(extra_bytes: int | None) -> None:
    """Cap this process's address space at its current size plus ``extra_bytes``.

    Relative, not absolute: a worker forked from a process that imported pyarrow
    starts with over a gigabyte of reserved (not resident) address space. Soft limit
    only, so a child such as LibreOffice may raise its own.
    """
    if not extra_bytes:
        return
    try:
        import resource
    except ImportError:  # not POSIX: no cap
        return
    cap = _address_space() + extra_bytes
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = cap if hard == resource.RLIM_INFINITY else min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@contextlib.contextmanager
def allowance(extra_bytes: int) -> Iterator[None]:
    """Raise this process's address-space cap by ``extra_bytes`` while the block runs
    (a document read with OCR), then cap it again from the size it has then: the OCR
    models stay loaded for the next scan, and the next document gets the ordinary
    allowance on top of them. No cap, no change."""
    try:
        import resource
    except ImportError:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        yield
        return

    def set_soft(cap: int) -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap if hard == resource.RLIM_INFINITY else min(cap, hard), hard))

    set_soft(soft + extra_bytes)
    try:
        yield
    finally:
        set_soft(max(soft, _address_space() + limits.current().worker_memory_bytes))


def init_worker(owner: tuple[int, str | None], extra_bytes: int | None = None) -> None:
    """Pool initializer: end with ``owner`` = (PID, start time), the process that made
    the pool (at once if it is already gone), and cap memory (default: the parse
    limits' cap)."""
    _watch(*owner)
    if not _running(*owner):
        os._exit(1)
    limit_memory(limits.current().worker_memory_bytes if extra_bytes is None else extra_bytes)


def pool_kwargs() -> dict:
    """``initializer``/``initargs`` for a ProcessPoolExecutor made by this process."""
    me = os.getpid()
    return {"initializer": init_worker, "initargs": ((me, process_start(me)), None)}
