"""Generate PDFs shaped like real OGI reports for the parse benchmark.

Usage: ``uv run python benchmarks/make_bench_pdfs.py [--out warehouse/bench/pdfs] [--n 24] [--seed 1]``

Reports are 5–7 pages with the three template tables on 2–3 pages; a share of them
carry quirks (split requests table, unruled tables, large counts) so the benchmark
exercises the slow paths too. All PDFs are converted in a single soffice call.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

from ogi_testkit.synth import make_report, render_many
from ogi_testkit.synth.corpus import agencies

DEFAULT_OUT = Path("warehouse/bench/pdfs")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--n", type=int, default=24)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    jobs = []
    for i in range(args.n):
        quirks = frozenset(
            rng.sample(["thousands_sep", "blank_cells", "spaced_labels", "label_typos"], rng.randint(0, 2))
        )
        report = make_report(rng.choice(agencies()), rng.randint(2019, 2024), seed=args.seed * 1000 + i, quirks=quirks)
        opts = {"split_requests": rng.random() < 0.4, "ruled": rng.random() < 0.85}
        opts["repeat_header"] = opts["split_requests"] and rng.random() < 0.5
        jobs.append((report, "pdf", opts))
    started = time.perf_counter()
    blobs = render_many(jobs)
    args.out.mkdir(parents=True, exist_ok=True)
    for i, ((report, _, opts), data) in enumerate(zip(jobs, blobs, strict=True)):
        path = args.out / f"bench_{i:03d}_{report.year}.pdf"
        path.write_bytes(data)
        key = {
            "file": path.name,
            "agency": report.agency,
            "year": report.year,
            "template": report.template,
            "cells": report.cells,
            "ext_cells": report.ext_cells,
            "options": opts,
        }
        (args.out / f"{path.name}.truth.json").write_text(json.dumps(key, ensure_ascii=False), encoding="utf-8")
    print(f"wrote {len(jobs)} PDFs to {args.out} in {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
