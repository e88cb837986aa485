"""`ogi load` on a hostile archive: peak memory of the whole process tree, time, and issues.

    uv run python benchmarks/bench_hostile_load.py [--workers 2] [--reports 40] [--workdir DIR]

The archive holds ``--reports`` generated report documents and one of each hostile
document of tests/faults_kit.py (a DOCX inflating to 2 GiB, an entity bomb, XML
10,000 deep, a 23 KB HTML of 200×200 spans, a DOCX of 300,000 paragraphs) plus a
document that passes every static limit but needs more memory than a worker may
use (200 MB of text). The load runs as its own process (``python -m ogi load``);
the resident memory of it and all its descendants is sampled every 20 ms. Target:
peak under 2 GB on 2 workers, the load completes, every hostile document has its
named issue.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.faults_kit import (  # noqa: E402
    Doc,
    deep_docx,
    docx_zip_bomb,
    entity_bomb_docx,
    many_paragraphs_docx,
    report_docs,
    span_bomb_html,
    write_archive,
)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and every descendant."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += [p for p, pp in parents.items() if pp == pid]
    return total


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--reports", type=int, default=40)
    ap.add_argument("--workdir", type=Path, default=None)
    args = ap.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="ogi-hostile-"))
    archive, wh = work / "archive", work / "wh"
    hostile = [
        Doc(docx_zip_bomb(2048), "ag0", 2023, "zipbomb.docx", DOCX),
        Doc(entity_bomb_docx(), "ag1", 2023, "entities.docx", DOCX),
        Doc(deep_docx(10_000), "ag2", 2023, "deep.docx", DOCX),
        Doc(span_bomb_html(), "ag3", 2023, "spans.html"),
        Doc(many_paragraphs_docx(300_000), "ag0", 2024, "paragraphs.docx", DOCX),
        Doc(("一、总体情况 " + "数" * 300 + "\n").encode() * 230_000, "ag1", 2024, "huge.txt", "text/plain"),
    ]
    write_archive(archive, report_docs(args.reports) + hostile)
    print(f"archive: {args.reports} reports + {len(hostile)} hostile documents in {archive}")
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    cmd = [sys.executable, "-m", "ogi", "load", "--archive", str(archive), "--warehouse", str(wh)]
    cmd += ["--workers", str(args.workers)]
    started = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss(proc.pid))
        time.sleep(0.02)
    out, err = proc.communicate()
    seconds = time.monotonic() - started
    print(f"exit {proc.returncode} in {seconds:.1f} s; peak RSS of the load's process tree {peak / 2**20:.0f} MiB")
    print(f"load average: {Path('/proc/loadavg').read_text().strip()}")
    if proc.returncode != 0:
        print(err)
        return
    summary = json.loads(out)
    print(f"reports {summary['reports']}, issues: {json.dumps(summary['issues_by_check'], ensure_ascii=False)}")
    sys.path.insert(0, str(REPO / "src"))
    from ogi.load.query import connect

    con = connect(wh)
    rows = con.execute(
        "SELECT r.title IS NULL, d.url, i.check_name, i.detail FROM issues i JOIN reports r USING (report_id) "
        "JOIN documents d ON d.sha256 = r.document_sha256 "
        "WHERE i.check_name IN ('document_too_large', 'parse_timeout', 'unsupported_document') ORDER BY d.url"
    ).fetchall()
    for _, url, check, detail in rows:
        print(f"  {url.rsplit('/', 1)[1]}: {check}: {detail[:110]}")


if __name__ == "__main__":
    main()
