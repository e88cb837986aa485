"""The ``ogi`` command. Each subcommand imports its stage lazily so that
``ogi parse`` starts fast (no Prefect, no DuckDB, no pydantic).

Options left unset take their value from :mod:`ogi.settings` (``OGI_*`` environment
variables, else the defaults there; docs/settings.md lists them)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ogi.storage import Where, as_where

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="ogi: crawl, archive, parse, validate and load China's OGI annual reports (政府信息公开工作年度报告).",
)


@app.callback()
def _root() -> None:
    """ogi: crawl, parse, validate and load OGI annual reports."""


@app.command()
def parse(
    files: Annotated[list[Path], typer.Argument(help="Report documents (or folders, with --jsonl).")],
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object (the parse contract).")] = False,
    jsonl: Annotated[bool, typer.Option("--jsonl", help="Parse many files/folders, one JSON per line.")] = False,
) -> None:
    """Parse report documents into the template's cells, sections and issues."""
    from ogi.parse.command import run_parse

    raise typer.Exit(run_parse(files, json_out=json_out, jsonl=jsonl))


# --- orchestration (Prefect is imported inside the commands only) ---------------------------

_WAREHOUSE_OPT = typer.Option(
    "--warehouse",
    help="Warehouse folder or s3://bucket/prefix (default $OGI_WAREHOUSE or warehouse; "
    "Prefect's history: WAREHOUSE/prefect).",
)
_ARCHIVE_OPT = typer.Option(
    "--archive", help="Archive folder or s3://bucket/prefix (default $OGI_ARCHIVE or WAREHOUSE/archive)."
)
_DASK_OPT = typer.Option(
    "--dask",
    help="Parse on Dask: a scheduler address (tcp://host:8786) or local:N (a LocalCluster of N processes); "
    "default $OGI_DASK, else this machine's process pool.",
)
_PORT_OPT = typer.Option("--port", help="Port of the local Prefect server (default $OGI_PREFECT_PORT or 4200).")
_REGISTRY_OPT = typer.Option(help="Registry CSV (default: ARCHIVE/registry.csv).")


def _warehouse(warehouse: str | None) -> Where:
    """The warehouse as given (a folder, or a URL such as s3://bucket/prefix), else as the settings say."""
    from ogi.settings import settings

    return as_where(warehouse) if warehouse is not None else settings().warehouse


def _folders(archive: str | None, warehouse: str | None) -> tuple[Where, Where]:
    """(archive, warehouse) as given, else as the settings say."""
    from ogi.settings import settings

    where = _warehouse(warehouse)
    return (as_where(archive) if archive is not None else settings().archive_for(where)), where


@app.command()
def demo(
    warehouse: Annotated[Path | None, _WAREHOUSE_OPT] = None,
    port: Annotated[int | None, _PORT_OPT] = None,
    delay: Annotated[
        float | None, typer.Option(help="Crawler per-host delay for the (local) sample web (default 0.05).")
    ] = None,
    web_port: Annotated[
        int | None, typer.Option(help="Port of the sample web's hosts (127.0.0.2, …; default 8000).")
    ] = None,
) -> None:
    """Start the sample web and a local Prefect server, run the nightly flow over it, and
    leave warehouse/ogi.duckdb ready. Safe to re-run (the second run is fast)."""
    from ogi.orchestrate.demo import run_demo

    run_demo(_warehouse(warehouse), port=port, delay=delay, web_port=web_port)


@app.command()
def ui(
    warehouse: Annotated[Path | None, _WAREHOUSE_OPT] = None,
    port: Annotated[int | None, _PORT_OPT] = None,
    stop: Annotated[bool, typer.Option("--stop", help="Stop the local server ogi started.")] = False,
) -> None:
    """Start the local Prefect server (127.0.0.1 only) if none is running; print the UI address."""
    from ogi.orchestrate.prefect_env import ServerAddress, prefect_home
    from ogi.orchestrate.server import LocalServer, ensure_server, stop_server

    warehouse = _warehouse(warehouse)
    address = ServerAddress.configured(port)
    if stop:
        stopped = stop_server(LocalServer(address=address, home=prefect_home(warehouse)))
        typer.echo("stopped" if stopped else f"no server started by ogi on port {address.port}")
        return
    server = ensure_server(warehouse, address)
    how = "started" if server.started else "already running"
    typer.echo(f"Prefect server {how}; UI: {address.ui_url}  (API {address.api_url}; log {server.log_path})")


