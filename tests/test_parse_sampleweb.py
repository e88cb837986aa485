"""Every document the bundled sample web serves parses to the numbers it was made from,
with the identity breaks it was printed with reported.

The sample web's pages and attachments (HTML in three CMS styles, GBK pages, PDFs,
DOC/DOCX) are rendered by ogi_testkit.synth from seeded reports; re-making each report
from its seed gives the answer key.
"""

from __future__ import annotations

import gzip
import json
import math

from ogi_testkit.sampleweb.build import SITE_DIR, sample_reports
from ogi_testkit.sampleweb.sites import SITES

from ogi.parse.api import parse_bytes

PER_REPORT_OVERSIGHT = {
    "narrative_table_mismatch",
    "late_publication",
    "missing_section",
    "fee_unexplained",
    "template_mismatch",
}


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, abs_tol=1e-9)


def test_sample_web_documents_parse_to_their_numbers() -> None:
    manifest = json.loads((SITE_DIR / "manifest.json").read_text(encoding="utf-8"))
    checked, failures = 0, []
    reports = sample_reports()
    for spec in SITES:
        for year_text, entry in manifest.get(spec.agency_id, {}).items():
            sample = reports[spec.agency_id, int(year_text)]
            folder = SITE_DIR / "docs" / spec.agency_id
            documents = [
                (a["file"], (folder / a["file"]).read_bytes(), sample.attachment) for a in entry["attachments"]
            ]
            if not entry["images"]:  # a report published as pictures has no tables in its page
                page = gzip.decompress((folder / entry["article"]).read_bytes())
                documents.append((entry["article"][: -len(".gz")], page, sample.article))
            for name, data, report in documents:
                result = parse_bytes(data, name)
                checked += 1
                expected = {**report.cells, **report.ext_cells}
                wrong = [c for c, v in expected.items() if not _same(result["cells"].get(c), v)]
                errors = {i["check"] for i in result["issues"] if i["severity"] == "error"}
                identities = {"requests_balance", "requests_total_rows", "requests_total_column", "review_totals"}
                if errors & identities != report.expected_issues & identities:
                    wrong.append(f"identity errors {sorted(errors & identities)} != {sorted(report.expected_issues)}")
                # The defects an OGI office reads for are reported, and nothing else: a misprinted
                # total (identity_violation) may also disagree with the narrative that states it.
                fired = {i["check"] for i in result["issues"]} & PER_REPORT_OVERSIGHT
                allowed = {"narrative_table_mismatch"} if "identity_violation" in report.quirks else set()
                if not (report.defects & PER_REPORT_OVERSIGHT <= fired <= report.defects | allowed):
                    wrong.append(f"oversight checks {sorted(fired)} != {sorted(report.defects)}")
                meta = (result["agency"], result["year"], result["template"])
                if wrong or meta != (report.agency, report.year, report.template):
                    failures.append((spec.agency_id, name, meta, wrong[:5]))
    assert checked >= 150
    assert not failures
