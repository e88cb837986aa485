"""The real parser on real reports, through the archive, into the warehouse.

Documents are copied from the shared corpus into a temporary archive (never into
the repository) with a fetch log written here, as a crawl would have left it.
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ogi.archive.store import FETCH_LOG_SCHEMA, ArchiveStore
from ogi.load import load
from ogi.load.query import connect
from tests.conftest import SHARED, needs_shared

CORPUS = SHARED / "corpus"
DOCS = {  # file: (agency_id, listing year, kind, content type)
    "pingtan-2023.html": ("pingtan", 2023, "article", "text/html"),
    "shanghai-office-2019.html": ("sh-office", 2019, "article", "text/html"),
    "huaian-2024.pdf": ("huaian", 2024, "attachment", "application/pdf"),
}

pytestmark = needs_shared


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, abs_tol=1e-9)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    archive = root / "archive"
    store = ArchiveStore(archive)
    rows = []
    for i, (name, (agency, year, kind, ctype)) in enumerate(DOCS.items()):
        data = (CORPUS / name).read_bytes()
        sha = store.put(data)
        url = f"http://{agency}.example.gov.cn/xxgk/ndbg/{name}"
        rows.append(
            {n: None for n in FETCH_LOG_SCHEMA.names}
            | {
                "run_id": "corpus",
                "requested_at": datetime(2025, 2, 1, 8, i, tzinfo=UTC),
                "url": url,
                "final_url": url,
                "kind": kind,
                "agency_id": agency,
                "report_year": year,
                "status": 200,
                "content_type": ctype,
                "bytes": len(data),
                "sha256": sha,
            }
        )
    store.log_dir.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=FETCH_LOG_SCHEMA), store.log_dir / "corpus.parquet")
    (archive / "registry.csv").write_text(
        "agency_id,name,list_url,region_code,level,kind,first_year\n"
        "pingtan,平潭综合实验区,http://pingtan.example.gov.cn/,350128,county,government,2023\n"
        "sh-office,上海市人民政府办公厅,http://sh-office.example.gov.cn/,310000,province,department,2019\n"
        "huaian,淮安市人民政府,http://huaian.example.gov.cn/,320800,city,government,2024\n",
        encoding="utf-8",
    )
    wh = root / "wh"
    load(archive, wh, workers=2, as_of=date(2025, 3, 1))
    return wh


@pytest.mark.parametrize("name", list(DOCS))
def test_cells_match_the_answer_key(warehouse: Path, name: str) -> None:
    truth = json.loads((CORPUS / f"{name}.truth.json").read_text(encoding="utf-8"))
    sha = hashlib.sha256((CORPUS / name).read_bytes()).hexdigest()
    con = connect(warehouse)
    try:
        rid, year, tpl, printed, is_record = con.execute(
            "SELECT report_id, year, template, agency_name_printed, is_record FROM reports WHERE document_sha256 = ?",
            [sha],
        ).fetchone()
        cells = dict(con.execute("SELECT code, value FROM cells WHERE report_id = ?", [rid]).fetchall())
    finally:
        con.close()
    assert (year, tpl, printed, is_record) == (truth["year"], truth["template"], truth["agency"], True)
    # every cell exactly as the answer key has it (a blank stays null), nothing extra
    wrong = {c: (cells.get(c, "<absent>"), v) for c, v in truth["cells"].items() if not _same(cells.get(c), v)}
    assert not wrong
    assert not set(cells) - set(truth["cells"]) - {c for c, v in cells.items() if v is None}


def test_coverage_and_issues_on_real_reports(warehouse: Path) -> None:
    con = connect(warehouse)
    try:
        cov = con.execute(
            "SELECT agency_id, list(year ORDER BY year), bool_and(present) FROM coverage GROUP BY 1 ORDER BY 1"
        ).fetchall()
        missing = con.execute("SELECT count(*) FROM issues WHERE check_name = 'missing_report'").fetchone()[0]
    finally:
        con.close()
    assert cov[0] == ("huaian", [2024], True)
    assert cov[1] == ("pingtan", [2023, 2024], False)
    assert missing == 1 + 5  # pingtan 2024; sh-office 2020–2024
