"""Hostile documents: every parse limit gives a named error, one clear line, and the batch goes on.

Each hostile file is built here from its description (a zip bomb, an entity bomb,
XML nested 10,000 deep, a table of 200×200 spans, too many paragraphs/pages, a
parse that runs too long, a worker out of memory); the parser is the real one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from ogi.extract import limits
from ogi.extract.errors import UnreadableDocument
from ogi.extract.limits import DocumentTooLarge, ParseTimeout
from ogi.parse.api import parse_bytes, parse_path
from ogi.worker_limits import init_worker, process_start
from tests.faults_kit import (
    deep_docx,
    docx_zip_bomb,
    entity_bomb_docx,
    many_paragraphs_docx,
    ogi,
    report_docs,
    span_bomb_html,
)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "a-good.html").write_bytes(report_docs(1)[0].data)
    (folder / "b-zipbomb.docx").write_bytes(docx_zip_bomb(300))
    (folder / "c-entities.docx").write_bytes(entity_bomb_docx())
    (folder / "d-deep.docx").write_bytes(deep_docx(10_000))
    (folder / "e-spans.html").write_bytes(span_bomb_html())
    (folder / "f-paragraphs.docx").write_bytes(many_paragraphs_docx(limits.LIMITS.max_paragraphs + 1))
    (folder / "g-after.html").write_bytes(report_docs(2)[1].data)
    return folder


EXPECTED = {
    "b-zipbomb.docx": ("document_too_large", "inflates"),
    "c-entities.docx": ("unsupported_document", "entity amplification"),
    "d-deep.docx": ("unsupported_document", "Excessive depth"),
    "e-spans.html": ("document_too_large", "spans expand to over"),
    "f-paragraphs.docx": ("document_too_large", "paragraphs (limit"),
}


def test_jsonl_batch_goes_on_past_every_hostile_file(hostile: Path) -> None:
    run = ogi("parse", "--jsonl", str(hostile))
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    lines = [json.loads(x) for x in run.stdout.splitlines()]
    by_name = {Path(x["file"]).name: x for x in lines}
    assert sorted(by_name) == sorted(p.name for p in hostile.iterdir())
    for name in ("a-good.html", "g-after.html"):
        assert by_name[name]["template"] is not None and by_name[name]["cells"], name
    for name, (check, words) in EXPECTED.items():
        assert by_name[name]["check"] == check and words in by_name[name]["error"], by_name[name]
    errors = run.stderr.strip().splitlines()
    assert len(errors) == len(EXPECTED) and all(line.startswith("ogi parse: ") for line in errors)


@pytest.mark.parametrize("name", ["c-entities.docx", "d-deep.docx"])
def test_xml_errors_are_one_line_exit_2(hostile: Path, name: str) -> None:
    run = ogi("parse", str(hostile / name), "--json")
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.count("\n") == 1 and str(hostile / name) in run.stderr and "Traceback" not in run.stderr


def test_page_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    pdf = pdfium.PdfDocument.new()
    for _ in range(3):
        pdf.new_page(595, 842)
    buf = io.BytesIO()
    pdf.save(buf)
    monkeypatch.setattr(limits, "LIMITS", dataclasses.replace(limits.LIMITS, max_pages=2))
    with pytest.raises(DocumentTooLarge, match="3 pages"):
        parse_bytes(buf.getvalue(), "three.pdf")
    monkeypatch.setattr(limits, "LIMITS", dataclasses.replace(limits.LIMITS, max_pages=3))
    assert parse_bytes(buf.getvalue(), "three.pdf")["template"] is None  # within the limit: read (no tables)


def test_wall_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    slow = many_paragraphs_docx(20_000)  # well within the paragraph limit, seconds to walk
    monkeypatch.setattr(limits, "LIMITS", dataclasses.replace(limits.LIMITS, max_seconds=0.2))
    with pytest.raises(ParseTimeout, match=r"longer than 0\.2 s") as info:
        parse_bytes(slow, "slow.docx")
    assert info.value.check == "parse_timeout"


def test_a_timeout_swallowed_once_fires_again() -> None:
    """A ParseTimeout raised inside a finaliser is lost (Python prints it and goes on):
    the alarm fires again, so the parse still stops."""
    with pytest.raises(ParseTimeout), limits.deadline("swallowed.docx", 0.1):
        with contextlib.suppress(ParseTimeout):  # as a garbage collector's __del__ would
            time.sleep(2)
        time.sleep(2)


def _parse_check(path: str) -> str:
    try:
        parse_path(path)
    except UnreadableDocument as exc:
        return exc.check
    return "parsed"


def test_worker_memory_cap_turns_into_document_too_large(tmp_path: Path) -> None:
    """A pool worker capped by init_worker: a document needing more memory is
    document_too_large, and the same worker goes on to parse the next one."""
    big = tmp_path / "big.txt"
    with big.open("w", encoding="utf-8") as fh:
        line = "一、总体情况 " + "数" * 200 + "\n"
        for _ in range(300_000):  # ~190 MB of text, several times that once decoded and split
            fh.write(line)
    good = tmp_path / "good.html"
    good.write_bytes(report_docs(1)[0].data)
    with ProcessPoolExecutor(
        1, initializer=init_worker, initargs=((os.getpid(), process_start(os.getpid())), 600 * 2**20)
    ) as pool:
        assert pool.submit(_parse_check, str(big)).result() == "document_too_large"
        assert pool.submit(_parse_check, str(good)).result() == "parsed"
