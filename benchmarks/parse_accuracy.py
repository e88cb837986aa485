"""Parse accuracy on a generated corpus that covers every variant of the generator's
catalogue in every format it applies to: how often every cell is right, and whether
a wrong cell ever comes without an error (a *silent* wrong, the one thing that must
not happen) or a report is lost (no template tables found in a generated report).

    uv run python benchmarks/parse_accuracy.py [--n 320] [--seed 7] [--out warehouse/bench/corpus]

The corpus (documents + ``*.truth.json`` keys in the shape of ../shared/corpus) is
generated once into ``--out`` and reused; it can also be scored with
``../shared/tools/corpus_check.py --dir OUT``. Figures are listed by format and by
variant (a document counts for every variant it prints).
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

from ogi_testkit.synth.corpus import write_corpus
from ogi_testkit.synth.variants import catalogue

from ogi.parse.api import parse_path


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, abs_tol=1e-9)


def _fmt_key(truth: dict) -> str:
    fmt = truth.get("format") or Path(truth["file"]).suffix
    options = truth.get("options") or {}
    if fmt == "pdf":
        return "pdf-ruled" if options.get("ruled", True) else "pdf-unruled"
    if fmt.startswith("html"):
        return f"{fmt}-{options.get('style', 'default')}"
    return fmt


class Tally:
    def __init__(self) -> None:
        self.docs = self.exact = self.silent = self.lost = self.cells = self.right = 0

    def add(self, n_cells: int, n_wrong: int, exact: bool, silent: bool, lost: bool) -> None:
        self.docs += 1
        self.cells += n_cells
        self.right += n_cells - n_wrong
        self.exact += exact
        self.silent += silent
        self.lost += lost

    def line(self, name: str) -> str:
        acc = self.right / self.cells if self.cells else 1.0
        return (
            f"  {name:<24} docs {self.docs:4d}  exact {self.exact:4d}  cell accuracy {acc:.4%}  "
            f"silently wrong {self.silent}  lost {self.lost}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=320)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=Path("warehouse/bench/corpus"))
    ap.add_argument("--show", type=int, default=10, help="inexact documents to describe")
    args = ap.parse_args()
    if not any(args.out.glob("*.truth.json")):
        started = time.perf_counter()
        items = write_corpus(args.out, args.n, args.seed, every_variant=True)
        print(f"generated {len(items)} documents in {time.perf_counter() - started:.0f} s into {args.out}")
    total = Tally()
    by_format: dict[str, Tally] = {}
    by_variant: dict[str, Tally] = {v: Tally() for v in catalogue()}
    shown = 0
    seconds = 0.0
    for truth_path in sorted(args.out.glob("*.truth.json")):
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        started = time.perf_counter()
        result = parse_path(truth_path.with_name(truth["file"]))
        seconds += time.perf_counter() - started
        expected = {**truth["cells"], **(truth.get("ext_cells") or {})}
        wrong = [c for c, v in expected.items() if not _same(result["cells"].get(c), v)]
        meta_ok = (result["agency"], result["year"], result["template"]) == (
            truth["agency"],
            truth["year"],
            truth["template"],
        )
        errors = [i for i in result["issues"] if i["severity"] == "error"]
        # A wrong number (not a null left for an unsure cell) with no error at all.
        silent = any(result["cells"].get(c) is not None for c in wrong) and not errors
        lost = result["template"] is None
        exact = not wrong and meta_ok
        args_ = (len(expected), len(wrong), exact, silent, lost)
        total.add(*args_)
        by_format.setdefault(_fmt_key(truth), Tally()).add(*args_)
        for v in truth.get("quirks", []):
            by_variant.setdefault(v, Tally()).add(*args_)
        if not exact and shown < args.show:
            shown += 1
            detail = [(c, result["cells"].get(c), expected[c]) for c in wrong[:3]]
            issues = [(i["check"], i["detail"][:90]) for i in errors[:2]]
            print(f"not exact: {truth['file']} {truth.get('quirks')} {truth.get('options')} {detail} {issues}")
    print(f"documents {total.docs}, parse time {seconds:.1f} s")
    print(total.line("all"))
    print("by format:")
    for name, tally in sorted(by_format.items()):
        print(tally.line(name))
    print("by variant:")
    for name, tally in by_variant.items():
        print(tally.line(name))


if __name__ == "__main__":
    main()
