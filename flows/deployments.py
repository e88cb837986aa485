"""Serve all ogi deployments (same as ``ogi serve``): ``python flows/deployments.py``.

The definitions live in :mod:`ogi.orchestrate.deployments`; see docs/operations.md for
running this as a service, or for a work pool + worker instead.
"""

from ogi.orchestrate.deployments import build_deployments, serve_deployments
from ogi.settings import settings

__all__ = ["build_deployments", "serve_deployments"]

if __name__ == "__main__":
    config = settings()
    serve_deployments(registry=None, archive=config.archive_for(), warehouse=config.warehouse)
