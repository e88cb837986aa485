"""The raw archive: content-addressed objects plus the append-only fetch log.

The archive is the only thing parsing reads; nothing downstream re-fetches.
"""

from ogi.archive.store import FETCH_LOG_SCHEMA, ArchiveStore, FetchLogWriter

__all__ = ["FETCH_LOG_SCHEMA", "ArchiveStore", "FetchLogWriter"]
