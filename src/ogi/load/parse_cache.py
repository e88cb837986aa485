"""Parse results cached by (sha256, parser_version), the warehouse's intermediate layer.

``WAREHOUSE/parse_cache/<parser_version>/<sha[:2]>/<sha>.json`` holds the parse
contract object of one document (plus ``parsed_at``), stored column-wise (one list
per cell attribute, see :func:`to_compact`) because the table builder reads every
entry on each full rebuild and parallel lists are about three times smaller and
faster to decode than per-code objects. A document is parsed once per
parser version however many loads, flows or processes ask for it: files are written
to a temporary name and renamed, so concurrent writers of the same entry race
harmlessly (same content) and a reader never sees half a file. In a bucket the
entries a process parses together go up as one object, a pack
(:mod:`ogi.load.cache_packs`): one PUT per chunk of documents, not one per document.

Each entry also records the archived object's fingerprint (size, mtime) when it was
parsed. A cache hit whose object has since changed (or vanished) is not trusted:
the object is re-verified against its sha256, and a corrupt one gives an
``object_corrupt`` error result instead of the cached numbers (never cached
itself, so a restored object is read again).

A document of parts (an article published as pictures, ``DocumentRef.parts``) is
cached under its parts' key like any document; its entry lists the parts' sha256 in
order (``parts``) and records every part's fingerprint, and a hit is trusted only
when every part is there unchanged.
"""

from __future__ import annotations

import contextlib
import importlib
import json
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ogi.archive.store import ArchiveStore, ObjectCorrupt, verify
from ogi.extract.errors import UnreadableDocument
from ogi.extract.heavy import NeedsOCR, deferring_ocr
from ogi.load import cache_packs
from ogi.load.cache_packs import Packs
from ogi.storage import Location, Where, work_dir
from ogi.validate.checks import Issue
from ogi.validate.document import parser_failure, unreadable_document

if TYPE_CHECKING:
    from ogi.load.plan import DocumentRef

_EXT_BY_TYPE = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "application/pdf": ".pdf",
    "application/msword": ".doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "text/plain": ".txt",
    "image/jpeg": ".jpg",
    "image/png": ".png",
}
FETCH_CHUNK = 16  # documents whose cache entries and objects are fetched together


def parser() -> ModuleType:
    """The parser module (``OGI_PARSER``, default :mod:`ogi.parse.api`), imported lazily:
    the parser is heavy. It provides ``PARSER_VERSION`` and ``parse_bytes``."""
    from ogi.settings import settings

    return importlib.import_module(settings().parser)


def parser_version() -> str:
    """The current parser's version."""
    return parser().PARSER_VERSION


def cache_name(sha256: str, version: str) -> str:
    """The entry's name in the warehouse (a folder or an object-store prefix)."""
    return f"parse_cache/{version}/{sha256[:2]}/{sha256}.json"


def cache_path(warehouse: Path, sha256: str, version: str) -> Path:
    """The entry's file in a local warehouse."""
    return Path(warehouse) / cache_name(sha256, version)


def cached_shas(warehouse: Where | Location, version: str) -> set[str]:
    """Documents with an entry for ``version``, from one listing (not one request each);
    in a bucket, the entries of its packs too (each pack fetched once per machine)."""
    location = _location(warehouse)
    names = list(location.listing(f"parse_cache/{version}"))
    if location.remote:
        names += Packs(location, _mirror(location), version, listed=names).entry_names()
    return {n.rsplit("/", 1)[-1].removesuffix(".json") for n in names if n.endswith(".json")}


def _location(where: Where | Location) -> Location:
    return where if isinstance(where, Location) else Location(where)


_PER_CODE = ("cells", "raw", "units", "positions", "confidence")
_POS = ("page", "table", "row", "col", "box")  # box: OCR cells only


