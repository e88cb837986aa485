"""The warehouse's write lock: one writer at a time, and everyone can see who it is.

``WAREHOUSE/.write.lock`` is held with ``flock`` and records its holder (PID, host,
the PID's start time, when, which command). A load that must wait says who holds
the lock instead of waiting in silence. ``flock`` is released by the kernel when
its holder dies, unless another process still has the file open: pool workers
forked from the holder used to inherit it and, orphaned by a ``kill -9`` of the
load, kept every later load waiting forever. So the descriptor is closed in every
forked child (``os.register_at_fork``), workers die with their parent
(ogi.worker_limits), and a lock whose recorded holder is dead on this host while
something still holds it is taken over: the lock file is replaced, leaving the
stragglers a file nobody else locks.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import socket
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from ogi.worker_limits import process_start

LOCK_NAME = ".write.lock"
POLL_S = 0.5
log = logging.getLogger("ogi.load")

_held: set[int] = set()


def _close_in_child() -> None:
    for fd in list(_held):
        with contextlib.suppress(OSError):
            os.close(fd)
    _held.clear()


os.register_at_fork(after_in_child=_close_in_child)


class LockTimeout(TimeoutError):
    """The write lock stayed with another live load for longer than the caller would wait."""


@dataclass(frozen=True)
class Holder:
    pid: int
    host: str
    since: str
    command: str
    pid_start: str | None = None

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host} since {self.since} ({self.command})"


def _me() -> Holder:
    return Holder(
        pid=os.getpid(),
        host=socket.gethostname(),
        since=datetime.now(UTC).isoformat(timespec="seconds"),
        command=" ".join([Path(sys.argv[0]).name, *sys.argv[1:]])[:200] if sys.argv else "python",
        pid_start=process_start(os.getpid()),
    )


def read_holder(path: Path) -> Holder | None:
    """Who the lock file says holds it (None: nobody recorded, or unreadable)."""
    try:
        data = json.loads(Path(path).read_text() or "null")
        return Holder(**data) if isinstance(data, dict) else None
    except (OSError, ValueError, TypeError):
        return None


def holder_alive(holder: Holder) -> bool | None:
    """Is the holder's process still running? None when it is on another host."""
    if holder.host != socket.gethostname():
        return None
    try:
        os.kill(holder.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    # gone, a zombie, or a new process under a reused PID
    return not (holder.pid_start and process_start(holder.pid) != holder.pid_start)


def _try(path: Path) -> int | None:
    """The locked descriptor of the file now at ``path``, or None when someone holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    try:
        same = os.fstat(fd).st_ino == os.stat(path).st_ino
    except FileNotFoundError:
        same = False
    if not same:  # replaced by a take-over while we waited: lock the new file instead
        os.close(fd)
        return None
    return fd


def _take_over(path: Path, dead: Holder) -> None:
    """Replace the lock file of a dead holder that something (an orphan) still holds."""
    guard = os.open(path.with_name(LOCK_NAME + ".takeover"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if read_holder(path) != dead:  # another waiter took it over first
            return
        fresh = path.with_name(f"{LOCK_NAME}.new-{os.getpid()}")
        fresh.write_text("")
        os.replace(fresh, path)
        log.warning(
            "%s: took over the write lock of %s, which is dead (processes it left behind hold the old lock file)",
            path.parent,
            dead.describe(),
        )
    finally:
        os.close(guard)


@contextlib.contextmanager
def exclusive(
    warehouse: Path, *, timeout: float | None = None, say: Callable[[str], None] = log.warning
) -> Iterator[Holder]:
    """Hold the warehouse's write lock (readers are never blocked).

    Waits while a live process holds it, saying once who that is; takes over a lock
    whose holder is dead; raises LockTimeout after ``timeout`` seconds (None: wait).
    """
    Path(warehouse).mkdir(parents=True, exist_ok=True)
    path = Path(warehouse) / LOCK_NAME
    started = time.monotonic()
    announced: object = None
    while (fd := _try(path)) is None:
        holder = read_holder(path)
        if holder is not None and holder_alive(holder) is False:
            _take_over(path, holder)
            continue
        if (holder or "unrecorded") != announced:
            who = holder.describe() if holder else "a process that did not record itself"
            say(f"{warehouse}: waiting for the write lock, held by {who}")
            announced = holder or "unrecorded"
        if timeout is not None and time.monotonic() - started > timeout:
            who = holder.describe() if holder else "an unrecorded process"
            raise LockTimeout(f"{warehouse}: the write lock is still held by {who} after {timeout:g} s")
        time.sleep(POLL_S)
    me = _me()
    _held.add(fd)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(asdict(me)).encode(), 0)
        yield me
    finally:
        _held.discard(fd)
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)  # releases the flock
