"""Scale-out benchmark: the ``reparse`` flow over N archived documents (a) on the local
process pool, (b) on a Dask LocalCluster of 2 worker processes, (c) on that cluster with
the archive and the warehouse in an S3 bucket (moto's server on loopback, its own
process). Prints each time, the overhead of (b) and (c) over (a) (target ≤ 1.15×), the
README's queries on the S3 warehouse (target < 1 s each), and bytes moved per document.

    uv run python benchmarks/bench_scale.py [--docs 2000] [--workdir DIR]

The archive is bench_flow's (``ogi_testkit.synth`` documents: HTML, PDF and DOCX),
built once per work dir. Every run starts from an empty warehouse, so each parses every
document. "Bytes moved" is all loopback traffic during the run (S3 requests, Dask's
scheduler and workers, Prefect's API), read from the kernel's counters: what would
cross the network between machines, and an upper bound of it.
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_flow import build_archive

BUCKET = "ogi-bench"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _loopback_bytes() -> int:
    import psutil

    counters = psutil.net_io_counters(pernic=True)["lo"]
    return counters.bytes_sent  # on loopback every byte sent is received once


def start_s3(workdir: Path) -> tuple[subprocess.Popen, dict[str, str]]:
    """moto's S3 server in its own process (as a real store would be), and its environment."""
    port = _free_port()
    log = (workdir / "moto.log").open("wb")
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=log
    )
    env = {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_REGION": "us-east-1",
    }
    os.environ.update(env)
    import boto3

    deadline = time.monotonic() + 30
    while True:
        try:
            boto3.client("s3").create_bucket(Bucket=BUCKET)
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)
    return proc, env


def _requests(log: Path) -> int:
    """Requests the S3 server answered so far (one line each in its log)."""
    return sum(1 for line in log.read_text(errors="replace").splitlines() if '" 2' in line or '" 4' in line)


