"""Where the archive and the warehouse live: a local folder or an object-store prefix.

``--archive`` and ``--warehouse`` take a path or a URL such as ``s3://bucket/prefix``.
URLs go through fsspec (``s3fs`` for ``s3://``), which reads the standard AWS
environment (``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``,
``AWS_REGION``), so any S3-compatible store works: MinIO, Ceph, the cloud providers'.

Why so little is needed: everything ogi shares between machines is written whole and
never changed in place. Archive objects and parse-cache entries are named by content
(sha256, parser version), fetch-log files by run, snapshots by their build time. A PUT
to an object store is atomic (a reader sees the old object or the new one, never half),
which is the guarantee a local temp file + rename gives, so one :class:`Location`
interface covers both, with local folders kept on plain ``pathlib`` (fast, and the
rename is what makes local writes atomic).

What is not shared stays on the machine doing the work, in :func:`work_dir` (a local
folder; for a remote location ``OGI_WORK/<scheme>/<bucket>/<prefix>``): the write
lock, a run's fetch-log journal before it is sealed, the issues logs, the table build
before it is published, and the cached copy of ``ogi.duckdb`` that queries open.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

Where = str | Path
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
CONCURRENT_REQUESTS = 16  # requests in flight at once from one process (read_many, write_many)


def is_remote(where: Where | None) -> bool:
    """A URL other than ``file://`` (a path, or ``file://``, is a local folder)."""
    return isinstance(where, str) and bool(_URL.match(where)) and not where.lower().startswith("file://")


def as_where(text: Where) -> Where:
    """What a user typed (option, setting, flow parameter) as a Path, or a URL kept as text.

    ``Path("s3://b/p")`` would collapse the ``//``, so a URL must never become a Path.
    """
    if isinstance(text, Path):
        return text
    if is_remote(text):
        return text.rstrip("/")
    return Path(text.removeprefix("file://"))


def work_dir(where: Where) -> Path:
    """The local folder of this machine's work on ``where`` (the folder itself when local)."""
    where = as_where(where)
    if isinstance(where, Path):
        return where
    from ogi.settings import settings

    parts = urlsplit(where)
    return settings().work / parts.scheme / parts.netloc / parts.path.strip("/")


def join(where: Where, *parts: str) -> Where:
    """``where``/parts as the same kind of thing (a Path, or a URL)."""
    where = as_where(where)
    if isinstance(where, Path):
        return where.joinpath(*parts)
    return "/".join([where, *(p.strip("/") for p in parts if p)])