@app.command()
def serve(
    registry: Annotated[Path | None, _REGISTRY_OPT] = None,
    archive: Annotated[str | None, _ARCHIVE_OPT] = None,
    warehouse: Annotated[str | None, _WAREHOUSE_OPT] = None,
    cron: Annotated[str | None, typer.Option(help="Nightly schedule (default $OGI_CRON or 30 2 * * *).")] = None,
    timezone: Annotated[
        str | None, typer.Option(help="Time zone of the schedule (default $OGI_TIMEZONE or Asia/Shanghai).")
    ] = None,
    dask: Annotated[str | None, _DASK_OPT] = None,
    port: Annotated[int | None, _PORT_OPT] = None,
) -> None:
    """Serve the nightly/backfill/reparse deployments (nightly on a cron schedule) until
    stopped. Uses $PREFECT_API_URL if set, else the local server. See docs/operations.md."""
    from ogi.orchestrate.runner import connect
    from ogi.storage import work_dir

    archive, warehouse = _folders(archive, warehouse)
    _check_dask("serve", dask)
    conn = connect(work_dir(warehouse), port=port)
    typer.echo(f"Serving ogi deployments on {conn.api_url}; UI: {conn.ui_url}/deployments")
    from ogi.orchestrate.deployments import serve_deployments

    serve_deployments(registry=registry, archive=archive, warehouse=warehouse, cron=cron, timezone=timezone, dask=dask)


def _check_dask(command: str, spec: str | None) -> None:
    """Refuse a --dask that is neither an address nor local:N before anything starts."""
    if spec:
        from ogi.orchestrate.dask import parse_spec

        try:
            parse_spec(spec)
        except ValueError as exc:
            typer.echo(f"ogi {command}: {exc}", err=True)
            raise typer.Exit(2) from None


def _run_and_report(flow_name: str, warehouse: Where, port: int | None, **params: object) -> None:
    from ogi.orchestrate.runner import connect, run_flow
    from ogi.storage import work_dir

    _check_dask(flow_name, params.get("dask"))  # type: ignore[arg-type]

    conn = connect(work_dir(warehouse), port=port)  # Prefect's home is on this machine
    state, run_id = run_flow(flow_name, warehouse=str(warehouse), **params)
    typer.echo(f"{flow_name}: {state.name}; {conn.flow_run_url(run_id)}")
    raise typer.Exit(0 if state.is_completed() else 1)


@app.command()
def nightly(
    registry: Annotated[Path | None, _REGISTRY_OPT] = None,
    archive: Annotated[str | None, _ARCHIVE_OPT] = None,
    warehouse: Annotated[str | None, _WAREHOUSE_OPT] = None,
    dask: Annotated[str | None, _DASK_OPT] = None,
    port: Annotated[int | None, _PORT_OPT] = None,
) -> None:
    """Run the nightly flow once now (crawl, parse, load), recorded on the Prefect server."""
    archive, warehouse = _folders(archive, warehouse)
    _run_and_report(
        "nightly", warehouse, port, registry=str(registry) if registry else None, archive=str(archive), dask=dask
    )


@app.command()
def backfill(
    agency: Annotated[list[str], typer.Option("--agency", help="Agency id (repeatable).")],
    year: Annotated[list[int] | None, typer.Option("--year", help="Report year (repeatable).")] = None,
    registry: Annotated[Path | None, _REGISTRY_OPT] = None,
    archive: Annotated[str | None, _ARCHIVE_OPT] = None,
    warehouse: Annotated[str | None, _WAREHOUSE_OPT] = None,
    dask: Annotated[str | None, _DASK_OPT] = None,
    port: Annotated[int | None, _PORT_OPT] = None,
) -> None:
    """Crawl chosen agencies (and years) and load what is new, as a Prefect flow run."""
    archive, warehouse = _folders(archive, warehouse)
    _run_and_report(
        "backfill",
        warehouse,
        port,
        agencies=agency,
        years=year or None,
        registry=str(registry) if registry else None,
        archive=str(archive),
        dask=dask,
    )


