"""Content-addressed store and fetch log.

Layout (see docs/interfaces.md)::

    ARCHIVE/objects/<sha[:2]>/<sha>        raw bytes, written atomically
    ARCHIVE/fetch_log/<run_id>.parquet     one file per finished run
    ARCHIVE/fetch_log/<run_id>.jsonl       journal of a run in progress (or killed)
    ARCHIVE/fetch_log.csv                  all runs as CSV, rewritten after each run
    ARCHIVE/registry.csv                   the registry the latest crawl used

A Parquet file cannot be appended to and is unreadable without its footer, so a
run journals every row (one JSON line, flushed) and converts the journal to
Parquet when it ends. A killed run leaves its journal; the next run (or
``fetch_log()``) seals it into Parquet, so nothing fetched before the kill is lost
and the resumed run knows what is already archived. Object names are hashes only:
nothing a server says (URL path, Content-Disposition) becomes a path.

Objects are verified against their name when read for parsing
(:meth:`ArchiveStore.read_verified`): a byte changed on disk is an
:class:`ObjectCorrupt` error, never a document published under a hash it no
longer has. :meth:`ArchiveStore.fingerprint` (size and modification time) lets the
parse cache notice an object changed since it was parsed without re-hashing every
object on every load.

Whether a run finished is kept in its Parquet file's metadata (the files stay
one per run and are never rewritten): a journal sealed after a kill is marked
``ogi:interrupted``; a run that ends normally lists, under ``ogi:resumes``, the
interrupted runs it picked up (and for which agencies), so the crawler knows
which reports an interrupted run may have left half done.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

FETCH_LOG_SCHEMA = pa.schema(
    [
        ("run_id", pa.string()),
        ("requested_at", pa.timestamp("us", tz="UTC")),
        ("url", pa.string()),
        ("final_url", pa.string()),
        ("kind", pa.string()),
        ("parent_url", pa.string()),
        ("link_title", pa.string()),
        ("agency_id", pa.string()),
        ("report_year", pa.int32()),
        ("status", pa.int32()),
        ("content_type", pa.string()),
        ("bytes", pa.int64()),
        ("sha256", pa.string()),
        ("etag", pa.string()),
        ("last_modified", pa.string()),
        ("error", pa.string()),
        ("method", pa.string()),  # null for GET; "POST" for a list endpoint paged by POST
        ("request_body", pa.string()),  # what a POST sent (its pages differ only here)
    ]
)
# "script": a script a list page loads (read for its endpoints); "issue": not a request but
# a named crawl issue of the agency (``no_reports_found``, ``article_cap``, …) in ``error``.
KINDS = ("robots", "list", "script", "article", "attachment", "issue")
INTERRUPTED = "ogi:interrupted"  # Parquet metadata of a run sealed after a kill
RESUMES = "ogi:resumes"  # ... of a finished run: {"runs": [interrupted run ids], "agencies": [...] | null}
_SHA_RE = re.compile(r"[0-9a-f]{64}")


class ObjectCorrupt(ValueError):
    """An archived object's bytes do not hash to the sha256 it is stored under."""

    check = "object_corrupt"  # the issue a load records (ogi.validate checks.csv)


def verify(data: bytes, sha: str) -> bytes:
    """``data`` if it hashes to ``sha``, else ObjectCorrupt (works on bytes from any store)."""
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha:
        raise ObjectCorrupt(f"object {sha} is corrupt: its {len(data):,} bytes hash to {actual}")
    return data


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)  # atomic against a killed process; no fsync: the web can refill it
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class ArchiveStore:
    """The archive folder: objects by sha256 and the fetch log of every run."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.objects = self.root / "objects"
        self.log_dir = self.root / "fetch_log"

    def path_for(self, sha: str) -> Path:
        if not _SHA_RE.fullmatch(sha):
            raise ValueError(f"not a sha256 hex digest: {sha!r}")
        return self.objects / sha[:2] / sha

    def has(self, sha: str) -> bool:
        return self.path_for(sha).is_file()

    def put(self, data: bytes) -> str:
        """Store ``data`` (idempotent) and return its sha256."""
        sha = hashlib.sha256(data).hexdigest()
        path = self.path_for(sha)
        if not path.is_file():
            _atomic_write(path, data)
        return sha

    def read(self, sha: str) -> bytes:
        try:
            return self.path_for(sha).read_bytes()
        except FileNotFoundError:
            raise FileNotFoundError(f"{self.path_for(sha)}: object {sha} not in archive {self.root}") from None

    def read_verified(self, sha: str) -> bytes:
        """The object's bytes, checked against its name (ObjectCorrupt when they differ)."""
        try:
            return verify(self.read(sha), sha)
        except ObjectCorrupt as exc:
            raise ObjectCorrupt(f"{self.path_for(sha)}: {exc}") from None

    def fingerprint(self, sha: str) -> dict[str, int] | None:
        """Cheap identity of the stored object (size, mtime), or None when it is missing."""
        try:
            st = self.path_for(sha).stat()
        except FileNotFoundError:
            return None
        return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}

    def seal_journals(self) -> list[Path]:
        """Convert journals left by killed runs into Parquet (marked interrupted); returns the files."""
        written = []
        for journal in sorted(self.log_dir.glob("*.jsonl")) if self.log_dir.is_dir() else []:
            written.append(FetchLogWriter.seal(journal, {INTERRUPTED: "true"}))
        return written

    def unresumed(self) -> dict[str, set[str] | None]:
        """Interrupted runs not yet picked up by a finished run: run_id → agencies picked up so far.

        ``None`` as the value means no agency of that run has been picked up yet.
        Reads only the Parquet footers.
        """
        interrupted: dict[str, set[str] | None] = {}
        resumed: list[dict[str, Any]] = []
        for f in sorted(self.log_dir.glob("*.parquet")) if self.log_dir.is_dir() else []:
            meta = pq.read_schema(f).metadata or {}
            if meta.get(INTERRUPTED.encode()) == b"true":
                interrupted[f.stem] = None
            if RESUMES.encode() in meta:
                resumed.append(json.loads(meta[RESUMES.encode()]))
        for r in resumed:
            for run_id in r["runs"]:
                if run_id not in interrupted:
                    continue
                if r["agencies"] is None:
                    del interrupted[run_id]
                else:
                    interrupted[run_id] = (interrupted[run_id] or set()) | set(r["agencies"])
        return interrupted

    def fetch_log(self) -> pa.Table:
        """Every run's rows (journals of unfinished runs included), in one table."""
        files = sorted(self.log_dir.glob("*.parquet")) if self.log_dir.is_dir() else []
        tables = [pq.read_table(f, schema=FETCH_LOG_SCHEMA) for f in files]
        for journal in sorted(self.log_dir.glob("*.jsonl")) if self.log_dir.is_dir() else []:
            tables.append(_rows_to_table(_read_journal(journal)))
        if not tables:
            return FETCH_LOG_SCHEMA.empty_table()
        return pa.concat_tables(tables)

    def export_csv(self) -> Path:
        """Write ``fetch_log.csv`` beside the Parquet files, for people and spreadsheets."""
        path = self.root / "fetch_log.csv"
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".tmp-")
        os.close(fd)
        pacsv.write_csv(self.fetch_log(), tmp)
        os.replace(tmp, path)
        return path

    def save_registry(self, registry: Path) -> None:
        _atomic_write(self.root / "registry.csv", Path(registry).read_bytes())


