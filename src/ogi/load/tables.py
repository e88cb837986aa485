"""Parse cache + fetch log → the core Parquet tables, as one immutable snapshot.

Each load writes a new snapshot folder ``WAREHOUSE/tables/<snapshot>/`` and, only
when it is complete, points ``WAREHOUSE/tables/CURRENT`` at it (an atomic rename).
A crash leaves the previous snapshot (and the DuckDB file that reads it) intact;
re-running rebuilds from the archive and the parse cache, so nothing duplicates.

Per-report tables (cells, sections, parse issues) are built in 16 buckets by the
first hex digit of the document's sha256. A bucket whose inputs (its report
candidates, the parser version, this code) are unchanged since the previous
snapshot is hard-linked from it instead of rebuilt: a nightly load rewrites only
what new or re-parsed documents affect. Buckets are built in parallel processes.
The small tables (reports, agencies, documents, codes, cross-document issues) are
rebuilt whole each time, because is_record and the cross-year checks depend on
every report. The manifest records each file's size and sha256; a reused file must
still match them (ogi.load.snapshots), and a load with missing or implausible
input is refused before anything is written.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ogi import metadata
from ogi.archive.store import ArchiveStore
from ogi.load.lock import exclusive
from ogi.load.parse_cache import parser_version, through_cache, to_compact
from ogi.load.plan import DocumentRef, read_registry, report_candidates, report_id, stored_fetches
from ogi.load.publish import publish_snapshot
from ogi.load.snapshots import RETENTION, ROW_GROUP, check_input, checksums, intact, prune
from ogi.parse import template
from ogi.settings import settings
from ogi.storage import Location, Where, as_where, is_remote, work_dir
from ogi.validate.cross_year import cross_document_issues, last_complete_year
from ogi.validate.identities import APPLICANT_COLUMNS
from ogi.validate.oversight_years import YOY_CODES, cells_digest, conflicting_versions, stub_column, yoy_jump
from ogi.validate.report import missing_part, year_mismatch
from ogi.workers import new_pool

KEEP_SNAPSHOTS = RETENTION.keep_snapshots
log = logging.getLogger("ogi.load")
_UNKNOWN_YEAR = "unknown"
# Code of this module and the metadata: a change rebuilds every bucket.
_BUILD_HASH = hashlib.sha256(Path(__file__).read_bytes() + Path(metadata.__file__).read_bytes()).hexdigest()[:12]

_STUB_SCHEMA = pa.schema(
    [f for f in metadata.arrow_schema("reports") if f.name != "is_record"]
    + [pa.field(f"co_{c}", pa.float64()) for c in APPLICANT_COLUMNS]
    + [pa.field(f"cf_{c}", pa.float64()) for c in APPLICANT_COLUMNS]
    + [pa.field(stub_column(c), pa.float64()) for c in YOY_CODES]
    + [pa.field("cells_digest", pa.string())]
)


@dataclass
class LoadSummary:
    """What a load did; printed by ``ogi load`` and published by the flows."""

    snapshot: str
    documents: int = 0
    reports: int = 0
    records: int = 0
    parsed: int = 0
    parse_failed: int = 0  # documents the parser could not read (unreadable or a crash)
    parser_failures: list[str] = field(default_factory=list)  # crashes (bugs): "sha256 file: problem"
    buckets_rebuilt: int = 0
    buckets_reused: int = 0
    files_rejected: list[str] = field(default_factory=list)  # published files changed since, rebuilt
    issues_by_check: dict[str, int] = field(default_factory=dict)
    last_complete_year: int | None = None
    seconds: float = 0.0
    database: str | None = None
    run_id: str | None = None  # the run whose issues log has this load's problems
    issues_log: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def tables_root(warehouse: Path) -> Path:
    return Path(warehouse) / "tables"


def current_snapshot(warehouse: Path) -> Path | None:
    """Folder of the snapshot CURRENT points at, or None before the first load."""
    pointer = tables_root(warehouse) / "CURRENT"
    if not pointer.is_file():
        return None
    snap = tables_root(warehouse) / pointer.read_text().strip()
    if not (snap / "manifest.json").is_file():
        raise FileNotFoundError(f"{pointer}: points at {snap}, which has no manifest.json")
    return snap


def _atomic_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".tmp-{uuid.uuid4().hex}-{path.name}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _year_dir(year: int | None) -> str:
    return f"year={_UNKNOWN_YEAR if year is None else year}"


def _write(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, row_group_size=ROW_GROUP, compression="zstd")


def _write_by_year(name: str, columns_by_year: dict[int | None, dict[str, list]], snap: Path, part: str) -> list[str]:
    """Write one Parquet file per year of a partitioned table; returns paths relative to snap."""
    schema = metadata.arrow_schema(name)
    written = []
    for year, columns in columns_by_year.items():
        table = pa.table(columns, schema=schema)
        rel = f"{name}/{_year_dir(year)}/{part}.parquet"
        _write(table, snap / rel)
        written.append(rel)
    return written


def _empty_columns(name: str) -> dict[str, list]:
    return {c.name: [] for c in metadata.BY_NAME[name].columns}


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _timestamp(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


_SPLIT: dict[str, tuple[str, str, str]] = {}


def _split(code: str) -> tuple[str, str, str]:
    parts = _SPLIT.get(code)
    if parts is None:
        t, r, c = ([*code.split(".", 2), "", ""])[:3]
        parts = _SPLIT[code] = (t, r, c)
    return parts


def _status(meta: dict[str, Any], errors: int) -> str:
    if meta.get("unreadable"):
        return "unreadable"
    if meta.get("template") is None:
        return "no_tables"
    return "errors" if errors else "ok"


class _CellColumns:
    """Cells of one year of one bucket, accumulated as per-report lists and built with Arrow.

    Per-cell Python work is limited to list.extend of the cache entry's lists; the
    columns repeated per report (report_id, agency_id, year) and derived per code
    (table_name, row_name, col_name) are expanded with Arrow ``take`` instead.
    """

    _LISTS = ("values", "raw", "units", "page", "table", "row", "col", "confidence", "box")

    def __init__(self) -> None:
        self.report_ids: list[str] = []
        self.agencies: list[str | None] = []
        self.counts: list[int] = [0]
        self.code_ids: list[int] = []
        self.codes: dict[str, int] = {}
        self.lists: dict[str, list] = {k: [] for k in self._LISTS}

    def add(self, rid: str, agency: str | None, entry: dict[str, Any]) -> None:
        n = entry["n_cells"]
        self.report_ids.append(rid)
        self.agencies.append(agency)
        self.counts.append(self.counts[-1] + n)
        codes = self.codes
        self.code_ids += [codes.setdefault(c, len(codes)) for c in entry["codes"][:n]]
        for key, target in self.lists.items():
            target += entry[key][:n]

    def table(self, year: int | None) -> pa.Table:
        import pyarrow.compute as pc

        total = self.counts[-1]
        offsets = pa.array(self.counts, pa.int32())
        parent = pc.list_parent_indices(pa.ListArray.from_arrays(offsets, pa.nulls(total)))
        names = list(self.codes)
        code_idx = pa.array(self.code_ids, pa.int32())
        split = [_split(c) for c in names]
        rank = {c: r for r, c in enumerate(sorted(names))}
        columns = {
            "report_id": pa.array(self.report_ids, pa.string()).take(parent),
            "agency_id": pa.array(self.agencies, pa.string()).take(parent),
            "year": pa.nulls(total, pa.int16()) if year is None else pa.array([year] * total, pa.int16()),
            "code": pa.array(names, pa.string()).take(code_idx),
            "table_name": pa.array([p[0] for p in split], pa.string()).take(code_idx),
            "row_name": pa.array([p[1] for p in split], pa.string()).take(code_idx),
            "col_name": pa.array([p[2] for p in split], pa.string()).take(code_idx),
            "value": pa.array(self.lists["values"], pa.float64()),
            "unit": pa.array(self.lists["units"], pa.string()),
            "raw_text": pa.array(self.lists["raw"], pa.string()),
            "page": pa.array(self.lists["page"], pa.int32()),
            "source_table": pa.array(self.lists["table"], pa.int32()),
            "source_row": pa.array(self.lists["row"], pa.int32()),
            "source_col": pa.array(self.lists["col"], pa.int32()),
            "confidence": pa.array(self.lists["confidence"], pa.float64()),
            "box": pa.array(self.lists["box"], pa.list_(pa.int32())),
        }
        table = pa.table(columns, schema=metadata.arrow_schema("cells"))
        # rows clustered by code (in string order) so row-group statistics prune code filters
        order = pc.sort_indices(pa.array([rank[c] for c in names], pa.int32()).take(code_idx))
        return table.take(order)


def build_bucket(
    bucket: str,
    refs: list[DocumentRef],
    archive: Where,
    warehouse: Where,
    snap: Path,
    version: str,
    now: dict[str, Any] | None = None,
) -> list[str]:
    """Write cells, sections, per-report issues and report stubs of one bucket.

    Runs in a worker process. Documents not in the parse cache yet are parsed here,
    so write_tables is correct even when called without a prior parse_batch. ``now``:
    the objects' fingerprints when the caller listed them already (a remote archive).
    """
    store = ArchiveStore(archive)
    cache = Location(warehouse)
    cells: dict[int | None, _CellColumns] = defaultdict(_CellColumns)
    sections: dict[int | None, dict[str, list]] = defaultdict(lambda: _empty_columns("sections"))
    issues: dict[int | None, dict[str, list]] = defaultdict(lambda: _empty_columns("issues"))
    stubs: dict[str, list] = {name: [] for name in _STUB_SCHEMA.names}
    for ref, cached, parsed in through_cache(refs, store, cache, version, now):
        entry = cached if parsed is None else to_compact(parsed)
        meta = entry["meta"]
        parsed_year = meta.get("year")
        year = parsed_year if parsed_year is not None else ref.report_year
        rid = report_id(ref.agency_id, year, ref.url)
        agency = ref.agency_id
        cells[year].add(rid, agency, entry)

        sec = sections[year]
        for name, text in (meta.get("sections") or {}).items():
            for key, val in (("report_id", rid), ("agency_id", agency), ("year", year)):
                sec[key].append(val)
            sec["section"].append(name)
            sec["text"].append(text)

        found = [
            (i.get("check"), i.get("severity"), list(i.get("codes") or []), i.get("detail"), "parse")
            for i in meta.get("issues") or []
        ]
        load_found = year_mismatch(parsed_year, ref.report_year, ref.url) + missing_part(ref.missing_parts)
        found += [(i.check, i.severity, i.codes, i.detail, "load") for i in load_found]
        iss = issues[year]
        for check, sev, icodes, detail, origin in found:
            for key, val in (
                ("report_id", rid),
                ("agency_id", agency),
                ("year", year),
                ("check_name", check),
                ("severity", sev),
                ("codes", icodes),
                ("detail", detail),
                ("origin", origin),
            ):
                iss[key].append(val)

        n = entry["n_cells"]
        values = dict(zip(entry["codes"][:n], entry["values"][:n], strict=True))
        errors = sum(1 for i in meta.get("issues") or [] if i.get("severity") == "error")
        errors += sum(1 for i in load_found if i.severity == "error")
        stub = {
            "report_id": rid,
            "agency_id": agency,
            "year": year,
            "template": meta.get("template"),
            "title": meta.get("title") or ref.link_title,
            "agency_name_printed": meta.get("agency"),
            "published_date": _date(meta.get("published")),
            "listing_year": ref.report_year,
            "document_sha256": ref.sha256,
            "document_url": ref.url,
            "document_kind": ref.kind,
            "content_type": ref.content_type,
            "parse_status": _status(meta, errors),
            "error_count": errors,
            "cells_filled": n - entry["values"][:n].count(None),
            "parser_version": version,
            "parsed_at": _timestamp(meta.get("parsed_at")),
            "first_fetched_at": ref.first_fetched_at,
        }
        for c in APPLICANT_COLUMNS:
            stub[f"co_{c}"] = values.get(f"requests.carried_over.{c}")
            stub[f"cf_{c}"] = values.get(f"requests.carried_forward.{c}")
        for code in YOY_CODES:
            stub[stub_column(code)] = values.get(code)
        stub["cells_digest"] = cells_digest(values)
        for key, val in stub.items():
            stubs[key].append(val)

    written = []
    for year, columns in cells.items():
        rel = f"cells/{_year_dir(year)}/b-{bucket}.parquet"
        _write(columns.table(year), snap / rel)
        written.append(rel)
    written += _write_by_year("sections", sections, snap, f"b-{bucket}")
    written += _write_by_year("issues", issues, snap, f"b-{bucket}")
    rel = f"_stubs/b-{bucket}.parquet"
    _write(pa.table(stubs, schema=_STUB_SCHEMA), snap / rel)
    return [*written, rel]


def _fingerprint(refs: list[DocumentRef], version: str, now: dict[str, Any]) -> str:
    """Digest of everything a bucket's files are built from, the stored objects' size and
    mtime (``now``) included: a changed object rebuilds its bucket, where it is verified again."""
    h = hashlib.sha256(f"{version}|{_BUILD_HASH}".encode())
    for ref in refs:
        h.update(
            f"{ref.sha256}|{ref.url}|{ref.agency_id}|{ref.kind}|{ref.content_type}|{ref.report_year}|"
            f"{ref.link_title}|{ref.first_fetched_at}|{now[ref.sha256]}\n".encode()
        )
    return h.hexdigest()


def _link(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _record_key(stub: dict[str, Any]) -> tuple:
    """Sort key of the report-of-record rule (metadata.RECORD_RULE): smallest wins."""
    published = stub["published_date"]
    fetched = stub["first_fetched_at"]
    return (
        stub["template"] is None,
        stub["error_count"],
        -stub["cells_filled"],
        -(published.toordinal() if published else 0),
        stub["document_kind"] != "attachment",
        -(fetched.timestamp() if fetched else 0),
        stub["report_id"],
    )


def mark_records(stubs: list[dict[str, Any]]) -> None:
    """Set is_record: exactly one report per (agency_id, year) with a year."""
    groups: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for stub in stubs:
        stub["is_record"] = False
        if stub["year"] is not None:
            groups[(stub["agency_id"], stub["year"])].append(stub)
    for group in groups.values():
        min(group, key=_record_key)["is_record"] = True


def _rows_to_columns(name: str, rows: Iterable[dict[str, Any]]) -> dict[int | None, dict[str, list]]:
    out: dict[int | None, dict[str, list]] = defaultdict(lambda: _empty_columns(name))
    names = [c.name for c in metadata.BY_NAME[name].columns]
    for row in rows:
        col = out[row.get("year")]
        for key in names:
            col[key].append(row.get(key))
    return out


def _documents(fetches: pa.Table, stored: set[str], candidates: list[DocumentRef]) -> pa.Table:
    """A row per archived document; ``stored``: the sha256 of the objects the archive holds."""
    docs: dict[str, dict[str, Any]] = {}
    for row in fetches.sort_by([("requested_at", "ascending")]).to_pylist():
        doc = docs.get(row["sha256"])
        if doc is None:
            doc = docs[row["sha256"]] = {"first_fetched_at": row["requested_at"], "fetch_count": 0}
        doc.update(
            url=row["url"],
            final_url=row["final_url"],
            agency_id=row["agency_id"],
            kind=row["kind"],
            content_type=row["content_type"],
            bytes=row["bytes"],
            report_year=row["report_year"],
            link_title=row["link_title"],
            last_fetched_at=row["requested_at"],
        )
        doc["fetch_count"] += 1
    rows = [dict(doc, sha256=sha, stored=sha in stored) for sha, doc in docs.items()]
    rows += _part_documents(candidates, docs, stored)
    rows.sort(key=lambda row: row["sha256"])
    schema = metadata.arrow_schema("documents")
    return pa.Table.from_pylist(rows, schema=schema)


def _part_documents(candidates: list[DocumentRef], docs: dict[str, dict[str, Any]], stored: set[str]) -> list[dict]:
    """A row per document of parts (an article published as pictures): the article's
    URL, its parts in page order, their total size; each part keeps its own row."""
    rows = []
    for ref in candidates:
        if not ref.parts:
            continue
        parts = [docs[sha] for sha in ref.parts]
        rows.append(
            {
                "sha256": ref.sha256,
                "url": ref.url,
                "final_url": ref.url,
                "agency_id": ref.agency_id,
                "kind": ref.kind,
                "content_type": ref.content_type,
                "bytes": sum(p["bytes"] or 0 for p in parts),
                "report_year": ref.report_year,
                "link_title": ref.link_title,
                "first_fetched_at": ref.first_fetched_at,
                "last_fetched_at": max(p["last_fetched_at"] for p in parts),
                "fetch_count": 0,
                "stored": all(sha in stored for sha in ref.parts),
                "part_sha256": list(ref.parts),
            }
        )
    return rows


def _agencies(registry: list[dict[str, Any]], seen: set[str]) -> pa.Table:
    known = {r["agency_id"] for r in registry}
    rows = registry + [{"agency_id": a, "verified": False, "in_registry": False} for a in sorted(seen - known) if a]
    return pa.Table.from_pylist(rows, schema=metadata.arrow_schema("agencies"))


def _codes() -> pa.Table:
    rows = []
    for version in (*template.VERSIONS, "ext"):
        labels = template.labels("2021" if version == "ext" else version)
        codes = template.ext_codes() if version == "ext" else template.codes(version)
        for code in codes:
            table, row, col = _split(code)
            _, row_label, col_label = labels[code]
            rows.append(
                {
                    "template": version,
                    "code": code,
                    "table_name": table,
                    "row_name": row,
                    "col_name": col,
                    "row_label": row_label,
                    "col_label": col_label,
                }
            )
    return pa.Table.from_pylist(rows, schema=metadata.arrow_schema("codes"))


def write_tables(
    archive: Where,
    warehouse: Where,
    *,
    workers: int | None = None,
    as_of: date | None = None,
    allow_shrink: bool = False,
    keep_snapshots: int = RETENTION.keep_snapshots,
) -> LoadSummary:
    """Build a new snapshot of every core table from the archive and the parse cache.

    ``as_of`` (default today) fixes the last complete report year for missing_report.
    Refuses (LoadRefused) an archive with no fetch log, or with far fewer report
    documents than the current snapshot unless ``allow_shrink``; keeps the newest
    ``keep_snapshots`` snapshots.

    A remote warehouse (``s3://…``) is built in this machine's working folder, then the
    snapshot is uploaded and its ``tables/CURRENT`` pointer written last, so readers see
    the old snapshot or the new one, never a part.
    """
    archive, warehouse = as_where(archive), as_where(warehouse)
    if isinstance(archive, Path) and not archive.is_dir():
        raise FileNotFoundError(f"{archive}: archive folder not found")
    with exclusive(work_dir(warehouse)):
        summary = _write_tables(archive, warehouse, workers, as_of, allow_shrink, keep_snapshots)
        if is_remote(warehouse):
            publish_snapshot(warehouse, tables_root(work_dir(warehouse)), summary.snapshot)
        return summary


def _published_manifest(warehouse: Where) -> dict[str, Any] | None:
    """The manifest of the remote warehouse's current snapshot (for the shrink check of a
    machine whose working folder is new), None before its first load."""
    remote = Location(warehouse)
    try:
        name = remote.read("tables/CURRENT").decode().strip()
        return json.loads(remote.read(f"tables/{name}/manifest.json"))
    except FileNotFoundError:
        return None


def _write_tables(
    archive: Where, warehouse: Where, workers: int | None, as_of: date | None, allow_shrink: bool, keep: int
) -> LoadSummary:
    started = datetime.now(UTC)
    version = parser_version()
    work = work_dir(warehouse)
    root = tables_root(work)
    previous = current_snapshot(work)
    old = json.loads((previous / "manifest.json").read_text()) if previous else None
    if old is None and is_remote(warehouse):
        old = _published_manifest(warehouse)
        old = old and {**old, "buckets": {}}  # nothing local to reuse: every bucket is built
    fetches = stored_fetches(archive)
    candidates = report_candidates(fetches, ArchiveStore(archive))
    check_input(archive, len(candidates), old, allow_shrink=allow_shrink)
    old = old or {"buckets": {}}

    # to the microsecond: loads within one second still sort in order (retention keeps the newest by name)
    name = started.strftime("%Y%m%dT%H%M%S%f") + "-" + uuid.uuid4().hex[:6]
    snap = root / name
    snap.mkdir(parents=True)
    buckets: dict[str, list[DocumentRef]] = defaultdict(list)
    for ref in candidates:
        buckets[ref.sha256[0]].append(ref)

    summary = LoadSummary(snapshot=name)
    manifest: dict[str, Any] = {"parser_version": version, "buckets": {}, "checksums": {}}
    to_build = {}
    store = ArchiveStore(archive)
    # every object's fingerprint in one listing of a remote archive (a stat each in a folder)
    every_sha = {*fetches.column("sha256").to_pylist(), *(ref.sha256 for ref in candidates)}
    stored_objects = store.fingerprints(sorted(every_sha))
    now = {ref.sha256: stored_objects[ref.sha256] for ref in candidates}
    for bucket, refs in sorted(buckets.items()):
        fp = _fingerprint(refs, version, now)
        prior = old["buckets"].get(bucket)
        if prior and prior["fingerprint"] == fp:
            changed = [rel for rel in prior["files"] if not intact(previous, rel, old)]
            if not changed:
                for rel in prior["files"]:
                    _link(previous / rel, snap / rel)
                    manifest["checksums"][rel] = old["checksums"][rel]
                manifest["buckets"][bucket] = prior
                summary.buckets_reused += 1
                continue
            log.warning("%s: %s changed since published; rebuilding them", previous, ", ".join(changed))
            summary.files_rejected += changed
        to_build[bucket] = (fp, refs)

    def listed(refs: list[DocumentRef]) -> dict[str, Any]:
        """The bucket's fingerprints for its builder: on a remote archive they replace a
        request per object; a local one is checked again when built (a stat is cheap)."""
        return {ref.sha256: now[ref.sha256] for ref in refs} if store.remote else {}

    workers = workers or settings().worker_count
    if workers > 1 and len(to_build) > 1:
        with new_pool(min(workers, len(to_build))) as pool:
            futures = {
                b: pool.submit(build_bucket, b, refs, archive, warehouse, snap, version, listed(refs))
                for b, (_, refs) in to_build.items()
            }
            built = {b: f.result() for b, f in futures.items()}
    else:
        built = {
            b: build_bucket(b, refs, archive, warehouse, snap, version, listed(refs))
            for b, (_, refs) in to_build.items()
        }
    for bucket, files in built.items():
        manifest["buckets"][bucket] = {"fingerprint": to_build[bucket][0], "files": files}
    summary.buckets_rebuilt = len(built)

    stubs = [
        row for b in sorted(manifest["buckets"]) for row in pq.read_table(snap / f"_stubs/b-{b}.parquet").to_pylist()
    ]
    mark_records(stubs)
    registry = read_registry(archive)
    as_of = as_of or started.date()
    issues = [i.to_row("load") for i in cross_document_issues(stubs, registry, as_of)]
    records = {(s["agency_id"], s["year"]): s for s in stubs if s["is_record"] and s["template"] is not None}
    predecessor = {a["agency_id"]: a["predecessor_id"] for a in registry if a.get("predecessor_id")}
    issues += yoy_jump(records, predecessor)
    issues += conflicting_versions(stubs, lambda ids: _cells_of(snap, ids))
    _write_by_year("reports", _rows_to_columns("reports", stubs), snap, "part-0")
    _write_by_year("issues", _rows_to_columns("issues", issues), snap, "load")

    documents = _documents(fetches, {sha for sha, fp in stored_objects.items() if fp is not None}, candidates)
    _write(documents, snap / "documents/part-0.parquet")
    seen = {s["agency_id"] for s in stubs} | {a for a in documents.column("agency_id").to_pylist() if a}
    _write(_agencies(registry, seen), snap / "agencies/part-0.parquet")
    _write(_codes(), snap / "codes/part-0.parquet")
    for table in metadata.CORE:  # every dataset has a file, so its DuckDB view always resolves
        if not any((snap / table.name).rglob("*.parquet")):
            _write(metadata.arrow_schema(table.name).empty_table(), snap / table.name / "empty.parquet")

    manifest["as_of"] = as_of.isoformat()
    manifest["last_complete_year"] = last_complete_year(as_of)
    manifest["reports"] = len(stubs)
    fresh = [p.relative_to(snap).as_posix() for p in snap.rglob("*.parquet")]
    manifest["checksums"] |= checksums(snap, [rel for rel in fresh if rel not in manifest["checksums"]])
    (snap / "manifest.json").write_text(json.dumps(manifest, indent=1))
    _atomic_text(root / "CURRENT", name + "\n")
    prune(root, name, keep)

    issue_counts = pq.read_table(snap / "issues", columns=["check_name"], partitioning=None).column("check_name")
    summary.issues_by_check = dict(sorted(_count(issue_counts.to_pylist()).items()))
    summary.documents = pq.read_metadata(snap / "documents/part-0.parquet").num_rows
    summary.reports = len(stubs)
    summary.records = sum(1 for s in stubs if s["is_record"])
    summary.last_complete_year = manifest["last_complete_year"]
    summary.seconds = round((datetime.now(UTC) - started).total_seconds(), 2)
    return summary


def _cells_of(snap: Path, report_ids: list[str]) -> dict[str, dict[str, float | None]]:
    """Cells of a few reports of this snapshot, read back from its Parquet files."""
    import pyarrow.dataset as ds

    table = ds.dataset(snap / "cells", format="parquet").to_table(
        columns=["report_id", "code", "value"], filter=ds.field("report_id").isin(report_ids)
    )
    out: dict[str, dict[str, float | None]] = defaultdict(dict)
    for rid, code, value in zip(*(table.column(n).to_pylist() for n in ("report_id", "code", "value")), strict=True):
        out[rid][code] = value
    return out


def _count(values: list[str]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for v in values:
        out[v] += 1
    return dict(out)
