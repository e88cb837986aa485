"""Real archives for the fault tests: generated report documents, stored and logged as a crawl would.

Documents come from the test kit's generator (its own copy of the template), so the
numbers a load publishes can be compared with the numbers the document prints.
"""

from __future__ import annotations

import csv
import functools
import io
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ogi_testkit.synth import make_report, render

from ogi.archive.store import ArchiveStore, FetchLogWriter

REPO = Path(__file__).resolve().parent.parent
AGENCIES = ("聊城市教育局", "聊城市财政局", "高唐县人民政府", "山东省人民政府")


@dataclass(frozen=True)
class Doc:
    data: bytes
    agency_id: str
    year: int
    name: str = "report.html"
    content_type: str = "text/html"


def report_docs(n: int, *, years: range = range(2019, 2025), fmt: str = "html") -> list[Doc]:
    """``n`` generated reports over the agencies and years (distinct bytes each)."""
    docs = []
    for i in range(n):
        agency = i % len(AGENCIES)
        year = years[(i // len(AGENCIES)) % len(years)]
        report = make_report(AGENCIES[agency], year, seed=i)
        data = render(report, fmt)
        if i >= len(AGENCIES) * len(years):  # more documents than agency-years: another copy, new bytes
            data += f"<!-- copy {i} -->".encode()
        docs.append(Doc(data, f"ag{agency}", year, f"r{i}.{fmt}"))
    return docs


def write_archive(root: Path, docs: list[Doc], run_id: str = "run-1") -> list[str]:
    """Store ``docs`` and log them as one finished crawl run; returns their sha256s."""
    store = ArchiveStore(root)
    log = FetchLogWriter(store, run_id)
    shas = []
    for i, doc in enumerate(docs):
        sha = store.put(doc.data)
        shas.append(sha)
        url = f"http://127.0.0.9/{doc.agency_id}/{doc.year}/{i}/{doc.name}"
        log.write(
            url=url, final_url=url, kind="article", agency_id=doc.agency_id, report_year=doc.year,
            status=200, content_type=doc.content_type, bytes=len(doc.data), sha256=sha,
        )  # fmt: skip
    log.close()
    with (Path(root) / "registry.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["agency_id", "name", "list_url", "first_year"])
        for i, name in enumerate(AGENCIES):
            writer.writerow([f"ag{i}", name, f"http://127.0.0.9/ag{i}/", 2019])
    return shas


def ogi(*args: str, timeout: float = 300, cwd: Path | None = None, **kw) -> subprocess.CompletedProcess:
    """Run the ``ogi`` command in a fresh interpreter (real processes, real exit codes)."""
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    return subprocess.run(
        [sys.executable, "-m", "ogi", *args], capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd, **kw
    )


@functools.cache
def _plain_docx() -> bytes:
    import docx

    out = io.BytesIO()
    docx.Document().save(out)
    return out.getvalue()


def docx_with_body(xml: bytes) -> bytes:
    """A DOCX whose word/document.xml is replaced by ``xml``."""
    src = zipfile.ZipFile(io.BytesIO(_plain_docx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            z.writestr(info, xml if info.filename == "word/document.xml" else src.read(info.filename))
    return out.getvalue()


W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def docx_zip_bomb(inflated_mib: int = 300) -> bytes:
    """A DOCX whose document.xml inflates to ``inflated_mib`` MiB of spaces (a few hundred KB zipped)."""
    src = zipfile.ZipFile(io.BytesIO(_plain_docx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            if info.filename != "word/document.xml":
                z.writestr(info, src.read(info.filename))
                continue
            with z.open(info.filename, "w", force_zip64=True) as f:
                f.write(f"<w:document {W_NS}><w:body><w:p><w:r><w:t>".encode())
                chunk = b" " * 2**20
                for _ in range(inflated_mib):
                    f.write(chunk)
                f.write(b"</w:t></w:r></w:p></w:body></w:document>")
    return out.getvalue()


def entity_bomb_docx() -> bytes:
    entities = '<!ENTITY a0 "lol">' + "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10))
    body = "<w:body><w:p><w:r><w:t>&a9;</w:t></w:r></w:p></w:body>"
    xml = f'<?xml version="1.0"?><!DOCTYPE d [{entities}]><w:document {W_NS}>{body}</w:document>'
    return docx_with_body(xml.encode())


def deep_docx(depth: int = 10_000) -> bytes:
    return docx_with_body(
        f"<w:document {W_NS}><w:body>{'<w:p>' * depth}{'</w:p>' * depth}</w:body></w:document>".encode()
    )


def many_paragraphs_docx(count: int) -> bytes:
    body = "".join(f"<w:p><w:r><w:t>第{i}段</w:t></w:r></w:p>" for i in range(count))
    return docx_with_body(f"<w:document {W_NS}><w:body>{body}</w:body></w:document>".encode())


def span_bomb_html(rows: int = 20, cols: int = 20, span: int = 200) -> bytes:
    cell = f'<td rowspan="{span}" colspan="{span}">1</td>'
    body = "".join(f"<tr>{cell * cols}</tr>" for _ in range(rows))
    return f"<html><body><h1>政府信息公开工作年度报告</h1><table>{body}</table></body></html>".encode()
