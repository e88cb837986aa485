"""A report published as a sequence of pictures in its article page is one document.

End to end on the sample web: the crawler archives the article and its JPG pages,
the load makes one report of them (its parts in page order), reads it with OCR, and
the cells in DuckDB equal the generator's answer key (or are null with an error that
names them). The document's key follows its parts: a changed, added or reordered
picture is a new document, so it is parsed again.
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest
from ogi_testkit.sampleweb.build import SITE_DIR, sample_reports
from ogi_testkit.sampleweb.server import SampleWeb

from ogi.archive.parts import parts_sha256
from ogi.archive.store import FETCH_LOG_SCHEMA, ArchiveStore
from ogi.crawl.runner import crawl
from ogi.load.plan import report_candidates
from ogi.settings import CrawlSettings

AGENCY, YEAR = "lc-wjw", 2019  # the sample web's report published as pictures
FAST = CrawlSettings(delay=0.0, retries=1, backoff=0.01, connect_timeout=2, read_timeout=5)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """The agency crawled from the sample web and loaded twice (the second finds nothing new)."""
    from ogi.load import load

    root = tmp_path_factory.mktemp("pictures")
    with SampleWeb(port=0) as web:
        crawl(web.registry_path, root / "archive", agencies=[AGENCY], settings=FAST)
    first = load(root / "archive", root / "warehouse", workers=2)
    second = load(root / "archive", root / "warehouse", workers=2)
    return root, first, second


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, abs_tol=1e-9)


def test_picture_article_is_one_report_with_its_numbers(loaded) -> None:
    from ogi.load.query import connect

    root, first, second = loaded
    assert first.parse_failed == 0 and second.parsed == 0
    manifest = json.loads((SITE_DIR / "manifest.json").read_text(encoding="utf-8"))[AGENCY][str(YEAR)]
    pictures = [(SITE_DIR / "docs" / AGENCY / name).read_bytes() for name in manifest["images"]]
    assert len(pictures) >= 4, "every page of the report is published"
    expected_parts = [hashlib.sha256(p).hexdigest() for p in pictures]

    con = connect(root / "warehouse")
    reports = con.execute(
        "SELECT report_id, document_sha256, document_kind, template FROM reports WHERE year = ?", [YEAR]
    ).fetchall()
    assert len(reports) == 1, reports  # one report, not one per picture nor one for the page
    report_id, sha, kind, template = reports[0]
    assert kind == "article" and template == "2019"
    assert sha == parts_sha256(expected_parts)
    parts = con.execute("SELECT part_sha256 FROM documents WHERE sha256 = ?", [sha]).fetchone()[0]
    assert parts == expected_parts  # page order
    assert con.execute("SELECT count(*) FROM documents WHERE sha256 IN ?", [expected_parts]).fetchone()[0] == len(
        expected_parts
    )  # each picture keeps its own row

    truth = sample_reports()[AGENCY, YEAR].attachment
    expected = {**truth.cells, **truth.ext_cells}
    cells = dict(con.execute("SELECT code, value FROM cells WHERE report_id = ?", [report_id]).fetchall())
    named = {
        code
        for (codes,) in con.execute(
            "SELECT codes FROM issues WHERE report_id = ? AND severity = 'error'", [report_id]
        ).fetchall()
        for code in codes
    }
    con.close()
    silent = {c: (cells.get(c), v) for c, v in expected.items() if cells.get(c) is not None and not _same(cells[c], v)}
    assert not silent, f"numbers that differ from the printed ones: {silent}"
    unflagged = [c for c, v in expected.items() if v is not None and cells.get(c) is None and c not in named]
    assert not unflagged, f"printed numbers left null without an error: {unflagged}"
    right = sum(_same(cells.get(c), v) for c, v in expected.items())
    assert right / len(expected) >= 0.95


def _fetch(url: str, kind: str, sha: str, when: datetime, *, parent: str | None = None, ctype: str) -> dict:
    row = dict.fromkeys(FETCH_LOG_SCHEMA.names)
    row.update(
        run_id="r1",
        requested_at=when,
        url=url,
        kind=kind,
        parent_url=parent,
        agency_id="a1",
        report_year=2024,
        status=200,
        content_type=ctype,
        bytes=10,
        sha256=sha,
    )
    return row


def _candidates(store: ArchiveStore, page_order: list[int], fetch_order: list[int], pictures: list[bytes]):
    """The refs of an article whose page shows ``pictures`` in ``page_order``, fetched in ``fetch_order``."""
    base = "http://a1.test/gk/2024.html"
    urls = [f"http://a1.test/gk/p{k}.jpg" for k in range(len(pictures))]
    html = "".join(f'<p><img src="p{k}.jpg"/></p>' for k in page_order)
    article = store.put(f"<html><body><div>年度报告</div>{html}</body></html>".encode())
    start = datetime(2025, 1, 2, tzinfo=UTC)
    rows = [_fetch(base, "article", article, start, ctype="text/html")]
    for n, k in enumerate(fetch_order, start=1):
        sha = store.put(pictures[k])
        rows.append(_fetch(urls[k], "attachment", sha, start + timedelta(seconds=n), parent=base, ctype="image/jpeg"))
    return report_candidates(pa.Table.from_pylist(rows, schema=FETCH_LOG_SCHEMA), store)


def test_parts_follow_the_page_and_key_the_document(tmp_path: Path) -> None:
    store = ArchiveStore(tmp_path)
    pictures = [b"\xff\xd8\xff picture %d" % k for k in range(3)]
    shas = [hashlib.sha256(p).hexdigest() for p in pictures]

    (ref,) = _candidates(store, [0, 1, 2], [2, 0, 1], pictures)  # fetched out of order
    assert ref.kind == "article" and ref.parts == tuple(shas)  # the page's order, not the fetches'
    assert ref.sha256 == parts_sha256(shas)

    (swapped,) = _candidates(store, [1, 0, 2], [0, 1, 2], pictures)
    assert swapped.parts == (shas[1], shas[0], shas[2]) and swapped.sha256 != ref.sha256

    changed = [*pictures[:2], pictures[2] + b" retouched"]
    (other,) = _candidates(store, [0, 1, 2], [0, 1, 2], changed)
    assert other.parts[:2] == ref.parts[:2] and other.sha256 != ref.sha256

    (fewer,) = _candidates(store, [0, 1], [0, 1], pictures[:2])
    assert fewer.sha256 != ref.sha256


def test_a_picture_shown_but_not_archived_is_named(tmp_path: Path) -> None:
    """The page shows three pictures, the archive holds two: the report is the two, and
    the ref names the third so that the load can say the report is incomplete."""
    store = ArchiveStore(tmp_path)
    pictures = [b"\xff\xd8\xff picture %d" % k for k in range(3)]
    (ref,) = _candidates(store, [0, 1, 2], [0, 2], pictures)  # the second was never fetched
    assert ref.parts == (hashlib.sha256(pictures[0]).hexdigest(), hashlib.sha256(pictures[2]).hexdigest())
    assert ref.missing_parts == ("http://a1.test/gk/p1.jpg",)


def test_a_picture_the_server_failed_makes_the_report_an_error(tmp_path: Path) -> None:
    """End to end: one page of the picture report answers 404 to the crawler. The load
    reads the report from the other pages and records ``missing_part`` (error) naming
    the picture's URL, instead of loading an incomplete report as if it were whole."""
    from ogi.load import load
    from ogi.load.query import connect

    with SampleWeb(port=0) as web:
        (site,) = [s for s in web.sites if s.agency_id == AGENCY]
        (report,) = [r for r in site.reports if r.year == YEAR]
        gone = site.file_path(report, 11, "jpg")  # the second picture
        del site.routes[gone]
        crawl(web.registry_path, tmp_path / "archive", agencies=[AGENCY], settings=FAST)
    summary = load(tmp_path / "archive", tmp_path / "warehouse", workers=1)
    assert summary.parse_failed == 0
    con = connect(tmp_path / "warehouse")
    rows = con.execute(
        "SELECT i.severity, i.detail, d.part_sha256 FROM issues i JOIN reports r USING (report_id) "
        "JOIN documents d ON d.sha256 = r.document_sha256 WHERE i.check_name = 'missing_part'"
    ).fetchall()
    con.close()
    assert len(rows) == 1, rows
    severity, detail, parts = rows[0]
    assert severity == "error" and gone in detail
    assert len(parts) == len(report.images) - 1
