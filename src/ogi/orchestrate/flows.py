"""The Prefect flows: ``nightly``, ``backfill`` and ``reparse``.

Flows are thin: every step is one call into ``ogi.crawl`` / ``ogi.load``; what Prefect
adds is scheduling, retries of infrastructure failures, a per-host limit shared by all
runs, visibility (task runs, logs, artifacts) and parallel parsing.

Design choices, and why:

* **Batches, not documents, per task.** A Prefect task costs milliseconds of API
  traffic; a document parses in tens of milliseconds. Documents are mapped in batches
  (``batch_size``, by default enough for about four batches per core, clamped to
  25–250) so orchestration stays a few percent of the work.
* **All cores.** Parse tasks run on a thread task runner and hand their batch to one
  shared process pool (``ogi.workers``), one process per core; ``ogi load`` parses
  through the same fan-out (``ogi.workers.parse_documents``) without Prefect.
* **Never parse twice.** ``ogi.load.plan`` returns only documents that are new or whose
  parser version changed, and ``ogi.load.parse_batch`` caches results by (sha256,
  parser version) under ``WAREHOUSE/parse_cache/``; the cache is the library's, so a
  run made with or without Prefect shares it. Prefect's own result cache is off: it
  would be a second, weaker copy.
* **Per-host limit across runs.** Within a run the crawler applies its politeness
  (``CrawlSettings.per_host`` connections, ``delay`` between requests). Across runs, the
  crawl task holds a Prefect global concurrency limit ``host:<host>`` (created with
  ``OGI_HOST_RUNS`` slots, default 1; see :mod:`ogi.settings`) for every host it may touch, so a backfill started
  during the nightly crawl waits instead of doubling the load on a shared host.
* **Retries.** Only for transient infrastructure failures (``infra.is_transient``).
* **One issues log per run.** Crawl, parse and load problems of a flow run go to
  ``WAREHOUSE/runs/<flow run id>.jsonl`` (:mod:`ogi.runlog`); the run's result names it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task, unmapped
from prefect.cache_policies import NO_CACHE
from prefect.concurrency.sync import concurrency
from prefect.task_runners import ThreadPoolTaskRunner

from ogi.orchestrate import progress
from ogi.orchestrate.infra import retry_if_transient
from ogi.runlog import RunLog, log_crawl
from ogi.settings import cpu_count, settings
from ogi.storage import as_where, is_remote, join, work_dir
from ogi.workers import ParseStats, batch_size_for, parse_documents, parse_in_worker, run_in_process

REPORT_KEY = "ogi-oversight-report"
HOST_LIMIT_PREFIX = "host:"

_TASK_OPTIONS: dict[str, Any] = {
    "cache_policy": NO_CACHE,
    "persist_result": False,
    "retries": 2,
    "retry_delay_seconds": [5, 30],
    "retry_condition_fn": retry_if_transient,
}


def _summary_dict(obj: Any) -> dict[str, Any]:
    """A stage summary (dataclass, pydantic-like or dict) as a plain dict."""
    if obj is None:
        return {}
    if isinstance(obj, dict):
        return dict(obj)
    if is_dataclass(obj) and not isinstance(obj, type):
        return asdict(obj)
    if hasattr(obj, "model_dump"):
        return obj.model_dump()
    return {k: v for k, v in vars(obj).items() if not k.startswith("_")}


def _hosts_for(registry: Path, agencies: list[str] | None) -> list[str]:
    from ogi.registry.model import load_registry

    wanted = set(agencies) if agencies else None
    hosts: set[str] = set()
    for agency in load_registry(registry):
        if wanted is None or agency.agency_id in wanted:
            hosts.update(agency.allowed_hosts)
    return sorted(hosts)


def ensure_host_limits(hosts: list[str], slots: int | None = None) -> list[str]:
    """Create the ``host:<host>`` global concurrency limits that do not exist yet.

    Existing limits are left as they are, so an operator may raise one with
    ``prefect gcl update host:example.gov.cn --limit 2``. Returns the limit names.
    """
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.exceptions import ObjectNotFound

    slots = slots or settings().host_runs
    names = [f"{HOST_LIMIT_PREFIX}{h}" for h in hosts]
    with get_client(sync_client=True) as client:
        for name in names:
            try:
                client.read_global_concurrency_limit_by_name(name)
            except ObjectNotFound:
                try:
                    client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=slots))
                except Exception:  # created meanwhile by a concurrent run
                    client.read_global_concurrency_limit_by_name(name)
    return names


@task(name="crawl", **{**_TASK_OPTIONS, "retries": 1})
def crawl_task(
    registry: str,
    archive: str,
    agencies: list[str] | None = None,
    since: int | None = None,
    delay: float | None = None,
    log: RunLog | None = None,
) -> dict[str, Any]:
    """Crawl the registry's agencies into the archive while holding their hosts."""
    from dataclasses import replace

    from ogi.crawl.runner import crawl

    logger = get_run_logger()
    progress.stage("crawl", "waiting for host limits")
    names = ensure_host_limits(_hosts_for(Path(registry), agencies))
    config = settings()
    polite = replace(config.crawl, delay=delay) if delay is not None else config.crawl
    with concurrency(names, occupy=1, timeout_seconds=config.host_wait_seconds, strict=True):
        progress.stage("crawl", f"{len(names)} hosts")
        summary = crawl(Path(registry), as_where(archive), agencies=agencies, since=since, settings=polite)
    if log is not None:
        log_crawl(log, archive, summary)
    result = _summary_dict(summary)
    logger.info("crawl: %s", result)
    for issue in result.get("issues") or []:
        logger.warning("crawl issue %s for %s: %s", issue["check"], issue["agency_id"], issue["detail"])
    return result


