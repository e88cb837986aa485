"""Reading and validating the registry CSV.

The registry is edited by hand (and grows to tens of thousands of rows), so every
problem is reported with the file and line it came from, and unknown columns are
kept rather than rejected: people annotate registries.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from ogi.settings import settings

REQUIRED = ("agency_id", "name", "list_url")
OPTIONAL = (
    "region_code",
    "level",
    "kind",
    "parent_id",
    "predecessor_id",
    "first_year",
    "adapter",
    "allowed_hosts",
    "verified",
    "hints",
)
LEVELS = ("national", "province", "city", "county", "township")
KINDS = ("government", "department", "other")
ADAPTERS = ("static_list", "hanweb_datastore", "json_api", "per_year_query", "generic")
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f", ""}


class RegistryError(ValueError):
    """A registry row that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class Agency:
    """One registry row. ``adapter`` is None when it should be detected from the list page."""

    agency_id: str
    name: str
    list_url: str
    region_code: str | None = None
    level: str | None = None
    kind: str | None = None
    parent_id: str | None = None
    predecessor_id: str | None = None
    first_year: int = field(default_factory=lambda: settings().first_year)
    adapter: str | None = None
    allowed_hosts: tuple[str, ...] = ()
    verified: bool = False
    hints: str | None = None  # a crawl hint: a bundled hint's name or a path relative to the registry
    registry_dir: str | None = field(default=None, compare=False, hash=False)
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def host_allowed(self, url: str) -> bool:
        """True when ``url`` is on one of the agency's hosts.

        An allowed entry with a port must match exactly; without a port it matches
        the host name on any port (sites often move between :80 and :443).
        """
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return False
        netloc = parts.netloc.lower().rsplit("@", 1)[-1]
        host = parts.hostname.lower()
        return any(a in (netloc, host) for a in self.allowed_hosts)


def _netloc(url: str) -> str:
    return urlsplit(url).netloc.lower().rsplit("@", 1)[-1]


def _row_to_agency(row: dict[str, str], where: str, registry_dir: str | None = None) -> Agency:
    def val(name: str) -> str | None:
        v = (row.get(name) or "").strip()
        return v or None

    for name in REQUIRED:
        if not val(name):
            raise RegistryError(f"{where}: column {name!r} is empty")
    list_url = val("list_url") or ""
    try:
        parts = urlsplit(list_url.replace("{year}", "2000"))
        hostname = parts.hostname
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError as e:  # "Invalid IPv6 URL", a bad port …
        raise RegistryError(f"{where}: list_url {list_url!r} is malformed: {e}") from None
    if parts.scheme not in ("http", "https") or not hostname:
        raise RegistryError(f"{where}: list_url {list_url!r} is not an http(s) URL")
    region = val("region_code")
    if region is not None and not re.fullmatch(r"\d{6}", region):
        raise RegistryError(f"{where}: region_code {region!r} is not six digits (GB/T 2260)")
    level, kind, adapter = val("level"), val("kind"), val("adapter")
    if level is not None and level not in LEVELS:
        raise RegistryError(f"{where}: level {level!r} not one of {', '.join(LEVELS)}")
    if kind is not None and kind not in KINDS:
        raise RegistryError(f"{where}: kind {kind!r} not one of {', '.join(KINDS)}")
    if adapter is not None and adapter not in ADAPTERS:
        raise RegistryError(f"{where}: adapter {adapter!r} not one of {', '.join(ADAPTERS)}")
    first_year = val("first_year")
    if first_year is not None and not re.fullmatch(r"(19|20)\d\d", first_year):
        raise RegistryError(f"{where}: first_year {first_year!r} is not a year")
    verified = (val("verified") or "").lower()
    if verified not in _TRUE | _FALSE:
        raise RegistryError(f"{where}: verified {verified!r} is not true/false")
    hosts = tuple(h.lower() for h in (val("allowed_hosts") or "").split())
    known = set(REQUIRED) | set(OPTIONAL)
    return Agency(
        agency_id=val("agency_id") or "",
        name=val("name") or "",
        list_url=list_url,
        region_code=region,
        level=level,
        kind=kind,
        parent_id=val("parent_id"),
        predecessor_id=val("predecessor_id"),
        first_year=int(first_year) if first_year else settings().first_year,
        adapter=adapter,
        allowed_hosts=hosts or (_netloc(parts.geturl()),),
        verified=verified in _TRUE,
        hints=val("hints"),
        registry_dir=registry_dir,
        extra={k: v for k, v in row.items() if k not in known and k is not None},
    )


def load_registry(path: Path) -> list[Agency]:
    """Read and validate a registry CSV (UTF-8, BOM tolerated); ids must be unique."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as e:
        raise RegistryError(f"{path}: cannot read registry: {e.strerror or e}") from e
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise RegistryError(f"{path}: missing required column(s) {', '.join(missing)}")
    agencies: list[Agency] = []
    seen: dict[str, int] = {}
    for lineno, row in enumerate(reader, start=2):
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        where = f"{path}:{lineno}"
        if None in row:
            raise RegistryError(f"{where}: more fields than columns")
        agency = _row_to_agency(row, where, str(Path(path).resolve().parent))
        if agency.agency_id in seen:
            raise RegistryError(f"{where}: agency_id {agency.agency_id!r} already on line {seen[agency.agency_id]}")
        seen[agency.agency_id] = lineno
        agencies.append(agency)
    return agencies
