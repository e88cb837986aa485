"""The ``ogi`` command. Each subcommand imports its stage lazily so that
``ogi parse`` starts fast (no Prefect, no DuckDB)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)


@app.callback()
def _root() -> None:
    """ogi: crawl, parse, validate and load OGI annual reports."""


@app.command()
def parse(
    files: Annotated[list[Path], typer.Argument(help="Report documents (or folders, with --jsonl).")],
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object (the parse contract).")] = False,
    jsonl: Annotated[bool, typer.Option("--jsonl", help="Parse many files/folders, one JSON per line.")] = False,
) -> None:
    """Parse report documents into the template's cells, sections and issues."""
    from ogi.parse.command import run_parse

    raise typer.Exit(run_parse(files, json_out=json_out, jsonl=jsonl))


def main() -> None:
    app()
