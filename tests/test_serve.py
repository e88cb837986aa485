"""``ogi serve`` against a real Prefect server (``prefect server start`` on a free loopback
port): it registers the three deployments with the nightly's cron schedule (the default,
which fires at 02:30 Beijing time, then one configured by ``OGI_CRON`` and ``--timezone``),
and stopping it (SIGTERM, then SIGINT) pauses the deployments.

Everything is checked through the server's REST API. No flow run is executed: the only
schedule is a daily cron, and ``serve`` is stopped seconds after it started.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from prefect.server.schemas.schedules import CronSchedule

from ogi.orchestrate.server import LocalServer
from tests.prefect_server import server_fixture  # noqa: F401 (the `server` fixture)

REPO = Path(__file__).resolve().parent.parent
REGISTRY = REPO / "registries" / "sample.csv"  # its hosts (127.0.0.2/3:8000) are never contacted
DEPLOYMENTS = ("nightly/ogi-nightly", "backfill/ogi-backfill", "reparse/ogi-reparse")
WAIT = 45.0  # for `ogi serve` to register (imports Prefect and the flows first)


def _start_serve(
    api_url: str, root: Path, log: Path, *extra: str, env_extra: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "OGI_"))}
    env |= env_extra or {}
    env["PREFECT_API_URL"] = api_url
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    cmd = [sys.executable, "-m", "ogi", "serve", "--registry", str(REGISTRY)]
    cmd += ["--archive", str(root / "archive"), "--warehouse", str(root / "wh"), *extra]
    with log.open("ab") as out:
        return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=root)


def _stop(proc: subprocess.Popen[bytes], sig: signal.Signals, timeout: float = 20.0) -> int:
    """Signal ``proc`` (the serve process only, by its pid) and wait; SIGKILL if it hangs."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
    return proc.returncode


def _deployments(api: httpx.Client) -> dict[str, dict[str, Any]]:
    """The ogi deployments the server knows, by ``flow/deployment`` name."""
    found = {}
    for name in DEPLOYMENTS:
        response = api.get(f"/deployments/name/{name}")
        if response.status_code == 200:
            found[name] = response.json()
        else:
            assert response.status_code == 404, response.text
    return found


def _wait_for(api: httpx.Client, proc: subprocess.Popen[bytes], log: Path, ready, what: str):
    """Poll the API until ``ready(deployments)``; fail early if ``serve`` exits."""
    deadline = time.monotonic() + WAIT
    deps: dict[str, dict[str, Any]] = {}
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"ogi serve exited ({proc.returncode}):\n{log.read_text(errors='replace')[-3000:]}"
        deps = _deployments(api)
        if ready(deps):
            return deps
        time.sleep(0.5)
    raise AssertionError(f"no {what} after {WAIT:.0f} s: {deps}\n{log.read_text(errors='replace')[-3000:]}")


def _cron(deployment: dict[str, Any]) -> tuple[str, str]:
    (schedule,) = deployment["schedules"]  # the nightly has exactly one schedule
    assert schedule["active"] is True
    return schedule["schedule"]["cron"], schedule["schedule"]["timezone"]


def _next_runs_utc(deployment: dict[str, Any], n: int = 3) -> list[datetime]:
    """When the server's scheduler will run the nightly next (from 2026-01-01), in UTC."""
    cron, timezone = _cron(deployment)
    dates = asyncio.run(
        CronSchedule(cron=cron, timezone=timezone).get_dates(n=n, start=datetime(2026, 1, 1, tzinfo=UTC))
    )
    return [datetime(*d.astimezone(UTC).timetuple()[:6]) for d in dates]


def _nightly_cron(deps: dict[str, dict[str, Any]]) -> list[str | None]:
    return [s["schedule"].get("cron") for s in deps["nightly/ogi-nightly"]["schedules"]]


