"""The catalogue of real-world variants the generator can print (``data/variants.csv``).

Each variant is a class of real reports, not one document: a wording, a layout or a
number form that many agencies share (drawn from ../shared/corpus and TEMPLATE.md
"Quirks"). ``formats`` says which output formats a variant applies to (``*`` = all;
``html`` = web pages only). The wordings the variants print are in
``data/wordings.json``.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data"
ALL_FORMATS = ("html", "html-gbk", "docx", "pdf", "doc", "txt")


@dataclass(frozen=True)
class Variant:
    name: str
    family: str
    formats: tuple[str, ...]
    description: str


@cache
def catalogue() -> dict[str, Variant]:
    with (DATA / "variants.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = {}
    for r in rows:
        formats = ALL_FORMATS if r["formats"] == "*" else tuple(f for f in ALL_FORMATS if f.startswith(r["formats"]))
        out[r["variant"]] = Variant(r["variant"], r["family"], formats, r["what real reports do"])
    return out


def applicable(fmt: str) -> tuple[str, ...]:
    """Variants that apply to an output format, in catalogue order."""
    return tuple(v.name for v in catalogue().values() if fmt in v.formats)


@cache
def wordings() -> dict:
    return json.loads((DATA / "wordings.json").read_text(encoding="utf-8"))