def to_compact(result: dict[str, Any]) -> dict[str, Any]:
    """Parse result → cache form: ``meta`` (everything but the per-code maps) and lists.

    ``codes`` lists the cell codes first (``n_cells`` of them), then any code that
    has only raw text, a unit or a position; ``values``, ``raw``, ``units`` and the
    four position lists run parallel to ``codes``.
    """
    cells = result.get("cells") or {}
    raw, units, positions, confidence = (result.get(k) or {} for k in _PER_CODE[1:])
    codes = list(cells)
    codes += [c for c in dict.fromkeys([*raw, *units, *positions, *confidence]) if c not in cells]
    pos = [positions.get(c) or {} for c in codes]
    out = {
        "meta": {k: v for k, v in result.items() if k not in _PER_CODE},
        "n_cells": len(cells),
        "codes": codes,
        "values": [cells.get(c) for c in codes],
        "raw": [raw.get(c) for c in codes],
        "units": [units.get(c) for c in codes],
        "confidence": [confidence.get(c) for c in codes],
    }
    for key in _POS:
        out[key] = [p.get(key) for p in pos]
    return out


def from_compact(entry: dict[str, Any]) -> dict[str, Any]:
    """Cache form → the parse contract object."""
    codes, n = entry["codes"], entry["n_cells"]
    result = dict(entry["meta"])
    result["cells"] = dict(zip(codes[:n], entry["values"][:n], strict=True))
    result["raw"] = {c: v for c, v in zip(codes, entry["raw"], strict=True) if v is not None}
    result["units"] = {c: v for c, v in zip(codes, entry["units"], strict=True) if v is not None}
    result["positions"] = {
        c: {k: v for k, v in zip(_POS, p, strict=True) if k != "box" or v is not None}
        for c, *p in zip(codes, *(entry[k] for k in _POS), strict=True)
        if any(v is not None for v in p)
    }
    result["confidence"] = {c: v for c, v in zip(codes, entry["confidence"], strict=True) if v is not None}
    return result


def read_compacts(
    warehouse: Location, shas: list[str], version: str, packs: Packs | None = None
) -> dict[str, dict[str, Any]]:
    """The cached entries (cache form) of ``shas`` that have one, fetched together; a
    corrupt entry is left out (re-parsed, never trusted). ``packs``: the bucket's packs
    as this caller has seen them (a remote warehouse; see :func:`_read_through`)."""
    names = {cache_name(sha, version): sha for sha in shas}
    if warehouse.remote and packs is None:
        packs = Packs(warehouse, _mirror(warehouse), version)
    out = {}
    for name, data in _read_through(warehouse, list(names), packs).items():
        try:
            entry = json.loads(data)
        except ValueError:
            continue
        if isinstance(entry, dict) and "codes" in entry:
            out[names[name]] = entry
    return out


def _read_through(warehouse: Location, names: list[str], packs: Packs | None) -> dict[str, bytes]:
    """The entries ``names`` that exist. A remote warehouse's entries are read from this
    machine's mirror (:func:`_mirror`), which holds every pack this machine wrote or
    has seen: the table build reads every entry of the buckets it rebuilds, which
    without the copy is a GET per document per load. An entry the mirror lacks is looked
    for in the bucket's packs, then as an object of its own (written so by ogi before
    packs), both known from one listing per ``packs``."""
    if not warehouse.remote:
        return {name: data for name, (data, _) in warehouse.read_many(names).items()}
    assert packs is not None
    mirror = _mirror(warehouse)
    found = {name: data for name, (data, _) in mirror.read_many(names).items()}
    missing = [n for n in names if n not in found]
    if not missing:
        return found
    packs.restore(missing)
    found |= {name: data for name, (data, _) in mirror.read_many(missing).items()}
    alone = packs.stored_alone(n for n in missing if n not in found)
    fetched = {name: data for name, (data, _) in warehouse.read_many(alone).items()} if alone else {}
    mirror.write_many(fetched)
    return found | fetched


def _mirror(warehouse: Location) -> Location:
    """This machine's copy of a remote warehouse's parse cache (in ``OGI_WORK``). An
    entry's name fixes its content (one document, one parser version; the parse is
    deterministic), so a copy is never stale in what it says; the object fingerprint
    it carries is checked like the original's (:func:`_trusted`). Deleting it costs
    only the requests to fill it again."""
    return Location(work_dir(warehouse.where))


def _write_entries(warehouse: Location, version: str, entries: dict[str, bytes]) -> None:
    """A local warehouse: one file per entry. A bucket: one pack (:mod:`ogi.load.cache_packs`)."""
    if warehouse.remote:
        cache_packs.write(warehouse, _mirror(warehouse), version, entries)
    else:
        warehouse.write_many(entries)


