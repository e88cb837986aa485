"""The one settings module: environment variables reach the stages that use them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from ogi.archive.store import ArchiveStore, FetchLogWriter
from ogi.settings import Settings, settings
from ogi.workers import batch_size_for


def test_environment_overrides_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OGI_WAREHOUSE", str(tmp_path / "wh"))
    monkeypatch.setenv("OGI_CRAWL__DELAY", "0.25")
    monkeypatch.setenv("OGI_WORKERS", "3")
    s = settings()
    assert s.warehouse == tmp_path / "wh"
    assert s.archive_for() == tmp_path / "wh" / "archive"
    assert s.archive_for(tmp_path / "other") == tmp_path / "other" / "archive"
    assert s.crawl.delay == 0.25 and s.crawl.per_host == 2
    assert s.worker_count == 3
    monkeypatch.setenv("OGI_ARCHIVE", str(tmp_path / "arch"))
    assert settings().archive_for(tmp_path / "other") == tmp_path / "arch"


def test_bad_values_fail_with_the_variable_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OGI_CRAWL__PER_HOST", "0")
    with pytest.raises(ValidationError, match="per_host"):
        settings()
    monkeypatch.delenv("OGI_CRAWL__PER_HOST")
    monkeypatch.setenv("OGI_START_METHOD", "threads")
    with pytest.raises(ValidationError, match="start_method"):
        settings()


def test_flow_batch_bounds_come_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    assert batch_size_for(1000, 2) == 125  # about four batches per process
    assert batch_size_for(100_000, 16) == 250  # clamped to the maximum
    assert batch_size_for(30, 4) == 25  # and to the minimum
    assert batch_size_for(0, 2) == 1
    assert batch_size_for(500, 2, requested=50) == 50
    monkeypatch.setenv("OGI_BATCH_MAX", "100")
    monkeypatch.setenv("OGI_BATCHES_PER_WORKER", "2")
    assert batch_size_for(1000, 2) == 100
    assert batch_size_for(300, 2) == 75


def test_cli_option_wins_over_environment(tmp_path: Path) -> None:
    """`ogi load` with OGI_WAREHOUSE set and no --warehouse writes there; --warehouse wins."""
    env_wh, opt_wh = tmp_path / "env-wh", tmp_path / "opt-wh"
    archive = tmp_path / "empty-archive"
    FetchLogWriter(ArchiveStore(archive), "run-0").close()  # a crawl that found nothing (no fetch log is refused)
    code = "import sys; from ogi.cli import app; sys.argv = ['ogi'] + sys.argv[1:]; app()"
    env = {"OGI_WAREHOUSE": str(env_wh), "PATH": "/usr/bin:/bin"}
    base = [sys.executable, "-c", code, "load", "--archive", str(archive), "--workers", "1"]
    subprocess.run(base, env=env, check=True, capture_output=True, timeout=120)
    assert (env_wh / "ogi.duckdb").is_file()
    subprocess.run([*base, "--warehouse", str(opt_wh)], env=env, check=True, capture_output=True, timeout=120)
    assert (opt_wh / "ogi.duckdb").is_file()


def test_every_field_is_described() -> None:
    assert all(info.description for info in Settings.model_fields.values())