@app.command()
def reparse(
    archive: Annotated[str | None, _ARCHIVE_OPT] = None,
    warehouse: Annotated[str | None, _WAREHOUSE_OPT] = None,
    dask: Annotated[str | None, _DASK_OPT] = None,
    port: Annotated[int | None, _PORT_OPT] = None,
) -> None:
    """Re-parse the archive (no network) after a parser upgrade, as a Prefect flow run."""
    archive, warehouse = _folders(archive, warehouse)
    _run_and_report("reparse", warehouse, port, archive=str(archive), dask=dask)


# --- warehouse (pyarrow and DuckDB are imported inside the commands only) ---------------------


@app.command()
def load(
    archive: Annotated[str | None, _ARCHIVE_OPT] = None,
    warehouse: Annotated[str | None, _WAREHOUSE_OPT] = None,
    workers: Annotated[int | None, typer.Option(help="Processes (default $OGI_WORKERS or every core).")] = None,
    dask: Annotated[str | None, _DASK_OPT] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Date (YYYY-MM-DD) fixing the last complete report year.")
    ] = None,
    allow_shrink: Annotated[
        bool, typer.Option("--allow-shrink", help="Publish even with far fewer reports than the current snapshot.")
    ] = False,
    keep_snapshots: Annotated[
        int | None, typer.Option("--keep-snapshots", min=1, help="Snapshots to keep (default 5).")
    ] = None,
) -> None:
    """Parse new or re-versioned archived documents; rebuild the Parquet tables and ogi.duckdb."""
    import json
    import sys
    from datetime import date

    from ogi.load import load as run_load
    from ogi.load.lock import LockTimeout
    from ogi.load.snapshots import LoadRefused
    from ogi.orchestrate import progress

    archive, warehouse = _folders(archive, warehouse)
    _check_dask("load", dask)
    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        typer.echo(f"ogi load: --as-of {as_of!r} is not a date (YYYY-MM-DD)", err=True)
        raise typer.Exit(2) from None
    try:
        with progress.on_terminal(sys.stderr):  # documents parsed, OCR pages read
            summary = run_load(
                archive,
                warehouse,
                workers,
                as_of=day,
                allow_shrink=allow_shrink,
                keep_snapshots=keep_snapshots,
                dask=dask,
            )
    except (LoadRefused, LockTimeout) as exc:
        typer.echo(f"ogi load: {exc}", err=True)
        raise typer.Exit(2) from None
    except OSError as exc:  # a missing archive, a read-only or full warehouse, a permission problem
        if exc.filename:  # the OS refused something on a path: name it; nothing was published
            typer.echo(f"ogi load: {exc.filename}: {exc.strerror} (the warehouse was left as it was)", err=True)
        else:
            typer.echo(f"ogi load: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(json.dumps(summary.as_dict(), ensure_ascii=False, indent=1))
    if summary.parser_failures:  # the other documents are published; the crash is a bug to fix
        for failure in summary.parser_failures:
            typer.echo(f"ogi load: {failure}", err=True)
        raise typer.Exit(1)


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="SQL to run on the warehouse (read-only).")],
    fmt: Annotated[str, typer.Option("--format", help="table, csv, json or parquet.")] = "table",
    output: Annotated[Path | None, typer.Option(help="Write the result here instead of stdout.")] = None,
    warehouse: Annotated[str | None, _WAREHOUSE_OPT] = None,
) -> None:
    """Run SQL on warehouse/ogi.duckdb and print (or write) the result."""
    import duckdb

    from ogi.load.query import run_query

    try:
        run_query(sql, _warehouse(warehouse), fmt, output)
    except (duckdb.Error, ValueError, FileNotFoundError) as exc:
        typer.echo(f"ogi query: {exc}", err=True)
        raise typer.Exit(2) from None


@app.command()
def sql(warehouse: Annotated[str | None, _WAREHOUSE_OPT] = None) -> None:
    """Interactive SQL shell on warehouse/ogi.duckdb (statements end with ';', .tables, .quit)."""
    from ogi.load.query import repl

    try:
        repl(_warehouse(warehouse))
    except FileNotFoundError as exc:
        typer.echo(f"ogi sql: {exc}", err=True)
        raise typer.Exit(2) from None


