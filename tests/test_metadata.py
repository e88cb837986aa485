"""The one metadata module: names match the contract, and the generated dictionary is current."""

from __future__ import annotations

import re

from ogi import metadata

SQL_KEYWORDS = {"table", "row", "column", "order", "group", "select", "from", "where", "user", "date", "check"}

REQUIRED = {
    "agencies": "agency_id name region_code level kind parent_id predecessor_id list_url verified",
    "documents": "sha256 url final_url agency_id kind content_type bytes first_fetched_at last_fetched_at",
    "reports": "report_id agency_id year template title published_date document_sha256 document_url is_record "
    "parse_status parser_version parsed_at",
    "cells": "report_id agency_id year code table_name row_name col_name value unit raw_text page source_table "
    "source_row source_col",
    "sections": "report_id section text",
    "issues": "report_id agency_id year check_name severity codes detail",
}


def test_required_columns_in_order_of_the_issue() -> None:
    for table, cols in REQUIRED.items():
        names = [c.name for c in metadata.BY_NAME[table].columns]
        wanted = cols.split()
        assert [n for n in names if n in wanted] == wanted, table


def test_names_avoid_sql_keywords_and_have_descriptions() -> None:
    for t in metadata.TABLES:
        assert re.fullmatch(r"[a-z_]+", t.name) and t.description
        for c in t.columns:
            assert c.name not in SQL_KEYWORDS, (t.name, c.name)
            assert c.description and c.type in metadata.DUCKDB_TYPES, (t.name, c.name)
        for key in t.key:
            assert key in {c.name for c in t.columns}


def test_arrow_schema_carries_descriptions() -> None:
    schema = metadata.arrow_schema("cells")
    assert schema.names[:3] == ["report_id", "agency_id", "year"]
    assert schema.field("value").metadata[b"description"].decode().startswith("The number as printed")


def test_data_dictionary_is_current() -> None:
    assert metadata.DICTIONARY_PATH.read_text(encoding="utf-8") == metadata.data_dictionary(), (
        "docs/data-dictionary.md is stale: run `uv run python -m ogi.metadata`"
    )


def test_settings_table_is_current() -> None:
    from ogi.settings import DOC_PATH, settings_table

    assert DOC_PATH.read_text(encoding="utf-8") == settings_table(), (
        "docs/settings.md is stale: run `uv run python -m ogi.settings`"
    )