def _serving(cron: str | None, before: dict[str, dict[str, Any]] | None = None):
    """All three deployments registered, not paused, the nightly on ``cron`` (any when None), and polled
    by this ``serve``'s runner (registration comes before the runner starts and installs
    its signal handlers): status READY, and ``last_polled`` newer than in ``before``."""

    def polled(name: str, dep: dict[str, Any]) -> bool:
        return dep["status"] == "READY" and (before is None or dep["last_polled"] != before[name]["last_polled"])

    def ready(deps: dict[str, dict[str, Any]]) -> bool:
        return (
            len(deps) == len(DEPLOYMENTS)
            and all(not d["paused"] and polled(n, d) for n, d in deps.items())
            and len(_nightly_cron(deps)) == 1
            and (cron is None or _nightly_cron(deps) == [cron])
        )

    return ready


def _all_paused(deps: dict[str, dict[str, Any]]) -> bool:
    return len(deps) == len(DEPLOYMENTS) and all(d["paused"] for d in deps.values())


def test_serve_registers_schedules_and_pauses_on_stop(server: LocalServer, tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    with httpx.Client(base_url=server.address.api_url, timeout=10) as api:
        assert _deployments(api) == {}

        # 1. Defaults: the nightly at 02:30 Beijing time (18:30 UTC the day before), every
        # day; backfill and reparse on demand.
        proc = _start_serve(server.address.api_url, tmp_path, log)
        try:
            deps = _wait_for(api, proc, log, _serving(None), "deployments with the default cron")
            assert _next_runs_utc(deps["nightly/ogi-nightly"]) == [
                datetime(2026, 1, 1, 18, 30),
                datetime(2026, 1, 2, 18, 30),
                datetime(2026, 1, 3, 18, 30),
            ]
            default = _cron(deps["nightly/ogi-nightly"])
            assert deps["backfill/ogi-backfill"]["schedules"] == []
            assert deps["reparse/ogi-reparse"]["schedules"] == []
            params = deps["nightly/ogi-nightly"]["parameters"]
            assert params["registry"] == str(REGISTRY)
            assert params["archive"] == str((tmp_path / "archive").resolve())
            assert params["warehouse"] == str((tmp_path / "wh").resolve())
            assert deps["reparse/ogi-reparse"]["parameters"] == {
                "archive": params["archive"],
                "warehouse": params["warehouse"],
            }
            assert all(d["tags"] == ["ogi"] for d in deps.values())
        finally:
            code = _stop(proc, signal.SIGTERM)
        assert code == 0, log.read_text(errors="replace")[-3000:]
        assert "Failed to create the Prefect home" not in log.read_text(errors="replace")
        assert (tmp_path / "wh" / "prefect").is_dir()  # PREFECT_HOME, also with a remote API

        # Stopped: every deployment is paused (the schedule itself stays active, but a
        # paused deployment gets no scheduled runs until `ogi serve` runs again).
        deps = _deployments(api)
        assert _all_paused(deps), deps
        assert _cron(deps["nightly/ogi-nightly"]) == default

        # 2. A configured schedule (OGI_CRON from the environment, the time zone as an
        # option) replaces the old one, and serving again resumes them all.
        proc = _start_serve(
            server.address.api_url, tmp_path, log, "--timezone", "UTC", env_extra={"OGI_CRON": "15 3 * * *"}
        )
        try:
            ready = _serving("15 3 * * *", before=deps)
            deps = _wait_for(api, proc, log, ready, "deployments with the configured cron")
            assert _cron(deps["nightly/ogi-nightly"]) == ("15 3 * * *", "UTC")
            assert _next_runs_utc(deps["nightly/ogi-nightly"], 1) == [datetime(2026, 1, 1, 3, 15)]
        finally:
            code = _stop(proc, signal.SIGINT)  # what systemd sends (KillSignal=SIGINT)
        assert code == 0, log.read_text(errors="replace")[-3000:]
        deps = _deployments(api)
        assert _all_paused(deps), deps
        assert _cron(deps["nightly/ogi-nightly"]) == ("15 3 * * *", "UTC")

        # No run was started by serve: nothing was due.
        runs = api.post("/flow_runs/filter", json={"limit": 10}).json()
        assert [r for r in runs if r["state_type"] not in ("SCHEDULED", None)] == []
