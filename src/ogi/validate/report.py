"""Report-level checks on how the cells were read (the arithmetic is in identities.py).

The parser hands over what it saw (cells, the codes it found, the cells it could not
read with confidence, rows/columns printed merged); these functions turn that into
named issues. ``year_mismatch`` runs in the load, where the listing's year is known.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from ogi.validate.checks import Issue

Number = int | float | None


def unsure_cells(unsure: Iterable[tuple[str, str]]) -> list[Issue]:
    """One error per cell whose reading was ambiguous; its value was left null."""
    # ``where`` is a code or a row code, or a printed row's label (which is no code)
    return [
        Issue("unsure_cell", f"{where}: {detail}; value left null", [] if " " in where else [where])
        for where, detail in unsure
    ]


def merged_rows_or_columns(details: Iterable[str], extension_codes: Sequence[str]) -> list[Issue]:
    """One warning per merged row or column, naming the extension codes its numbers went to."""
    return [Issue("merged_rows_or_columns", detail, list(extension_codes)) for detail in details]


def blank_cells(cells: Mapping[str, Number], template_codes: Sequence[str], found: Iterable[str]) -> list[Issue]:
    """Template cells with no number: blank, a dash or slash, or not printed at all."""
    blank = [c for c in template_codes if cells.get(c) is None]
    if not blank:
        return []
    seen = set(found)
    absent = [c for c in blank if c not in seen]
    return [
        Issue(
            "blank_cells",
            f"{len(blank)} template cell(s) blank, dash, slash or absent ({len(absent)} absent)",
            blank,
        )
    ]


def missing_part(missing: tuple[str, ...] | list[str]) -> list[Issue]:
    """Pictures of a report published as pictures that its article shows but the
    archive does not hold: the report was read without those pages."""
    if not missing:
        return []
    return [
        Issue(
            "missing_part",
            f"the article shows {len(missing)} picture(s) that were not archived, read without them: "
            + ", ".join(missing),
        )
    ]


def year_mismatch(parsed_year: int | None, listing_year: int | None, url: str) -> list[Issue]:
    """The report's own year differs from the year its listing gave."""
    if parsed_year is None or listing_year is None or parsed_year == listing_year:
        return []
    return [Issue("year_mismatch", f"the report says {parsed_year}, its listing ({url}) says {listing_year}")]
