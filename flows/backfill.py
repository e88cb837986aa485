"""Entry point of the ``backfill`` flow for ``prefect deploy flows/backfill.py:backfill`` and
``python flows/backfill.py --agency ID [--year YEAR] …`` (the options of ``ogi backfill``: the
flow needs the agencies to crawl). The flow itself lives in :mod:`ogi.orchestrate.flows` so
that the installed ``ogi`` command (which does not ship this folder) can run it too."""

import sys

from ogi.orchestrate.flows import backfill

__all__ = ["backfill"]

if __name__ == "__main__":
    from ogi.cli import app

    app(["backfill", *sys.argv[1:]])
