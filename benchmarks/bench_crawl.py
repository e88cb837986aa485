"""Crawl benchmark on the sample web multiplied into 200 agencies × 7 years (one host each).

Prints: the first crawl with delay 0 (what ogi itself can do) against the first
crawl with the default politeness (what the politeness settings allow), then a
nightly re-run with nothing changed (default settings) as a share of the first
run's requests and time. Then, per site family (static lists, Hanweb datastores,
per-year queries and each endpoint-built list of SITES.md §2/§4): recall of
report pages and of their documents against what the sample web serves (robots
rules applied), requests per report, and the re-run's share of requests and
documents downloaded again. The politeness floor is the busiest host's request
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

from ogi_testkit.sampleweb.server import SampleWeb
from protego import Protego

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
    by_family(tmp / "polite", hosts, first.run_id, again.run_id)
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


def expected(agencies: int) -> dict[str, tuple[str, set[int], int]]:
    """agency → (family, report years a crawler may fetch, documents behind them), from the sample web."""
    web = SampleWeb(agencies=agencies)  # not started: only its sites and reports are read
    out = {}
    for site in web.sites:
        spec, robots = site.spec, Protego.parse(site.spec.robots)
        years, docs = set(), 0
        for r in site.reports:
            if not robots.can_fetch(f"http://h{site.article_path(r)}", "ogi-crawler"):
                continue
            years.add(r.year)
            docs += 0 if r.year == spec.dead_attachment_year else len(r.attachments) + len(r.images)
        out[site.agency_id] = (spec.family, years, docs)
    return out


def by_family(archive: Path, agencies: int, first_run: str, again_run: str) -> None:
    rows = ArchiveStore(archive).fetch_log().to_pylist()
    want = expected(agencies)
    fam: dict[str, Counter] = {}
    for agency, (family, years, docs) in want.items():
        c = fam.setdefault(family, Counter())
        c["agencies"] += 1
        c["reports"] += len(years)
        c["documents"] += docs
        got = {
            r["report_year"] for r in rows if r["agency_id"] == agency and r["kind"] == "article" and r["status"] == 200
        }
        c["reports_found"] += len(got & years)
        c["documents_found"] += len(
            {r["url"] for r in rows if r["agency_id"] == agency and r["kind"] == "attachment" and r["status"] == 200}
        )
    for r in rows:
        if r["status"] is None and r["kind"] == "issue":
            continue
        family = want.get(r["agency_id"], ("?",))[0]
        if r["run_id"] == first_run and r["kind"] != "issue":
            fam[family]["requests"] += 1
        elif r["run_id"] == again_run and r["kind"] != "issue":
            fam[family]["again"] += 1
            fam[family]["again_docs"] += r["kind"] in ("article", "attachment") and r["status"] == 200
    print(
        f"{'family':<18} {'agencies':>8} {'reports':>9} {'recall':>7} {'documents':>11} {'recall':>7} "
        f"{'req/report':>10} {'re-run req':>10} {'re-run docs':>11}"
    )
    for family, c in sorted(fam.items()):
        recall = 100 * c["reports_found"] / max(c["reports"], 1)
        doc_recall = f"{100 * c['documents_found'] / c['documents']:6.1f}%" if c["documents"] else "      —"
        per_report = c["requests"] / max(c["reports_found"], 1)
        print(
            f"{family:<18} {c['agencies']:8d} {c['reports_found']:4d}/{c['reports']:<4d} {recall:6.1f}% "
            f"{c['documents_found']:5d}/{c['documents']:<5d} {doc_recall} {per_report:10.2f} "
            f"{100 * c['again'] / max(c['requests'], 1):9.1f}% {c['again_docs']:11d}"
        )


if __name__ == "__main__":
    main()
