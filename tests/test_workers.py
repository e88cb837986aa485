"""The shared parse pool under every start method: workers started from a thread that
then ends keep working, and closing a pool never waits for ever."""

from __future__ import annotations

import os
import threading
import time

import pytest

from ogi.workers import _SharedPool, close_pool, new_pool


def _pid() -> int:
    return os.getpid()


def _sleep(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


@pytest.mark.parametrize("start_method", ["forkserver", "spawn", "fork"])
def test_workers_started_from_an_ended_thread_keep_working(start_method: str) -> None:
    """ProcessPoolExecutor starts a worker from the thread that submits; that thread
    ending must not end the worker (a parent-death signal is tied to the thread)."""
    pool = new_pool(2, start_method=start_method)
    try:
        first: set[int] = set()

        def submit_from_a_thread() -> None:
            first.update(f.result() for f in [pool.submit(_sleep, 0.5) for _ in range(2)])

        thread = threading.Thread(target=submit_from_a_thread)
        thread.start()
        thread.join()
        time.sleep(1.5)  # the thread is gone; three rounds of the workers' owner watch
        workers = set(pool._processes)
        assert workers and all(p.is_alive() for p in pool._processes.values())
        again = {pool.submit(_sleep, 0.2).result(timeout=60) for _ in range(4)}
        assert again <= workers and first <= workers
    finally:
        close_pool(pool, timeout=30)


def test_close_terminates_a_worker_that_does_not_finish() -> None:
    pool = new_pool(1, start_method="spawn")
    busy = pool.submit(_sleep, 600)
    while not pool._processes or not busy.running():
        time.sleep(0.05)
    (worker,) = pool._processes.values()
    started = time.monotonic()
    close_pool(pool, timeout=2)
    assert time.monotonic() - started < 30
    assert not worker.is_alive()


def test_shared_pool_is_rebuilt_after_an_interrupted_close(monkeypatch) -> None:
    """A close interrupted half-way (a test timeout, Ctrl-C) must not leave a shut-down
    pool that the next user submits to."""
    monkeypatch.setenv("OGI_START_METHOD", "spawn")
    shared = _SharedPool()
    with shared.lease(1):
        assert shared.run(_pid) > 0
        shared._pool.shutdown(wait=False)  # as an interrupted close leaves it
        assert shared.run(_pid) > 0
    assert shared._pool is None


def _caps_around_allowance(extra: int) -> tuple[int, int, int]:
    import resource

    from ogi.worker_limits import allowance

    before = resource.getrlimit(resource.RLIMIT_AS)[0]
    with allowance(extra):
        during = resource.getrlimit(resource.RLIMIT_AS)[0]
        grown = bytearray(extra // 2)  # what the block used stays mapped (OCR's models)
    after = resource.getrlimit(resource.RLIMIT_AS)[0]
    del grown
    return before, during, after


def test_ocr_allowance_raises_the_worker_cap_only_while_it_runs() -> None:
    """A pool worker's address-space cap grows by the OCR allowance inside the block and
    is set again afterwards from the size the worker has then (never below the start cap)."""
    pool = new_pool(1, start_method="spawn")
    try:
        before, during, after = pool.submit(_caps_around_allowance, 512 * 2**20).result(timeout=120)
    finally:
        close_pool(pool, timeout=30)
    assert during == before + 512 * 2**20
    assert before <= after < during + 2**30


def _aws_endpoint() -> str | None:
    return os.environ.get("AWS_ENDPOINT_URL")


def test_object_store_settings_reach_workers_of_an_older_forkserver(monkeypatch) -> None:
    """The forkserver keeps the environment it started with; the AWS variables set since
    (an s3:// load after a local one) must still reach a new pool's workers, or they
    would talk to the wrong store."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with new_pool(1, start_method="forkserver") as pool:  # starts (or reuses) the forkserver
        assert pool.submit(_aws_endpoint).result(timeout=60) is None
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    with new_pool(1, start_method="forkserver") as pool:
        assert pool.submit(_aws_endpoint).result(timeout=60) == "http://127.0.0.1:9"
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    with new_pool(1, start_method="forkserver") as pool:  # and one unset since is gone
        assert pool.submit(_aws_endpoint).result(timeout=60) is None
