"""Heavy documents kept apart: in the parse fan-out, HTML and text-layer PDFs are done
before any scan, whatever order they come in; pictures and PDFs without a text layer
are read with OCR after them; the progress shows documents parsed and pages read.

Real documents (the sample web's committed HTML, text PDF and page pictures, and an
image-only PDF made of one of those pictures), real OCR, a real process pool. Order
is measured from the parse cache's own completion times, not by timing.
"""

from __future__ import annotations

import gzip
import io
import json
from datetime import datetime
from pathlib import Path

import pytest
from ogi_testkit.sampleweb.build import SITE_DIR
from PIL import Image

from ogi.archive.store import ArchiveStore
from ogi.load.parse_cache import cache_path, parser_version
from ogi.load.plan import DocumentRef
from ogi.orchestrate import progress
from ogi.workers import parse_documents

FOLDER = SITE_DIR / "docs" / "lc-wjw"


def _image_only_pdf(jpg: bytes) -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(jpg)).save(out, "PDF", resolution=200)
    return out.getvalue()


def _ref(store: ArchiveStore, data: bytes, name: str, content_type: str) -> DocumentRef:
    return DocumentRef(store.put(data), f"http://a.test/{name}", "lc-wjw", "attachment", content_type, 2019, name, None)


@pytest.fixture(scope="module")
def fanned_out(tmp_path_factory):
    """Scans first in the input, light documents last; two workers, one document a batch."""
    root = tmp_path_factory.mktemp("queue")
    store = ArchiveStore(root / "archive")
    pictures = json.loads((SITE_DIR / "manifest.json").read_text(encoding="utf-8"))["lc-wjw"]["2019"]["images"]
    heavy = [
        _ref(store, _image_only_pdf((FOLDER / pictures[1]).read_bytes()), "scan.pdf", "application/pdf"),
        _ref(store, (FOLDER / pictures[0]).read_bytes(), "page.jpg", "image/jpeg"),
    ]
    light = [
        _ref(store, gzip.decompress((FOLDER / "2020.html.gz").read_bytes()), "2020.html", "text/html"),
        _ref(store, (FOLDER / "2021.pdf").read_bytes(), "2021.pdf", "application/pdf"),
    ]
    heard: list[tuple[str, str]] = []
    line = io.StringIO()
    terminal = progress.TerminalLine(line)
    with progress.listening(lambda *a: heard.append(a)), progress.listening(terminal):
        stats = parse_documents(heavy + light, root / "archive", root / "warehouse", workers=2, batch_size=1)
    terminal.close()
    return root, heavy, light, stats, heard, line.getvalue()


def _parsed_at(warehouse: Path, ref: DocumentRef) -> datetime:
    entry = json.loads(cache_path(warehouse, ref.sha256, parser_version()).read_bytes())
    return datetime.fromisoformat(entry["meta"]["parsed_at"])


def test_light_documents_are_done_before_any_scan(fanned_out) -> None:
    root, heavy, light, stats, _, _ = fanned_out
    assert (stats.planned, stats.parsed, stats.failed, stats.deferred) == (4, 4, 0, [])
    assert stats.ocr_pages == 2
    done = {ref.url: _parsed_at(root / "warehouse", ref) for ref in heavy + light}
    last_light = max(done[ref.url] for ref in light)
    assert all(done[ref.url] > last_light for ref in heavy), done
    for ref in heavy:  # read with OCR, once, and cached like any document
        entry = json.loads(cache_path(root / "warehouse", ref.sha256, parser_version()).read_bytes())
        assert entry["meta"]["extraction"] == "ocr"


def test_progress_counts_documents_and_ocr_pages(fanned_out) -> None:
    _, _, _, _, heard, printed = fanned_out
    details = [detail for stage, detail in heard if stage == "parse"]
    assert details[-1] == "documents parsed 4/4, OCR pages read 2"
    # the light documents were reported done while no page had been read yet
    assert "documents parsed 2/4, OCR pages read 0" in details
    assert printed.endswith("\r\x1b[Kparse: documents parsed 4/4, OCR pages read 2\n")
    assert printed.count("\r\x1b[K") == len(heard)


def test_on_terminal_prints_nothing_to_a_file() -> None:
    stream = io.StringIO()
    with progress.on_terminal(stream):
        progress.stage("parse", "documents parsed 1/1, OCR pages read 0")
    assert stream.getvalue() == ""