def write_cached(warehouse: Where | Location, result: dict[str, Any], fingerprint: Any = None) -> str:
    """Store one parse result atomically (a temp file renamed, or one PUT), with the
    fingerprint of the object it was parsed from (a list, one per part, for a document
    of parts); returns its name in the warehouse's cache."""
    name = cache_name(result["sha256"], result["parser_version"])
    entry = _encoded(to_compact(result) | {"object": fingerprint})
    _write_entries(_location(warehouse), result["parser_version"], {name: entry})
    return name


def _encoded(entry: dict[str, Any]) -> bytes:
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode()


def document_name(url: str, content_type: str | None) -> str:
    """A file name for the parser's type hint: the URL's last segment, else one from the type."""
    name = PurePosixPath(urlsplit(url).path).name
    if PurePosixPath(name).suffix:
        return name
    ctype = (content_type or "").split(";")[0].strip().lower()
    return (name or "document") + _EXT_BY_TYPE.get(ctype, "")


def _failed(sha256: str, version: str, name: str, issue: Issue, *, bug: bool = False) -> dict[str, Any]:
    """A parse result for a document the parser could not read (no cells).

    An unreadable document (``unsupported_document``; a parse limit:
    ``document_too_large``, ``parse_timeout``) is data: cached like any result, so it
    costs one attempt per parser version. A missing or changed archived object
    (``object_corrupt``) is not cached: the object may yet be restored. A crash
    (``parser_failure``, ``bug``) is a bug in ogi: never cached, so the document is
    parsed again once the bug is fixed.
    """
    return {
        "file": name,
        "sha256": sha256,
        "parser_version": version,
        "agency": None,
        "year": None,
        "template": None,
        "title": None,
        "published": None,
        "cells": {},
        "raw": {},
        "units": {},
        "positions": {},
        "sections": {},
        "issues": [issue.to_json()],
        "unreadable": True,
        "parser_failure": bug,
        "parsed_at": datetime.now(UTC).isoformat(),
    }


def _fingerprints(ref: DocumentRef, store: ArchiveStore) -> dict[str, Any] | list[dict[str, Any] | None] | None:
    """The archived object's fingerprint, or each part's in order."""
    if ref.parts:
        return [store.fingerprint(sha) for sha in ref.parts]
    return store.fingerprint(ref.sha256)


def _trusted(
    entry: dict[str, Any] | None, ref: DocumentRef, store: ArchiveStore, now: dict[str, Any] | None = None
) -> bool:
    """A cache entry may stand for the archived object: the object (every part) is there
    and unchanged since it was parsed (or, changed in mtime only, still hashes to its
    name). ``now``: the object's fingerprint when the caller listed it already."""
    if entry is None:
        return False
    now = now or _fingerprints(ref, store)
    if now is None or (ref.parts and None in now):
        return False
    if entry.get("object") == now:
        return True
    try:
        for sha in ref.parts or (ref.sha256,):
            store.read_verified(sha)
    except (ObjectCorrupt, FileNotFoundError):
        return False
    return True