def _read_journal(path: Path) -> list[dict[str, Any]]:
    rows = []
    with path.open("rb") as f:
        for line in f:
            try:
                rows.append(json.loads(line))
            except ValueError:
                break  # a line cut by a kill: everything before it is intact
    return rows


def _rows_to_table(rows: list[dict[str, Any]]) -> pa.Table:
    cols: dict[str, list[Any]] = {name: [] for name in FETCH_LOG_SCHEMA.names}
    for row in rows:
        for name in FETCH_LOG_SCHEMA.names:
            v = row.get(name)
            if name == "requested_at" and isinstance(v, str):
                v = datetime.fromisoformat(v)
            cols[name].append(v)
    return pa.table(cols, schema=FETCH_LOG_SCHEMA)


class FetchLogWriter:
    """Journal of one run; ``close()`` seals it into ``fetch_log/<run_id>.parquet``."""

    def __init__(self, store: ArchiveStore, run_id: str) -> None:
        self.run_id = run_id
        store.log_dir.mkdir(parents=True, exist_ok=True)
        self.journal = store.log_dir / f"{run_id}.jsonl"
        self.parquet = store.log_dir / f"{run_id}.parquet"
        if self.parquet.exists() or self.journal.exists():
            raise FileExistsError(f"{self.parquet}: run {run_id} already has a fetch log")
        self._f = self.journal.open("ab")

    def write(self, **row: Any) -> dict[str, Any]:
        """Append one row (unknown keys rejected, missing ones null) and flush it to disk."""
        unknown = set(row) - set(FETCH_LOG_SCHEMA.names)
        if unknown:
            raise KeyError(f"fetch log has no column(s) {sorted(unknown)}")
        row = {name: row.get(name) for name in FETCH_LOG_SCHEMA.names}
        row["run_id"] = self.run_id
        row["requested_at"] = row["requested_at"] or datetime.now(UTC)
        if row["kind"] not in KINDS:
            raise ValueError(f"fetch log kind {row['kind']!r} not one of {KINDS}")
        line = dict(row, requested_at=row["requested_at"].isoformat())
        self._f.write(json.dumps(line, ensure_ascii=False).encode() + b"\n")
        self._f.flush()
        return row

    def close(self, *, finished: bool = True, resumes: list[str] = (), agencies: list[str] | None = None) -> Path:
        """Seal the run. ``finished``: it ran to its end, having picked up the interrupted
        runs ``resumes`` for ``agencies`` (None: all of them); otherwise it is marked interrupted."""
        self._f.close()
        if not finished:
            return self.seal(self.journal, {INTERRUPTED: "true"})
        return self.seal(self.journal, {RESUMES: json.dumps({"runs": list(resumes), "agencies": agencies})})

    @staticmethod
    def seal(journal: Path, metadata: dict[str, str] | None = None) -> Path:
        """Journal → Parquet (atomically), then drop the journal."""
        target = journal.with_suffix(".parquet")
        table = _rows_to_table(_read_journal(journal))
        if metadata:
            table = table.replace_schema_metadata(metadata)
        fd, tmp = tempfile.mkstemp(dir=journal.parent, prefix=".tmp-")
        os.close(fd)
        pq.write_table(table, tmp)
        os.replace(tmp, target)
        journal.unlink()
        return target
