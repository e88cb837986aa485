"""OCR accuracy and speed on image-only copies of generated reports.

    uv run python benchmarks/bench_ocr.py [--n 60] [--seed 3] [--workers 2] [--out warehouse/bench/ocr]

Generated reports (both templates, ruled and unruled) are printed to PDF through
LibreOffice and turned into image-only PDFs (``ogi_testkit.synth.scan``: clean,
office, seal, photo), then parsed with ``ogi.parse`` in ``--workers`` processes of
one OCR thread each. Per degradation: cell accuracy (cells equal to the answer key
over all key cells), wrong cells that are *flagged* (null and named by an error)
and *silent* ones (a number that differs from the printed one, or a printed number
left null with no error: the one thing that must not happen). Narrative: the share
of the printed sections' characters found, in order, in the parsed ones. Speed: seconds per
page in one process (one core), and pages per minute over the whole run.
"""

from __future__ import annotations

import argparse
import difflib
import json
import math
import os
import random
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

MIX = ("clean", "office", "clean", "office", "seal", "photo", "clean", "office", "clean", "office")


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, abs_tol=1e-9)


def _generate(out: Path, n: int, seed: int) -> None:
    from ogi_testkit.synth import make_report, render_many
    from ogi_testkit.synth.corpus import agencies
    from ogi_testkit.synth.scan import scan_pdf

    rng = random.Random(seed)
    plan = []
    for i in range(n):
        year = rng.randint(2019, 2024)
        report = make_report(rng.choice(agencies()), year, seed=seed * 1000 + i)
        plan.append((report, MIX[i % len(MIX)], rng.random() < 0.8))
    pdfs = render_many([(r, "pdf", {"ruled": ruled}) for r, _, ruled in plan])
    for i, ((report, degradation, ruled), pdf) in enumerate(zip(plan, pdfs, strict=True)):
        name = f"{i:03d}_{report.template}_{degradation}_{'ruled' if ruled else 'unruled'}.pdf"
        (out / name).write_bytes(scan_pdf(pdf, degradation, seed * 1000 + i))
        key = {
            "cells": {**report.cells, **report.ext_cells},
            "template": report.template,
            "year": report.year,
            "sections": report.sections,
        }
        (out / f"{name}.truth.json").write_text(json.dumps(key, ensure_ascii=False), encoding="utf-8")


def _parse(path: str) -> tuple[str, dict, float]:
    from ogi.parse.api import parse_path

    started = time.perf_counter()
    result = parse_path(path)
    return path, result, time.perf_counter() - started


def _narrative_read(truth: dict[str, str], parsed: dict[str, str]) -> tuple[int, int]:
    """Characters of the printed narrative found, in order, in the parsed sections
    (which also hold the tables' text on an OCR page), and the printed total."""
    printed = "".join("".join(text.split()) for text in truth.values())
    read = "".join("".join(text.split()) for text in parsed.values())
    blocks = difflib.SequenceMatcher(None, printed, read, autojunk=False).get_matching_blocks()
    return sum(b.size for b in blocks), len(printed)


def _named(code: str, issues: list[dict]) -> bool:
    return any(
        i["severity"] == "error" and any(code == c or code.startswith(c + ".") for c in i["codes"]) for i in issues
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=60)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=Path("warehouse/bench/ocr"))
    ap.add_argument("--show", type=int, default=40, help="silently wrong cells to list")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if not any(args.out.glob("*.truth.json")):
        started = time.perf_counter()
        _generate(args.out, args.n, args.seed)
        print(f"generated {args.n} image-only reports in {time.perf_counter() - started:.0f} s into {args.out}")
    os.environ["OGI_OCR_THREADS"] = "1"
    paths = sorted(str(p) for p in args.out.glob("*.pdf"))
    tally: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    started = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(_parse, paths))
    wall = time.perf_counter() - started
    silent: list[tuple] = []
    for path, result, seconds in results:
        truth = json.loads(Path(path + ".truth.json").read_text(encoding="utf-8"))
        degradation = Path(path).stem.split("_")[2]
        layout = Path(path).stem.split("_")[3]
        for key in ("all", degradation, f"template {truth['template']}", layout):
            t = tally[key]
            t["docs"] += 1
            t["pages"] += result.get("pages") or 0
            t["seconds"] += seconds
            t["template_right"] += result["template"] == truth["template"]
            if "sections" in truth:
                found, printed = _narrative_read(truth["sections"], result["sections"])
                t["narrative_found"] += found
                t["narrative"] += printed
            for code, value in truth["cells"].items():
                got = result["cells"].get(code)
                t["cells"] += 1
                if _same(got, value):
                    t["right"] += 1
                elif got is None and _named(code, result["issues"]):
                    t["flagged"] += 1
                else:
                    t["silent"] += 1
                    if key == "all":
                        silent.append(
                            (Path(path).name, code, got, value, result["raw"].get(code), result["confidence"].get(code))
                        )
    print(f"documents {len(results)}, workers {args.workers}, wall {wall:.0f} s")
    for key in sorted(tally, key=lambda k: (k != "all", k)):
        t = tally[key]
        print(
            f"  {key:<14} docs {int(t['docs']):3d} pages {int(t['pages']):4d}"
            f"  cell accuracy {t['right'] / t['cells']:.4%}"
            f"  flagged {int(t['flagged'])}  silent {int(t['silent'])}  template right {int(t['template_right'])}"
            f"  narrative read {t['narrative_found'] / max(t['narrative'], 1):.2%}"
            f"  s/page (one core) {t['seconds'] / max(t['pages'], 1):.2f}"
        )
    for name, code, got, value, raw, confidence in silent[: args.show]:
        print(f"silent: {name} {code} parsed {got!r} printed {value!r} raw {raw!r} confidence {confidence}")
    pages = tally["all"]["pages"]
    print(f"pages per minute on {args.workers} processes: {pages / wall * 60:.1f}")


if __name__ == "__main__":
    main()
