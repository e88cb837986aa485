"""How ogi starts worker processes, and the one parse fan-out that ``ogi load`` and
the flows share.

**The pool factory.** :func:`new_pool` is the only place a process pool is made. The
start method is explicit (``OGI_START_METHOD``, default ``forkserver``: workers fork
from a clean server process that preloaded the parser, so they start fast and never
inherit Prefect's threads and event loops; ``spawn`` works the same, only slower to
start). Nothing a worker needs may come from the parent's memory: every worker
starts with the parent's ``OGI_*`` and ``AWS_*`` environment as it was when the pool was made
(so a setting such as ``OGI_PARSER`` reaches it under every start method), then runs
the worker-limits initializer (:mod:`ogi.worker_limits`: end with the process that
made the pool, cap memory).

**The shared pool.** Prefect tasks run in threads; each parse task hands its batch to
one pool shared by every task of the process (:func:`process_pool`,
:func:`run_in_process`), so all cores parse and nothing pays a process start per task.
A pool whose worker died (BrokenProcessPool) is rebuilt on the next call. Closing it
is bounded (:func:`close_pool`): a pool whose workers do not finish in
``OGI_POOL_CLOSE_S`` is terminated, because a hung executor thread would otherwise
hold the whole process at exit (``concurrent.futures`` joins it then).

**The fan-out.** :func:`parse_documents` splits the documents into batches
(:func:`batch_size_for`) and maps :func:`parse_in_worker` over them. By default the
batches go to the shared pool; the flows pass their own ``map_batches`` (one Prefect
task per batch, each running on the same pool), and another executor (Dask) can do the
same. Results are cached by the parse stage, so only counts travel back.

**Heavy documents kept apart.** OCR costs seconds a page, a text layer milliseconds,
so HTML and text-layer PDFs must never wait behind a queue of scans. The light
batches go first; pictures (an image, an article of pictures: known from the content
type) follow in their own smaller batches (:func:`heavy_batch_size`). A PDF shows it
needs OCR only once it is opened, so it is parsed in a light batch with OCR deferred
(``ogi.extract.heavy``): one without a text layer comes back unparsed in
``ParseStats.deferred`` and is read in a second round of heavy batches, through the
same ``map_batches``. Progress (documents parsed, pages read with OCR) is announced
on ``ogi.orchestrate.progress`` as batches finish.
"""

from __future__ import annotations

import contextlib
import logging
import math
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from ogi.runlog import RunLog
from ogi.settings import ENV_PREFIX, cpu_count, settings
from ogi.worker_limits import pool_kwargs

T = TypeVar("T")
log = logging.getLogger(__name__)

#: Environment every worker gets from the process making the pool, as it is then: ogi's
#: settings, and the AWS variables of an s3:// archive or warehouse (a forkserver started
#: earlier has an older environment, which its workers would otherwise inherit).
PASSED_ON = (ENV_PREFIX, "AWS_")

#: Modules the forkserver imports once, so that each worker starts with the parser loaded.
PRELOAD = ("ogi.load", "ogi.parse.api")


def _start_worker(environment: dict[str, str], initializer: Callable[..., None] | None, initargs: tuple) -> None:
    """First thing in every worker: the parent's OGI_* and AWS_* environment, then the limits."""
    for key in [k for k in os.environ if k.startswith(PASSED_ON) and k not in environment]:
        del os.environ[key]
    os.environ.update(environment)
    if initializer is not None:
        initializer(*initargs)


def new_pool(workers: int, *, start_method: str | None = None) -> ProcessPoolExecutor:
    """A process pool of ``workers`` processes started with ``start_method`` (default
    ``OGI_START_METHOD``); see the module doc for what each worker starts with."""
    method = start_method or settings().start_method
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(list(PRELOAD))
    limits = pool_kwargs()
    environment = {k: v for k, v in os.environ.items() if k.startswith(PASSED_ON)}
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=ctx,
        initializer=_start_worker,
        initargs=(environment, limits.get("initializer"), tuple(limits.get("initargs", ()))),
    )


def close_pool(pool: ProcessPoolExecutor, timeout: float | None = None) -> None:
    """Shut ``pool`` down: wait up to ``timeout`` seconds (``OGI_POOL_CLOSE_S``) for its
    workers to finish what they hold, then terminate any still running, so that closing
    never waits for ever."""
    timeout = settings().pool_close_s if timeout is None else timeout
    manager = getattr(pool, "_executor_manager_thread", None)
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    if manager is not None:
        manager.join(timeout)
    stuck = [p for p in processes if p.is_alive()]
    if (manager is not None and manager.is_alive()) or stuck:
        log.warning("a process pool did not close in %.0f s: terminating %d worker(s)", timeout, len(stuck))
        for process in stuck:
            process.terminate()
        for process in stuck:
            process.join(5)
            if process.is_alive():
                process.kill()
        if manager is not None:
            manager.join(timeout)


