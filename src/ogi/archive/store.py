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
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ogi.storage import Location, Where, join, work_dir

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


class ArchiveStore:
    """The archive (a folder or an object-store prefix, see :mod:`ogi.storage`): objects
    by sha256 and the fetch log of every run.

    A run's journal is the one file appended to, so it is kept on the crawling machine
    (``journals``: the archive folder itself when local, else its :func:`work_dir`) and
    sealed into ``fetch_log/<run_id>.parquet`` in the archive.
    """

    def __init__(self, root: Where) -> None:
        self.location = Location(root)
        self.root = self.location.where
        self.remote = self.location.remote
        self.journals = work_dir(root) / "fetch_log"
        if not self.remote:
            self.objects = Path(self.root) / "objects"
            self.log_dir = Path(self.root) / "fetch_log"

    @staticmethod
    def object_name(sha: str) -> str:
        if not _SHA_RE.fullmatch(sha):
            raise ValueError(f"not a sha256 hex digest: {sha!r}")
        return f"objects/{sha[:2]}/{sha}"

    def path_for(self, sha: str) -> Path:
        """The object's file (local archives only)."""
        return Path(self.root) / self.object_name(sha)

    def uri_for(self, sha: str) -> str:
        return self.location.uri(self.object_name(sha))

    def has(self, sha: str) -> bool:
        return self.location.exists(self.object_name(sha))

    def put(self, data: bytes) -> str:
        """Store ``data`` (idempotent) and return its sha256."""
        sha = hashlib.sha256(data).hexdigest()
        if not self.has(sha):
            self.location.write(self.object_name(sha), data)  # atomic; no fsync: the web can refill it
        return sha

    def read(self, sha: str) -> bytes:
        try:
            return self.location.read(self.object_name(sha))
        except FileNotFoundError:
            raise FileNotFoundError(f"{self.uri_for(sha)}: object {sha} not in archive {self.root}") from None

    def read_verified(self, sha: str) -> bytes:
        """The object's bytes, checked against its name (ObjectCorrupt when they differ)."""
        try:
            return verify(self.read(sha), sha)
        except ObjectCorrupt as exc:
            raise ObjectCorrupt(f"{self.uri_for(sha)}: {exc}") from None

    def read_many(self, shas: list[str]) -> dict[str, tuple[bytes, dict[str, Any]]]:
        """Objects' bytes with their fingerprints, fetched together (one GET each on an
        object store, concurrently); missing ones left out. Not verified: :func:`verify`."""
        names = {self.object_name(sha): sha for sha in shas}
        return {names[name]: got for name, got in self.location.read_many(list(names)).items()}

    def fingerprint(self, sha: str) -> dict[str, Any] | None:
        """Cheap identity of the stored object (size and mtime, or ETag), None when missing."""
        return self.location.info(self.object_name(sha))

    def fingerprints(self, shas: list[str]) -> dict[str, dict[str, Any] | None]:
        """:meth:`fingerprint` of many objects: one listing of an object store, not a
        request per object."""
        if not self.remote:
            return {sha: self.fingerprint(sha) for sha in shas}
        listed = self.location.listing("objects")
        return {sha: listed.get(self.object_name(sha)) for sha in shas}

    def _log_files(self) -> list[str]:
        """Names of the sealed fetch-log files, oldest run first."""
        return sorted(n for n in self.location.listing("fetch_log") if n.endswith(".parquet"))

    def _journal_files(self) -> list[Path]:
        return sorted(self.journals.glob("*.jsonl")) if self.journals.is_dir() else []

    def _parquet(self, name: str) -> pa.Table:
        if not self.remote:
            return pq.read_table(Path(self.root) / name, schema=FETCH_LOG_SCHEMA)
        return pq.read_table(io.BytesIO(self.location.read(name)), schema=FETCH_LOG_SCHEMA)

    def _metadata(self, name: str) -> dict[bytes, bytes]:
        if not self.remote:
            return pq.read_schema(Path(self.root) / name).metadata or {}
        with self.location.fs.open(self.location.uri(name), "rb") as fh:  # the footer only
            return pq.read_schema(fh).metadata or {}

    def has_fetch_log(self) -> bool:
        return bool(self._log_files() or self._journal_files())

    def seal_journals(self) -> list[Where]:
        """Convert journals left by killed runs into Parquet (marked interrupted); returns the files."""
        return [FetchLogWriter.seal(self, j, {INTERRUPTED: "true"}) for j in self._journal_files()]

    def unresumed(self) -> dict[str, set[str] | None]:
        """Interrupted runs not yet picked up by a finished run: run_id → agencies picked up so far.

        ``None`` as the value means no agency of that run has been picked up yet.
        Reads only the Parquet footers.
        """
        interrupted: dict[str, set[str] | None] = {}
        resumed: list[dict[str, Any]] = []
        for name in self._log_files():
            meta = self._metadata(name)
            run_id = name.rsplit("/", 1)[-1].removesuffix(".parquet")
            if meta.get(INTERRUPTED.encode()) == b"true":
                interrupted[run_id] = None
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
        tables = [self._parquet(name) for name in self._log_files()]
        tables += [_rows_to_table(_read_journal(journal)) for journal in self._journal_files()]
        if not tables:
            return FETCH_LOG_SCHEMA.empty_table()
        return pa.concat_tables(tables)

    def export_csv(self) -> str:
        """Write ``fetch_log.csv`` beside the Parquet files, for people and spreadsheets."""
        buffer = io.BytesIO()
        pacsv.write_csv(self.fetch_log(), buffer)
        self.location.write("fetch_log.csv", buffer.getvalue())
        return self.location.uri("fetch_log.csv")

    def save_registry(self, registry: Path) -> None:
        self.location.write("registry.csv", Path(registry).read_bytes())

    def read_text(self, name: str) -> str | None:
        """A small text file of the archive (``registry.csv``), None when absent."""
        try:
            return self.location.read(name).decode("utf-8-sig")
        except FileNotFoundError:
            return None


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
        self.store = store
        store.journals.mkdir(parents=True, exist_ok=True)
        self.journal = store.journals / f"{run_id}.jsonl"
        self.parquet = f"fetch_log/{run_id}.parquet"
        if self.journal.exists() or store.location.exists(self.parquet):
            raise FileExistsError(f"{store.location.uri(self.parquet)}: run {run_id} already has a fetch log")
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

    def close(self, *, finished: bool = True, resumes: list[str] = (), agencies: list[str] | None = None) -> Where:
        """Seal the run. ``finished``: it ran to its end, having picked up the interrupted
        runs ``resumes`` for ``agencies`` (None: all of them); otherwise it is marked interrupted."""
        self._f.close()
        if not finished:
            return self.seal(self.store, self.journal, {INTERRUPTED: "true"})
        return self.seal(self.store, self.journal, {RESUMES: json.dumps({"runs": list(resumes), "agencies": agencies})})

    @staticmethod
    def seal(store: ArchiveStore, journal: Path, metadata: dict[str, str] | None = None) -> Where:
        """Journal → ``fetch_log/<run_id>.parquet`` in the archive (atomically), then drop the journal."""
        table = _rows_to_table(_read_journal(journal))
        if metadata:
            table = table.replace_schema_metadata(metadata)
        buffer = io.BytesIO()
        pq.write_table(table, buffer)
        name = f"fetch_log/{journal.stem}.parquet"
        store.location.write(name, buffer.getvalue())
        journal.unlink()
        return join(store.root, name)
