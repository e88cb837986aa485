"""Checks of a built warehouse: every primary and foreign key of metadata.TABLES holds.

A key violation is a bug of the load (two rows for one report cell, an issue naming a
report that is not there), not a property of the data, so it stops the build: the new
database is not renamed into place and the previous warehouse stays readable.
"""

from __future__ import annotations

from typing import Any

from ogi import metadata


class KeyViolation(RuntimeError):
    """A built warehouse breaks a declared key; the message lists each broken key and count."""


def key_violations(con: Any) -> dict[str, int]:
    """Broken keys of the warehouse open on ``con`` (a DuckDB connection) → rows breaking them."""
    out = {}
    for what, sql in metadata.key_checks():
        (count,) = con.execute(sql).fetchone()
        if count:
            out[what] = count
    return out


def check_keys(con: Any, where: str) -> None:
    """Raise :class:`KeyViolation` naming ``where`` when any declared key is broken."""
    broken = key_violations(con)
    if broken:
        listed = "; ".join(f"{what}: {n} row(s)" for what, n in broken.items())
        raise KeyViolation(f"{where}: the warehouse breaks its declared keys: {listed}")
