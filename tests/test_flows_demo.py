"""``ogi demo`` end to end, twice: a local Prefect server on a free port, the sample web
on loopback, the nightly flow, a ready ``ogi.duckdb``; the second run parses nothing."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from ogi.orchestrate.prefect_env import ServerAddress, prefect_home
from ogi.orchestrate.server import LocalServer, free_port, stop_server


def _demo(warehouse: Path, port: int, web_port: int) -> str:
    args = ["demo", "--warehouse", str(warehouse), "--port", str(port), "--web-port", str(web_port), "--delay", "0"]
    code = "import sys; from ogi.cli import main; sys.argv[0] = 'ogi'; main()"
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=600, env=_env())
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


def _env() -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["COLUMNS"] = "200"
    return env


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory):
    warehouse = tmp_path_factory.mktemp("demo") / "warehouse"
    port, web_port = free_port(), free_port()
    try:
        first = _demo(warehouse, port, web_port)
        second = _demo(warehouse, port, web_port)
        yield warehouse, port, first, second
    finally:
        stop_server(LocalServer(address=ServerAddress(host="127.0.0.1", port=port), home=prefect_home(warehouse)))


def test_demo_leaves_a_ready_warehouse(demo_runs):
    warehouse, port, first, _ = demo_runs
    from ogi.load.query import connect

    con = connect(warehouse)
    assert con.execute("SELECT count(*) FROM reports").fetchone()[0] > 50
    con.close()
    assert re.search(rf"http://127\.0\.0\.1:{port}/runs/flow-run/[0-9a-f-]{{36}}", first)
    assert first.count('ogi query "SELECT') == 3
    for stage in ("crawling the sample web", "parsing documents", "building warehouse/ogi.duckdb"):
        assert stage in first


def test_second_demo_run_finds_nothing_new(demo_runs):
    _, _, first, second = demo_runs
    assert "documents parsed 0" in second
    assert "reports new 0" in second
    reports = re.search(r"reports in warehouse (\d+)", first).group(1)
    assert f"reports in warehouse {reports}" in second
