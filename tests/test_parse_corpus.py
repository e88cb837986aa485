"""The real reports in ../shared/corpus must come out exactly as their answer keys."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import pytest

from ogi.parse.api import parse_path
from ogi.validate.identities import check_identities
from tests.conftest import SHARED, needs_shared

pytestmark = needs_shared

IDENTITIES = {"requests_balance", "requests_total_rows", "requests_total_column", "review_totals"}
TRUTHS = sorted((SHARED / "corpus").glob("*.truth.json"))


def _scorer():
    """../shared/tools/corpus_check.py, the corpus's own scorer (not the parser's code)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("corpus_check", SHARED / "tools" / "corpus_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _same(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), abs_tol=1e-9)  # type: ignore[arg-type]


@pytest.mark.parametrize("truth_path", TRUTHS, ids=[p.name[: -len(".truth.json")] for p in TRUTHS])
def test_corpus_document_matches_answer_key(truth_path: Path) -> None:
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    result = parse_path(truth_path.with_name(truth["file"]))
    assert (result["agency"], result["year"], result["template"]) == (
        truth["agency"],
        truth["year"],
        truth["template"],
    )
    wrong = {
        c: (result["cells"].get(c, "<absent>"), v)
        for c, v in truth["cells"].items()
        if not _same(result["cells"].get(c), v)
    }
    assert not wrong
    errors = {i["check"] for i in result["issues"] if i["severity"] == "error"}
    # exactly the identities the key's own printed numbers break (the shared scorer's rule)
    assert errors & IDENTITIES == _scorer().broken_identities(truth["cells"])


def _corpus_check():
    """The shared scorer (its own copy of the identities: an independent oracle)."""
    spec = importlib.util.spec_from_file_location("corpus_check", SHARED / "tools" / "corpus_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("truth_path", TRUTHS, ids=[p.name[: -len(".truth.json")] for p in TRUTHS])
def test_identity_checks_agree_with_the_answer_keys(truth_path: Path) -> None:
    """On each answer key's own numbers, ogi's identity checks fire exactly the identities
    the shared scorer finds broken (at least one key breaks one: the check is not idle)."""
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    fired = {i.check for i in check_identities(truth["cells"], truth["template"]) if i.severity == "error"}
    assert fired == _corpus_check().broken_identities(truth["cells"])


def test_some_answer_key_breaks_an_identity() -> None:
    scorer = _corpus_check()
    broken = [p.name for p in TRUTHS if scorer.broken_identities(json.loads(p.read_text(encoding="utf-8"))["cells"])]
    assert broken, "no corpus key exercises a broken identity"


def test_seed_blank_review_row_is_null_and_unevaluable() -> None:
    result = parse_path(SHARED / "seeds" / "000_fa5e2c613ae3f656.txt")
    assert [
        result["cells"][f"review.admin_review.{c}"] for c in ("upheld", "corrected", "other", "pending", "total")
    ] == [None] * 5
    assert result["raw"]["review.admin_review.upheld"] == ""
    assert result["cells"]["review.litigation_direct.total"] == 0
    checks = {i["check"]: i for i in result["issues"]}
    assert "review.admin_review.total" in checks["blank_cells"]["codes"]
    assert "admin_review" in checks["identity_unevaluable"]["detail"]
    # the typo'd header (本年度止件数) still reads as the template column
    assert result["cells"]["active.normative_documents.in_force"] == 1
    assert result["cells"]["active.licensing.decisions"] == 618


def test_sections_are_split() -> None:
    result = parse_path(SHARED / "corpus" / "pingtan-2023.html")
    sections = result["sections"]
    assert set(sections) == {"overall", "active", "requests", "review", "problems", "other"}
    assert "13561" in sections["overall"]
    assert "信息处理费" in sections["other"]
    assert result["published"] == "2024-03-08"


def test_provenance_positions_units_and_raw() -> None:
    result = parse_path(SHARED / "corpus" / "huaian-2024.pdf")
    pos = result["positions"]["requests.unable_needs_creation.natural_person"]
    assert pos["page"] == 5  # the requests table continues on page 5 without a header
    assert result["positions"]["requests.new_received.total"]["page"] == 4
    assert result["raw"]["active.fees.amount_wan_yuan"] == "96171.6"
    assert result["units"]["active.fees.amount_wan_yuan"] == "万元"
    assert len(result["sha256"]) == 64 and result["parser_version"]
    shanghai = parse_path(SHARED / "corpus" / "shanghai-office-2019.html")
    assert shanghai["cells"]["active.procurement.amount"] == 251000
    assert shanghai["units"]["active.procurement.amount"] == "元"
    assert shanghai["raw"]["active.procurement.amount"] == "251000元"