@app.command()
def report(
    year: Annotated[int | None, typer.Option(help="Year of the scorecards and rankings (default: the latest).")] = None,
    region: Annotated[
        str | None, typer.Option(help="Only this region: a division code (370000 = the province, 371500 = a city).")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder (default WAREHOUSE/report).")] = None,
    warehouse: Annotated[Path, typer.Option(help="Warehouse folder.")] = Path("warehouse"),
    archive: Annotated[Path | None, typer.Option(help="Archive folder, to link each report's stored document.")] = None,
) -> None:
    """Build the oversight report: a static HTML site (index, regions, agencies) with charts and scorecards."""
    import duckdb

    from ogi.publish.site import build_site

    if archive is None and (warehouse / "archive").is_dir():
        archive = warehouse / "archive"
    try:
        summary = build_site(warehouse, out, year=year, region=region, archive=archive)
    except (duckdb.Error, FileNotFoundError) as exc:
        typer.echo(f"ogi report: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(
        f"wrote {summary.pages} pages ({summary.regions} regions, {summary.agencies} agencies, "
        f"{summary.bytes / 1e6:.1f} MB) in {summary.seconds:.1f} s: {Path(summary.out) / 'index.html'}"
    )


@app.command()
def export(
    fmt: Annotated[
        str, typer.Option("--format", help="xlsx (one sheet per view) or csv (one file per view).")
    ] = "xlsx",
    view: Annotated[
        list[str] | None, typer.Option(help="Only this view (repeatable; default: every analyst view).")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Output file (xlsx) or folder (csv).")] = None,
    warehouse: Annotated[Path, typer.Option(help="Warehouse folder.")] = Path("warehouse"),
) -> None:
    """Export the analyst views for spreadsheets, with Chinese column headers."""
    import duckdb

    from ogi.publish.export import default_output, export_views

    target = out or default_output(warehouse, fmt)
    try:
        summary = export_views(warehouse, target, fmt, view)
    except (duckdb.Error, ValueError, FileNotFoundError) as exc:
        typer.echo(f"ogi export: {exc}", err=True)
        raise typer.Exit(2) from None
    rows = ", ".join(f"{v} {n}" for v, n in summary.rows.items())
    typer.echo(f"wrote {', '.join(summary.files)} ({rows})")


@app.command()
def crawl(
    registry: Annotated[Path, typer.Option(help="Registry CSV of agencies.")],
    archive: Annotated[str | None, _ARCHIVE_OPT] = None,
    agency: Annotated[list[str] | None, typer.Option(help="Only these agency ids (repeatable).")] = None,
    since: Annotated[int | None, typer.Option(help="Skip reports for years before this.")] = None,
    delay: Annotated[
        float | None, typer.Option(help="Seconds between requests to one host (default $OGI_CRAWL__DELAY or 1).")
    ] = None,
    per_host: Annotated[
        int | None, typer.Option(help="Concurrent requests per host (default $OGI_CRAWL__PER_HOST or 2).")
    ] = None,
) -> None:
    """Crawl agency sites and archive every report document (exit 0 even when hosts fail)."""
    from ogi.crawl.command import run_crawl

    archive, _ = _folders(archive, None)
    raise typer.Exit(run_crawl(registry, archive, agency, since, delay=delay, per_host=per_host))


@app.command("sample-web")
def sample_web(
    port: Annotated[int | None, typer.Option(help="Port on every loopback host (default 8000).")] = None,
    agencies: Annotated[int | None, typer.Option(help="Multiply into N agencies (benchmark web).")] = None,
    registry: Annotated[Path | None, typer.Option(help="Write the registry CSV here.")] = None,
) -> None:
    """Serve the sample web of agency sites on 127.0.0.2, 127.0.0.3, … until interrupted."""
    from ogi.settings import settings
    from ogi.testkit import require_testkit

    serve = require_testkit("ogi_testkit.sampleweb.server", "ogi sample-web").serve
    serve(port=port or settings().sample_web_port, agencies=agencies, registry=registry)


def main() -> None:
    app()
