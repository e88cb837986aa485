"""Batches of documents for the parse tasks, and the function a pool process runs.

Kept free of Prefect on purpose: pool processes import this module (to unpickle
:func:`parse_in_worker`) and should start fast and hold no Prefect state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class ParseStats:
    """What the parse tasks of one run did (small, so it travels between tasks)."""

    planned: int = 0
    parsed: int = 0
    failed: int = 0
    failures: list[str] = field(default_factory=list)  # "sha256 file: problem", first 50

    def add(self, other: ParseStats) -> None:
        self.planned += other.planned
        self.parsed += other.parsed
        self.failed += other.failed
        self.failures.extend(other.failures[: max(0, 50 - len(self.failures))])


def batch_size_for(n_documents: int, workers: int, requested: int | None = None) -> int:
    """About ``OGI_BATCHES_PER_WORKER`` (4) batches per worker for load balance,
    ``OGI_FLOW_BATCH_MIN``–``OGI_FLOW_BATCH_MAX`` (25–250) documents each."""
    from ogi.settings import settings

    if requested:
        return max(1, requested)
    if n_documents == 0:
        return 1
    config = settings()
    wanted = math.ceil(n_documents / (config.batches_per_worker * workers))
    return max(config.flow_batch_min, min(config.flow_batch_max, wanted))


def parse_in_worker(refs: list[Any], archive: str, warehouse: str) -> ParseStats:
    """Runs in a pool process: parse a batch, return only counts (results are cached)."""
    from ogi.load import parse_batch

    results = parse_batch(refs, Path(archive), Path(warehouse))
    stats = ParseStats(planned=len(refs))
    for result in results:
        problem = parse_failure(result)
        if problem is None:
            stats.parsed += 1
        else:
            stats.failed += 1
            if len(stats.failures) < 50:
                stats.failures.append(f"{result.get('sha256', '?')[:12]} {result.get('file', '')}: {problem}")
    return stats


def parse_failure(result: dict[str, Any]) -> str | None:
    """The reason a parse result counts as a failure (unreadable document), else None."""
    if not result.get("unreadable"):
        return None
    details = [i.get("detail", "") for i in result.get("issues", []) if isinstance(i, dict)]
    return details[0] if details else "unreadable"
