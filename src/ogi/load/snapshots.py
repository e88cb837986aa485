"""Guarding the published snapshots: checksums, a plausibility check of the input, retention.

A snapshot's manifest lists every Parquet file with its size and sha256. A file is
reused by the next load (hard-linked into the new snapshot) only when it still
matches: a file changed after publication (by hand, by a stray ``COPY … TO``) is
detected and rebuilt from the archive, never carried forward.

A load refuses (LoadRefused, the warehouse untouched) when its input cannot be
right: no fetch log at all, or far fewer report documents than the snapshot it
would replace (an archive folder mounted wrong, a half-restored backup) unless the
caller says the shrink is intended. Old snapshots are kept by count
(RETENTION.keep_snapshots), so a bad load never deletes the last good one.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ogi.storage import Where, join

log = logging.getLogger("ogi.load")
ROW_GROUP = 100_000  # rows per Parquet row group, in every table file


@dataclass(frozen=True)
class Retention:
    """How many snapshots a load keeps, and how far the input may shrink unasked."""

    keep_snapshots: int = 5  # the current one and four before it (open connections, going back)
    shrink_floor: float = 0.5  # refuse a load with fewer than this share of the current reports


RETENTION = Retention()


class LoadRefused(RuntimeError):
    """The load's input is missing or implausible; the warehouse was left as it was."""


def file_checksum(path: Path) -> list[Any]:
    """[size, sha256] of a file."""
    h = hashlib.sha256()
    size = 0
    with Path(path).open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return [size, h.hexdigest()]


def checksums(snap: Path, rels: list[str]) -> dict[str, list[Any]]:
    return {rel: file_checksum(snap / rel) for rel in rels}


def intact(snap: Path, rel: str, manifest: dict[str, Any]) -> bool:
    """Does ``snap/rel`` still have the size and sha256 its manifest recorded?"""
    expected = (manifest.get("checksums") or {}).get(rel)
    path = snap / rel
    if expected is None or not path.is_file():
        return False
    if path.stat().st_size != expected[0]:
        return False
    return file_checksum(path) == list(expected)


def verify_snapshot(snap: Path, manifest: dict[str, Any]) -> list[str]:
    """Files of a snapshot that no longer match its manifest (empty: all intact)."""
    return sorted(rel for rel in manifest.get("checksums") or {} if not intact(snap, rel, manifest))


def check_input(archive: Where, report_count: int, previous: dict[str, Any] | None, *, allow_shrink: bool) -> None:
    """Refuse a load whose input cannot be right (see the module docstring)."""
    from ogi.archive.store import ArchiveStore

    if not ArchiveStore(archive).has_fetch_log():
        raise LoadRefused(
            f"{archive}: no fetch log ({join(archive, 'fetch_log')} is missing or empty), so nothing to load; "
            "is --archive the folder `ogi crawl` wrote?"
        )
    before = (previous or {}).get("reports")
    if before and not allow_shrink and report_count < RETENTION.shrink_floor * before:
        raise LoadRefused(
            f"{archive}: {report_count} report documents, far fewer than the {before} of the current snapshot; "
            "refusing to replace it (pass --allow-shrink if the archive really shrank)"
        )


def prune(root: Path, current: str, keep: int = RETENTION.keep_snapshots) -> list[str]:
    """Drop snapshots beyond the newest ``keep`` (the current one always kept), unfinished
    builds (no manifest) and stray temporary files. Run under the write lock only."""
    removed = []
    complete = sorted((p.name for p in root.iterdir() if p.is_dir() and (p / "manifest.json").is_file()), reverse=True)
    kept = {current, *complete[: max(keep, 1)]}
    for path in root.iterdir():
        if path.is_dir() and path.name not in kept:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
        elif path.is_file() and path.name.startswith(".tmp-"):
            path.unlink(missing_ok=True)
    return removed
