"""What every pool worker does first: die with its parent, and cap its own memory.

A pool worker outlives a ``kill -9`` of the process that started it (it is
re-parented to PID 1) and keeps whatever it inherited, the warehouse's write lock
included, so every later load waited forever. On Linux the kernel can send the
worker a signal when its parent dies (``prctl(PR_SET_PDEATHSIG)``); elsewhere a
small watchdog thread polls the parent's PID. The memory cap
(``RLIMIT_AS``, the worker's address space) turns a document that would take the
machine down into a ``MemoryError`` in one worker, which the parse stage records
as ``document_too_large`` and the batch goes on.

Pools pass :func:`init_worker` as their ``initializer`` with the parent's PID.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

from ogi.extract import limits

_PR_SET_PDEATHSIG = 1
_WATCH_S = 1.0


def die_with_parent(parent_pid: int | None = None) -> None:
    """Make this process end when its parent does (immediately if it already has)."""
    expected = parent_pid if parent_pid is not None else os.getppid()
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            _watch(expected)
    else:
        _watch(expected)
    if os.getppid() != expected:  # the parent died before the request above took effect
        os._exit(1)


def _watch(parent_pid: int) -> None:
    def loop() -> None:
        while os.getppid() == parent_pid:
            time.sleep(_WATCH_S)
        os._exit(1)

    threading.Thread(target=loop, name="ogi-parent-watch", daemon=True).start()


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


def init_worker(parent_pid: int | None = None, extra_bytes: int | None = None) -> None:
    """Pool initializer: die with the parent, cap memory (default: the parse limits' cap)."""
    die_with_parent(parent_pid)
    limit_memory(limits.current().worker_memory_bytes if extra_bytes is None else extra_bytes)


def pool_kwargs(*, forked_here: bool = True) -> dict:
    """``initializer``/``initargs`` for a ProcessPoolExecutor. ``forked_here``: the workers
    are this process's children (fork/spawn); False for forkserver, whose workers are the
    server's children (and the server ends when this process does)."""
    return {"initializer": init_worker, "initargs": (os.getpid() if forked_here else None,)}
