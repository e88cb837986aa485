"""Prefect overhead benchmark: parse + validate + load of N archived documents (no crawl)
as the ``reparse`` Prefect flow against a local Prefect server, versus the same work by
the library alone (``ogi.load.load``). Target: flow time ≤ 1.25 × library time.

    uv run python benchmarks/bench_flow.py [--docs 1000] [--repeat 1] [--workdir DIR]

The archive is synthetic (``ogi_testkit.synth`` documents, mostly HTML with PDF and DOCX
attachments) and built once per work dir. Each measured run starts from an empty
warehouse, so both sides parse every document; imports and the server's start-up are
outside the timings.
"""

from __future__ import annotations

import argparse
import importlib
import os
import random
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

FORMATS = [("html", 0.7), ("pdf", 0.2), ("docx", 0.1)]
_CTYPE = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def build_archive(archive: Path, n_docs: int, seed: int = 7) -> None:
    """An archive of ``n_docs`` distinct synthetic report documents with a fetch log."""
    from ogi_testkit.synth import make_report, render

    from ogi.archive.store import ArchiveStore, FetchLogWriter

    if (archive / "registry.csv").is_file():
        return
    store = ArchiveStore(archive)
    rng = random.Random(seed)
    years = list(range(2019, 2026))
    n_agencies = max(1, n_docs // len(years) + 1)
    lines = ["agency_id,name,list_url,level,kind,first_year"]
    for a in range(n_agencies):
        lines.append(f"bench{a:04d},基准测试局{a:04d},http://bench{a:04d}.example/gk/,county,department,2019")
    writer = FetchLogWriter(store, run_id=f"bench-{datetime.now(UTC):%Y%m%dT%H%M%S}")
    made = 0
    for a in range(n_agencies):
        for year in years:
            if made >= n_docs:
                break
            fmt = rng.choices([f for f, _ in FORMATS], [w for _, w in FORMATS])[0]
            report = make_report(f"基准测试局{a:04d}", year, seed=seed * 100_000 + made)
            data = render(report, fmt)
            sha = store.put(data)
            url = f"http://bench{a:04d}.example/gk/{year}/report.{fmt}"
            writer.write(
                url=url,
                final_url=url,
                kind="article" if fmt == "html" else "attachment",
                agency_id=f"bench{a:04d}",
                report_year=year,
                status=200,
                content_type=_CTYPE[fmt],
                bytes=len(data),
                sha256=sha,
                link_title=report.title,
            )
            made += 1
    writer.close()
    (archive / "registry.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def time_library(archive: Path, warehouse: Path) -> float:
    from ogi.load import load

    start = time.perf_counter()
    load(archive, warehouse)
    return time.perf_counter() - start


def time_flow(archive: Path, warehouse: Path) -> tuple[float, object]:
    from ogi.orchestrate.flows import reparse

    start = time.perf_counter()
    state = reparse(archive=str(archive), warehouse=str(warehouse), return_state=True)
    took = time.perf_counter() - start
    if not state.is_completed():
        raise SystemExit(f"flow ended {state.name}: {state.message}")
    return took, state.state_details.flow_run_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=None, help="kept between runs (archive reuse)")
    args = parser.parse_args()

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="ogi-bench-flow-"))
    archive = workdir / f"archive-{args.docs}"
    t0 = time.perf_counter()
    build_archive(archive, args.docs)
    print(f"archive: {archive} ({args.docs} documents, built in {time.perf_counter() - t0:.1f} s)")

    from ogi.orchestrate.prefect_env import apply_prefect_env
    from ogi.orchestrate.server import running_server

    server_home = workdir / "server"
    with running_server(server_home) as server:
        apply_prefect_env(server_home, server.address.api_url, quiet=True)
        for module in ("ogi.load", "ogi.orchestrate.flows"):  # imports outside the timings
            importlib.import_module(module)

        lib_times: list[float] = []
        flow_times: list[float] = []
        run_id = None
        for i in range(args.repeat):
            for side in ("library", "flow"):
                warehouse = workdir / f"wh-{side}-{i}"
                shutil.rmtree(warehouse, ignore_errors=True)
                if side == "library":
                    lib_times.append(time_library(archive, warehouse))
                    print(f"library run {i + 1}: {lib_times[-1]:.2f} s")
                else:
                    took, run_id = time_flow(archive, warehouse)
                    flow_times.append(took)
                    print(f"flow run {i + 1}:    {took:.2f} s  ({server.address.flow_run_url(run_id)})")
                shutil.rmtree(warehouse, ignore_errors=True)
        lib, flw = statistics.median(lib_times), statistics.median(flow_times)
        print(f"\ndocuments: {args.docs}; cores: {os.cpu_count()}")
        print(f"library (ogi.load.load):        {lib:.2f} s")
        print(f"flow (reparse, Prefect server): {flw:.2f} s")
        print(f"ratio flow/library: {flw / lib:.3f}  (target ≤ 1.25) {'OK' if flw <= 1.25 * lib else 'OVER'}")
        from prefect.logging.handlers import APILogHandler

        APILogHandler.flush()  # send the runs' last log lines before the server stops


if __name__ == "__main__":
    main()
