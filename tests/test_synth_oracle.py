"""The generator is an oracle that does not share the parser's knowledge.

It prints the template's labels from its own copy of ../shared/spec/cells.csv and
its own catalogue of real-world wordings, never from ``src/ogi/parse/data``: so
changing a label or an alias there changes nothing the generator prints, and the
generator runs with ``ogi.parse`` unimportable.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SHARED

GENERATOR = Path(__file__).resolve().parent.parent / "testkit" / "src" / "ogi_testkit" / "synth"
PARSE_DATA = Path(__file__).resolve().parent.parent / "src" / "ogi" / "parse" / "data"

# Render one report per format and template with many label variants; print digests.
_PROGRAM = """
import hashlib, sys
{prelude}
from ogi_testkit.synth import make_report, render
from ogi_testkit.synth.variants import applicable
for year in (2020, 2024):
    quirks = set(applicable("html")) - {{"merged_legal_column", "format_swapped"}}
    for variant_set in ((), ("spaced_labels", "wording_variants", "older_wordings", "label_typos"), quirks):
        report = make_report("某县人民政府", year, seed=year, quirks=set(variant_set))
        for fmt, opts in (("html", {{"style": "trs"}}), ("html", {{"style": "spans"}}), ("txt", {{}}), ("docx", {{}})):
            data = render(report, fmt, **opts)
            if fmt == "docx":  # the document text, not the zip's timestamps
                import docx, io
                d = docx.Document(io.BytesIO(data))
                cells = [c.text for t in d.tables for r in t.rows for c in r.cells]
                data = "\\n".join([p.text for p in d.paragraphs] + cells).encode()
            print(year, len(variant_set), fmt, hashlib.sha256(data).hexdigest())
"""


def _run(prelude: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OGI_")}
    proc = subprocess.run(
        [sys.executable, "-c", _PROGRAM.format(prelude=prelude)], capture_output=True, text=True, env=env, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def _altered_parse_data(folder: Path) -> Path:
    """A copy of the parser's label data with labels and aliases changed."""
    shutil.copytree(PARSE_DATA, folder)
    for name in ("rows.csv", "cols.csv", "table_keywords.csv"):
        path = folder / name
        text = path.read_text(encoding="utf-8")
        text = text.replace("总计", "合共").replace("规范性文件", "规范文件").replace("自然人", "个人")
        text = text.replace("本年新收", "本年收到").replace("结果维持", "维持原决定")
        path.write_text(text, encoding="utf-8")
    assert (folder / "rows.csv").read_text(encoding="utf-8") != (PARSE_DATA / "rows.csv").read_text(encoding="utf-8")
    return folder


def test_changing_parse_data_changes_nothing_the_generator_prints(tmp_path: Path) -> None:
    altered = _altered_parse_data(tmp_path / "data")
    plain = _run("")
    patched = _run(
        "import functools, ogi.parse.template as t\n"
        f"t.DATA = __import__('pathlib').Path({str(altered)!r})\n"
        "assert t.rows('2021', 'requests')[-2].aliases[0] == '合共'\n"
    )
    assert plain.count("\n") == 24
    assert patched == plain


def test_generator_runs_without_the_parser() -> None:
    blocked = _run("sys.modules['ogi.parse'] = None\nsys.modules['ogi.parse.template'] = None\n")
    assert blocked == _run("")


def test_generator_source_never_reads_parse_data() -> None:
    for path in GENERATOR.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "from ogi.parse" not in text and "import ogi.parse" not in text, path.name


@pytest.mark.skipif(not (SHARED / "spec" / "cells.csv").exists(), reason="../shared/spec not present")
def test_generator_template_is_a_copy_of_the_spec() -> None:
    mine = (GENERATOR / "data" / "cells.csv").read_bytes()
    spec = (SHARED / "spec" / "cells.csv").read_bytes()
    assert hashlib.sha256(mine).digest() == hashlib.sha256(spec).digest()
