"""The one metadata module: names match the contract, and the generated dictionary is current."""

from __future__ import annotations

import re

import pytest

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


def test_each_field_is_defined_once_and_keys_name_real_columns() -> None:
    for t in metadata.TABLES:
        for c in t.columns:
            assert c.type == metadata.FIELDS[c.name][0], (t.name, c.name)
        names = {c.name for c in t.columns}
        for fk in t.foreign_keys:
            ref = metadata.BY_NAME[fk.ref_table]
            assert set(fk.columns) <= names and set(fk.ref_columns) <= {c.name for c in ref.columns}, (t.name, fk)
            for col, ref_col in zip(fk.columns, fk.ref_columns, strict=True):
                assert metadata.FIELDS[col][0] == metadata.FIELDS[ref_col][0], (t.name, col)
    assert metadata.BY_NAME["cells"].key == ("report_id", "code")
    assert {fk.ref_table for fk in metadata.BY_NAME["cells"].foreign_keys} == {"reports", "agencies", "codes"}


TOTAL = "requests.total.total"


def _tiny_warehouse():
    """Every core table as an empty DuckDB table of its schema, plus one consistent report."""
    import duckdb

    con = duckdb.connect()
    for t in metadata.CORE:
        empty = metadata.arrow_schema(t.name).empty_table()  # noqa: F841 (read by DuckDB by name)
        con.execute(f"CREATE TABLE {t.name} AS SELECT * FROM empty")
    con.execute("INSERT INTO agencies (agency_id, name) VALUES ('a1', 'A')")
    con.execute("INSERT INTO documents (sha256, agency_id) VALUES ('s1', 'a1')")
    con.execute("INSERT INTO reports (report_id, agency_id, year, document_sha256) VALUES ('r1', 'a1', 2024, 's1')")
    con.execute("INSERT INTO codes (template, code) VALUES ('2021', ?)", [TOTAL])
    con.execute("INSERT INTO cells (report_id, agency_id, year, code, value) VALUES ('r1', 'a1', 2024, ?, 3)", [TOTAL])
    con.execute(
        "INSERT INTO issues (report_id, agency_id, year, check_name) VALUES (NULL, 'a1', 2024, 'missing_report')"
    )
    return con


def test_key_checks_find_duplicates_and_orphans() -> None:
    from ogi.validate.warehouse import KeyViolation, check_keys, key_violations

    con = _tiny_warehouse()
    assert key_violations(con) == {}
    con.execute(
        "INSERT INTO cells (report_id, agency_id, year, code) VALUES ('r1', 'a1', 2024, 'requests.total.total')"
    )
    con.execute("INSERT INTO issues (report_id, agency_id, year, check_name) VALUES ('r9', 'a1', 2024, 'unsure_cell')")
    con.execute("INSERT INTO documents (sha256, agency_id) VALUES (NULL, 'a1')")
    assert key_violations(con) == {
        "documents primary key (sha256)": 1,
        "cells primary key (report_id, code)": 1,
        "issues (report_id) → reports (report_id)": 1,
    }
    with pytest.raises(KeyViolation, match="cells primary key"):
        check_keys(con, "tiny")
