"""One document → the parse contract (cells, raw text, units, positions, sections, issues)."""

from __future__ import annotations

import hashlib
from typing import Any

from ogi.extract.model import Document
from ogi.parse import template as T
from ogi.parse.meta import read_meta
from ogi.parse.sections import SECTIONS, split_sections
from ogi.parse.tables import (
    Found,
    TableResult,
    detect_template,
    interpret_review,
    interpret_rows,
    row_views,
    what_was_seen,
)
from ogi.parse.values import Reading
from ogi.validate import document as document_checks
from ogi.validate import report as report_checks
from ogi.validate.checks import Issue
from ogi.validate.identities import check_identities, check_negative
from ogi.validate.oversight import report_oversight


def _unit(code: str, version: str, printed_unit: str | None) -> str | None:
    if printed_unit:
        return printed_unit
    label = T.labels(version).get(code, ("", "", ""))[2]
    return "万元" if "万元" in label else None


def _unsure_when_unconfident(parts: list[TableResult]) -> None:
    """An OCR cell recognised with less than ``ocr_min_confidence`` is unsure: null,
    its printed text kept in raw, never a guessed number (a blank cell has nothing
    recognised and no confidence)."""
    from ogi.settings import settings

    threshold = settings().ocr_min_confidence
    for part in parts:
        for code, f in part.found.items():
            confidence = f.cell.confidence if f.cell is not None else None
            if confidence is None or confidence >= threshold or f.reading.kind == "unsure":
                continue
            part.found[code] = Found(code, f.cell, Reading("unsure"))
            part.unsure.append((code, f"OCR read {f.cell.text!r} with confidence {confidence:.2f} < {threshold}"))


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
        "extraction": doc.extraction,
        "pages": doc.pages,
        "cells": {},
        "raw": {},
        "units": {},
        "positions": {},
        "confidence": {},
        "sections": split_sections(doc.lines) if doc.lines else dict.fromkeys(SECTIONS, ""),
        "issues": [],
    }
    issues: list[Issue] = []
    if not doc.has_text:
        issues.append(document_checks.no_text_layer(doc.kind))
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
    if doc.extraction != "text":
        _unsure_when_unconfident(parts)
    found = {code: f for part in parts for code, f in part.found.items()}
    template_codes = set(T.codes(version)) if version else set()
    if not any(code in template_codes for code in found):
        seen = what_was_seen(doc.grids)
        if meta.year is not None and meta.year >= 2019 and meta.title:
            seen += f"; yet the title says it is the {meta.year} annual report ({meta.title})"
        issues.append(document_checks.no_template_tables(seen))
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
            if f.cell.box is not None:
                result["positions"][code]["box"] = list(f.cell.box)
            if f.cell.confidence is not None:
                result["confidence"][code] = round(f.cell.confidence, 4)
        unit = _unit(code, version, f.reading.unit)
        if unit and f.reading.value is not None:
            result["units"][code] = unit
    result["cells"] = cells
    extension = sorted(c for c in found if c not in template_codes)
    for part in parts:
        issues += report_checks.unsure_cells(part.unsure)
        issues += report_checks.merged_rows_or_columns(part.merged, extension)
    issues += report_checks.blank_cells(cells, T.codes(version), found)
    issues += check_identities(cells, version)
    issues += check_negative(cells)
    issues += report_oversight(cells, result["sections"], version, meta.year, meta.published)
    result["issues"] = [i.to_json() for i in issues]
    return result
