"""The same loads on a Dask cluster and on object storage (issue 13), against real
servers: a Dask LocalCluster of 2 worker processes, and moto's S3 server on loopback
reached through the standard AWS environment (s3fs for the archive and the parse
cache, DuckDB's bundled httpfs for the queries).

The oracle is the warehouse the local process pool builds from the same archive:
every other way must give the same tables, row by row.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ogi_testkit import synthetic_parser
from ogi_testkit.synthetic_archive import write_synthetic_archive

from ogi.archive.store import ArchiveStore
from ogi.load import build_duckdb, load, plan, write_tables
from ogi.load.parse_cache import FETCH_CHUNK
from ogi.storage import Location
from tests.scale_kit import BUCKET, assert_same_warehouse, kill_once, s3_server

VERSION = "synthetic-scale"


@pytest.fixture(scope="module")
def env():
    """The synthetic parser (a setting, so Dask's worker processes see it too) and the S3 server."""
    saved = {k: os.environ.get(k) for k in ("OGI_PARSER", synthetic_parser.VERSION_ENV)}
    os.environ["OGI_PARSER"] = "ogi_testkit.synthetic_parser"
    os.environ[synthetic_parser.VERSION_ENV] = VERSION
    with s3_server() as aws:
        yield aws
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="module")
def archive(env, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("scale")
    write_synthetic_archive(root / "archive", root / "scratch", reports=80, years=range(2021, 2025), version="other")
    return root / "archive"


@pytest.fixture(scope="module")
def baseline(archive, tmp_path_factory) -> Path:
    """The oracle: the local process pool's warehouse of the archive."""
    wh = tmp_path_factory.mktemp("baseline") / "wh"
    load(archive, wh, workers=2)
    return wh


def test_dask_local_cluster_builds_the_same_warehouse(archive, baseline, tmp_path):
    wh = tmp_path / "wh"
    summary = load(archive, wh, dask="local:2")
    assert summary.parsed == 80 and summary.parse_failed == 0
    assert_same_warehouse(baseline, wh)


def test_archive_and_warehouse_on_s3(archive, baseline, env, tmp_path, monkeypatch):
    """Archive and warehouse in the bucket: the tables equal the local ones, the parse
    cache and snapshots live in the bucket, a second load parses nothing, and
    `ogi query` reads the warehouse in place from another process."""
    monkeypatch.setenv("OGI_WORK", str(tmp_path / "work"))
    s3_archive, s3_wh = f"s3://{BUCKET}/t1/archive", f"s3://{BUCKET}/t1/wh"
    Location(s3_archive).upload_tree(archive, "")
    assert ArchiveStore(s3_archive).fetch_log().num_rows == ArchiveStore(archive).fetch_log().num_rows

    summary = load(s3_archive, s3_wh, workers=2)
    assert summary.parsed == 80 and summary.parse_failed == 0
    listed = Location(s3_wh).listing("")
    # the cache went up a chunk at a time: packs of at most FETCH_CHUNK entries, 80 in all
    packed = bucket_entries(Location(s3_wh), listed)
    assert len(packed) == 80 and all(name.startswith(f"parse_cache/{VERSION}/") for name in packed)
    assert not any(name.endswith(".json") for name in listed if name.startswith("parse_cache/"))
    packs = [name for name in listed if name.startswith("parse_cache/")]
    assert len(packs) < 80 and all(len(unpack(Location(s3_wh).read(name))) <= FETCH_CHUNK for name in packs)
    current = Location(s3_wh).read("tables/CURRENT").decode().strip()
    assert f"tables/{current}/manifest.json" in listed and "ogi.duckdb" in listed
    assert not any(name.startswith("tables/") and name.endswith(".duckdb") for name in listed)
    # published one file per folder of the snapshot built here (its buckets merged)
    built = tmp_path / "work" / "s3" / BUCKET / "t1" / "wh" / "tables" / current
    folders = {p.parent.relative_to(built).as_posix() for p in built.rglob("*.parquet")}
    assert any(len(list((built / f).glob("*.parquet"))) > 1 for f in folders)  # buckets to merge
    published = sorted(n for n in listed if n.startswith(f"tables/{current}/") and n.endswith(".parquet"))
    assert published == sorted(f"tables/{current}/{f}/data.parquet" for f in folders)
    manifest = json.loads(Location(s3_wh).read(f"tables/{current}/manifest.json"))
    assert sorted(f"tables/{current}/{f}" for f in manifest["published"]) == published
    assert_same_warehouse(baseline, s3_wh)
    assert plan(s3_archive, s3_wh) == []  # every document is cached in the bucket

    # this machine keeps a copy of every entry it wrote, byte for byte; a broken copy
    # is not trusted: a full rebuild (no local snapshot to reuse) still equals the oracle
    mirror = tmp_path / "work" / "s3" / BUCKET / "t1" / "wh"
    entries = sorted(packed)
    assert sorted(p.relative_to(mirror).as_posix() for p in (mirror / "parse_cache").rglob("*.json")) == entries
    assert all((mirror / n).read_bytes() == packed[n] for n in entries)
    (mirror / entries[0]).write_text("{not json")
    (mirror / entries[1]).unlink()
    shutil.rmtree(mirror / "tables")
    write_tables(s3_archive, s3_wh, workers=2, allow_shrink=True)
    build_duckdb(s3_wh)
    assert_same_warehouse(baseline, s3_wh)
    assert (mirror / entries[1]).read_bytes() == packed[entries[1]]  # fetched again, from its pack

    # another machine: a new working folder, only the bucket in common; it finds every
    # document cached by reading the packs, once
    monkeypatch.setenv("OGI_WORK", str(tmp_path / "third-machine"))
    assert plan(s3_archive, s3_wh) == []
    third = tmp_path / "third-machine" / "s3" / BUCKET / "t1" / "wh"
    assert {p.relative_to(third).as_posix() for p in (third / "parse_cache").rglob("*.json")} >= set(entries)
    monkeypatch.setenv("OGI_WORK", str(tmp_path / "work"))

    sql = (
        "SELECT year, count(*) AS n, count(value) AS filled, round(sum(value), 2) AS total"
        " FROM cells GROUP BY ALL ORDER BY 1"
    )
    command = [sys.executable, "-m", "ogi", "query", sql, "--format", "json", "--warehouse", s3_wh]
    fresh = {**os.environ, **env, "OGI_WORK": str(tmp_path / "other-machine")}
    remote = subprocess.run(command, env=fresh, capture_output=True, text=True, timeout=120, check=True)
    local = subprocess.run([*command[:-1], str(baseline)], capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(remote.stdout) == json.loads(local.stdout) and json.loads(local.stdout)


def unpack(data: bytes) -> dict[str, bytes]:
    """A pack's entries, read as docs/storage.md describes it (gzip'd name<TAB>entry lines)."""
    lines = gzip.decompress(data).decode().splitlines()
    return {name: entry.encode() for name, entry in (line.split("\t", 1) for line in lines)}


def bucket_entries(location: Location, listed: dict) -> dict[str, bytes]:
    """Every parse-cache entry in the bucket's packs, by name."""
    out: dict[str, bytes] = {}
    for name in listed:
        if name.startswith("parse_cache/"):
            assert name.endswith(".jsonl.gz"), name
            out |= unpack(location.read(name))
    return out


def test_query_on_s3_refuses_files_outside_the_tables(archive, env, tmp_path, monkeypatch):
    """The sandbox holds on a remote warehouse: only its published tables are readable."""
    import duckdb

    from ogi.load.query import connect

    monkeypatch.setenv("OGI_WORK", str(tmp_path / "work"))
    s3_archive, s3_wh = f"s3://{BUCKET}/t2/archive", f"s3://{BUCKET}/t2/wh"
    Location(s3_archive).upload_tree(archive, "")
    load(s3_archive, s3_wh, workers=1)
    con = connect(s3_wh)
    try:
        assert con.execute("SELECT count(*) FROM reports").fetchone()[0] > 0
        with pytest.raises(duckdb.Error, match=r"disabled|not allowed|Permission"):
            con.execute(f"SELECT * FROM read_parquet('s3://{BUCKET}/t2/archive/fetch_log/*.parquet')").fetchall()
    finally:
        con.close()


def test_a_dask_worker_killed_mid_batch_is_retried_elsewhere(archive, tmp_path):
    """A worker process dies (os._exit, as the OOM killer would) while parsing a batch:
    Dask reruns the batch on another worker and the warehouse ends as if nothing happened."""
    import shutil

    killing = tmp_path / "archive"
    shutil.copytree(archive, killing)
    marker = tmp_path / "killed"
    kill_once(ArchiveStore(killing), marker)
    marker.touch()  # the oracle: this archive loaded by the local pool, nobody killed
    load(killing, tmp_path / "oracle", workers=2)
    marker.unlink()

    wh = tmp_path / "wh"
    summary = load(killing, wh, dask="local:2")
    assert marker.is_file(), "the parser never killed its worker: the test proved nothing"
    assert int(marker.read_text()) != os.getpid()
    assert summary.parse_failed == 0
    assert_same_warehouse(tmp_path / "oracle", wh)
