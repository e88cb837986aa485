"""A remote warehouse's parse-cache entries, written a chunk at a time as one object (a pack).

Why: on an object store a request costs far more than its bytes (moto takes about
4 ms of its own CPU per PUT, a cloud store 10–50 ms of latency), and writing one
entry per document made half of all the requests of a reparse. So the entries a
process parses together (``FETCH_CHUNK`` documents) go up in one PUT::

    WAREHOUSE/parse_cache/<version>/packs/<d[:2]>/<d>.jsonl.gz

``d`` is the sha256 of the entries' names, so a retried chunk writes the same pack
again (one PUT, atomic, same documents). The object is gzip'd lines
``<entry name><TAB><entry JSON>``, each entry byte for byte what a local warehouse
keeps in its own file. A local warehouse still keeps one file per entry: a rename
costs nothing there, and an entry is found by its name with no index.

Every machine unpacks a pack once, into its copy of the parse cache (the *mirror*,
in ``OGI_WORK``: one file per entry, as in a local warehouse), and writes the pack's
index beside it (``<pack>.names``: its entry names) after its entries, so an index
means they are all there. A process that writes a pack fills its mirror the same
way, so the machine that parsed never reads its own packs back. The bucket stays
the truth of what is cached: only packs it lists count (:meth:`Packs.entry_names`).
"""

from __future__ import annotations

import gzip
import hashlib
import logging
from collections.abc import Iterable

from ogi.storage import CONCURRENT_REQUESTS, Location

log = logging.getLogger(__name__)

SUFFIX = ".jsonl.gz"
INDEX = ".names"


def pack_name(version: str, names: Iterable[str]) -> str:
    """The pack of the entries ``names``: named by them, so the same chunk gives the same pack."""
    digest = hashlib.sha256("\n".join(sorted(names)).encode()).hexdigest()
    return f"{prefix(version)}/{digest[:2]}/{digest}{SUFFIX}"


def prefix(version: str) -> str:
    return f"parse_cache/{version}/packs"


def encode(entries: dict[str, bytes]) -> bytes:
    """The pack's bytes: one ``name<TAB>entry`` line per entry, gzip'd (level 1: entries
    are repetitive JSON, about 5 times smaller, for little CPU)."""
    lines = b"".join(name.encode() + b"\t" + data + b"\n" for name, data in entries.items())
    return gzip.compress(lines, compresslevel=1, mtime=0)


def decode(data: bytes) -> dict[str, bytes]:
    """A pack's entries (name → bytes); ValueError when it is not a whole pack."""
    try:
        lines = gzip.decompress(data).split(b"\n")
    except (OSError, EOFError) as exc:
        raise ValueError(f"not a gzip'd pack: {exc}") from None
    if lines[-1] != b"":
        raise ValueError("a pack ends with a newline")
    out = {}
    for line in lines[:-1]:
        name, tab, entry = line.partition(b"\t")
        if not tab or not entry:
            raise ValueError(f"a line of a pack is not name<TAB>entry: {line[:60]!r}")
        out[name.decode()] = entry
    return out


def write(warehouse: Location, mirror: Location, version: str, entries: dict[str, bytes]) -> None:
    """Put ``entries`` in the bucket as one pack, and in this machine's mirror."""
    if not entries:
        return
    name = pack_name(version, entries)
    warehouse.write(name, encode(entries))
    _unpack(mirror, name, entries)


def _unpack(mirror: Location, name: str, entries: dict[str, bytes]) -> None:
    mirror.write_many(entries)
    mirror.write(name + INDEX, "\n".join(entries).encode())  # last: the entries are all there


class Packs:
    """The parse cache of one parser version in a bucket, seen from one machine: listed
    once (lazily, at the first question), each pack unpacked into the mirror once."""

    def __init__(self, warehouse: Location, mirror: Location, version: str, listed: Iterable[str] | None = None):
        """``listed``: the names below ``parse_cache/<version>``, when the caller has
        just listed them (else listed here, when first needed)."""
        self._warehouse, self._mirror, self._version = warehouse, mirror, version
        self._listed = None if listed is None else set(listed)
        self._index: dict[str, list[str]] | None = None  # pack → its entry names
        self._unpacked: set[str] = set()  # packs this object has put in the mirror

    def entry_names(self) -> set[str]:
        """Names of every entry in the bucket's packs (unseen packs fetched and unpacked)."""
        return {entry for names in self._packs().values() for entry in names}

    def restore(self, names: Iterable[str]) -> None:
        """Unpack into the mirror, again, the packs holding any of ``names`` (entries
        the mirror lost); names in no pack, or in a pack just unpacked, are left alone."""
        wanted = set(names)
        index = self._packs()
        packs = [pack for pack, entries in index.items() if pack not in self._unpacked and wanted.intersection(entries)]
        self._fetch(packs)

    def stored_alone(self, names: Iterable[str]) -> list[str]:
        """Those of ``names`` the bucket holds as objects of their own (written so by ogi
        before packs): the only ones worth a GET, so an entry that is nowhere costs none."""
        listed = self._listing()
        return [name for name in names if name in listed]

    def _listing(self) -> set[str]:
        if self._listed is None:
            self._listed = set(self._warehouse.listing(f"parse_cache/{self._version}"))
        return self._listed

    def _packs(self) -> dict[str, list[str]]:
        if self._index is None:
            self._index = {}
            unseen = []
            for pack in sorted(n for n in self._listing() if _is_pack(n)):
                try:
                    self._index[pack] = self._mirror.read(pack + INDEX).decode().split("\n")
                except FileNotFoundError:
                    unseen.append(pack)
            self._fetch(unseen)
        return self._index

    def _fetch(self, packs: list[str]) -> None:
        assert self._index is not None
        # a slice at a time, so that no more packs than are in flight together are held
        # in memory at once (a national backfill's cache is thousands of packs)
        for start in range(0, len(packs), CONCURRENT_REQUESTS):
            for pack, (data, _) in self._warehouse.read_many(packs[start : start + CONCURRENT_REQUESTS]).items():
                try:
                    entries = decode(data)
                except ValueError as exc:  # its documents count as not cached: parsed again
                    log.warning("%s: not a readable parse-cache pack (%s); its documents are not cached", pack, exc)
                    continue
                _unpack(self._mirror, pack, entries)
                self._index[pack] = list(entries)
                self._unpacked.add(pack)


def _is_pack(name: str) -> bool:
    return name.endswith(SUFFIX)