@task(name="plan", **_TASK_OPTIONS)
def plan_task(archive: str, warehouse: str) -> list[Any]:
    """Documents that are new or whose parser version changed."""
    from ogi.load import plan

    progress.stage("plan")
    return list(plan(archive, warehouse))


@task(name="parse-batch", **_TASK_OPTIONS)
def parse_batch_task(refs: list[Any], archive: str, warehouse: str, log: RunLog | None = None) -> ParseStats:
    """Parse one batch on the shared process pool."""
    progress.stage("parse", f"batch of {len(refs)}")
    stats = run_in_process(parse_in_worker, refs, archive, warehouse, log)
    _log_failures(stats)
    return stats


@task(name="parse-on-dask", **_TASK_OPTIONS)
def parse_on_dask_task(runner: Any, batches: list[list[Any]], archive: str, warehouse: str, log: RunLog) -> list:
    """One round of batches on the Dask cluster of ``runner`` (a DaskTaskRunner), each
    batch a plain Dask task: a Prefect task per batch costs each Dask worker Prefect's
    start and each batch a task run's API traffic (docs/operations.md, measured). The
    batches' unreadable documents are logged here, in the flow's process."""
    from ogi.orchestrate.dask import map_on

    progress.stage("parse", f"{sum(map(len, batches))} documents in {len(batches)} batches on Dask")
    results = map_on(runner.client, archive, warehouse)(batches)
    for stats in results:
        _log_failures(stats)
        for entry in stats.problems:
            log.add("parse", "error", "unreadable_document", **entry)
    return results


def _log_failures(stats: ParseStats) -> None:
    """The task's log says which document failed and why."""
    logger = get_run_logger()
    for failure in stats.failures:
        (logger.error if "parser failure" in failure else logger.warning)("%s", failure)


@task(name="write-tables", **_TASK_OPTIONS)
def write_tables_task(archive: str, warehouse: str, workers: int, log: RunLog | None = None) -> dict[str, Any]:
    """Parquet tables and validation (cross-year checks included)."""
    from ogi.load import write_tables

    progress.stage("tables", "writing Parquet, validating")
    with _logged(log, "write_tables_failed"):
        return _summary_dict(write_tables(archive, warehouse, workers=workers))


@task(name="build-duckdb", **_TASK_OPTIONS)
def build_duckdb_task(warehouse: str, log: RunLog | None = None) -> str:
    """Build ogi.duckdb beside the old one and rename it into place (keys checked)."""
    from ogi.load import build_duckdb

    progress.stage("duckdb", "building ogi.duckdb")
    with _logged(log, "build_failed"):
        return str(build_duckdb(warehouse))


