"""The bridge to ogi's test kit, which the product package does not ship.

``ogi demo`` and ``ogi sample-web`` serve the bundled sample web, which lives in the
workspace member ``testkit/`` (package ``ogi_testkit``) so that the ogi wheel carries
no sample documents. From a checkout, ``uv run`` installs it; elsewhere these two
commands stop with one clear line instead of a traceback.
"""

from __future__ import annotations

import importlib
from types import ModuleType

import typer


def require_testkit(module: str, command: str) -> ModuleType:
    """Import ``module`` from the test kit, or exit 2 with one line naming what is missing."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("ogi_testkit"):
            raise
        typer.echo(
            f"{command} needs ogi's test kit (the `ogi-testkit` package in testkit/ of the "
            "repository); run it from a checkout with `uv run`",
            err=True,
        )
        raise typer.Exit(2) from None
