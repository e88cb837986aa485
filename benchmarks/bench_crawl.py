"""Crawl benchmark on the sample web multiplied into 200 agencies × 7 years (one host each).

Prints: the first crawl with delay 0 (what ogi itself can do) against the first
crawl with the default politeness (what the politeness settings allow), then a
nightly re-run with nothing changed (default settings) as a share of the first
run's requests and time. The politeness floor is the busiest host's request
count × delay (hosts are crawled in parallel, each host's requests start at least
``delay`` apart), read from the run's fetch log. The 200 agencies reuse the committed documents of the
ordinary sample sites, so their reports carry those agencies' names.

    uv run python benchmarks/bench_crawl.py [--agencies 200]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

from ogi.archive.store import ArchiveStore
from ogi.crawl.http import origin
from ogi.crawl.runner import CrawlSummary, crawl
from ogi.settings import CrawlSettings


def start_web(agencies: int, registry: Path) -> subprocess.Popen:
    """The sample web in its own process, so serving does not share the crawler's CPU and GIL."""
    code = "import sys; from ogi.cli import app; app(sys.argv[1:])"
    args = ["sample-web", "--port", "0", "--agencies", str(agencies), "--registry", str(registry)]
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if registry.is_file() and len(registry.read_text(encoding="utf-8").splitlines()) == agencies + 1:
            return proc
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"sample web did not write {registry} within 60 s")


def run(registry: Path, archive: Path, settings: CrawlSettings) -> tuple[CrawlSummary, float]:
    t0 = time.perf_counter()
    summary = crawl(registry, archive, settings=settings)
    return summary, time.perf_counter() - t0


def line(label: str, s: CrawlSummary, seconds: float) -> str:
    return (
        f"{label:<34} {seconds:7.2f} s  {s.requests:6d} requests  {s.requests / seconds:7.1f} req/s  "
        f"{s.documents_downloaded:5d} docs  {s.bytes / 1e6:7.1f} MB  reports new {s.reports_new}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--agencies", type=int, default=200)
    args = ap.parse_args()
    default = CrawlSettings()
    with tempfile.TemporaryDirectory() as tmp:
        registry = Path(tmp) / "registry.csv"
        web = start_web(args.agencies, registry)
        try:
            report(registry, Path(tmp), args.agencies, default)
        finally:
            web.terminate()
            web.wait()


def floor_seconds(archive: Path, run_id: str, delay: float) -> tuple[float, int]:
    """The politeness floor of a run: its busiest host's requests, one ``delay`` apart.

    Every request to a host (robots.txt, lists, articles, attachments) passes the
    host's gate, which spaces request starts by ``delay``; hosts run in parallel,
    so no crawler can finish before the busiest host's (n - 1) × delay.
    """
    rows = ArchiveStore(archive).fetch_log().to_pylist()
    per_host = Counter(origin(r["url"]) for r in rows if r["run_id"] == run_id and r["status"] is not None)
    busiest = max(per_host.values())
    return (busiest - 1) * delay, busiest


def report(registry: Path, tmp: Path, hosts: int, default: CrawlSettings) -> None:
    print(f"sample web: {hosts} agencies on {hosts} hosts (own process), years 2019–2025")
    print(f"default politeness: delay {default.delay} s, {default.per_host} connections per host")
    fast, t_fast = run(registry, tmp / "fast", replace(default, delay=0.0))
    print(line("first crawl, delay 0", fast, t_fast))
    first, t_first = run(registry, tmp / "polite", default)
    print(line(f"first crawl, delay {default.delay} s", first, t_first))
    again, t_again = run(registry, tmp / "polite", default)
    print(line("re-run, nothing changed", again, t_again))
    floor, busiest = floor_seconds(tmp / "polite", first.run_id, default.delay)
    again_floor, again_busiest = floor_seconds(tmp / "polite", again.run_id, default.delay)
    print(
        f"first crawl: politeness floor {floor:.0f} s (busiest host: {busiest} requests, {default.delay} s apart; "
        f"mean {first.requests / hosts:.1f} per host); ogi took {t_first:.1f} s = {t_first / floor:.2f}× the floor; "
        f"with delay 0 ogi needs {t_fast:.1f} s ({t_first / t_fast:.1f}× faster than the polite run)"
    )
    print(
        f"re-run: {100 * again.requests / first.requests:.1f}% of the first run's requests, "
        f"{100 * t_again / t_first:.1f}% of its time (floor {again_floor:.0f} s: busiest host {again_busiest} "
        f"requests); {again.documents_downloaded} documents downloaded"
    )


if __name__ == "__main__":
    main()
