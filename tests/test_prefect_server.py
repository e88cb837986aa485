"""Against a real Prefect server (``prefect server start`` on a free loopback port, as
``ogi ui`` starts it): run a flow, then check the run, its task runs and its artifacts
through the API, and that ``ensure_server`` reuses a running server."""

from __future__ import annotations

import json
import os

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from ogi_testkit.sampleweb.server import SampleWeb
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    FlowRunFilter,
    FlowRunFilterId,
)
from prefect.settings import PREFECT_API_URL, temporary_settings

from ogi.orchestrate import flows
from ogi.orchestrate.quality import QUALITY_KEY, RUN_SUMMARY_KEY
from ogi.orchestrate.server import ensure_server, is_healthy
from tests.prefect_server import server_fixture  # noqa: F401 (the `server` fixture)

AGENCIES = ["lc-sthjj"]


@pytest.fixture(scope="module")
def run(server, tmp_path_factory):
    root = tmp_path_factory.mktemp("run")
    with SampleWeb(port=0, slow_seconds=0.2) as web, temporary_settings({PREFECT_API_URL: server.address.api_url}):
        state = flows.backfill(
            agencies=AGENCIES,
            years=[2024],
            registry=str(web.registry_path),
            archive=str(root / "archive"),
            warehouse=str(root / "wh"),
            delay=0.0,
            return_state=True,
        )
    return state


def test_server_is_reused_not_restarted(server, tmp_path):
    again = ensure_server(tmp_path, server.address)
    assert again.started is False
    assert is_healthy(server.address)


def test_run_is_recorded_on_the_server(server, run):
    assert run.is_completed(), run.message
    flow_run_id = run.state_details.flow_run_id
    with temporary_settings({PREFECT_API_URL: server.address.api_url}), get_client(sync_client=True) as client:
        flow_run = client.read_flow_run(flow_run_id)
        assert flow_run.state.is_completed()
        assert client.read_flow(flow_run.flow_id).name == "backfill"
        assert flow_run.parameters["agencies"] == AGENCIES
        task_runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
        by_name: dict[str, list] = {}
        for tr in task_runs:
            by_name.setdefault(tr.name.rsplit("-", 1)[0], []).append(tr)
        for name in ("crawl", "snapshot-issues", "plan", "parse-batch", "write-tables", "build-duckdb"):
            assert name in by_name, sorted(by_name)
            assert all(tr.state.is_completed() for tr in by_name[name])
        assert "publish-artifacts" in by_name
        logs = client.read_logs()
        assert any("documents to parse" in log.message for log in logs if log.flow_run_id == flow_run_id)


def test_artifacts_are_on_the_server(server, run):
    flow_run_id = run.state_details.flow_run_id
    with temporary_settings({PREFECT_API_URL: server.address.api_url}), get_client(sync_client=True) as client:
        arts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
        latest = {a.key: a for a in client.read_latest_artifacts()}
    by_key = {a.key: a for a in arts}
    assert by_key[RUN_SUMMARY_KEY].type == "table"
    assert by_key[QUALITY_KEY].type == "markdown"
    rows = by_key[RUN_SUMMARY_KEY].data
    rows = json.loads(rows) if isinstance(rows, str) else rows
    table = {r["metric"]: r["value"] for r in rows}
    assert table["flow"] == "backfill"
    assert table["agencies visited"] == "1"
    assert int(table["reports new"]) >= 1
    assert int(table["documents parsed"]) >= 1
    assert table["parse failures"] == str(run.result()["parse"]["failed"])
    assert "identity violations" in table
    assert by_key[QUALITY_KEY].data.startswith("# Data quality after `backfill`")
    # Keyed artifacts: the server's "latest" view (what the UI's Artifacts page shows) has both.
    assert {RUN_SUMMARY_KEY, QUALITY_KEY} <= set(latest)
