"""Faults around the warehouse: nothing stored is lost, nothing hangs, nothing claims a
document it does not hold.

Real archives of generated report documents, the real parser, real DuckDB files,
real processes (``python -m ogi``) and real ``kill -9``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from ogi.archive.store import ArchiveStore
from ogi.load import load
from ogi.load.lock import LockTimeout, exclusive
from ogi.load.query import WriteRefused, connect, run_query
from ogi.load.tables import current_snapshot
from tests.faults_kit import REPO, ogi, report_docs, write_archive

AS_OF = "2025-03-01"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """An archive of 8 generated reports and a warehouse loaded from it (copy before changing)."""
    root = tmp_path_factory.mktemp("loaded")
    archive, wh = root / "archive", root / "wh"
    write_archive(archive, report_docs(8))
    load(archive, wh, workers=1)
    return archive, wh


@pytest.fixture
def copy(loaded: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    archive, wh = tmp_path / "archive", tmp_path / "wh"
    shutil.copytree(loaded[0], archive)
    shutil.copytree(loaded[1], wh)
    return archive, wh


def _one(wh: Path, sql: str):
    con = connect(wh)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def _tree(path: Path) -> dict[str, tuple[int, int]]:
    """Every stored file's size and mtime (the write lock's own file and the runs' issues logs aside)."""
    return {
        str(p.relative_to(path)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in path.rglob("*")
        if p.is_file() and not p.name.startswith(".write.lock") and p.relative_to(path).parts[0] != "runs"
    }


# --- 1. ogi query / ogi sql cannot write -------------------------------------------------------


WRITES = [
    "COPY (SELECT 1 AS value) TO '{cells}' (FORMAT parquet)",
    "COPY (SELECT 1) TO '{outside}'",
    "COPY cells TO '{outside}'",
    "EXPORT DATABASE '{outside_dir}'",
    "ATTACH '{outside_db}' AS other",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "SELECT * FROM read_csv('/etc/passwd')",
    "CREATE TABLE t AS SELECT 1",
    "EXPLAIN ANALYZE COPY (SELECT 1) TO '{outside}'",
    "SELECT 1; COPY (SELECT 1) TO '{outside}'",
]


def test_query_cannot_write_anywhere(copy: tuple[Path, Path], tmp_path: Path) -> None:
    _, wh = copy
    snap = current_snapshot(wh)
    cells = next((snap / "cells").rglob("*.parquet"))
    before = _tree(wh)
    places = {
        "cells": cells,
        "outside": tmp_path / "out.csv",
        "outside_dir": tmp_path / "exported",
        "outside_db": tmp_path / "other.duckdb",
    }
    for template in WRITES:  # the code `ogi query` runs, in this process
        sql = template.format(**places)
        with pytest.raises((WriteRefused, duckdb.Error)):
            run_query(sql, wh, "csv")
    for template in WRITES[:2]:  # and the command itself
        run = ogi("query", template.format(**places), "--warehouse", str(wh))
        assert run.returncode == 2 and run.stderr.startswith("ogi query: ") and "Traceback" not in run.stderr
    assert _tree(wh) == before
    assert not any(p.exists() for k, p in places.items() if k != "cells")
    out = tmp_path / "result.csv"
    assert ogi("query", "SELECT count(*) AS n FROM reports", "--format", "csv", "--output", str(out),
               "--warehouse", str(wh)).returncode == 0  # fmt: skip
    assert out.read_text().splitlines() == ["n", "8"]


def test_sql_shell_refuses_writes(copy: tuple[Path, Path], tmp_path: Path) -> None:
    _, wh = copy
    cells = next((current_snapshot(wh) / "cells").rglob("*.parquet"))
    before = _tree(wh)
    script = f"COPY (SELECT 1) TO '{cells}' (FORMAT parquet);\nSELECT count(*) AS n FROM reports;\n"
    run = ogi("sql", "--warehouse", str(wh), input=script)
    assert run.returncode == 0
    assert "Error: the warehouse is read-only here: COPY statements are refused" in run.stdout
    assert "(1 row)" in run.stdout and _tree(wh) == before


# --- 1b. a tampered published file is detected, not carried forward ----------------------------


def test_tampered_snapshot_file_is_rebuilt_not_reused(copy: tuple[Path, Path]) -> None:
    archive, wh = copy
    truth = _one(wh, "SELECT round(sum(value), 3) FROM cells")
    snap = current_snapshot(wh)
    victim = next((snap / "cells").rglob("b-*.parquet"))
    table = pq.read_table(victim)
    pq.write_table(table.set_column(table.schema.get_field_index("value"), "value", pc.add(table["value"], 1)), victim)
    assert _one(wh, "SELECT round(sum(value), 3) FROM cells") != truth  # the published snapshot itself was changed
    summary = load(archive, wh, workers=1)
    assert victim.relative_to(snap).as_posix() in summary.files_rejected
    assert summary.buckets_rebuilt >= 1
    assert _one(wh, "SELECT round(sum(value), 3) FROM cells") == truth


# --- 2. missing or implausible input, retention ------------------------------------------------


def test_load_without_fetch_log_refuses_and_keeps_the_warehouse(copy: tuple[Path, Path]) -> None:
    archive, wh = copy
    shutil.rmtree(archive / "fetch_log")
    before = _tree(wh)
    run = ogi("load", "--archive", str(archive), "--warehouse", str(wh), "--workers", "1")
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.count("\n") == 1 and "no fetch log" in run.stderr
    assert _tree(wh) == before and _one(wh, "SELECT count(*) FROM reports") == 8


def test_shrunken_archive_needs_allow_shrink_and_old_snapshots_are_kept(copy: tuple[Path, Path], tmp_path) -> None:
    _, wh = copy
    small = tmp_path / "small"
    write_archive(small, report_docs(8)[:2])
    first = current_snapshot(wh).name
    run = ogi("load", "--archive", str(small), "--warehouse", str(wh), "--workers", "1")
    assert run.returncode == 2 and "far fewer than the 8" in run.stderr and "--allow-shrink" in run.stderr
    assert current_snapshot(wh).name == first
    run = ogi("load", "--archive", str(small), "--warehouse", str(wh), "--workers", "1", "--allow-shrink")
    assert run.returncode == 0, run.stderr
    assert _one(wh, "SELECT count(*) FROM reports") == 2
    assert (wh / "tables" / first / "manifest.json").is_file()  # the last good snapshot survives


def test_retention_keeps_the_newest_snapshots(copy: tuple[Path, Path]) -> None:
    archive, wh = copy
    for _ in range(2):
        load(archive, wh, workers=1)
    snaps = sorted(p.name for p in (wh / "tables").iterdir() if p.is_dir())
    assert len(snaps) == 3
    load(archive, wh, workers=1, keep_snapshots=2)
    kept = sorted(p.name for p in (wh / "tables").iterdir() if p.is_dir())
    assert len(kept) == 2 and kept[-1] == current_snapshot(wh).name and kept[0] == snaps[-1]


# --- 3. the lock, orphaned workers, dead loads -------------------------------------------------

_HOLD = """
import sys, time
from pathlib import Path
from ogi.load.lock import exclusive
with exclusive(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(60)
"""

_ORPHAN = """
import fcntl, json, os, socket, subprocess, sys
from pathlib import Path
lock = Path(sys.argv[1]) / ".write.lock"
fd = os.open(lock, os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
os.write(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "since": "then",
                         "command": "ogi load (killed)"}).encode())
child = subprocess.Popen(["sleep", "60"], pass_fds=[fd])  # an orphan that keeps the lock's file open
print(child.pid, flush=True)
os._exit(0)
"""


def _python(code: str, *args: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    return subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True, env=env)


def test_waiting_load_says_who_holds_the_lock(tmp_path: Path) -> None:
    holder = _python(_HOLD, str(tmp_path))
    try:
        assert holder.stdout.readline().strip() == "held"
        said: list[str] = []
        with pytest.raises(LockTimeout, match=f"pid {holder.pid}"), exclusive(tmp_path, timeout=1, say=said.append):
            pass
        assert len(said) == 1 and f"pid {holder.pid} on " in said[0] and "since" in said[0]
    finally:
        holder.kill()
        holder.wait()
    with exclusive(tmp_path, timeout=5) as me:  # released by the kill
        assert me.pid == os.getpid()


def test_lock_of_a_dead_holder_is_taken_over(tmp_path: Path, caplog) -> None:
    proc = _python(_ORPHAN, str(tmp_path))
    orphan = int(proc.stdout.readline())
    proc.wait()
    try:
        with exclusive(tmp_path, timeout=10):
            pass
        assert "took over the write lock of pid" in caplog.text
    finally:
        os.kill(orphan, signal.SIGKILL)


def _descendants(pid: int) -> dict[int, int]:
    """Every descendant of ``pid`` → its depth (1: a child; pool workers of a forkserver are 2)."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError):
            continue
    depth = {pid: 0}
    changed = True
    while changed:
        changed = False
        for child, parent in parents.items():
            if parent in depth and child not in depth:
                depth[child] = depth[parent] + 1
                changed = True
    del depth[pid]
    return depth


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_of_the_load_leaves_no_workers_and_the_next_load_runs(tmp_path: Path) -> None:
    archive, wh = tmp_path / "archive", tmp_path / "wh"
    write_archive(archive, report_docs(64))
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    cmd = [sys.executable, "-m", "ogi", "load", "--archive", str(archive), "--warehouse", str(wh), "--workers", "2"]
    main = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    tree: dict[int, int] = {}
    # pool workers: children of the load (fork, spawn) or of its forkserver (the default)
    while time.monotonic() < deadline and main.poll() is None:
        tree = _descendants(main.pid)
        if sum(1 for d in tree.values() if d == 2) >= 2 or sum(1 for d in tree.values() if d == 1) >= 3:
            break
        time.sleep(0.02)
    workers = list(tree)
    assert len(workers) >= 2 and main.poll() is None, "the load ended before its pool started"
    os.kill(main.pid, signal.SIGKILL)
    main.wait()
    wh.mkdir(exist_ok=True)
    (wh / ".ogi.duckdb.tmp-0123456789abcdef").write_bytes(b"left by a dead load")
    gone_by = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < gone_by:
        time.sleep(0.05)
    survivors = [w for w in workers if _alive(w)]
    for w in survivors:  # never leave them behind, even when failing
        os.kill(w, signal.SIGKILL)
    assert not survivors, "pool workers outlived their killed parent"
    run = ogi("load", "--archive", str(archive), "--warehouse", str(wh), "--workers", "2", timeout=300)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["reports"] == 64
    assert not list(wh.glob(".ogi.duckdb.tmp-*"))


# --- 4. archived objects verified when read ----------------------------------------------------


def _tamper(store: ArchiveStore, sha: str) -> None:
    """Change one printed digit of the stored document (what a bad disk or a hand could do)."""
    path = store.path_for(sha)
    data = path.read_bytes()
    at = data.index(b">0<") + 1
    path.write_bytes(data[:at] + b"9" + data[at + 1 :])


def test_changed_object_is_an_error_not_a_number(copy: tuple[Path, Path], tmp_path: Path) -> None:
    archive, wh = copy
    store = ArchiveStore(archive)
    con = connect(wh)
    sha, rid, cells = con.execute(
        "SELECT r.document_sha256, r.report_id, count(c.code) FROM reports r JOIN cells c USING (report_id) "
        "GROUP BY ALL ORDER BY 1 LIMIT 1"
    ).fetchone()
    con.close()
    original = store.path_for(sha).read_bytes()
    _tamper(store, sha)
    for target in (wh, tmp_path / "fresh"):  # behind a parse cache entry, and with none
        load(archive, target, workers=1)
        con = connect(target)
        status, n = con.execute(
            "SELECT parse_status, (SELECT count(*) FROM cells c WHERE c.report_id = r.report_id) "
            "FROM reports r WHERE report_id = ?",
            [rid],
        ).fetchone()
        issue = con.execute("SELECT severity, detail FROM issues WHERE report_id = ? AND check_name = 'object_corrupt'",
                            [rid]).fetchone()  # fmt: skip
        con.close()
        assert (status, n) == ("unreadable", 0)
        assert issue[0] == "error" and sha in issue[1]
    store.path_for(sha).write_bytes(original)  # restored: read again, numbers back
    load(archive, wh, workers=1)
    assert _one(wh, f"SELECT count(*) FROM cells WHERE report_id = '{rid}'") == cells


# --- 7. small ones: one clear line; a copied warehouse reads its own files ---------------------


def test_missing_archive_folder_is_one_line(tmp_path: Path) -> None:
    run = ogi("load", "--archive", str(tmp_path / "nope"), "--warehouse", str(tmp_path / "wh"))
    assert run.returncode == 2 and run.stderr == f"ogi load: {tmp_path / 'nope'}: archive folder not found\n"


_RO_MOUNT = 'mount --bind -o ro "$0" "$0" || exit 99; shift; exec "$@"'


def test_read_only_warehouse_is_one_line(copy: tuple[Path, Path]) -> None:
    """A read-only warehouse: a read-only bind mount when running as root (which ignores
    permission bits), the permission bits otherwise."""
    archive, wh = copy
    before = _tree(wh)
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    cmd = [sys.executable, "-m", "ogi", "load", "--archive", str(archive), "--warehouse", str(wh), "--workers", "1"]
    if os.geteuid() == 0:
        if not shutil.which("unshare"):
            pytest.skip("running as root without unshare(1): cannot make a read-only warehouse")
        cmd = ["unshare", "-m", "sh", "-c", _RO_MOUNT, str(wh), "--", *cmd]
        run = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
        if run.returncode == 99 or "unshare failed" in run.stderr:
            pytest.skip(f"cannot mount read-only here: {run.stderr.strip()}")
    else:
        for p in (wh, *wh.rglob("*")):
            p.chmod(0o555 if p.is_dir() else 0o444)
        try:
            run = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
        finally:
            for p in (wh, *wh.rglob("*")):
                p.chmod(0o755 if p.is_dir() else 0o644)
    assert run.returncode == 2, run.stderr
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
    assert "Read-only file system" in run.stderr or "Permission denied" in run.stderr
    assert _tree(wh) == before


def test_copied_warehouse_reads_its_own_files(copy: tuple[Path, Path], tmp_path: Path) -> None:
    _, wh = copy
    moved = tmp_path / "moved"
    shutil.copytree(wh, moved)
    shutil.rmtree(wh / "tables")  # the original's files are gone: a copy reading them would fail
    assert _one(moved, "SELECT count(*) FROM reports") == 8
    con = duckdb.connect(str(moved / "ogi.duckdb"), read_only=True, config={"file_search_path": str(moved)})
    assert con.execute("SELECT count(*) FROM cells").fetchone()[0] > 0
    con.close()
