"""Shared test fixtures: where the read-only shared corpus and spec live.

``OGI_SHARED`` (default ``../shared`` beside the repository) points at them. Tests
that need them are skipped, with the reason, when they are absent: a clone of the
repository alone passes ``uv run pytest``; CI has ../shared and runs them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("OGI_SHARED", REPO.parent / "shared"))
HAVE_SHARED = (SHARED / "corpus").is_dir()
#: Mark for modules and tests that read ../shared.
needs_shared = pytest.mark.skipif(not HAVE_SHARED, reason=f"the shared corpus is not at {SHARED} (set OGI_SHARED)")


@pytest.fixture(scope="session")
def shared() -> Path:
    if not HAVE_SHARED:
        pytest.skip(f"the shared corpus is not at {SHARED} (set OGI_SHARED)")
    return SHARED
