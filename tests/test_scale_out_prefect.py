"""Flow runs on other machines (issue 13): a Prefect server, a process work pool and a
worker started as its own process, a Dask scheduler and two Dask workers started as
their own processes, and the archive and warehouse in an S3 bucket (moto's server on
loopback). A deployment run is picked up by the worker, parses on the Dask workers
(one of which is killed mid-batch) and publishes to the bucket; the warehouse read
back from the bucket equals the local process pool's, row by row.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ogi_testkit import synthetic_parser
from ogi_testkit.synthetic_archive import write_synthetic_archive

from ogi.archive.store import ArchiveStore
from ogi.load import load, plan
from ogi.storage import Location
from tests.prefect_server import server_fixture  # noqa: F401
from tests.scale_kit import BUCKET, assert_same_warehouse, kill_once, s3_server

REPO = Path(__file__).resolve().parents[1]
VERSION = "synthetic-pool"
POOL = "ogi-test-pool"


@pytest.fixture(scope="module")
def setup(server, tmp_path_factory):
    """Parser stand-in, S3 server and a synthetic archive."""
    saved = {k: os.environ.get(k) for k in ("OGI_PARSER", synthetic_parser.VERSION_ENV, "OGI_WORK")}
    root = tmp_path_factory.mktemp("pool")
    os.environ.update(
        {
            "OGI_PARSER": "ogi_testkit.synthetic_parser",
            synthetic_parser.VERSION_ENV: VERSION,
            "OGI_WORK": str(root / "work"),
        }
    )
    with s3_server() as aws:
        archive = root / "archive"
        write_synthetic_archive(archive, root / "scratch", reports=60, years=range(2022, 2025), version="other")
        yield {"aws": aws, "root": root, "archive": archive, "api": server.address.api_url}
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _env(setup, **extra: str) -> dict[str, str]:
    return {**os.environ, **setup["aws"], "PREFECT_API_URL": setup["api"], **extra}


def _start_dask(setup) -> tuple[str, list[subprocess.Popen]]:
    """``dask scheduler`` and two ``dask worker`` processes on loopback."""
    bin_dir = Path(sys.executable).parent
    scheduler_file = setup["root"] / "scheduler.json"
    env = _env(setup)
    procs = [
        subprocess.Popen(
            [
                bin_dir / "dask",
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--scheduler-file",
                scheduler_file,
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    deadline = time.monotonic() + 60
    while not scheduler_file.is_file() and time.monotonic() < deadline:
        time.sleep(0.2)
    import json

    address = json.loads(scheduler_file.read_text())["address"]
    for _ in range(2):
        procs.append(
            subprocess.Popen(
                [
                    bin_dir / "dask",
                    "worker",
                    address,
                    "--nworkers",
                    "1",
                    "--nthreads",
                    "1",
                    "--no-dashboard",
                    "--host",
                    "127.0.0.1",
                ],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    from distributed import Client

    with Client(address, timeout=60) as client:
        client.wait_for_workers(2, timeout=60)
    return address, procs


def _stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(15)
        except subprocess.TimeoutExpired:
            p.kill()


def test_a_deployment_run_on_a_worker_with_dask_and_s3(setup):
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from ogi.orchestrate.flows import reparse

    root = setup["root"]
    s3_archive, s3_wh = f"s3://{BUCKET}/pool/archive", f"s3://{BUCKET}/pool/wh"
    archive = root / "killing"
    shutil.copytree(setup["archive"], archive)
    marker = root / "killed"
    kill_once(ArchiveStore(archive), marker)
    marker.touch()  # the oracle: the same archive loaded by the local pool, nobody killed
    baseline = root / "baseline-killing"
    load(archive, baseline, workers=2)
    marker.unlink()
    Location(s3_archive).upload_tree(archive, "")

    bin_dir = Path(sys.executable).parent
    env = _env(setup)
    subprocess.run(
        [bin_dir / "prefect", "work-pool", "create", POOL, "--type", "process", "--overwrite"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    address, procs = _start_dask(setup)
    worker_log = (root / "worker.log").open("wb")
    procs.append(
        subprocess.Popen(
            [bin_dir / "prefect", "worker", "start", "--pool", POOL, "--limit", "1"],
            env=env,
            cwd=REPO,
            stdout=worker_log,
            stderr=subprocess.STDOUT,
        )
    )
    try:
        with temporary_settings(updates={PREFECT_API_URL: setup["api"]}):
            deployment_id = reparse.from_source(source=str(REPO), entrypoint="flows/reparse.py:reparse").deploy(
                name="ogi-reparse-test",
                work_pool_name=POOL,
                parameters={"archive": s3_archive, "warehouse": s3_wh, "dask": address},
                print_next_steps=False,
                ignore_warnings=True,
            )
            run = run_deployment(deployment_id, timeout=600, poll_interval=2)
        assert run.state.is_completed(), f"{run.state}: {(root / 'worker.log').read_text()[-3000:]}"
    finally:
        _stop(procs)
        worker_log.close()
    assert marker.is_file(), "no Dask worker was killed: the retry was not exercised"
    assert plan(s3_archive, s3_wh) == []
    assert_same_warehouse(baseline, s3_wh)
