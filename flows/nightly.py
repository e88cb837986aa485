"""Entry point of the ``nightly`` flow for ``prefect deploy flows/nightly.py:nightly`` and
``python flows/nightly.py``. The flow itself lives in :mod:`ogi.orchestrate.flows` so that the
installed ``ogi`` command (which does not ship this folder) can run it too."""

from ogi.orchestrate.flows import nightly

__all__ = ["nightly"]

if __name__ == "__main__":
    nightly()
