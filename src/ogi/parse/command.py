"""``ogi parse``: one document as JSON or a readable summary; many as JSON lines."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

from ogi.extract.errors import UnreadableDocument
from ogi.parse.api import parse_path

DOCUMENT_SUFFIXES = {".html", ".htm", ".shtml", ".pdf", ".doc", ".docx", ".wps", ".txt"}


def _expand(paths: list[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES)
        else:
            yield path


def run_parse(paths: list[Path], *, json_out: bool, jsonl: bool) -> int:
    if jsonl:
        failed = 0
        for path in _expand(paths):
            try:
                result = parse_path(path)
            except UnreadableDocument as exc:
                failed += 1
                print(f"ogi parse: {exc}", file=sys.stderr)
                result = {"file": str(path), "error": str(exc), "check": exc.check}
            sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        return 2 if failed else 0
    if len(paths) != 1:
        print("ogi parse: give one FILE (use --jsonl for many files or folders)", file=sys.stderr)
        return 2
    try:
        result = parse_path(paths[0])
    except UnreadableDocument as exc:
        print(f"ogi parse: {exc}", file=sys.stderr)
        return 2
    if json_out:
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    else:
        from ogi.parse.summary import print_summary

        print_summary(result)
    return 0
