"""Real servers for the scale-out tests: an S3-compatible server on loopback (moto's
server mode, a real HTTP server, no mocked client) and a row-by-row comparison of two
warehouses.

The S3 server is started once per test session by :func:`s3_server` and the standard
AWS environment points at it, as an operator's would point at MinIO or a cloud store.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ogi import metadata

BUCKET = "ogi-test"
# Columns that differ between two loads of the same archive by design: when a document
# was parsed. Everything else must be equal row by row.
PER_LOAD = {"parsed_at"}


@contextmanager
def s3_server() -> Iterator[dict[str, str]]:
    """moto's S3 server on a free loopback port, the AWS variables set to it, and the
    test bucket created; yields the variables (for subprocesses)."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    env = {
        "AWS_ENDPOINT_URL": f"http://{host}:{port}",
        "AWS_ACCESS_KEY_ID": "ogi-test-key",
        "AWS_SECRET_ACCESS_KEY": "ogi-test-secret",
        "AWS_REGION": "us-east-1",
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        import boto3

        boto3.client("s3").create_bucket(Bucket=BUCKET)
        yield env
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        server.stop()
        _forget_filesystems()


def _forget_filesystems() -> None:
    """s3fs keeps a filesystem per set of arguments; one made for a stopped server must go."""
    import s3fs

    s3fs.S3FileSystem.clear_instance_cache()


def warehouse_rows(warehouse: Any) -> dict[str, list[tuple]]:
    """Every core table of a warehouse (through ``ogi query``'s connection), sorted, without
    the per-load columns."""
    from ogi.load.query import connect

    con = connect(warehouse)
    try:
        out = {}
        for table in metadata.CORE:
            columns = [c.name for c in table.columns if c.name not in PER_LOAD]
            listed = ", ".join(f'"{c}"' for c in columns)
            out[table.name] = con.execute(f"SELECT {listed} FROM {table.name} ORDER BY ALL").fetchall()
        return out
    finally:
        con.close()


def assert_same_warehouse(left: Any, right: Any) -> None:
    a, b = warehouse_rows(left), warehouse_rows(right)
    for name in a:
        assert len(a[name]) == len(b[name]), f"{name}: {len(a[name])} rows in {left}, {len(b[name])} in {right}"
        assert a[name] == b[name], f"{name} differs between {left} and {right}"
    assert a["cells"], "an empty warehouse proves nothing"


def kill_once(store: Any, marker: Path) -> str:
    """Make one document of a local archive kill the process that first parses it
    (``ogi_testkit.synthetic_parser``'s KILLONCE header naming ``marker``): its bytes are
    stored under their new sha256 and the fetch log points at them, as a re-crawl that
    found these bytes would. Returns the new sha256."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    from ogi_testkit import synthetic_parser

    from ogi.load import plan

    refs = plan(store.root, Path("/nonexistent"))
    victim = refs[len(refs) // 2].sha256
    data = synthetic_parser.KILL_ONCE + str(marker).encode() + b"\n" + store.read(victim)
    store.path_for(victim).unlink()
    new = store.put(data)
    for path in store.log_dir.glob("*.parquet"):
        table = pq.read_table(path)
        i = table.schema.get_field_index("sha256")
        column = table["sha256"]
        pq.write_table(table.set_column(i, "sha256", pc.if_else(pc.equal(column, victim), new, column)), path)
    return new
