"""Entry point of the ``reparse`` flow for ``prefect deploy flows/reparse.py:reparse`` and
``python flows/reparse.py``. The flow itself lives in :mod:`ogi.orchestrate.flows` so that the
installed ``ogi`` command (which does not ship this folder) can run it too."""

from ogi.orchestrate.flows import reparse

__all__ = ["reparse"]

if __name__ == "__main__":
    reparse()
