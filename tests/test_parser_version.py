"""parser_version: an explicit release, the label data and the extraction libraries, and
a golden-output check that output never changes under the same version."""

from __future__ import annotations

import json

import pytest

from ogi.parse import api
from tests import golden_outputs as golden
from tests.conftest import needs_shared


def _golden() -> dict:
    recorded = json.loads(golden.GOLDEN.read_text(encoding="utf-8"))
    assert recorded["parser_version"] == api.PARSER_VERSION, (
        f"the parser version changed ({recorded['parser_version']} → {api.PARSER_VERSION}): check that the "
        "output changes are intended, then run `uv run python -m tests.golden_outputs`"
    )
    return recorded


def _changed(section: str, documents: dict[str, bytes]) -> dict[str, tuple[str, str]]:
    recorded = _golden()[section]
    now = golden.outputs(documents)
    assert set(now) <= set(recorded), f"documents without a golden output: {sorted(set(now) - set(recorded))}"
    return {name: (recorded[name], d) for name, d in now.items() if recorded[name] != d}


def test_version_names_release_data_and_libraries() -> None:
    release, rest = api.PARSER_VERSION.split("+")
    data, libraries = rest.split(".")
    assert release == api.PARSER_RELEASE
    assert data == api.template.data_hash()[:8]
    assert set(api.library_versions()) == set(api.EXTRACTION_LIBRARIES)
    assert len(libraries) == 8


@needs_shared
def test_real_corpus_output_unchanged_under_this_version() -> None:
    changed = _changed("shared", golden.shared_documents())
    assert not changed, f"parse output changed without a PARSER_RELEASE bump: {sorted(changed)}"


def test_generated_output_unchanged_under_this_version() -> None:
    changed = _changed("generated", golden.generated_documents(office=False))
    assert not changed, f"parse output changed without a PARSER_RELEASE bump: {sorted(changed)}"


def test_generated_pdf_and_doc_output_unchanged_under_this_version() -> None:
    """On the PDF and DOC documents as rendered once and kept (a new render depends on
    the machine's fonts, see :mod:`tests.golden_outputs`)."""
    documents = golden.generated_documents(office=True)
    office = {n: d for n, d in documents.items() if n.rsplit(".", 1)[-1] in golden.OFFICE_FORMATS}
    assert office, "the generated set has PDF/DOC documents"
    changed = _changed("generated", office)
    assert not changed, f"parse output changed without a PARSER_RELEASE bump: {sorted(changed)}"


def test_a_changed_output_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check is not idle: a parser that reads one cell differently fails it."""
    documents = dict(list(golden.generated_documents(office=False).items())[:2])
    real = api.parse_bytes

    def off_by_one(data: bytes, name: str, **kw):
        result = real(data, name, **kw)
        code = next(c for c, v in result["cells"].items() if v is not None)
        result["cells"][code] += 1
        return result

    monkeypatch.setattr(golden, "parse_bytes", off_by_one)
    assert set(_changed("generated", documents)) == set(documents)
