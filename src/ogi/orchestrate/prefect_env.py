"""Where orchestration state lives and how Prefect is pointed at it (the values
themselves are settings: :mod:`ogi.settings`).

Prefect reads its settings from the environment when ``prefect`` is first imported, so
the CLI calls :func:`apply_prefect_env` *before* importing anything from Prefect. This
module itself must never import Prefect.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ServerAddress:
    """Address of a (local) Prefect server; the UI and the API share one port."""

    host: str
    port: int

    @classmethod
    def configured(cls, port: int | None = None) -> ServerAddress:
        """The local server of the settings (``OGI_PREFECT_HOST``/``OGI_PREFECT_PORT``)."""
        from ogi.settings import settings

        s = settings()
        return cls(host=s.prefect_host, port=port or s.prefect_port)

    @property
    def ui_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.ui_url}/api"

    def flow_run_url(self, flow_run_id: object) -> str:
        return f"{self.ui_url}/runs/flow-run/{flow_run_id}"


def prefect_home(warehouse: Path) -> Path:
    """Prefect's home (its SQLite database, server log, local results) sits inside the
    warehouse so that run history survives restarts and travels with the data."""
    return Path(warehouse).resolve() / "prefect"


def prefect_env(warehouse: Path, api_url: str | None) -> dict[str, str]:
    """Environment for a process that talks to (or is) the local Prefect server."""
    env = {
        "PREFECT_HOME": str(prefect_home(warehouse)),
        # No internet on most hosts that run ogi; telemetry would only log errors.
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false",
    }
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


def apply_prefect_env(warehouse: Path, api_url: str | None, *, quiet: bool = False) -> None:
    """Point this process's Prefect at ``api_url`` (must run before ``import prefect``).

    ``quiet`` hides Prefect's per-task console lines (the demo shows its own progress);
    the lines still go to the server and appear in the UI. Creates ``PREFECT_HOME``
    (with a remote API no local server did, and Prefect would warn that it cannot).
    """
    prefect_home(warehouse).mkdir(parents=True, exist_ok=True)
    os.environ.update(prefect_env(warehouse, api_url))
    if quiet:
        os.environ["PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"] = "WARNING"
