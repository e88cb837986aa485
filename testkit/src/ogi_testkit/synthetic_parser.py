"""The parser stand-in for synthetic archives: ``OGI_PARSER=ogi_testkit.synthetic_parser``.

A synthetic archive (:mod:`ogi_testkit.synthetic_archive`) stores each report as the
parse contract object it stands for, so this "parser" only decodes it; bytes starting
with ``CORRUPT`` fail as an unreadable document would, bytes starting with
``CRASH`` raise as a bug in the parser would, and a document starting with
``KILLONCE <marker path>\n`` kills the process parsing it the first time (when the
marker file does not exist yet: it is created first), as the OOM killer or a lost
machine would, and parses as the rest of its bytes after that. The warehouse tests load
through it to pin the warehouse's behaviour independently of parsing accuracy. Being
an installed module named by a setting (not a patched ``sys.modules`` entry), it
reaches pool workers under every start method.

Its version is ``OGI_SYNTHETIC_PARSER_VERSION`` (default ``synthetic-1``), read on
each use, so a test can announce a new parser version without new code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ogi.extract.errors import UnreadableDocument

VERSION_ENV = "OGI_SYNTHETIC_PARSER_VERSION"
KILL_ONCE = b"KILLONCE "


def _version() -> str:
    return os.environ.get(VERSION_ENV, "synthetic-1")


def __getattr__(name: str) -> Any:
    if name == "PARSER_VERSION":
        return _version()
    raise AttributeError(name)


def parse_bytes(data: bytes, name: str, *, source_url: str | None = None) -> dict[str, Any]:
    if data.startswith(b"CORRUPT"):
        raise UnreadableDocument(f"{name}: not a report")
    if data.startswith(b"CRASH"):
        raise ZeroDivisionError("division by zero (a stand-in parser bug)")
    if data.startswith(KILL_ONCE):
        header, _, data = data.partition(b"\n")
        marker = Path(header[len(KILL_ONCE) :].decode())
        if not marker.exists():
            marker.write_text(str(os.getpid()))
            os._exit(137)  # no cleanup, no exception: the process is gone
    return json.loads(data) | {"file": name, "parser_version": _version()}
