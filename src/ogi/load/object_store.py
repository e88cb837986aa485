"""DuckDB on a warehouse in an object store: the httpfs extension and the S3 secret.

DuckDB downloads extensions at run time by default, which a firewalled machine (this
one, and many a government network) cannot do. So ogi pins ``duckdb`` to the version
of the ``duckdb-extension-httpfs`` package and installs the extension file that
package ships (``INSTALL '<file>'``); automatic installs and loads stay off.

The S3 secret is built from the standard AWS environment, the same variables boto
and s3fs read, so one set of settings serves the archive, the parse workers and the
queries: ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``,
``AWS_REGION`` (or ``AWS_DEFAULT_REGION``) and ``AWS_ENDPOINT_URL`` for an
S3-compatible store (MinIO, Ceph, moto): path-style URLs, TLS as its scheme says.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import duckdb


def extension_file() -> Path:
    """The httpfs extension shipped by the ``duckdb-extension-httpfs`` package for this duckdb."""
    import duckdb
    import duckdb_extension_httpfs

    version = duckdb.__version__
    found = sorted(Path(duckdb_extension_httpfs.__file__).parent.glob(f"extensions/v{version}/httpfs.duckdb_extension"))
    if not found:
        raise RuntimeError(
            f"duckdb-extension-httpfs has no extension for duckdb {version}: install the same version of both"
        )
    return found[0]


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def secret_sql() -> str:
    """``CREATE SECRET`` for S3 from the AWS environment (a temporary secret: never stored)."""
    env = os.environ
    options = {"TYPE": "s3"}
    if env.get("AWS_ACCESS_KEY_ID"):
        options["KEY_ID"] = _lit(env["AWS_ACCESS_KEY_ID"])
        options["SECRET"] = _lit(env.get("AWS_SECRET_ACCESS_KEY", ""))
    if env.get("AWS_SESSION_TOKEN"):
        options["SESSION_TOKEN"] = _lit(env["AWS_SESSION_TOKEN"])
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    if region:
        options["REGION"] = _lit(region)
    endpoint = env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL")
    if endpoint:
        parts = urlsplit(endpoint if "://" in endpoint else f"https://{endpoint}")
        options["ENDPOINT"] = _lit(parts.netloc)
        options["USE_SSL"] = "true" if parts.scheme == "https" else "false"
        options["URL_STYLE"] = "'path'"
    return "CREATE OR REPLACE TEMPORARY SECRET ogi_s3 (" + ", ".join(f"{k} {v}" for k, v in options.items()) + ")"


def attach_object_store(con: duckdb.DuckDBPyConnection) -> None:
    """Load httpfs from its bundled file and give the connection the S3 secret.

    A published snapshot's files never change (a load publishes a new snapshot), so
    the connection keeps what it learnt of them: their sizes, their Parquet footers and
    the bytes it read, without asking the store again whether they changed. Otherwise
    every query pays a HEAD and a footer read per file before its first row."""
    con.execute(f"INSTALL {_lit(str(extension_file()))}")
    con.execute("LOAD httpfs")
    con.execute(secret_sql())
    con.execute("SET enable_http_metadata_cache = true")
    con.execute("SET parquet_metadata_cache = true")
    con.execute("SET validate_external_file_cache = 'NO_VALIDATION'")
