"""The parse cache in a bucket, a chunk of entries per object (``ogi.load.cache_packs``),
on moto's S3 server: what another machine sees, and what a broken pack costs.

The entries are hand-built bytes, and the pack is read back here with plain gzip, as
docs/storage.md describes it, so the format is checked by something other than the
code that writes it.
"""

from __future__ import annotations

import gzip
import logging

import pytest

from ogi.load import cache_packs
from ogi.load.parse_cache import _mirror, cache_name, cached_shas, read_compacts
from ogi.storage import Location
from tests.scale_kit import BUCKET, s3_server

VERSION = "packs-test"


@pytest.fixture(scope="module")
def bucket():
    with s3_server():
        yield


def _entries(shas: list[str]) -> dict[str, bytes]:
    return {
        cache_name(sha, VERSION): b'{"meta":{"sha256":"%s"},"n_cells":0,"codes":[],"object":null}' % sha.encode()
        for sha in shas
    }


def test_a_pack_is_gzipped_name_tab_entry_lines():
    entries = _entries(["a" * 64, "b" * 64])
    lines = gzip.decompress(cache_packs.encode(entries)).split(b"\n")
    assert lines == [name.encode() + b"\t" + data for name, data in entries.items()] + [b""]
    assert cache_packs.decode(cache_packs.encode(entries)) == entries
    assert cache_packs.pack_name(VERSION, entries) == cache_packs.pack_name(VERSION, reversed(list(entries)))


@pytest.mark.parametrize("broken", [b"not gzip", gzip.compress(b"no tab here\n"), gzip.compress(b"x\ty")])
def test_a_broken_pack_is_refused(broken):
    with pytest.raises(ValueError):
        cache_packs.decode(broken)


def test_another_machine_reads_the_packs_once(bucket, tmp_path, monkeypatch):
    """Machine 1 writes two packs; machine 2 (its own working folder) finds every entry,
    fetches each pack once, and reads the entries from its own copy after that."""
    warehouse = Location(f"s3://{BUCKET}/packs/wh")
    monkeypatch.setenv("OGI_WORK", str(tmp_path / "one"))
    first, second = _entries(["1" * 64, "2" * 64]), _entries(["3" * 64])

    for entries in (first, second):
        cache_packs.write(warehouse, _mirror(warehouse), VERSION, entries)
    assert len(warehouse.listing("parse_cache")) == 2

    monkeypatch.setenv("OGI_WORK", str(tmp_path / "two"))
    assert cached_shas(warehouse, VERSION) == {"1" * 64, "2" * 64, "3" * 64}
    copy = tmp_path / "two" / "s3" / BUCKET / "packs" / "wh"
    assert {p.relative_to(copy).as_posix(): p.read_bytes() for p in copy.rglob("*.json")} == first | second

    warehouse.remove_tree("parse_cache")  # the bucket is the truth: its packs are gone
    assert cached_shas(warehouse, VERSION) == set()
    # the copy still answers reads (an entry's name fixes its content)
    assert set(read_compacts(warehouse, ["1" * 64, "3" * 64, "4" * 64], VERSION)) == {"1" * 64, "3" * 64}


def test_a_broken_pack_counts_as_not_cached_and_says_so(bucket, tmp_path, monkeypatch, caplog):
    warehouse = Location(f"s3://{BUCKET}/broken/wh")
    monkeypatch.setenv("OGI_WORK", str(tmp_path / "one"))
    good = _entries(["5" * 64])

    cache_packs.write(warehouse, _mirror(warehouse), VERSION, good)
    bad = cache_packs.pack_name(VERSION, _entries(["6" * 64]))
    warehouse.write(bad, gzip.compress(b"truncated"))
    monkeypatch.setenv("OGI_WORK", str(tmp_path / "two"))
    with caplog.at_level(logging.WARNING, logger="ogi.load.cache_packs"):
        assert cached_shas(warehouse, VERSION) == {"5" * 64}
    assert any(bad in r.getMessage() and "not cached" in r.getMessage() for r in caplog.records)


def test_entries_stored_one_per_object_are_still_read(bucket, tmp_path, monkeypatch):
    """A bucket filled by ogi before packs holds an object per entry: it still counts,
    beside the packs, and is read from the bucket once, then from the machine's copy."""
    warehouse = Location(f"s3://{BUCKET}/legacy/wh")
    monkeypatch.setenv("OGI_WORK", str(tmp_path / "one"))
    old, packed = _entries(["7" * 64]), _entries(["8" * 64])
    for name, data in old.items():
        warehouse.write(name, data)
    cache_packs.write(warehouse, _mirror(warehouse), VERSION, packed)

    monkeypatch.setenv("OGI_WORK", str(tmp_path / "two"))
    assert cached_shas(warehouse, VERSION) == {"7" * 64, "8" * 64}
    assert set(read_compacts(warehouse, ["7" * 64, "8" * 64], VERSION)) == {"7" * 64, "8" * 64}
    copy = tmp_path / "two" / "s3" / BUCKET / "legacy" / "wh"
    assert (copy / next(iter(old))).read_bytes() == next(iter(old.values()))


def test_an_entry_that_is_nowhere_costs_no_get(bucket, tmp_path, monkeypatch):
    """The bucket's one listing says which entries exist alone: a document never
    cached is not asked for (a GET answered 404 per document, on every table build)."""
    warehouse = Location(f"s3://{BUCKET}/absent/wh")
    monkeypatch.setenv("OGI_WORK", str(tmp_path / "one"))
    cache_packs.write(warehouse, _mirror(warehouse), VERSION, _entries(["a" * 64]))
    monkeypatch.setenv("OGI_WORK", str(tmp_path / "two"))
    asked: list[str] = []
    real = Location.read_many

    def recording(self, rels):
        if self.remote:
            asked.extend(rels)
        return real(self, rels)

    monkeypatch.setattr(Location, "read_many", recording)
    assert set(read_compacts(warehouse, ["a" * 64, "b" * 64], VERSION)) == {"a" * 64}
    assert asked == [cache_packs.pack_name(VERSION, _entries(["a" * 64]))]
