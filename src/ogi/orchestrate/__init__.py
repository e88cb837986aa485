"""Orchestration of the stages with Prefect: flows, the local Prefect server, run
artifacts and the one-command demo.

The stage logic lives in ``ogi.crawl`` / ``ogi.load``; this package only wires it into
Prefect flows (``ogi.orchestrate.flows``), which the repository's ``flows/`` folder
re-exports for ``prefect deploy`` users. Nothing here is imported by ``ogi parse``.
"""
