"""`ogi parse` as a command: the JSON contract, exit codes, many files, start-up cost."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from PIL import Image

from tests.conftest import SHARED, needs_shared

SEED = SHARED / "seeds" / "000_fa5e2c613ae3f656.txt"


def ogi(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ogi", *args], capture_output=True, text=True, timeout=120)


@needs_shared
def test_json_contract_keys_and_every_code() -> None:
    run = ogi("parse", str(SEED), "--json")
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    for key in ("file", "sha256", "parser_version", "agency", "year", "template", "title", "published",
                "cells", "raw", "units", "positions", "sections", "issues"):  # fmt: skip
        assert key in out
    from ogi.parse import template

    assert set(template.codes("2021")) <= set(out["cells"])
    assert all(isinstance(v, int | float) or v is None for v in out["cells"].values())
    assert all(set(p) == {"page", "table", "row", "col"} for p in out["positions"].values())
    for issue in out["issues"]:
        assert set(issue) == {"check", "severity", "detail", "codes"}


@needs_shared
def test_summary_without_json_is_readable() -> None:
    run = ogi("parse", str(SEED))
    assert run.returncode == 0
    assert "聊城市生态环境局" in run.stdout and "new_received" in run.stdout and "blank_cells" in run.stdout


def test_missing_corrupt_and_unsupported_files_exit_2(tmp_path: Path) -> None:
    corrupt = tmp_path / "broken.pdf"
    corrupt.write_bytes(b"%PDF-1.4\n this is not a pdf at all")
    unsupported = tmp_path / "archive.bin"
    unsupported.write_bytes(b"\x00\x01\x02binary\x00" * 50)
    for path in (tmp_path / "nope.pdf", corrupt, unsupported):
        run = ogi("parse", str(path), "--json")
        assert run.returncode == 2
        assert run.stdout == ""
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1 and str(path) in lines[0]


def test_scanned_pdf_reports_no_text_layer(tmp_path: Path) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (600, 800), "white").save(buf, format="PDF")
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(buf.getvalue())
    out = json.loads(ogi("parse", str(scan), "--json").stdout)
    assert out["template"] is None and out["cells"] == {}
    assert [i["check"] for i in out["issues"]] == ["no_text_layer"]


def test_pre_2019_report_has_no_template_tables(tmp_path: Path) -> None:
    old = tmp_path / "old.txt"
    old.write_text(
        "某某县人民政府2015年政府信息公开工作年度报告\n一、概述\n2015年，我县主动公开政府信息1200条。\n"
        "二、主动公开政府信息情况\n全年受理申请12件，全部按时答复。\n",
        encoding="utf-8",
    )
    out = json.loads(ogi("parse", str(old), "--json").stdout)
    assert out["template"] is None and out["cells"] == {}
    assert out["year"] == 2015 and out["agency"] == "某某县人民政府"
    assert [i["check"] for i in out["issues"]] == ["no_template_tables"]


@needs_shared
def test_jsonl_over_a_folder(tmp_path: Path) -> None:
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_bytes(SEED.read_bytes())
    run = ogi("parse", "--jsonl", str(tmp_path), str(SHARED / "corpus" / "pingtan-2023.html"))
    assert run.returncode == 0, run.stderr
    rows = [json.loads(line) for line in run.stdout.splitlines()]
    assert [Path(r["file"]).name for r in rows] == ["a.txt", "b.txt", "pingtan-2023.html"]
    assert rows[0]["sha256"] == rows[1]["sha256"]


@needs_shared
def test_parse_does_not_import_prefect_or_duckdb() -> None:
    code = (
        "import sys; from ogi.cli import app\n"
        "try:\n    app(['parse', sys.argv[1], '--json'])\nexcept SystemExit:\n    pass\n"
        "bad = [m for m in ('prefect', 'duckdb') if m in sys.modules]\n"
        "sys.stderr.write(repr(bad))\n"
    )
    run = subprocess.run([sys.executable, "-c", code, str(SEED)], capture_output=True, text=True, timeout=60)
    assert run.stderr.strip().endswith("[]"), run.stderr
