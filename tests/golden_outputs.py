"""Golden parse outputs: what the parser of one ``PARSER_VERSION`` gives on the real
corpus (``../shared/corpus``) and on a fixed set of generated documents.

``tests/test_parser_version.py`` parses the same documents again: an output that
differs under the same version is a change that needs a ``PARSER_RELEASE`` bump. After a
bump (or a change of label data or library versions), regenerate:

    uv run python -m tests.golden_outputs

The file keeps a digest per document (of everything but the file name, sha256 and
version), not the outputs themselves: the corpus stays out of the repository.

The PDF and DOC documents are kept as rendered (``tests/data/golden_office/``), not
rendered again for each check: LibreOffice's output depends on the machine's fonts and
font configuration (a fullwidth "０．００" came out of one machine's PDF with a gap
after the point, of another's without), so a check on fresh renders would fail for a
change of machine, not of parser. ``--render`` renders them again (when the generator
changes what it prints); the rest of the generated set is rendered by Python, the same
bytes on every machine.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
from functools import cache
from pathlib import Path
from typing import Any

from ogi.parse.api import PARSER_VERSION, parse_bytes
from tests.conftest import HAVE_SHARED, SHARED

GOLDEN = Path(__file__).parent / "data" / "parser_golden.json"
GENERATED = {"n": 16, "seed": 11}  # plan_corpus arguments: every format, a mix of quirks
OFFICE_FORMATS = {"pdf", "doc"}  # rendered through LibreOffice
OFFICE_RENDERED = Path(__file__).parent / "data" / "golden_office"  # as rendered once, by name


def digest(result: dict[str, Any]) -> str:
    kept = {k: v for k, v in result.items() if k not in ("file", "sha256", "parser_version", "source_url")}
    return hashlib.sha256(json.dumps(kept, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def shared_documents() -> dict[str, bytes]:
    """The real corpus documents with an answer key, by file name."""
    corpus = SHARED / "corpus"
    return {
        p.name.removesuffix(".truth.json"): (corpus / p.name.removesuffix(".truth.json")).read_bytes()
        for p in sorted(corpus.glob("*.truth.json"))
    }


@cache
def generated_documents(*, office: bool) -> dict[str, bytes]:
    """The fixed generated documents, by file name; with ``office``, the PDF and DOC
    documents too, as kept in ``OFFICE_RENDERED``."""
    plan = plan_documents()
    rendered = _render([p for p in plan if p[2] not in OFFICE_FORMATS])
    if office:
        rendered |= {name: (OFFICE_RENDERED / name).read_bytes() for name, _, fmt, _ in plan if fmt in OFFICE_FORMATS}
    return {name: rendered[name] for name, *_ in plan if name in rendered}


def plan_documents() -> list[tuple]:
    from ogi_testkit.synth.corpus import plan_corpus

    return list(plan_corpus(**GENERATED))


def _render(plan: list[tuple]) -> dict[str, bytes]:
    from ogi_testkit.synth.render import render_many

    rendered = render_many([(report, fmt, options) for _, report, fmt, options in plan])
    return {name: data for (name, *_), data in zip(plan, rendered, strict=True)}


def render_office() -> None:
    """Render the PDF and DOC documents of the set again through LibreOffice, and keep them."""
    rendered = _render([p for p in plan_documents() if p[2] in OFFICE_FORMATS])  # before removing any
    OFFICE_RENDERED.mkdir(parents=True, exist_ok=True)
    for old in OFFICE_RENDERED.iterdir():
        old.unlink()
    for name, data in rendered.items():
        (OFFICE_RENDERED / name).write_bytes(data)


def outputs(documents: dict[str, bytes]) -> dict[str, str]:
    return {name: digest(parse_bytes(data, name)) for name, data in documents.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description="Regenerate the golden parse outputs.")
    parser.add_argument("--render", action="store_true", help="render the PDF and DOC documents again first")
    args = parser.parse_args()
    if not HAVE_SHARED:
        raise SystemExit(f"regenerating needs ../shared ({SHARED}), so that every entry is written")
    if args.render:
        if shutil.which("soffice") is None:
            raise SystemExit("--render needs LibreOffice (soffice)")
        render_office()
    golden = {
        "parser_version": PARSER_VERSION,
        "shared": outputs(shared_documents()),
        "generated": outputs(generated_documents(office=True)),
    }
    GOLDEN.write_text(json.dumps(golden, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {GOLDEN} for parser {PARSER_VERSION}")


if __name__ == "__main__":
    main()