@contextmanager
def _logged(log: RunLog | None, problem: str) -> Iterator[None]:
    """Record a failing load step in the run's issues log, then let it fail."""
    try:
        yield
    except Exception as exc:
        if log is not None:
            log.add("load", "error", problem, f"{type(exc).__name__}: {exc}")
        raise


@task(name="snapshot-issues", **_TASK_OPTIONS)
def snapshot_issues_task(warehouse: str) -> str | None:
    """Remember the warehouse's issues before loading, to report what is new."""
    from ogi.orchestrate.quality import snapshot_issues

    path = snapshot_issues(as_where(warehouse))
    return str(path) if path else None


@task(name="publish-artifacts", **_TASK_OPTIONS)
def publish_task(
    flow_name: str,
    warehouse: str,
    crawl_summary: dict[str, Any],
    stats: ParseStats,
    load_summary: dict[str, Any],
    snapshot: str | None,
) -> dict[str, Any]:
    """Publish the run-summary table and the data-quality markdown as artifacts."""
    from ogi.orchestrate.quality import publish_run_artifacts

    progress.stage("report", "publishing artifacts")
    return publish_run_artifacts(
        flow_name=flow_name,
        warehouse=as_where(warehouse),
        crawl_summary=crawl_summary,
        parse_stats=asdict(stats),
        load_summary=load_summary,
        snapshot=Path(snapshot) if snapshot else None,
    )


@task(name="build-report", **_TASK_OPTIONS)
def report_task(warehouse: str, archive: str) -> dict[str, Any]:
    """Build the oversight report site (WAREHOUSE/report) and link it from the run's artifacts."""
    from prefect.artifacts import create_link_artifact

    from ogi.publish.site import build_site

    progress.stage("site", "building the oversight report")
    summary = build_site(warehouse, archive=archive)
    index = Path(summary.out).resolve() / "index.html"
    create_link_artifact(
        key=REPORT_KEY,
        link=index.as_uri(),
        link_text="监督报告 / oversight report",
        description=f"{summary.pages} pages ({summary.regions} regions, {summary.agencies} agencies), "
        f"built in {summary.seconds} s; open {index} in a browser",
    )
    return summary.as_dict()


def process_archive(
    flow_name: str,
    archive: str,
    warehouse: str,
    crawl_summary: dict[str, Any] | None = None,
    workers: int | None = None,
    batch_size: int | None = None,
    log: RunLog | None = None,
    dask: str | None = None,
) -> dict[str, Any]:
    """parse → validate → Parquet → DuckDB → artifacts; shared by all flows.

    ``dask`` (default ``OGI_DASK``): run the parse batches on that Dask cluster
    (:mod:`ogi.orchestrate.dask`) instead of this machine's process pool.
    """
    logger = get_run_logger()
    log = log or run_log(warehouse)
    workers = workers or settings().worker_count
    dask = dask or settings().dask
    if not is_remote(warehouse):
        Path(warehouse).mkdir(parents=True, exist_ok=True)
    snapshot = snapshot_issues_task(warehouse)
    refs = plan_task(archive, warehouse)
    size = batch_size_for(len(refs), workers, batch_size)
    where = f"Dask ({dask})" if dask else f"{workers} processes"
    logger.info("%d documents to parse in batches of ≤%d on %s", len(refs), size, where)
    if refs:
        progress.stage("parse", f"{len(refs)} documents")

    def as_tasks(batches: list[list[Any]]) -> list[ParseStats]:
        """One Prefect task per batch, each run on the shared pool."""
        return parse_batch_task.map(batches, unmapped(archive), unmapped(warehouse), unmapped(log)).result()

    with contextlib.ExitStack() as stack:
        if dask:  # one cluster for every round of the fan-out
            from ogi.orchestrate.dask import task_runner

            runner = stack.enter_context(task_runner(dask))

        def on_dask(batches: list[list[Any]]) -> list[ParseStats]:
            return parse_on_dask_task(runner, batches, archive, warehouse, log)

        stats = parse_documents(
            refs, archive, warehouse, workers=workers, batch_size=size, map_batches=on_dask if dask else as_tasks
        )
    load_summary = write_tables_task(archive, warehouse, workers, log)
    build_duckdb_task(warehouse, log)
    report_task(warehouse, archive)
    result = publish_task(flow_name, warehouse, crawl_summary or {}, stats, load_summary, snapshot)
    if stats.parser_failures:  # published first; then the run fails, naming the documents
        failures = [f for f in stats.failures if "parser failure" in f]
        raise ParserFailures(f"{stats.parser_failures} document(s) crashed the parser: " + "; ".join(failures[:5]))
    return {**result, "run_id": log.run_id, "issues_log": str(log.path)}


