"""One document → the parse contract (cells, raw text, units, positions, sections, issues)."""

from __future__ import annotations

import hashlib
from typing import Any

from ogi.extract.model import Document
from ogi.parse import template as T
from ogi.parse.meta import read_meta
from ogi.parse.sections import SECTIONS, split_sections
from ogi.parse.tables import TableResult, detect_template, interpret_review, interpret_rows, row_views
from ogi.validate.checks import Issue
from ogi.validate.identities import check_identities, check_negative


def _unit(code: str, version: str, printed_unit: str | None) -> str | None:
    if printed_unit:
        return printed_unit
    label = T.labels(version).get(code, ("", "", ""))[2]
    return "万元" if "万元" in label else None


def interpret(doc: Document, *, file: str, data: bytes, parser_version: str) -> dict[str, Any]:
    meta = read_meta(doc.lines, doc.title_hints, doc.published_hints, doc.kind)
    result: dict[str, Any] = {
        "file": file,
        "sha256": hashlib.sha256(data).hexdigest(),
        "parser_version": parser_version,
        "agency": meta.agency,
        "year": meta.year,
        "template": None,
        "title": meta.title,
        "published": meta.published,
        "document_kind": doc.kind,
        "pages": doc.pages,
        "cells": {},
        "raw": {},
        "units": {},
        "positions": {},
        "sections": split_sections(doc.lines) if doc.lines else dict.fromkeys(SECTIONS, ""),
        "issues": [],
    }
    issues: list[Issue] = []
    if not doc.has_text:
        issues.append(Issue("no_text_layer", f"{doc.kind} without extractable text (scanned): nothing was read"))
        result["issues"] = [i.to_json() for i in issues]
        return result
    views = row_views(doc.grids)
    version = detect_template(doc.grids, meta.year)
    parts: list[TableResult] = []
    if version:
        parts = [
            interpret_rows(views, "active", version),
            interpret_rows(views, "requests", version),
            interpret_review(views, version),
        ]
    found = {code: f for part in parts for code, f in part.found.items()}
    template_codes = set(T.codes(version)) if version else set()
    if not any(code in template_codes for code in found):
        issues.append(
            Issue(
                "no_template_tables",
                "no template tables found (a pre-2019 report, an image-only document, or not a report)",
            )
        )
        result["issues"] = [i.to_json() for i in issues]
        return result
    result["template"] = version
    cells: dict[str, int | float | None] = dict.fromkeys(T.codes(version))
    for code, f in found.items():
        cells[code] = f.reading.value
        if f.cell is not None:
            result["raw"][code] = f.cell.text
            result["positions"][code] = {
                "page": f.cell.page,
                "table": f.cell.table,
                "row": f.cell.row,
                "col": f.cell.col,
            }
        unit = _unit(code, version, f.reading.unit)
        if unit and f.reading.value is not None:
            result["units"][code] = unit
    result["cells"] = cells
    for part in parts:
        for where, detail in part.unsure:
            codes = [where] if where.replace(".", "").replace("_", "").isalnum() else []
            issues.append(Issue("unsure_cell", f"{where}: {detail}; value left null", codes))
        for detail in part.merged:
            ext = sorted(c for c in found if c not in template_codes)
            issues.append(Issue("merged_rows_or_columns", detail, ext))
    blank = [c for c in T.codes(version) if cells[c] is None]
    if blank:
        absent = [c for c in blank if c not in found]
        issues.append(
            Issue(
                "blank_cells",
                f"{len(blank)} template cell(s) blank, dash, slash or absent ({len(absent)} absent)",
                blank,
            )
        )
    issues += check_identities(cells, version)
    issues += check_negative(cells)
    result["issues"] = [i.to_json() for i in issues]
    return result