def _usable(pool: ProcessPoolExecutor | None) -> bool:
    return pool is not None and not getattr(pool, "_broken", False) and not getattr(pool, "_shutdown_thread", False)


class _SharedPool:
    """One process pool per process, opened by the first user that needs it and shut
    down when the last one leaves; rebuilt if a worker died (BrokenProcessPool) or it
    was shut down under a user (an interrupted close)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._users = 0
        self._workers = 0

    @contextlib.contextmanager
    def lease(self, workers: int) -> Iterator[None]:
        with self._lock:
            self._users += 1
            if self._users == 1:
                self._workers = workers
        try:
            yield
        finally:
            with self._lock:
                self._users -= 1
                pool = self._pool if self._users == 0 else None
                if pool is not None:
                    self._pool = None
            if pool is not None:
                close_pool(pool)

    def run(self, fn: Callable[..., T], *args: Any) -> T:
        with self._lock:
            if not _usable(self._pool):
                if self._pool is not None:
                    self._pool.shutdown(wait=False, cancel_futures=True)
                self._workers = self._workers or cpu_count()
                self._pool = new_pool(self._workers)
            pool = self._pool
        return pool.submit(fn, *args).result()


_POOL = _SharedPool()


def process_pool(workers: int) -> contextlib.AbstractContextManager[None]:
    """Keep the shared pool open (with ``workers`` processes) inside the block."""
    return _POOL.lease(workers)


def run_in_process(fn: Callable[..., T], *args: Any) -> T:
    """Run ``fn(*args)`` in the shared pool and wait; picklable arguments only."""
    return _POOL.run(fn, *args)


@dataclass
class ParseStats:
    """What the parse tasks of one run did (small, so it travels between tasks)."""

    planned: int = 0
    parsed: int = 0
    failed: int = 0
    parser_failures: int = 0  # of ``failed``: crashes of ogi's own code (bugs), never cached
    failures: list[str] = field(default_factory=list)  # "sha256 file: problem", first 50
    # Unreadable documents as issues-log entries, when the batch ran where the run's log
    # is not (a Dask worker on another machine): the flow writes them.
    problems: list[dict[str, Any]] = field(default_factory=list)
    ocr_pages: int = 0  # pages read with OCR
    deferred: list[Any] = field(default_factory=list)  # refs that need OCR, for a heavy batch

    def add(self, other: ParseStats) -> None:
        self.planned += other.planned
        self.parsed += other.parsed
        self.failed += other.failed
        self.parser_failures += other.parser_failures
        self.failures.extend(other.failures[: max(0, 50 - len(self.failures))])
        self.problems.extend(other.problems)
        self.ocr_pages += other.ocr_pages
        self.deferred.extend(other.deferred)


def batch_size_for(n_documents: int, workers: int, requested: int | None = None) -> int:
    """About ``OGI_BATCHES_PER_WORKER`` (4) batches per worker for load balance,
    ``OGI_BATCH_MIN``–``OGI_BATCH_MAX`` (25–250) documents each."""
    if requested:
        return max(1, requested)
    if n_documents == 0:
        return 1
    config = settings()
    wanted = math.ceil(n_documents / (config.batches_per_worker * workers))
    return max(config.batch_min, min(config.batch_max, wanted))


#: A heavy document (read with OCR, a few pages at seconds each) costs about as much
#: as this many light ones: its batches are this much smaller, so they balance.
HEAVY_WEIGHT = 25


def heavy_batch_size(light_size: int) -> int:
    """Documents per heavy batch for light batches of ``light_size``: 1 to 10."""
    return max(1, light_size // HEAVY_WEIGHT)


def is_picture(ref: Any) -> bool:
    """Known to need OCR before it is opened: an image, or an article of pictures."""
    return bool(ref.parts) or (ref.content_type or "").startswith("image/")


def parse_failure(result: dict[str, Any]) -> str | None:
    """The reason a parse result counts as a failure (unreadable document), else None."""
    if not result.get("unreadable"):
        return None
    details = [i.get("detail", "") for i in result.get("issues", []) if isinstance(i, dict)]
    return details[0] if details else "unreadable"


def parse_in_worker(
    refs: list[Any], archive: str, warehouse: str, log: RunLog | None = None, *, collect: bool = False
) -> ParseStats:
    """Runs in a pool process: parse a batch, return only counts (results are cached);
    every document that could not be read goes to the run's issues log (``collect``:
    into ``ParseStats.problems`` instead, for the caller to log), and every one whose
    deferred OCR it needs goes back in ``deferred``."""
    from ogi.extract.heavy import pages_read
    from ogi.load import parse_batch

    pages_before = pages_read()
    results = parse_batch(refs, archive, warehouse, planned=True)  # refs of a plan (parse_documents)
    stats = ParseStats(ocr_pages=pages_read() - pages_before)
    for ref, result in zip(refs, results, strict=True):
        if result is None:
            stats.deferred.append(replace(ref, ocr_deferred=False))
            continue
        stats.planned += 1
        problem = parse_failure(result)
        if problem is None:
            stats.parsed += 1
        else:
            entry = {"detail": problem, "sha256": ref.sha256, "url": ref.url, "agency_id": ref.agency_id}
            if collect:
                stats.problems.append(entry)
            elif log is not None:
                log.add("parse", "error", "unreadable_document", **entry)
            stats.failed += 1
            bug = bool(result.get("parser_failure"))
            stats.parser_failures += bug
            if len(stats.failures) < 50:
                kind = "parser failure (a bug in ogi)" if bug else "unreadable"
                stats.failures.append(f"{result.get('sha256', '?')[:12]} {result.get('file', '')}: {kind}: {problem}")
    return stats


MapBatches = Callable[[list[list[Any]]], Sequence[ParseStats]]


def parse_documents(
    refs: Sequence[Any],
    archive: Path | str,
    warehouse: Path | str,
    *,
    workers: int | None = None,
    batch_size: int | None = None,
    map_batches: MapBatches | None = None,
    log: RunLog | None = None,
) -> ParseStats:
    """Parse ``refs`` (a plan's: documents without a cache entry) in batches on
    ``workers`` processes; returns what happened.

    Light batches first, then pictures, then the PDFs that turned out to need OCR
    (see the module doc). ``map_batches`` runs :func:`parse_in_worker` over every batch
    and returns their stats (default: the shared pool, or this process when one worker
    or one batch is enough); ``log`` is the run's issues log, which the default passes on.
    """
    workers = workers or settings().worker_count
    archive, warehouse = str(archive), str(warehouse)
    size = batch_size_for(len(refs), workers, batch_size)
    heavy = heavy_batch_size(size)
    light = [replace(ref, ocr_deferred=True) for ref in refs if not is_picture(ref)]
    batches = _split(light, size) + _split([ref for ref in refs if is_picture(ref)], heavy)
    shown = _Shown(len(refs))
    stats = ParseStats()
    with contextlib.ExitStack() as stack:
        leased = False
        while batches:
            pooled = map_batches is not None or (workers > 1 and len(batches) > 1)
            if pooled and not leased:
                stack.enter_context(process_pool(workers))
                leased = True
            run = map_batches or (_on_shared_pool(archive, warehouse, workers, log, shown) if pooled else None)
            results = run(batches) if run else [shown(parse_in_worker(b, archive, warehouse, log)) for b in batches]
            deferred: list[Any] = []
            for batch_stats in results:
                deferred += batch_stats.deferred
                batch_stats.deferred = []
                stats.add(batch_stats)
            if map_batches is not None:
                shown.total(stats)
            batches = _split(deferred, heavy)
    return stats


def _split(refs: list[Any], size: int) -> list[list[Any]]:
    return [refs[i : i + size] for i in range(0, len(refs), size)]


class _Shown:
    """Progress of one fan-out: documents parsed (or failed) and pages read with OCR,
    announced as ``parse`` stage details after every batch."""

    def __init__(self, planned: int) -> None:
        from ogi.orchestrate import progress

        self._stage = progress.stage
        self._planned = planned
        self._done = ParseStats()
        self._lock = threading.Lock()

    def __call__(self, stats: ParseStats) -> ParseStats:
        with self._lock:
            self._done.add(replace(stats, deferred=[], failures=[]))
            done = self._done.parsed + self._done.failed
            pages = self._done.ocr_pages
        self._stage("parse", f"documents parsed {done}/{self._planned}, OCR pages read {pages}")
        return stats

    def total(self, stats: ParseStats) -> None:
        """After a ``map_batches`` call: the totals so far (its batches report no progress of their own)."""
        with self._lock:
            self._done = replace(stats, deferred=[], failures=[])
        self(ParseStats())


def _on_shared_pool(archive: str, warehouse: str, workers: int, log: RunLog | None, shown: _Shown) -> MapBatches:
    """Every batch on the shared pool, ``workers`` at a time, in order (light ones first)."""

    def run(batches: list[list[Any]]) -> list[ParseStats]:
        with ThreadPoolExecutor(workers) as threads:
            futures = [threads.submit(run_in_process, parse_in_worker, b, archive, warehouse, log) for b in batches]
            for future in as_completed(futures):
                shown(future.result())
            return [f.result() for f in futures]

    return run
