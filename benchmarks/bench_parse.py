"""Parse-speed benchmark: ogi's PDF parser vs a naive pdfplumber pass, and HTML throughput.

Usage: ``uv run python benchmarks/bench_parse.py [--pdfs warehouse/bench/pdfs] [--html 200]``

* PDF: median seconds per file of ``ogi.parse.api.parse_path`` and of a naive pass
  (for each page: ``extract_text`` + ``extract_tables``) over the generated PDFs
  (``make_bench_pdfs.py``; generated if the folder is empty) plus the real corpus PDFs.
  Target: ogi / naive ≤ 0.6 — the parser should not pay more than a plain pdfplumber read.
* HTML: reports per second through ``parse_bytes`` on one core over generated pages.
  Target ≥ 100/s.

Figures only; no assertions on timing (machines differ).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import pdfplumber

CORPUS = Path("/work/shared/corpus")


def naive_pdf(path: Path) -> int:
    n = 0
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            n += len(page.extract_text() or "")
            n += len(page.extract_tables())
    return n


def timed(fn, arg) -> float:
    t = time.perf_counter()
    fn(arg)
    return time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pdfs", type=Path, default=Path("warehouse/bench/pdfs"))
    ap.add_argument("--html", type=int, default=200, help="number of generated HTML reports")
    ap.add_argument("--repeat", type=int, default=1, help="timing repetitions per PDF (min is kept)")
    args = ap.parse_args(argv)

    from ogi.parse.api import parse_bytes, parse_path

    if not any(args.pdfs.glob("*.pdf")):
        from make_bench_pdfs import main as make

        make(["--out", str(args.pdfs)])
    pdfs = sorted(args.pdfs.glob("*.pdf")) + sorted(CORPUS.glob("*.pdf"))
    ours, naive = [], []
    for path in pdfs:
        parse_path(path)  # warm imports and caches once per file type
        ours.append(min(timed(parse_path, path) for _ in range(args.repeat)))
        naive.append(min(timed(naive_pdf, path) for _ in range(args.repeat)))
    m_ours, m_naive = statistics.median(ours), statistics.median(naive)
    print(f"PDF files: {len(pdfs)}  ({len(pdfs) - len(list(CORPUS.glob('*.pdf')))} generated)")
    print(f"  ogi parse_path  median {m_ours * 1000:8.1f} ms   total {sum(ours):6.2f} s")
    print(f"  naive pdfplumber median {m_naive * 1000:8.1f} ms   total {sum(naive):6.2f} s")
    print(f"  ratio ogi/naive {m_ours / m_naive:.2f}   (target <= 0.6)")

    from ogi_testkit.synth import make_report, render
    from ogi_testkit.synth.corpus import agencies

    names = agencies()
    pages = []
    for i in range(args.html):
        report = make_report(names[i % len(names)], 2019 + i % 6, seed=i)
        pages.append(render(report, "html", style=("trs", "plain", "spans")[i % 3]))
    parse_bytes(pages[0], "warm.html")
    t = time.perf_counter()
    for i, data in enumerate(pages):
        parse_bytes(data, f"r{i}.html")
    elapsed = time.perf_counter() - t
    print(f"HTML reports: {len(pages)}  {len(pages) / elapsed:6.1f} reports/s on one core   (target >= 100/s)")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    sys.exit(main())
