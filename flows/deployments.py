"""Serve all ogi deployments (same as ``ogi serve``): ``python flows/deployments.py``.

The definitions live in :mod:`ogi.orchestrate.deployments`; see docs/operations.md for
running this as a service, or for a work pool + worker instead.
"""

from pathlib import Path

from ogi.orchestrate.deployments import build_deployments, serve_deployments

__all__ = ["build_deployments", "serve_deployments"]

if __name__ == "__main__":
    serve_deployments(registry=None, archive=Path("warehouse/archive"), warehouse=Path("warehouse"))
