"""`ogi load`, `ogi query` and `ogi sql` end to end on a small synthetic archive."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from ogi_testkit.synthetic_archive import write_synthetic_archive
from test_load import VERSION, use_synthetic_parser
from typer.testing import CliRunner

from ogi.cli import app
from ogi.load.query import repl


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    use_synthetic_parser(monkeypatch)
    archive, wh = tmp_path / "archive", tmp_path / "wh"
    write_synthetic_archive(archive, tmp_path / "c", reports=12, years=range(2019, 2025), version=VERSION)
    result = CliRunner().invoke(
        app, ["load", "--archive", str(archive), "--warehouse", str(wh), "--workers", "1", "--as-of", "2025-03-01"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["reports"] == summary["records"] == 12 and summary["last_complete_year"] == 2024
    return wh


def _query(wh: Path, *args: str):
    return CliRunner().invoke(app, ["query", *args, "--warehouse", str(wh)])


def test_query_formats(warehouse: Path, tmp_path: Path) -> None:
    sql = "SELECT agency_id, count(*) AS n FROM reports GROUP BY 1 ORDER BY 1"
    table = _query(warehouse, sql)
    assert table.exit_code == 0 and "agency_id | n" in table.output and "(2 rows)" in table.output
    csv_out = _query(warehouse, sql, "--format", "csv")
    assert csv_out.output.splitlines() == ["agency_id,n", "A000000,6", "A000001,6"]
    js = _query(warehouse, sql, "--format", "json")
    assert json.loads(js.output) == [{"agency_id": "A000000", "n": 6}, {"agency_id": "A000001", "n": 6}]
    out = tmp_path / "r.parquet"
    assert _query(warehouse, sql, "--format", "parquet", "--output", str(out)).exit_code == 0
    assert pq.read_table(out).num_rows == 2


def test_query_errors_are_clear(warehouse: Path, tmp_path: Path) -> None:
    bad = _query(warehouse, "SELECT * FROM nope")
    assert bad.exit_code == 2 and "nope" in bad.output
    assert _query(warehouse, "SELECT 1", "--format", "parquet").exit_code == 2
    missing = CliRunner().invoke(app, ["query", "SELECT 1", "--warehouse", str(tmp_path / "empty")])
    assert missing.exit_code == 2 and "ogi load" in missing.output
    readonly = _query(warehouse, "CREATE TABLE t AS SELECT 1")
    assert readonly.exit_code == 2


def test_sql_shell(warehouse: Path) -> None:
    out = io.StringIO()
    repl(warehouse, io.StringIO(".tables\nSELECT count(*)\n  AS n FROM reports;\nSELECT * FROM nope;\n.quit\n"), out)
    text = out.getvalue()
    assert "coverage" in text and "requests_harmonized" in text
    assert "n\n--\n12\n(1 row)" in text
    assert "Error:" in text and "nope" in text