def through_cache(
    refs: list[DocumentRef],
    store: ArchiveStore,
    warehouse: Location,
    version: str,
    now: dict[str, Any] | None = None,
    *,
    planned: bool = False,
) -> Iterator[tuple[DocumentRef, dict[str, Any] | None, dict[str, Any] | None]]:
    """Each ref with its result: ``(ref, entry, None)`` from a trusted cache entry (cache
    form), ``(ref, None, result)`` parsed now and cached, ``(ref, None, None)`` when its
    OCR was deferred and it needs it (not parsed). ``now``: objects' fingerprints by
    sha256 when the caller listed them already. ``planned``: the refs come from
    :func:`ogi.load.plan.plan`, so they had no entry a moment ago and none is looked up
    (one request per document saved on an object store; an entry another process wrote
    since is written again, with the same content).

    Documents go ``FETCH_CHUNK`` at a time: their cache entries, then the objects of
    those to parse, are fetched together (concurrently on an object store, where a
    request's latency, not its bytes, is the cost), and the new entries are written
    together after the chunk is parsed (in a bucket, as one pack). The requests run
    beside the parsing, in one I/O thread: the objects of the next planned chunk are
    fetched, and a chunk's entries written, while the parser works, so a worker's
    core does not wait for the store. A process that dies loses at most two chunks'
    entries, which the retried batch parses again.
    """
    now = now or {}
    packs = Packs(warehouse, _mirror(warehouse), version) if warehouse.remote else None
    chunks = [refs[start : start + FETCH_CHUNK] for start in range(0, len(refs), FETCH_CHUNK)]

    def objects_of(chunk: list[DocumentRef]) -> dict[str, tuple[bytes, dict[str, Any]]]:
        return store.read_many([sha for ref in chunk for sha in ref.parts or (ref.sha256,)])

    with ThreadPoolExecutor(1, thread_name_prefix="ogi-cache-io") as io:
        ahead = io.submit(objects_of, chunks[0]) if planned and chunks else None
        written: Future | None = None
        for i, chunk in enumerate(chunks):
            entries = {} if planned else read_compacts(warehouse, [ref.sha256 for ref in chunk], version, packs)
            stale = [ref for ref in chunk if not _trusted(entries.get(ref.sha256), ref, store, now.get(ref.sha256))]
            objects = ahead.result() if ahead is not None else objects_of(stale)
            ahead = io.submit(objects_of, chunks[i + 1]) if planned and i + 1 < len(chunks) else None
            writes: dict[str, bytes] = {}
            done = []
            for ref in chunk:
                if ref not in stale:
                    done.append((ref, entries[ref.sha256], None))
                    continue
                try:
                    result, entry = _parse_fetched(ref, objects, version)
                except NeedsOCR:  # not parsed here: the fan-out reads it in a heavy batch
                    done.append((ref, None, None))
                    continue
                if entry is not None:
                    writes[cache_name(ref.sha256, version)] = _encoded(entry)
                done.append((ref, None, result))
            if written is not None:
                written.result()  # the previous chunk's entries are stored (or its error raised)
            written = io.submit(_write_entries, warehouse, version, writes)
            yield from done
        if written is not None:
            written.result()


def _parse_fetched(
    ref: DocumentRef, objects: dict[str, tuple[bytes, dict[str, Any]]], version: str
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Run the parser on the fetched bytes: the result and its cache entry (None when it
    must not be cached: a missing or corrupt object, a crash)."""
    name = document_name(ref.url, ref.content_type)
    shas = ref.parts or (ref.sha256,)
    try:
        data = []
        for sha in shas:
            if sha not in objects:
                raise FileNotFoundError(f"object {sha} not in the archive")
            data.append(verify(objects[sha][0], sha))
    except (FileNotFoundError, ObjectCorrupt) as exc:  # not cached: the object may yet be restored
        return _failed(ref.sha256, version, name, unreadable_document(name, exc)), None
    fingerprint = [objects[sha][1] for sha in shas] if ref.parts else objects[ref.sha256][1]
    try:
        with deferring_ocr() if ref.ocr_deferred else contextlib.nullcontext():
            if ref.parts:
                result = parser().parse_parts(data, name, source_url=ref.url)
            else:
                result = parser().parse_bytes(data[0], name, source_url=ref.url)
    except NeedsOCR:
        raise
    except UnreadableDocument as exc:  # the document's fault (limits included): recorded and cached
        result = _failed(ref.sha256, version, name, unreadable_document(name, exc))
    except Exception as exc:  # ogi's fault: a failure of this document, not cached
        return _failed(ref.sha256, version, name, parser_failure(name, exc), bug=True), None
    result["sha256"] = ref.sha256
    if ref.parts:
        result["parts"] = list(ref.parts)
    result["parser_version"] = version
    result["parsed_at"] = datetime.now(UTC).isoformat()
    return result, to_compact(result) | {"object": fingerprint}


def parse_batch(
    refs: list[DocumentRef], archive: Where, warehouse: Where, *, planned: bool = False
) -> list[dict[str, Any] | None]:
    """Parse a batch of documents through the cache (``planned``: see
    :func:`through_cache`); safe to run in several processes (or machines) at once.

    A document whose OCR was deferred (``ref.ocr_deferred``) and that needs it has no
    result here (None): it has not been parsed."""
    done = through_cache(refs, ArchiveStore(archive), Location(warehouse), parser_version(), planned=planned)
    return [result if entry is None else from_compact(entry) for _, entry, result in done]
