"""The human-readable form of a parse result (``ogi parse FILE`` without --json)."""

from __future__ import annotations

import sys
from typing import Any

from rich.console import Console
from rich.table import Table

from ogi.parse import template as T


def _fmt(value: Any) -> str:
    return "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def print_summary(result: dict[str, Any]) -> None:
    console = Console(width=None if sys.stdout.isatty() else 200)
    console.print(f"[bold]{result.get('title') or result['file']}[/bold]")
    console.print(
        f"agency: {result['agency']}  year: {result['year']}  template: {result['template']}  "
        f"published: {result['published']}  sha256: {result['sha256'][:12]}  parser: {result['parser_version']}"
    )
    version = result["template"]
    cells = result["cells"]
    if version:
        labels = T.labels(version)
        for table in T.TABLES:
            specs = T.rows(version, table)
            cols = list(dict.fromkeys(c for s in specs for c in s.cols))
            grid = Table(title=table, show_lines=False)
            grid.add_column("row")
            for col in cols:
                grid.add_column(col, justify="right")
            for spec in specs:
                grid.add_row(
                    spec.row,
                    *[_fmt(cells.get(f"{table}.{spec.row}.{c}")) if c in spec.cols else "" for c in cols],
                )
            console.print(grid)
        extra = {c: v for c, v in cells.items() if c not in labels or c in T.ext_codes()}
        if extra:
            console.print("extension cells: " + ", ".join(f"{c}={_fmt(v)}" for c, v in extra.items()))
    issues = Table(title="issues")
    for name in ("check", "severity", "detail"):
        issues.add_column(name)
    for issue in result["issues"]:
        issues.add_row(issue["check"], issue["severity"], issue["detail"][:300])
    console.print(issues)