def run(label: str, archive: str, warehouse: str, dask: str | None, s3: subprocess.Popen, log: Path) -> dict:
    """One reparse flow run: its time, the loopback bytes, and what the S3 server did
    meanwhile (requests, and the CPU seconds it took from this machine's cores)."""
    import psutil

    from ogi.orchestrate.flows import reparse

    server = psutil.Process(s3.pid)
    before, cpu_before, requests_before = _loopback_bytes(), sum(server.cpu_times()[:2]), _requests(log)
    start = time.perf_counter()
    state = reparse(archive=archive, warehouse=warehouse, workers=2, dask=dask, return_state=True)
    took = time.perf_counter() - start
    moved = _loopback_bytes() - before
    server_cpu = sum(server.cpu_times()[:2]) - cpu_before
    requests = _requests(log) - requests_before
    if not state.is_completed():
        raise SystemExit(f"{label}: flow ended {state.name}: {state.message}")
    print(f"{label}: {took:.1f} s, loopback {moved / 1e6:.1f} MB, S3: {requests} requests, {server_cpu:.1f} CPU s")
    return {"seconds": took, "bytes": moved, "requests": requests, "server_cpu": server_cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--workdir", type=Path, default=None, help="kept between runs (archive reuse)")
    parser.add_argument("--runs", default="abc", help="which of the runs (a), (b), (c) to make (default all)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds of the runs; the median run of each is shown")
    args = parser.parse_args()

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="ogi-bench-scale-"))
    workdir.mkdir(parents=True, exist_ok=True)
    archive = workdir / f"archive-{args.docs}"
    t0 = time.perf_counter()
    build_archive(archive, args.docs)
    size = sum(p.stat().st_size for p in (archive / "objects").rglob("*") if p.is_file())
    print(f"archive: {archive} ({args.docs} documents, {size / 1e6:.1f} MB, built in {time.perf_counter() - t0:.1f} s)")

    s3, _ = start_s3(workdir)
    os.environ["OGI_WORK"] = str(workdir / "work")
    from ogi.orchestrate.prefect_env import apply_prefect_env
    from ogi.orchestrate.server import running_server
    from ogi.storage import Location

    s3_archive = f"s3://{BUCKET}/archive"
    t0 = time.perf_counter()
    Location(s3_archive).upload_tree(archive, "")
    print(f"uploaded the archive to {s3_archive} in {time.perf_counter() - t0:.1f} s (setup, not timed)")

    server_home = workdir / "server"
    try:
        with running_server(server_home) as server:
            apply_prefect_env(server_home, server.address.api_url, quiet=True)
            for module in ("ogi.load", "ogi.orchestrate.flows", "distributed", "prefect_dask", "s3fs"):
                importlib.import_module(module)  # imports outside the timings
            runs: dict[str, list[dict]] = {}
            for _ in range(args.repeat):  # interleaved, so drifts of the machine hit every kind alike
                for label, arch, wh, dask in (
                    ("(a) local pool, 2 processes", str(archive), str(workdir / "wh-pool"), None),
                    ("(b) Dask LocalCluster, 2 workers", str(archive), str(workdir / "wh-dask"), "local:2"),
                    ("(c) Dask + S3 archive and warehouse", s3_archive, f"s3://{BUCKET}/wh", "local:2"),
                ):
                    if label[1] not in args.runs:
                        continue
                    if wh.startswith("s3://"):
                        Location(wh).remove_tree("")
                    shutil.rmtree(wh, ignore_errors=True)
                    shutil.rmtree(workdir / "work", ignore_errors=True)
                    runs.setdefault(label, []).append(run(label, arch, wh, dask, s3, workdir / "moto.log"))
            results = {label: sorted(rs, key=lambda r: r["seconds"])[len(rs) // 2] for label, rs in runs.items()}
            from prefect.logging.handlers import APILogWorker

            APILogWorker.drain_all(timeout=30)  # the runs' last log lines, before the server stops

        base = results.get("(a) local pool, 2 processes", {}).get("seconds")
        print(f"\ndocuments: {args.docs}; cores: {os.cpu_count()}; median of {args.repeat} run(s) each")
        for label, r in results.items():
            ratio = f"{r['seconds'] / base:5.2f}×" if base else "  (no (a) run)"
            moved = r["bytes"] / args.docs / 1e3
            print(f"{label:38s} {r['seconds']:7.1f} s  {ratio}  {moved:8.1f} kB moved per document")
            if r["requests"]:
                share = r["server_cpu"] / (r["seconds"] * (os.cpu_count() or 1))
                print(
                    f"{'':38s} S3 server: {r['requests'] / args.docs:.1f} requests per document, "
                    f"{r['server_cpu']:.1f} CPU s ({share:.0%} of the machine's cores during the run)"
                )
        if "c" in args.runs:
            stored = sum(v["size"] for v in Location(f"s3://{BUCKET}/wh").listing("").values())
            print(f"bucket: the warehouse holds {stored / 1e6:.1f} MB ({stored / args.docs / 1e3:.1f} kB per document)")
            query_s3(f"s3://{BUCKET}/wh")
    finally:
        s3.terminate()
        s3.wait(10)


def query_s3(warehouse: str) -> None:
    """The README's queries on the S3 warehouse, in place. Cold: each in a new connection,
    as every ``ogi query`` is (connect included: the ETag check of ``ogi.duckdb``, httpfs,
    the secret; the database copy is made once, before); warm: best of 3 more on it."""
    from ogi.load.analysis import QUERIES
    from ogi.load.query import connect

    print(f"\nREADME queries on {warehouse} (target < 1 s each):")
    t0 = time.perf_counter()
    connect(warehouse).close()
    print(f"  first connect (copy ogi.duckdb, load httpfs): {time.perf_counter() - t0:.2f} s")
    for title, sql in QUERIES:
        t = time.perf_counter()
        con = connect(warehouse)
        try:
            rows = con.execute(sql).fetchall()
            cold = time.perf_counter() - t
            warm = []
            for _ in range(3):
                t = time.perf_counter()
                con.execute(sql).fetchall()
                warm.append(time.perf_counter() - t)
        finally:
            con.close()
        verdict = "OK" if max(cold, *warm) < 1 else "OVER"
        print(f"  {cold:.3f} s cold, {min(warm):.3f} s warm, {len(rows):5d} rows  {verdict}  {title}")


if __name__ == "__main__":
    main()
