"""A local Prefect server (127.0.0.1 only) that keeps run history on disk.

Why not Prefect's ephemeral mode: it starts a throw-away server per process and most
task-run records vanish at exit, so ``ogi demo`` / ``ogi serve`` would leave nothing to
look at. :func:`ensure_server` starts ``prefect server start`` once, detached, with
``PREFECT_HOME`` inside the warehouse, and later calls reuse it. Does not import Prefect
(the server runs in its own process), so it is cheap to import.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from ogi.orchestrate.prefect_env import ServerAddress, prefect_env, prefect_home

STARTUP_TIMEOUT = 120.0


class ServerStartError(RuntimeError):
    """The Prefect server did not come up; the message carries the tail of its log."""


@dataclass
class LocalServer:
    """A Prefect server process bound to loopback, its state under ``home``."""

    address: ServerAddress
    home: Path
    started: bool = False
    pid: int | None = None

    @property
    def log_path(self) -> Path:
        return self.home / "server.log"

    @property
    def pid_path(self) -> Path:
        return self.home / f"server-{self.address.port}.pid"


def is_healthy(address: ServerAddress, timeout: float = 2.0) -> bool:
    """True when a Prefect API answers on ``address`` (its /health returns ``true``)."""
    try:
        response = httpx.get(f"{address.api_url}/health", timeout=timeout)
    except httpx.HTTPError:
        return False
    return response.status_code == 200 and response.text.strip() == "true"


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (for tests and parallel servers)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _prefect_command() -> list[str]:
    return [sys.executable, "-m", "prefect"]


def _log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"


def start_server(
    warehouse: Path,
    address: ServerAddress | None = None,
    *,
    timeout: float = STARTUP_TIMEOUT,
) -> LocalServer:
    """Start ``prefect server start`` detached (own session, survives this process) and
    wait until its API is healthy. Raises :class:`ServerStartError` with the log's tail
    if the process dies or the timeout passes."""
    address = address or ServerAddress.configured()
    home = prefect_home(warehouse)
    home.mkdir(parents=True, exist_ok=True)
    server = LocalServer(address=address, home=home)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(prefect_env(warehouse, api_url=None))
    env["PREFECT_SERVER_API_HOST"] = address.host
    env["PREFECT_SERVER_API_PORT"] = str(address.port)
    env["PREFECT_UI_API_URL"] = address.api_url
    cmd = [*_prefect_command(), "server", "start", "--host", address.host, "--port", str(address.port)]
    with server.log_path.open("ab") as log:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=home,
            start_new_session=True,
        )
    server.pid = proc.pid
    server.started = True
    server.pid_path.write_text(str(proc.pid))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerStartError(
                f"prefect server exited with code {proc.returncode}; log {server.log_path}:\n"
                + _log_tail(server.log_path)
            )
        if is_healthy(address):
            return server
        time.sleep(0.5)
    stop_server(server)
    raise ServerStartError(
        f"prefect server not healthy after {timeout:.0f} s; log {server.log_path}:\n" + _log_tail(server.log_path)
    )


def ensure_server(
    warehouse: Path, address: ServerAddress | None = None, *, timeout: float = STARTUP_TIMEOUT
) -> LocalServer:
    """Reuse the Prefect server answering on ``address``, or start one."""
    address = address or ServerAddress.configured()
    if is_healthy(address):
        return LocalServer(address=address, home=prefect_home(warehouse), started=False)
    return start_server(warehouse, address, timeout=timeout)


def _flush_prefect_workers(timeout: float = 15.0) -> None:
    """Send this process's queued Prefect logs and events while the server still
    answers. Left queued, they are retried against a dead address when the
    interpreter exits, which then waits for them for minutes."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        worker.drain_all(timeout=timeout)


def stop_server(server: LocalServer, timeout: float = 20.0) -> bool:
    """Stop a server this module started (by its recorded pid, whole process group).

    Returns False when there is nothing of ours to stop. Never touches processes it did
    not start: the pid comes from ``server.pid`` or the pid file written at start.
    """
    _flush_prefect_workers()
    pid = server.pid
    if pid is None:
        try:
            pid = int(server.pid_path.read_text().strip())
        except (OSError, ValueError):
            return False
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        server.pid_path.unlink(missing_ok=True)
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            break
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.2)
    else:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    server.pid_path.unlink(missing_ok=True)
    return True


@contextlib.contextmanager
def running_server(warehouse: Path, port: int | None = None) -> Iterator[LocalServer]:
    """A fresh server on a free loopback port for the duration of the block (tests)."""
    server = start_server(warehouse, ServerAddress(host="127.0.0.1", port=port or free_port()))
    try:
        yield server
    finally:
        stop_server(server)
