"""Parse accuracy on a generated corpus: how often every cell is right, and whether a
wrong cell ever comes without an error (a *silent* wrong, the one thing that must
not happen).

    uv run python benchmarks/parse_accuracy.py [--n 120] [--seed 7] [--out warehouse/bench/corpus]

The corpus (documents + ``*.truth.json`` keys in the shape of ../shared/corpus) can
also be scored with ``../shared/tools/corpus_check.py --dir OUT``.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections import Counter
from pathlib import Path

from ogi_testkit.synth.corpus import write_corpus

from ogi.parse.api import parse_path


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, abs_tol=1e-9)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=120)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=Path("warehouse/bench/corpus"))
    args = ap.parse_args()
    if not any(args.out.glob("*.truth.json")):
        started = time.perf_counter()
        write_corpus(args.out, args.n, args.seed)
        print(f"generated {args.n} documents in {time.perf_counter() - started:.0f} s into {args.out}")
    cells = right = exact = silent = 0
    by_format: Counter[str] = Counter()
    inexact: Counter[str] = Counter()
    for truth_path in sorted(args.out.glob("*.truth.json")):
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        result = parse_path(truth_path.with_name(truth["file"]))
        expected = {**truth["cells"], **(truth.get("ext_cells") or {})}
        wrong = [c for c, v in expected.items() if not _same(result["cells"].get(c), v)]
        meta_ok = (result["agency"], result["year"], result["template"]) == (
            truth["agency"],
            truth["year"],
            truth["template"],
        )
        errors = [i for i in result["issues"] if i["severity"] == "error"]
        fmt = truth.get("format") or Path(truth["file"]).suffix
        by_format[fmt] += 1
        cells += len(expected)
        right += len(expected) - len(wrong)
        if not wrong and meta_ok:
            exact += 1
        else:
            inexact[fmt] += 1
        # A wrong number (not a null left for an unsure cell) with no error at all.
        if any(result["cells"].get(c) is not None for c in wrong) and not errors:
            silent += 1
    total = sum(by_format.values())
    print(f"documents {total} ({', '.join(f'{k} {v}' for k, v in sorted(by_format.items()))})")
    print(f"cell accuracy {right / cells:.4f}   exact documents {exact}/{total}   silently wrong documents {silent}")
    if inexact:
        print("not exact, by format: " + ", ".join(f"{k} {v}" for k, v in inexact.items()))


if __name__ == "__main__":
    main()
