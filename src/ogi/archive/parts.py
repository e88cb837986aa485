"""A document made of several archived objects (a report published as a sequence of
pictures in its article page): its identity is the ordered list of its parts.

The key is a digest of the parts' sha256 in page order, so a change of any part, a
part added or removed, or two pages swapped gives a new key, and so a new parse;
the same pictures in the same order give the same key wherever they were found.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

_PREFIX = b"ogi-parts/1\n"


def parts_sha256(parts: Sequence[str]) -> str:
    """The document key of the ordered ``parts`` (each a sha256 of an archived object)."""
    if not parts:
        raise ValueError("a document of parts needs at least one part")
    return hashlib.sha256(_PREFIX + "\n".join(parts).encode()).hexdigest()
