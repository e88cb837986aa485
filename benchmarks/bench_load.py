"""Warehouse scale test: load N synthetic reports, then time the README queries.

    uv run python benchmarks/bench_load.py [--reports 100000] [--workdir DIR] [--workers N]

The archive and the parse cache are generated directly (ogi_testkit.synthetic_archive): no
documents are rendered or parsed, so the figures measure the warehouse. Prints the
generation time (not part of the target), the full load (tables + DuckDB), a second
load with nothing changed, each query's best-of-3 time, and peak memory (the main
process and, separately, the largest worker process). Targets: 100,000 reports
loaded in under 2 minutes, every query under 1 second.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

from bench_hostile_load import tree_rss  # the sibling script (benchmarks/ is on sys.path)
from ogi_testkit.synthetic_archive import write_synthetic_archive

from ogi.load import load
from ogi.load.analysis import QUERIES
from ogi.load.parse_cache import parser_version
from ogi.load.query import connect
from ogi.publish.site import build_site


def _peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


class _TreePeak(threading.Thread):
    """Peak resident memory of this process and every descendant (the forkserver's pool
    workers are grandchildren, which RUSAGE_CHILDREN does not see), sampled every 50 ms."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0
        self.running = True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, tree_rss(os.getpid()))
            time.sleep(0.05)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reports", type=int, default=100_000)
    ap.add_argument("--workdir", type=Path, default=None, help="kept afterwards when given")
    ap.add_argument("--workers", type=int, default=None)
    args = ap.parse_args()

    work = args.workdir or Path(tempfile.mkdtemp(prefix="ogi-bench-"))
    archive, warehouse = work / "archive", work / "warehouse"
    try:
        if not (archive / "registry.csv").is_file():
            t = time.perf_counter()
            counts = write_synthetic_archive(
                archive, warehouse, reports=args.reports, years=range(2019, 2026), version=parser_version()
            )
            print(f"generated {counts} in {time.perf_counter() - t:.1f} s (setup, not timed)")

        as_of = date(2026, 3, 1)
        t = time.perf_counter()
        sampler = _TreePeak()
        sampler.start()
        summary = load(archive, warehouse, args.workers, as_of=as_of)
        first = time.perf_counter() - t
        sampler.running = False
        print(f"load: {summary.reports} reports, {summary.documents} documents in {first:.1f} s")
        print(f"  issues: {summary.issues_by_check}")
        t = time.perf_counter()
        again = load(archive, warehouse, args.workers, as_of=as_of)
        print(f"reload, nothing changed: {time.perf_counter() - t:.1f} s (buckets reused {again.buckets_reused})")

        con = connect(warehouse)
        cells = con.execute("SELECT count(*) FROM cells").fetchone()[0]
        print(f"cells rows: {cells:,}")
        worst = 0.0
        for title, sql in QUERIES:
            times = []
            for _ in range(3):
                t = time.perf_counter()
                con.execute(sql).fetchall()
                times.append(time.perf_counter() - t)
            worst = max(worst, min(times))
            print(f"query {min(times) * 1000:7.0f} ms (first run {times[0] * 1000:.0f} ms): {title}")
        con.close()
        t = time.perf_counter()
        site = build_site(warehouse, work / "report")
        report_s = time.perf_counter() - t
        print(
            f"ogi report: {site.pages} pages ({site.regions} regions, {site.agencies} agencies), "
            f"{site.bytes / 1e6:.1f} MB on disk, in {report_s:.1f} s (target < 60 s); load average "
            f"{Path('/proc/loadavg').read_text().split()[0]}"
        )
        print(
            f"peak memory of the first load's process tree (main + pool workers) {sampler.peak / 2**20:.0f} MiB; "
            f"main process over the whole run {_peak_mb(resource.RUSAGE_SELF):.0f} MB"
        )
        ok = first < 120 and worst < 1.0 and report_s < 60
        print(f"targets (load < 120 s, each query < 1 s, report < 60 s): {'met' if ok else 'NOT met'}")
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
