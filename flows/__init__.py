"""Thin entry points of the ogi Prefect flows (definitions in ``ogi.orchestrate.flows``)."""
