"""Running flows from the command line against a Prefect server that keeps history.

Order matters: Prefect reads its settings when first imported, so :func:`connect` sets
the environment (``PREFECT_HOME`` in the warehouse, ``PREFECT_API_URL`` of the server)
and only then do callers import the flows.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ogi.orchestrate.prefect_env import ServerAddress, apply_prefect_env
from ogi.orchestrate.server import LocalServer, ensure_server


@dataclass
class Connection:
    """The server runs are recorded on; ``server`` is None for a user-given remote API."""

    api_url: str
    ui_url: str
    server: LocalServer | None

    def flow_run_url(self, flow_run_id: object) -> str:
        return f"{self.ui_url}/runs/flow-run/{flow_run_id}"


def connect(
    warehouse: Path,
    *,
    port: int | None = None,
    local_only: bool = False,
    quiet: bool = False,
) -> Connection:
    """Use ``$PREFECT_API_URL`` when the user set one (and ``local_only`` is False),
    else start or reuse the local server of the settings (``port`` overrides its port);
    then configure Prefect."""
    remote = os.environ.get("PREFECT_API_URL")
    if remote and not local_only:
        apply_prefect_env(warehouse, remote, quiet=quiet)
        return Connection(api_url=remote, ui_url=remote.rstrip("/").removesuffix("/api"), server=None)
    address = ServerAddress.configured(port)
    server = ensure_server(warehouse, address)
    apply_prefect_env(warehouse, address.api_url, quiet=quiet)
    return Connection(api_url=address.api_url, ui_url=address.ui_url, server=server)


def run_flow(flow_name: str, **parameters: Any) -> tuple[Any, Any]:
    """Run flow ``flow_name`` in this process; returns (final state, flow run id).

    Raises the flow's exception when it fails, after it has been recorded.
    """
    from ogi.orchestrate import flows

    fn = {"nightly": flows.nightly, "backfill": flows.backfill, "reparse": flows.reparse}[flow_name]
    state = fn(**parameters, return_state=True)
    flow_run_id = state.state_details.flow_run_id
    return state, flow_run_id
