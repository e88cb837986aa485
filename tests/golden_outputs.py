"""Golden parse outputs: what the parser of one ``PARSER_VERSION`` gives on the real
corpus (``../shared/corpus``) and on a fixed set of generated documents.

``tests/test_parser_version.py`` parses the same documents again: an output that
differs under the same version is a change that needs a ``PARSER_RELEASE`` bump. After a
bump (or a change of label data or library versions), regenerate:

    uv run python -m tests.golden_outputs

The file keeps a digest per document (of everything but the file name, sha256 and
version), not the outputs themselves: the corpus stays out of the repository.
"""

from __future__ import annotations

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
    """The fixed generated documents, by file name (PDF and DOC only with ``office``).
    Cached: rendering through LibreOffice takes seconds."""
    from ogi_testkit.synth.corpus import plan_corpus
    from ogi_testkit.synth.render import render_many

    plan = [p for p in plan_corpus(**GENERATED) if office or p[2] not in OFFICE_FORMATS]
    rendered = render_many([(report, fmt, options) for _, report, fmt, options in plan])
    return {name: data for (name, *_), data in zip(plan, rendered, strict=True)}


def outputs(documents: dict[str, bytes]) -> dict[str, str]:
    return {name: digest(parse_bytes(data, name)) for name, data in documents.items()}


def main() -> None:
    office = shutil.which("soffice") is not None
    if not (HAVE_SHARED and office):
        raise SystemExit(f"regenerating needs ../shared ({SHARED}) and LibreOffice, so that every entry is written")
    golden = {
        "parser_version": PARSER_VERSION,
        "shared": outputs(shared_documents()),
        "generated": outputs(generated_documents(office=True)),
    }
    GOLDEN.write_text(json.dumps(golden, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {GOLDEN} for parser {PARSER_VERSION}")


if __name__ == "__main__":
    main()
