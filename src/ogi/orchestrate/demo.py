"""``ogi demo``: the whole system on one machine with one command.

Starts (or reuses) the local Prefect server, serves the sample web on loopback, runs
the ``nightly`` flow over it, and leaves ``warehouse/ogi.duckdb`` ready. A second run
is fast: the crawler revalidates with conditional GETs and nothing needs parsing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console

from ogi.orchestrate import progress
from ogi.orchestrate.runner import Connection, connect, run_flow

#: Shown (and run) at the end of the demo; each works in ``ogi query "..."``.
EXAMPLE_QUERIES: list[tuple[str, str]] = [
    (
        "Reports of record by year and template",
        "SELECT year, template, count(*) AS reports FROM reports WHERE is_record GROUP BY ALL ORDER BY year, template",
    ),
    (
        "Most frequent data-quality issues",
        "SELECT check_name, severity, count(*) AS n FROM issues GROUP BY ALL ORDER BY n DESC LIMIT 8",
    ),
    (
        "Agencies with the most identity violations",
        "SELECT a.name, count(*) AS violations FROM issues i JOIN agencies a USING (agency_id) "
        "WHERE i.check_name IN ('requests_balance', 'requests_total_rows', 'requests_total_column', "
        "'review_totals', 'carryover_continuity') GROUP BY ALL ORDER BY violations DESC LIMIT 5",
    ),
]

STAGES = {
    "server": "Prefect server",
    "sampleweb": "sample web",
    "crawl": "crawling the sample web",
    "plan": "planning what to parse",
    "parse": "parsing documents",
    "tables": "writing Parquet tables and validating",
    "duckdb": "building warehouse/ogi.duckdb",
    "site": "building the oversight report (warehouse/report)",
    "report": "publishing run artifacts",
}


class StageDisplay:
    """One status line with the current stage, plus a ✓ line per finished stage."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.current: str | None = None
        self.started = time.monotonic()
        self.status = console.status("starting…")

    def __call__(self, stage: str, detail: str = "") -> None:
        if stage != self.current:
            self._finish()
            self.current, self.started = stage, time.monotonic()
        label = STAGES.get(stage, stage)
        self.status.update(f"[bold]{label}[/bold] {detail}")

    def _finish(self) -> None:
        if self.current is not None:
            took = time.monotonic() - self.started
            self.console.print(f"[green]✓[/green] {STAGES.get(self.current, self.current)} ({took:.1f} s)")

    @contextmanager
    def shown(self) -> Iterator[StageDisplay]:
        with self.status, progress.listening(self):
            try:
                yield self
            finally:
                self._finish()
                self.current = None


def _print_examples(console: Console, warehouse: Path) -> None:
    import duckdb

    from ogi.load.query import connect as connect_warehouse

    db = warehouse / "ogi.duckdb"
    console.print(f"\n[bold]Warehouse:[/bold] {db}  (open it with [cyan]ogi sql[/cyan] or duckdb)")
    con = connect_warehouse(warehouse)
    try:
        for title, sql in EXAMPLE_QUERIES:
            console.print(f'\n[bold]{title}[/bold]\n  [cyan]ogi query "{sql}"[/cyan]', soft_wrap=True)
            try:
                rel = con.sql(sql)
                console.print(str(rel.limit(8)))
            except duckdb.Error as exc:
                console.print(f"  [yellow](query failed: {exc})[/yellow]")
    finally:
        con.close()


def run_demo(
    warehouse: Path,
    *,
    port: int | None = None,
    delay: float | None = None,
    web_port: int | None = None,
    console: Console | None = None,
) -> tuple[Connection, object]:
    """Run the demo; returns the connection and the flow run id. Unset values come
    from the settings (``OGI_PREFECT_PORT``, ``OGI_DEMO_DELAY``, ``OGI_SAMPLE_WEB_PORT``)."""
    from ogi.settings import settings

    config = settings()
    delay = config.demo_delay if delay is None else delay
    web_port = web_port or config.sample_web_port
    console = console or Console()
    warehouse = Path(warehouse)
    warehouse.mkdir(parents=True, exist_ok=True)
    display = StageDisplay(console)
    with display.shown():
        display("server", "starting or reusing the local Prefect server (first start takes ~15 s)")
        conn = connect(warehouse, port=port, local_only=True, quiet=True)
        display("sampleweb", "starting on loopback")
        from ogi.testkit import require_testkit

        SampleWeb = require_testkit("ogi_testkit.sampleweb.server", "ogi demo").SampleWeb
        with SampleWeb(port=web_port) as web:
            state, flow_run_id = run_flow(
                "nightly",
                registry=str(web.registry_path),
                archive=str(config.archive_for(warehouse)),
                warehouse=str(warehouse),
                delay=delay,
            )
    url = conn.flow_run_url(flow_run_id)
    if not state.is_completed():
        console.print(f"[red]The nightly run ended {state.name}[/red]: {state.message}\n  {url}")
        state.result()  # raises the flow's exception
    summary = state.result()
    parse = summary.get("parse", {})
    crawl = summary.get("crawl", {})
    console.print(
        f"\n[bold green]Done.[/bold green] reports new {crawl.get('reports_new', 0)}, "
        f"changed {crawl.get('reports_changed', 0)}; documents parsed {parse.get('parsed', 0)}, "
        f"parse failures {parse.get('failed', 0)}; reports in warehouse {summary.get('reports', 0)}",
        soft_wrap=True,
    )
    console.print(f"[bold]This run in the Prefect UI:[/bold] {url}", soft_wrap=True)
    report = (warehouse / "report" / "index.html").resolve()
    console.print(f"[bold]Oversight report:[/bold] {report.as_uri()}  (rebuild: ogi report)", soft_wrap=True)
    console.print(
        f"[bold]Prefect UI:[/bold] {conn.ui_url}  (the server keeps running; stop it: ogi ui --stop)",
        soft_wrap=True,
    )
    _print_examples(console, warehouse)
    return conn, flow_run_id