class Location:
    """One folder or object-store prefix; names below it are ``/``-separated and relative."""

    def __init__(self, where: Where) -> None:
        self.where = as_where(where)
        self.remote = not isinstance(self.where, Path)
        if self.remote:
            from fsspec.core import url_to_fs

            self.fs, self._root = url_to_fs(self.where)
            self._scheme = urlsplit(self.where).scheme
        else:
            self.path = Path(self.where)

    def __repr__(self) -> str:
        return f"Location({str(self.where)!r})"

    def uri(self, rel: str = "") -> str:
        """The full name of ``rel`` as DuckDB and people spell it (a path, or ``s3://…``)."""
        if self.remote:
            return f"{self._scheme}://{self._key(rel)}"
        return str((self.path / rel).resolve()) if rel else str(self.path.resolve())

    def _key(self, rel: str) -> str:
        return f"{self._root}/{rel}".rstrip("/") if rel else self._root

    def read(self, rel: str) -> bytes:
        """The bytes of ``rel``; FileNotFoundError naming the full location when absent."""
        if not self.remote:
            return (self.path / rel).read_bytes()
        try:
            return self.fs.cat_file(self._key(rel))
        except FileNotFoundError:
            raise FileNotFoundError(f"{self.uri(rel)}: not found") from None

    def write(self, rel: str, data: bytes) -> None:
        """Write ``rel`` whole and atomically: a reader sees the old bytes or the new, never half."""
        if self.remote:
            self.fs.pipe_file(self._key(rel), data)
            return
        path = self.path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def read_many(self, rels: list[str]) -> dict[str, tuple[bytes, dict[str, Any]]]:
        """The bytes and identity (as :meth:`info`) of each of ``rels`` that exists;
        absent ones are left out. On an object store it is one GET per name, whose
        ETag is the identity (no HEAD), up to ``CONCURRENT_REQUESTS`` at once: a batch
        waits for about its slowest request instead of the sum of all."""
        if not self.remote:
            out = {}
            for rel in rels:
                path = self.path / rel
                try:
                    st = path.stat()
                    out[rel] = (path.read_bytes(), {"size": st.st_size, "mtime_ns": st.st_mtime_ns})
                except FileNotFoundError:
                    continue
            return out
        from fsspec.asyn import sync

        got = sync(self.fs.loop, self._get_many, rels)
        return {rel: found for rel, found in zip(rels, got, strict=True) if found is not None}

    async def _get_many(self, rels: list[str]) -> list[tuple[bytes, dict[str, Any]] | None]:
        limit = asyncio.Semaphore(CONCURRENT_REQUESTS)

        async def one(rel: str) -> tuple[bytes, dict[str, Any]] | None:
            bucket, key, _ = self.fs.split_path(self._key(rel))
            async with limit:
                try:
                    response = await self.fs._call_s3("get_object", Bucket=bucket, Key=key)
                except FileNotFoundError:
                    return None
                try:
                    data = await response["Body"].read()
                finally:
                    response["Body"].close()
            return data, _identity({"size": response["ContentLength"], "ETag": response["ETag"]})

        return await asyncio.gather(*(one(rel) for rel in rels))

    def write_many(self, items: dict[str, bytes]) -> None:
        """:meth:`write` each of ``items`` (name → bytes); on an object store the PUTs
        go out concurrently, each object whole or not at all."""
        if not self.remote:
            for rel, data in items.items():
                self.write(rel, data)
            return
        if items:
            self.fs.pipe({self._key(rel): data for rel, data in items.items()}, batch_size=CONCURRENT_REQUESTS)

    def exists(self, rel: str) -> bool:
        if not self.remote:
            return (self.path / rel).is_file()
        return self.fs.isfile(self._key(rel))

    def info(self, rel: str) -> dict[str, Any] | None:
        """Cheap identity of ``rel`` (size, and mtime or ETag), None when it is absent."""
        if not self.remote:
            try:
                st = (self.path / rel).stat()
            except FileNotFoundError:
                return None
            return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}
        try:
            return _identity(self.fs.info(self._key(rel)))
        except FileNotFoundError:
            return None

    def listing(self, prefix: str) -> dict[str, dict[str, Any]]:
        """Every object below ``prefix`` (recursively): relative name → identity, in one
        listing (on an object store, one request per 1,000 names, never one per object)."""
        if not self.remote:
            base = self.path / prefix
            if not base.is_dir():
                return {}
            out = {}
            for path in base.rglob("*"):
                if path.is_file() and not path.name.startswith(".tmp-"):
                    st = path.stat()
                    out[path.relative_to(self.path).as_posix()] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns}
            return out
        root = self._key(prefix)
        try:
            found = self.fs.find(root, detail=True)
        except FileNotFoundError:
            return {}
        start = len(self._root) + 1
        return {key[start:]: _identity(meta) for key, meta in found.items() if meta.get("type") != "directory"}

    def upload_tree(self, local: Path, rel: str) -> int:
        """Copy the files of local folder ``local`` to ``rel``, ``CONCURRENT_REQUESTS`` at
        a time (see :meth:`write_many`); returns the bytes sent."""
        files = sorted(p for p in local.rglob("*") if p.is_file())
        sent = 0
        for start in range(0, len(files), CONCURRENT_REQUESTS):
            chunk = {
                "/".join(filter(None, (rel.strip("/"), path.relative_to(local).as_posix()))): path.read_bytes()
                for path in files[start : start + CONCURRENT_REQUESTS]
            }
            self.write_many(chunk)
            sent += sum(map(len, chunk.values()))
        return sent

    def remove_tree(self, rel: str) -> None:
        if self.remote:
            with contextlib.suppress(FileNotFoundError):
                self.fs.rm(self._key(rel), recursive=True)
        else:
            import shutil

            shutil.rmtree(self.path / rel, ignore_errors=True)

    def children(self, rel: str) -> list[str]:
        """Names of the folders (prefixes) directly below ``rel``."""
        if not self.remote:
            base = self.path / rel
            return sorted(p.name for p in base.iterdir() if p.is_dir()) if base.is_dir() else []
        try:
            entries = self.fs.ls(self._key(rel), detail=True, refresh=True)
        except FileNotFoundError:
            return []
        return sorted(e["name"].rstrip("/").rsplit("/", 1)[-1] for e in entries if e.get("type") == "directory")


def _identity(meta: dict[str, Any]) -> dict[str, Any]:
    """What an object store says identifies one version of an object: size and ETag."""
    etag = str(meta.get("ETag") or meta.get("etag") or "").strip('"')
    return {"size": int(meta.get("size") or meta.get("Size") or 0), "etag": etag}