class ParserFailures(RuntimeError):
    """Extraction or parsing crashed on some documents (a bug): the run is failed after
    the others were published."""


def run_log(warehouse: str) -> RunLog:
    """The issues log of the current flow run (named by its flow run id)."""
    from prefect.runtime import flow_run

    return RunLog.open(settings().runs_for(warehouse), str(flow_run.id))


def _runner() -> ThreadPoolTaskRunner:
    return ThreadPoolTaskRunner(max_workers=max(2, cpu_count()))


def _paths(archive: str | None, warehouse: str | None) -> tuple[str, str]:
    """The flow's archive and warehouse folders, defaulting to the settings'."""
    config = settings()
    warehouse = warehouse or str(config.warehouse)
    return archive or str(config.archive_for(warehouse)), warehouse


def _registry_or_archived(registry: str | None, archive: str) -> str:
    """The given registry, else the one the last crawl used (``ARCHIVE/registry.csv``)."""
    if registry:
        return registry
    from ogi.archive.store import ArchiveStore

    text = ArchiveStore(archive).read_text("registry.csv")
    if text is None:
        raise ValueError(f"no registry given and {join(archive, 'registry.csv')} does not exist yet")
    copy = work_dir(archive) / "registry.csv"  # the crawl reads a local file
    if not is_remote(archive):
        return str(copy)
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_text(text, encoding="utf-8")
    return str(copy)


@flow(name="nightly", task_runner=_runner(), persist_result=False)
def nightly(
    registry: str | None = None,
    archive: str | None = None,
    warehouse: str | None = None,
    delay: float | None = None,
    workers: int | None = None,
    batch_size: int | None = None,
    dask: str | None = None,
) -> dict[str, Any]:
    """Crawl the registry → parse new or changed documents → validate → Parquet → DuckDB.

    ``registry`` defaults to the archive's copy of the last registry used; ``delay``
    overrides the crawler's per-host delay (keep the polite default for real sites).
    """
    archive, warehouse = _paths(archive, warehouse)
    registry = _registry_or_archived(registry, archive)
    log = run_log(warehouse)
    crawl_summary = crawl_task(registry, archive, delay=delay, log=log)
    return process_archive("nightly", archive, warehouse, crawl_summary, workers, batch_size, log, dask)


@flow(name="backfill", task_runner=_runner(), persist_result=False)
def backfill(
    agencies: list[str],
    years: list[int] | None = None,
    registry: str | None = None,
    archive: str | None = None,
    warehouse: str | None = None,
    delay: float | None = None,
    workers: int | None = None,
    batch_size: int | None = None,
    dask: str | None = None,
) -> dict[str, Any]:
    """Crawl only ``agencies`` (reports from ``min(years)`` on) and load what is new.

    The crawler takes a lower year bound (``since``); the warehouse keeps every year it
    finds, so asking for 2021 and 2023 also refreshes 2022.
    """
    archive, warehouse = _paths(archive, warehouse)
    registry = _registry_or_archived(registry, archive)
    since = min(years) if years else None
    log = run_log(warehouse)
    crawl_summary = crawl_task(registry, archive, agencies=agencies, since=since, delay=delay, log=log)
    return process_archive("backfill", archive, warehouse, crawl_summary, workers, batch_size, log, dask)


@flow(name="reparse", task_runner=_runner(), persist_result=False)
def reparse(
    archive: str | None = None,
    warehouse: str | None = None,
    workers: int | None = None,
    batch_size: int | None = None,
    dask: str | None = None,
) -> dict[str, Any]:
    """Re-run parsing over the whole archive (no network), e.g. after a parser upgrade:
    documents already parsed by this parser version come from the cache."""
    archive, warehouse = _paths(archive, warehouse)
    return process_archive("reparse", archive, warehouse, None, workers, batch_size, dask=dask)
