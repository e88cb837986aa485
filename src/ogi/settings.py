"""Every setting of ogi, in one place: paths, ports, schedule, batch sizes, worker
counts, the crawler's politeness, and the ``OGI_*`` environment variables that
override them.

``settings()`` reads the environment each time it is called, so a test or an
operator's ``export OGI_…`` takes effect on the next command. Command
options win over the environment, which wins over the defaults below. The table of
variables in docs/settings.md is generated from this module
(``python -m ogi.settings``; a test fails when it is stale).

Nested crawl settings are set as ``OGI_CRAWL__<FIELD>``, e.g. ``OGI_CRAWL__DELAY=2``.
Importing this module imports pydantic, so the commands that start fast (``ogi
parse``) import it only when they need it.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from ogi.storage import Where, as_where, join, work_dir

USER_AGENT = "ogi-crawler/0.1 (+OGI annual report archive; batch, polite; robots.txt obeyed)"
ENV_PREFIX = "OGI_"
DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "settings.md"
# A folder, or a URL such as s3://bucket/prefix kept as text (a Path would collapse its //).
_Where = Annotated[Path | str, BeforeValidator(as_where)]


def _knob(default: object, doc: str) -> Any:
    """A crawl setting with its meaning (shown in docs/settings.md)."""
    return field(default=default, metadata={"doc": doc})


@dataclass(frozen=True)
class CrawlSettings:
    """Every politeness and safety knob of the crawler. Defaults are meant for real
    government sites, which are small and often fragile.

    ``delay`` is the minimum time between the starts of two requests to one host
    (robots.txt ``Crawl-delay`` wins when it is longer); ``per_host`` bounds
    concurrent connections to a host. ``revalidate_after_days`` is the slower
    cadence at which already-archived articles and attachments are revalidated
    with a conditional GET; list pages are re-read on every run, and the entry page
    that only leads to them (a generic site's home page, a JSON list's HTML shell)
    on the same slower cadence.
    """

    per_host: int = _knob(2, "Concurrent connections to one host.")
    delay: float = _knob(1.0, "Seconds between the starts of two requests to one host (robots.txt Crawl-delay wins).")
    user_agent: str = _knob(USER_AGENT, "User-Agent of every request.")
    connect_timeout: float = _knob(10.0, "Seconds to connect.")
    read_timeout: float = _knob(30.0, "Seconds to wait for data.")
    retries: int = _knob(3, "Extra attempts after the first, on timeouts, network errors and 5xx only.")
    backoff: float = _knob(1.0, "Seconds before the first retry, doubling each time.")
    backoff_max: float = _knob(30.0, "Longest wait between retries.")
    max_bytes: int = _knob(50 * 1024 * 1024, "Largest body stored; a bigger one is refused and logged.")
    max_redirects: int = _knob(5, "Redirects followed per request.")
    max_list_pages: int = _knob(50, "Per agency: pagination and generic link following stop here.")
    generic_depth: int = _knob(3, "Link depth the generic adapter follows from the list page.")
    max_agencies: int = _knob(256, "Agencies crawled at the same time (mostly waiting on their host gates).")
    revalidate_after_days: float = _knob(30.0, "Days before an archived article or attachment is revalidated.")
    request_deadline: float = _knob(
        300.0, "Seconds one request may take in all (a host trickling bytes is given up, logged `deadline`)."
    )
    max_crawl_delay: float = _knob(
        30.0,
        "Longest robots.txt Crawl-delay obeyed; a host asking more is left to a later run (`crawl_delay_too_long`).",
    )
    max_retry_after: float = _knob(120.0, "Longest 429/503 Retry-After waited for within a run.")
    max_articles: int = _knob(200, "Per agency and run: report pages followed (more is the crawl issue `article_cap`).")

    def __post_init__(self) -> None:
        if self.per_host < 1:
            raise ValueError("per_host must be at least 1")
        if self.delay < 0 or self.retries < 0 or self.max_bytes < 1:
            raise ValueError("delay and retries must be >= 0, max_bytes >= 1")


def cpu_count() -> int:
    """Cores this process may use (affinity-aware), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class Settings(BaseSettings):
    """ogi's settings; each field is also the environment variable ``OGI_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_nested_delimiter="__", frozen=True)

    warehouse: _Where = Field(
        Path("warehouse"),
        description="Warehouse folder or s3://bucket/prefix: tables, parse cache, ogi.duckdb, runs.",
    )
    archive: _Where | None = Field(
        None, description="Archive folder or s3://bucket/prefix (default: WAREHOUSE/archive)."
    )
    runs: Path | None = Field(
        None, description="Folder of the per-run issues logs (default: WAREHOUSE/runs, or WORK/… of a remote one)."
    )
    work: Path = Field(
        Path.home() / ".cache" / "ogi",
        description="This machine's working folder for remote (s3://) warehouses: lock, journals, build, query copy.",
    )
    dask: str | None = Field(
        None, description="Parse on Dask: a scheduler (tcp://host:8786) or local:N (a LocalCluster of N processes)."
    )
    first_year: int = Field(2019, description="First report year expected of an agency whose registry row has none.")
    prefect_host: str = Field("127.0.0.1", description="Address of the local Prefect server (UI and API).")
    prefect_port: int = Field(4200, description="Port of the local Prefect server.")
    sample_web_port: int = Field(8000, description="Port of the sample web's hosts (127.0.0.2, …).")
    demo_delay: float = Field(0.05, description="Crawler per-host delay of `ogi demo` on the local sample web.")
    cron: str = Field("30 2 * * *", description="Schedule of the nightly deployment (`ogi serve`).")
    timezone: str = Field("Asia/Shanghai", description="Time zone of the schedule (Beijing time: sites are quiet).")
    host_runs: int = Field(1, ge=1, description="Flow runs that may crawl one host at the same time.")
    host_wait_seconds: float = Field(6 * 3600, description="How long a crawl waits for another run to free its hosts.")
    workers: int | None = Field(None, ge=1, description="Parse processes (default: every core this process may use).")
    start_method: Literal["forkserver", "spawn", "fork"] = Field(
        "forkserver", description="How parse processes start (forkserver: fast, no inherited threads)."
    )
    pool_close_s: float = Field(
        60.0, gt=0, description="How long closing a parse pool waits for its workers before terminating them."
    )
    build_memory: str = Field(
        "1GB", description="DuckDB memory limit while building ogi.duckdb and checking its keys (spills beyond)."
    )
    batch_min: int = Field(25, ge=1, description="Fewest documents per parse task (ogi load and the flows).")
    batch_max: int = Field(250, ge=1, description="Most documents per parse task.")
    batches_per_worker: int = Field(4, ge=1, description="Parse tasks per process aimed for (load balance).")
    parser: str = Field(
        "ogi.parse.api",
        description="Module the load parses with (PARSER_VERSION and parse_bytes); tests use a stand-in.",
    )
    yoy_factor: float = Field(
        3.0, gt=1, description="yoy_jump: a headline count this many times (or 1/x of) last year's."
    )
    yoy_minimum: int = Field(30, ge=0, description="yoy_jump: ignored when both years are below this count.")
    small_requests: int = Field(
        30, ge=0, description="Scorecards: fewer requests handled than this are flagged small_numbers, not ranked."
    )
    ocr_min_confidence: float = Field(
        0.9, ge=0, le=1, description="OCR: a table cell recognised with less confidence is null (unsure_cell)."
    )
    ocr_dpi: int = Field(200, ge=72, le=600, description="OCR: dpi a PDF page without text is rendered at.")
    ocr_threads: int = Field(1, ge=1, description="OCR: onnxruntime threads per parse process.")
    crawl: CrawlSettings = Field(default_factory=CrawlSettings, description="The crawler's politeness (OGI_CRAWL__*).")

    def archive_for(self, warehouse: Where | None = None) -> Where:
        """The archive: ``OGI_ARCHIVE``, else ``archive`` inside the warehouse
        (the given one, else ``OGI_WAREHOUSE``)."""
        if self.archive is not None:
            return self.archive
        return join(warehouse if warehouse is not None else self.warehouse, "archive")

    def runs_for(self, warehouse: Where | None = None) -> Path:
        """The issues-log folder: ``OGI_RUNS``, else ``runs`` in the warehouse's working folder."""
        if self.runs is not None:
            return self.runs
        return work_dir(warehouse if warehouse is not None else self.warehouse) / "runs"

    @property
    def worker_count(self) -> int:
        return self.workers or cpu_count()


