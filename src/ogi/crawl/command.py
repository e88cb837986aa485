"""``ogi crawl``: run the crawl with a progress bar and print the summary."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from rich.console import Console
from rich.table import Table

from ogi.crawl.hints import HintError
from ogi.crawl.runner import CrawlSummary, crawl
from ogi.registry import RegistryError
from ogi.runlog import RunLog, log_crawl
from ogi.settings import settings as current_settings
from ogi.storage import join, work_dir


def print_summary(summary: CrawlSummary, archive: Path, console: Console) -> None:
    t = Table(title=f"crawl {summary.run_id}", show_header=False)
    for label, value in (
        ("agencies visited", summary.agencies_visited),
        ("reports found", summary.reports_found),
        ("reports new", summary.reports_new),
        ("reports changed", summary.reports_changed),
        ("documents downloaded", summary.documents_downloaded),
        ("bytes", f"{summary.bytes:,}"),
        ("requests", summary.requests),
        ("seconds", f"{summary.seconds:.1f}"),
    ):
        t.add_row(label, str(value))
    for kind, n in summary.errors_by_kind.items():
        t.add_row(f"errors: {kind}", str(n))
    console.print(t)
    for agency_id, error in summary.failed_agencies.items():
        console.print(f"[red]agency {agency_id} failed:[/red] {error}")
    for issue in summary.issues:
        console.print(f"[yellow]{issue['check']}[/yellow] {issue['agency_id']}: {issue['detail']}")
    console.print(f"fetch log: {join(archive, 'fetch_log')} (Parquet), {join(archive, 'fetch_log.csv')} (CSV)")


def run_crawl(
    registry: Path,
    archive: Path,
    agencies: list[str] | None,
    since: int | None,
    *,
    delay: float | None = None,
    per_host: int | None = None,
) -> int:
    console = Console(stderr=True)
    settings = current_settings().crawl
    if delay is not None:
        settings = replace(settings, delay=delay)
    if per_host is not None:
        settings = replace(settings, per_host=per_host)
    try:
        summary = crawl(registry, archive, agencies=agencies, since=since, settings=settings, progress=True)
    except (RegistryError, HintError, KeyError) as e:
        console.print(f"[red]error:[/red] {e}", soft_wrap=True)
        return 2
    log = RunLog.open(current_settings().runs_for(work_dir(archive).parent), summary.run_id)
    problems = log_crawl(log, archive, summary)
    print_summary(summary, archive, console)
    if problems:
        console.print(f"{problems} problem(s) logged in {log.path}")
    return 0
