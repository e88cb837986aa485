"""The Prefect UI shows ogi's runs: a real server, a real ``reparse`` run, and the UI
page rendered by headless Chromium (Debian's ``chromium`` package)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from prefect.settings import PREFECT_API_URL, temporary_settings

from ogi.orchestrate import flows
from ogi.orchestrate.server import running_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium)")


def dump_dom(url: str, profile: str) -> str:
    """The page's DOM after its JavaScript ran (the Prefect UI is a single-page app)."""
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=15000",
        "--dump-dom",
        url,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True).stdout


def page_with(url: str, text: str, profile_root: str, attempts: int = 4) -> str:
    """Render ``url`` until ``text`` appears: the UI fills the page from API calls, which
    a busy machine may answer after Chromium's virtual-time budget."""
    page = ""
    for attempt in range(attempts):
        page = dump_dom(url, f"{profile_root}/{attempt}")
        if text in page:
            break
    return page


def test_the_run_is_on_the_ui(tmp_path):
    from ogi.archive.store import ArchiveStore, FetchLogWriter

    (tmp_path / "archive").mkdir()
    FetchLogWriter(
        ArchiveStore(tmp_path / "archive"), "run-0"
    ).close()  # a crawl that found nothing (no fetch log is refused)
    with running_server(tmp_path / "home") as server:
        with temporary_settings({PREFECT_API_URL: server.address.api_url}):
            state = flows.reparse(archive=str(tmp_path / "archive"), warehouse=str(tmp_path / "wh"), return_state=True)
            assert state.is_completed(), state.message
            from prefect.client.orchestration import get_client

            with get_client(sync_client=True) as client:
                run_name = client.read_flow_run(state.state_details.flow_run_id).name
        page = page_with(server.address.flow_run_url(state.state_details.flow_run_id), run_name, str(tmp_path / "run"))
        assert run_name in page
        assert "reparse" in page
        assert "Completed" in page
        # The runs list counts it under the flow's name (its rows render lazily, so the
        # run's own page above is where its name is checked).
        listing = page_with(f"{server.address.ui_url}/runs", "1 run", str(tmp_path / "runs"))
        assert "1 run" in listing
        assert "reparse" in listing