def settings() -> Settings:
    """The settings as the environment gives them now.

    Building them costs milliseconds (pydantic validates every field), and the OCR of
    one page asks for them many times, so they are built once per distinct set of
    ``OGI_*`` variables. They are read from nothing else, and are frozen."""
    prefix = ENV_PREFIX.lower()
    return _settings_for(frozenset((k, v) for k, v in os.environ.items() if k.lower().startswith(prefix)))


@lru_cache(maxsize=16)
def _settings_for(environment: frozenset[tuple[str, str]]) -> Settings:
    return Settings()


def settings_table() -> str:
    """Markdown table of every ``OGI_*`` variable, its default and meaning."""
    lines = [
        "# Settings",
        "",
        "Generated by `python -m ogi.settings` from `src/ogi/settings.py`; do not edit by hand.",
        "",
        "Every setting can be given as an environment variable; a command-line option wins "
        "over it. Paths are relative to the working directory.",
        "",
        "| variable | default | meaning |",
        "|---|---|---|",
    ]
    for name, info in Settings.model_fields.items():
        if name == "crawl":
            continue
        default = info.get_default(call_default_factory=True)
        shown = {
            "workers": "every core",
            "archive": "WAREHOUSE/archive",
            "runs": "WAREHOUSE/runs",
            "work": "~/.cache/ogi",
            "dask": "none: the local process pool",
        }.get(name, default)
        lines.append(f"| `{ENV_PREFIX}{name.upper()}` | `{shown}` | {info.description} |")
    for knob in fields(CrawlSettings):
        lines.append(f"| `{ENV_PREFIX}CRAWL__{knob.name.upper()}` | `{knob.default}` | {knob.metadata['doc']} |")
    lines += [
        "",
        "`OGI_CRAWL__*`: " + " ".join((CrawlSettings.__doc__ or "").split()),
        "",
        "Tests only: `OGI_SHARED` (default `../shared`) is where the tests look for the "
        "shared corpus and spec; tests that need it are skipped when it is absent.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DOC_PATH
    target.write_text(settings_table(), encoding="utf-8")
    print(f"wrote {target}")
