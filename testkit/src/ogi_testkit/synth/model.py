"""Synthetic reports: the numbers, the answer key, and what the document prints.

A report is generated in three layers so tests can tell them apart:

* ``true`` numbers — what the agency meant; they satisfy every identity;
* ``raw`` — the text printed in each cell after quirks (full-width digits, dashes, 1,234…);
* ``cells`` — the answer key a correct parser must return: the printed number, or
  None where the document prints blank/dash/slash or omits the cell (merged quirks).

Everything is drawn from one ``random.Random(seed)`` so a report is reproducible.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from ogi_testkit.synth import identities
from ogi_testkit.synth import spec as tpl
from ogi_testkit.synth.identities import APPLICANTS, OUTCOME_COLS, outcome_rows
from ogi_testkit.synth.variants import catalogue

QUIRKS: frozenset[str] = frozenset(catalogue())  # every variant of data/variants.csv
#: Defects an OGI office finds by reading a report (not by its arithmetic), and the
#: check that must report each. A template other than the year's (``template=``), a
#: jump against last year (``growth=``) and a second, different version of a report
#: (``reissue``) are asked for directly rather than as quirks.
DEFECTS: dict[str, str] = {
    "narrative_mismatch": "narrative_table_mismatch",
    "late_publication": "late_publication",
    "empty_problems_section": "missing_section",
    "fee_unexplained": "fee_unexplained",
    "carryover_break": "carryover_continuity",
}
#: The generator's own copy of the yoy rule's defaults (an oracle, not ogi's settings).
YOY_FACTOR, YOY_MINIMUM = 3.0, 30
OTHER_SUBROWS = ("other_no_correction", "other_unpaid_fee", "other_misc")
LEGAL_SUBCOLS = ("commercial", "research", "nonprofit", "legal_services", "other_org")
EXT_ROW = tpl.EXT_ROW
EXT_COL = tpl.EXT_COL
MISSING_ROW = "regulations"  # the row a missing_row report leaves out
DASHES = ("—", "-", "/", "无", "－", "——")
FULLWIDTH = str.maketrans("0123456789,.", "０１２３４５６７８９，．")

Number = int | float


@dataclass
class SyntheticReport:
    """One generated report: metadata, answer key, printed text and narrative."""

    agency: str
    year: int
    template: str
    title: str
    published: date
    cells: dict[str, Number | None]
    ext_cells: dict[str, Number]
    raw: dict[str, str]
    sections: dict[str, str]
    expected_issues: set[str]
    quirks: frozenset[str] = frozenset()
    seed: int = 0
    true_cells: dict[str, Number] = field(default_factory=dict)
    size: str = "small"
    #: oversight checks (checks.csv names) this report was made to trip
    defects: frozenset[str] = frozenset()

    @property
    def merged_other_row(self) -> bool:
        return "merged_other_row" in self.quirks and self.template == "2021"

    @property
    def merged_legal_column(self) -> bool:
        return "merged_legal_column" in self.quirks

    def printed(self, code: str) -> str:
        """Text printed in a value cell ('' when blank)."""
        return self.raw.get(code, "")


def default_template(year: int) -> str:
    """Which State Council format a report year uses (2019 trial format for 2019–2020)."""
    return "2019" if year < 2021 else "2021"


def make_title(agency: str, year: int, rng: random.Random) -> str:
    styles = (
        f"{agency}{year}年政府信息公开工作年度报告",
        f"{year}年度{agency}政府信息公开工作年度报告",
        f"{agency}{year}年度政府信息公开工作年度报告",
    )
    return rng.choices(styles, weights=(5, 3, 2))[0]


# ---------------------------------------------------------------- numbers


def _count(rng: random.Random, p_zero: float, hi: int, lo: int = 1) -> int:
    return 0 if rng.random() < p_zero else rng.randint(lo, max(lo, hi))


def _money(rng: random.Random, p_zero: float, hi: float) -> tuple[float, str]:
    """An amount in 万元 with the decimals an author would type; returns (value, text)."""
    if rng.random() < p_zero:
        text = rng.choice(("0", "0", "0.00", "0.0"))
        return float(text) if "." in text else 0, text
    decimals = rng.choice((2, 2, 2, 1, 4, 6))
    text = f"{rng.uniform(0.01, hi):.{decimals}f}"
    return float(text), text


def _active_2021(rng: random.Random, size: str) -> tuple[dict[str, Number], dict[str, str]]:
    big = {"small": 1, "medium": 20, "large": 400}[size]
    v: dict[str, Number] = {}
    if size == "large" and rng.random() < 0.6:
        v |= {"regulations.issued": rng.randint(0, 8), "regulations.repealed": rng.randint(0, 4)}
        v["regulations.in_force"] = rng.randint(20, 260)
    else:
        v |= {"regulations.issued": 0, "regulations.repealed": 0, "regulations.in_force": 0}
    issued = _count(rng, 0.35, 3 * big // 2 + 4)
    v["normative_documents.issued"] = issued
    v["normative_documents.repealed"] = _count(rng, 0.5, issued + 2 * big // 3 + 2)
    v["normative_documents.in_force"] = issued + _count(rng, 0.15, 8 * big + 10)
    v["licensing.decisions"] = _count(rng, 0.3, {"small": 900, "medium": 60000, "large": 2_600_000}[size])
    v["penalty.decisions"] = _count(rng, 0.35, {"small": 300, "medium": 9000, "large": 1_200_000}[size])
    v["coercion.decisions"] = _count(rng, 0.6, {"small": 30, "medium": 800, "large": 40000}[size])
    fee, fee_text = _money(rng, 0.55, {"small": 50, "medium": 900, "large": 80000}[size])
    v["fees.amount_wan_yuan"] = fee
    return {f"active.{k}": x for k, x in v.items()}, {"active.fees.amount_wan_yuan": fee_text}


def _active_2019(rng: random.Random, size: str) -> tuple[dict[str, Number], dict[str, str]]:
    big = {"small": 1, "medium": 20, "large": 400}[size]
    v: dict[str, Number] = {}
    for row, hi in (("regulations", 0 if size != "large" else 10), ("normative_documents", 2 * big + 3)):
        made = _count(rng, 0.4, hi) if hi else 0
        v[f"{row}.new_made"] = made
        v[f"{row}.new_published"] = made if rng.random() < 0.85 else max(0, made - rng.randint(0, 2))
        v[f"{row}.total_published"] = made + (_count(rng, 0.2, 10 * big + 20) if hi else 0)
    for row, hi in (("licensing", 60), ("other_services", 30), ("penalty", 400), ("coercion", 20)):
        prev = _count(rng, 0.3, hi * max(1, big // 10))
        v[f"{row}.prev_year_items"] = prev
        v[f"{row}.change"] = 0 if rng.random() < 0.6 else rng.randint(-min(prev, 6), 9)
        v[f"{row}.decisions"] = _count(rng, 0.35, {"small": 400, "medium": 30000, "large": 1_500_000}[size])
    v["fees.prev_year_items"] = _count(rng, 0.6, 12)
    v["fees.change"] = 0 if rng.random() < 0.7 else rng.randint(-min(int(v["fees.prev_year_items"]), 3), 3)
    v["procurement.items"] = _count(rng, 0.4, 3 * big + 5)
    amount, text = _money(rng, 0.0 if v["procurement.items"] else 1.0, 40.0 * big + 50)
    v["procurement.amount"] = amount
    return {f"active.{k}": x for k, x in v.items()}, {"active.procurement.amount": text}


_OUTCOME_WEIGHTS = {
    "granted": 40,
    "partially_granted": 10,
    "denied_state_secret": 0.5,
    "denied_law_prohibited": 0.6,
    "denied_security_stability": 0.5,
    "denied_third_party": 2.5,
    "denied_internal_affairs": 1.5,
    "denied_process_info": 2,
    "denied_enforcement_file": 1,
    "denied_admin_query": 2,
    "unable_no_info": 24,
    "unable_needs_creation": 4,
    "unable_unclear": 2.5,
    "not_processed_petition": 4,
    "not_processed_duplicate": 3,
    "not_processed_publication": 0.8,
    "not_processed_mass_repeat": 1,
    "not_processed_confirmation": 1,
    "other_no_correction": 2,
    "other_unpaid_fee": 0.3,
    "other_misc": 1.5,
    "other_handling": 3.5,
}


def _requests(
    rng: random.Random,
    version: str,
    size: str,
    previous: SyntheticReport | None = None,
    growth: float | None = None,
    carry_break: bool = False,
) -> dict[str, int]:
    """Requests satisfying every identity; with ``previous``, the year follows it: 上年结转
    is last year's 结转下年度 and new requests grow from last year's by a plausible
    factor (``growth`` when given, e.g. a surge)."""
    rows = outcome_rows(version)
    scale = {"small": 25, "medium": 220, "large": 3200}[size]
    new = {
        "natural_person": _count(rng, 0.25 if size == "small" else 0.0, scale),
        "commercial": _count(rng, 0.55, max(1, scale // 8)),
        "research": _count(rng, 0.9, max(1, scale // 60)),
        "nonprofit": _count(rng, 0.9, max(1, scale // 60)),
        "legal_services": _count(rng, 0.8, max(1, scale // 25)),
        "other_org": _count(rng, 0.7, max(1, scale // 20)),
    }
    v: dict[str, int] = {}
    weights = [_OUTCOME_WEIGHTS[r] for r in rows]
    if previous is not None:
        last = previous.true_cells
        for c in APPLICANTS:
            before = int(last[f"requests.new_received.{c}"])
            factor = growth if growth is not None else rng.uniform(0.85, 1.2)
            new[c] = round(before * factor) if before else (0 if rng.random() < 0.8 else rng.randint(1, 3))
    for c in APPLICANTS:
        n = new[c]
        if previous is not None:
            carried = int(previous.true_cells[f"requests.carried_forward.{c}"])
            if carry_break and c == "natural_person":
                carried += rng.randint(2, 9)
        else:
            carried = 0 if rng.random() < 0.6 else rng.randint(0, n // 6 + (1 if n else 0))
        forward = 0 if rng.random() < 0.55 else rng.randint(0, (n + carried) // 6)
        done = Counter(rng.choices(rows, weights=weights, k=n + carried - forward))
        v[f"new_received.{c}"] = n
        v[f"carried_over.{c}"] = carried
        v[f"carried_forward.{c}"] = forward
        v[f"total.{c}"] = n + carried - forward
        for r in rows:
            v[f"{r}.{c}"] = done[r]
    for r in tpl.rows(version, "requests"):
        v[f"{r.row}.total"] = sum(v[f"{r.row}.{c}"] for c in APPLICANTS)
    return {f"requests.{k}": x for k, x in v.items()}


def _review(rng: random.Random, size: str) -> dict[str, int]:
    p_zero = {"small": 0.8, "medium": 0.5, "large": 0.15}[size]
    hi = {"small": 3, "medium": 8, "large": 60}[size]
    v: dict[str, int] = {}
    for row in ("admin_review", "litigation_direct", "litigation_after_review"):
        active = rng.random() >= p_zero
        parts = [rng.randint(0, hi) if active else 0 for _ in OUTCOME_COLS]
        if active and rng.random() < 0.5:
            parts[1] = parts[2] = 0
        for c, x in zip(OUTCOME_COLS, parts, strict=True):
            v[f"review.{row}.{c}"] = x
        v[f"review.{row}.total"] = sum(parts)
    return v


def true_numbers(
    rng: random.Random, version: str, size: str, **sequence: object
) -> tuple[dict[str, Number], dict[str, str]]:
    """Numbers satisfying every identity, plus typed text for decimal amounts;
    ``sequence`` (previous, growth, carry_break) goes to the requests table."""
    active, texts = (_active_2021 if version == "2021" else _active_2019)(rng, size)
    requests = _requests(rng, version, size, **sequence)  # type: ignore[arg-type]
    values: dict[str, Number] = {**active, **requests, **_review(rng, size)}
    missing = set(tpl.codes(version)) - set(values)
    assert not missing, f"generator misses {sorted(missing)[:5]}"
    return {c: values[c] for c in tpl.codes(version)}, texts


# ---------------------------------------------------------------- printing


def format_number(value: Number, text: str | None, code: str, rng: random.Random, quirks: frozenset[str]) -> str:
    """The text an author would type for ``value`` under the requested formatting quirks."""
    s = text if text is not None else str(value)
    if "thousands_sep" in quirks and abs(value) >= 1000 and rng.random() < 0.85:
        whole, _, frac = s.partition(".")
        s = f"{int(whole):,}" + (f".{frac}" if frac else "")
    if "unit_suffix" in quirks and "amount" not in code and isinstance(value, int) and rng.random() < 0.35:
        s += "件"
    if "fullwidth_digits" in quirks and rng.random() < 0.5:
        s = s.translate(FULLWIDTH)
    return s


def _wrong_total(rng: random.Random, true: Number) -> int:
    if true and rng.random() < 0.6:
        return 0
    return int(true) + rng.randint(1, 11)


def make_report(
    agency: str,
    year: int,
    *,
    seed: int,
    template: str | None = None,
    quirks: frozenset[str] | set[str] | tuple[str, ...] = frozenset(),
    previous: SyntheticReport | None = None,
    growth: float | None = None,
) -> SyntheticReport:
    """Generate a report deterministically from ``seed``; see module docstring for the layers.

    ``previous`` (the agency's report of the year before) makes the years one sequence:
    same size, carry-over continued, requests grown plausibly (by ``growth`` if given).
    """
    quirks = frozenset(quirks)
    unknown = quirks - QUIRKS - set(DEFECTS)
    if unknown:
        raise ValueError(f"unknown quirks: {sorted(unknown)}")
    version = template or default_template(year)
    if "format_swapped" in quirks and template is None:
        version = "2021" if version == "2019" else "2019"
    if version not in tpl.VERSIONS:
        raise ValueError(f"unknown template {version!r}")
    rng = random.Random(f"ogi-synth/{seed}/{agency}/{year}/{version}")
    size = rng.choices(("small", "medium", "large"), weights=(55, 30, 15))[0]
    if any(k in agency for k in ("省人民政府", "市人民政府办公")):
        size = "large"
    if previous is not None:
        size = previous.size
    true, texts = true_numbers(
        rng, version, size, previous=previous, growth=growth, carry_break="carryover_break" in quirks
    )
    if "fee_unexplained" in quirks and version == "2021" and not true["requests.other_unpaid_fee.total"]:
        _shift(
            version, true, "natural_person", _largest_outcome(version, true, "natural_person"), "other_unpaid_fee", 1
        )
    qrng = random.Random(f"{seed}/quirks/{sorted(quirks)}")

    printed: dict[str, Number | None] = dict(true)  # None = printed blank or dash
    raw: dict[str, str] = {}
    omitted: set[str] = set()
    ext: dict[str, Number] = {}

    # Merged rows/columns: template cells absent, numbers under extension codes.
    req_rows = [r.row for r in tpl.rows(version, "requests")]
    merged_row = "merged_other_row" in quirks and version == "2021"
    if merged_row:
        for r in OTHER_SUBROWS:
            omitted |= {f"requests.{r}.{c}" for c in (*APPLICANTS, "total")}
        for c in (*APPLICANTS, "total"):
            ext[f"requests.{EXT_ROW}.{c}"] = sum(true[f"requests.{r}.{c}"] for r in OTHER_SUBROWS)
    if "merged_legal_column" in quirks:
        printed_rows = [r for r in req_rows if not (merged_row and r in OTHER_SUBROWS)]
        if merged_row:
            printed_rows.insert(printed_rows.index("total"), EXT_ROW)
        for r in printed_rows:
            src = ext if merged_row and r == EXT_ROW else true
            ext[f"requests.{r}.{EXT_COL}"] = sum(src[f"requests.{r}.{c}"] for c in LEGAL_SUBCOLS)
            for c in LEGAL_SUBCOLS:
                omitted.add(f"requests.{r}.{c}")
                ext.pop(f"requests.{r}.{c}", None)
    if "missing_row" in quirks:  # 规章 not printed: an agency that makes no regulations
        row = next(r for r in tpl.rows(version, "active") if r.row == MISSING_ROW)
        omitted |= {f"active.{MISSING_ROW}.{c}" for c in row.cols}
    for code in omitted:
        printed[code] = None

    # Blank and dashed cells (mostly zeros, as authors leave them).
    candidates = [c for c in template_codes(version) if c not in omitted]
    if "blank_cells" in quirks:
        zeros = [c for c in candidates if true[c] == 0]
        for c in qrng.sample(zeros, k=max(1, len(zeros) // 4)) if zeros else []:
            printed[c] = None
            raw[c] = ""
        if qrng.random() < 0.5:  # the 总计 column of outcome rows left blank (seen in the wild)
            for r in outcome_rows(version):
                c = f"requests.{r}.total"
                if c not in omitted:
                    printed[c] = None
                    raw[c] = ""
    if "dash_cells" in quirks:
        zeros = [c for c in candidates if true[c] == 0 and c not in raw]
        for c in qrng.sample(zeros, k=max(1, len(zeros) // 4)) if zeros else []:
            printed[c] = None
            raw[c] = qrng.choice(DASHES)
    if "blank_review_row" in quirks:
        for c in (*OUTCOME_COLS, "total"):
            printed[f"review.admin_review.{c}"] = None
            raw[f"review.admin_review.{c}"] = ""

    # A printed total that does not match its parts.
    if "identity_violation" in quirks:
        _violate(version, true, printed, raw, omitted, qrng)

    for code, value in printed.items():
        if value is not None and code not in raw:
            raw[code] = format_number(value, texts.get(code), code, qrng, quirks)
    for code, value in ext.items():
        raw[code] = format_number(value, None, code, qrng, quirks)
    _number_variants(version, printed, raw, quirks, random.Random(f"{seed}/number-variants/{sorted(quirks)}"))

    cells = {c: printed[c] for c in template_codes(version)}
    layout = {"legal_merged": "merged_legal_column" in quirks, "other_merged": merged_row}
    expected = identities.failed_checks({**cells, **ext}, version, **layout)
    published = date(year + 1, 1, 1) + timedelta(days=rng.randint(5, 29))  # due by 31 January
    if "late_publication" in quirks:
        published += timedelta(days=rng.randint(25, 70))
    report = SyntheticReport(
        agency=agency,
        year=year,
        template=version,
        title=make_title(agency, year, rng),
        published=published,
        cells=cells,
        ext_cells=ext,
        raw=raw,
        sections={},
        expected_issues=expected,
        quirks=quirks,
        seed=seed,
        true_cells=true,
        size=size,
    )
    report.defects = _defects(report, previous)
    from ogi_testkit.synth.narrative import sections

    report.sections = sections(report, random.Random(f"{seed}/narrative/{agency}/{year}"))
    return report


def _number_variants(
    version: str, printed: dict[str, Number | None], raw: dict[str, str], quirks: frozenset[str], rng: random.Random
) -> None:
    """Number forms of the variant catalogue, on top of the quirks above (own random
    stream, so reports without these variants print exactly as before)."""
    if "signed_changes" in quirks and version == "2019":
        for code in [c for c in printed if c.endswith(".change")]:
            if printed[code] is None:
                continue
            value = rng.choice((-18, -7, -3, -1, 2, 5, 12)) if rng.random() < 0.7 else printed[code]
            printed[code] = value
            raw[code] = (f"+{value}" if value > 0 and rng.random() < 0.5 else str(value)).translate(
                FULLWIDTH if "fullwidth_digits" in quirks and rng.random() < 0.3 else {}
            )
    if "units_in_cells" in quirks:
        for code, value in printed.items():
            if value is None or not raw.get(code) or raw[code][-1] in "件元":
                continue
            if code == "active.fees.amount_wan_yuan":
                raw[code] += "万元"
            elif code == "active.procurement.amount":
                raw[code] += "元"
            elif isinstance(value, int) and not code.endswith(".change") and rng.random() < 0.6:
                raw[code] += "件"


def template_codes(version: str) -> tuple[str, ...]:
    return tpl.codes(version)


def _violate(
    version: str,
    true: dict[str, Number],
    printed: dict[str, Number | None],
    raw: dict[str, str],
    omitted: set[str],
    rng: random.Random,
) -> None:
    """Misprint one total so that at least one identity instance is evaluable and fails."""
    targets = [
        "requests.total.total",
        "requests.total.natural_person",
        "requests.new_received.total",
        "review.litigation_direct.total",
        "review.admin_review.total",
        "review.litigation_after_review.total",
    ]
    rng.shuffle(targets)
    for target in targets:
        if target in omitted:
            continue
        if target.startswith("review.admin_review") and printed[target] is None and target in raw:
            continue  # blank_review_row: keep the row blank
        usable = [
            inst
            for inst in identities.instances(version)
            if target in (*inst[1], *inst[2]) and not (set(inst[1]) | set(inst[2])) & omitted
        ]
        if not usable:
            continue
        _check, lhs, rhs = usable[0]
        for c in (*lhs, *rhs):  # make the instance evaluable
            if printed[c] is None:
                printed[c] = true[c]
                raw.pop(c, None)
        printed[target] = _wrong_total(rng, true[target])
        raw.pop(target, None)
        return


def _largest_outcome(version: str, true: dict[str, Number], col: str) -> str | None:
    """The outcome row （一）…（六） holding most requests of an applicant column."""
    rows = [r for r in outcome_rows(version) if true[f"requests.{r}.{col}"]]
    return max(rows, key=lambda r: true[f"requests.{r}.{col}"]) if rows else None


def _shift(version: str, true: dict[str, Number], col: str, src: str | None, dst: str, k: int) -> None:
    """Move k handled requests of one column from outcome row ``src`` to ``dst`` (or, with
    no source, receive k more), keeping every identity."""
    if src is None:
        for row in ("new_received", "total"):
            true[f"requests.{row}.{col}"] += k
            true[f"requests.{row}.total"] += k
    else:
        k = min(k, int(true[f"requests.{src}.{col}"]))
        true[f"requests.{src}.{col}"] -= k
        true[f"requests.{src}.total"] -= k
    true[f"requests.{dst}.{col}"] += k
    true[f"requests.{dst}.total"] += k


def reissue(report: SyntheticReport, moved: int = 3) -> SyntheticReport:
    """A second version of ``report`` (a re-issue, or an attachment out of step with its
    page) whose numbers differ: ``moved`` requests re-booked as 予以公开. Identities hold."""
    import copy

    again = copy.deepcopy(report)
    col = "natural_person"
    src = _largest_outcome(report.template, {**report.true_cells, f"requests.granted.{col}": 0}, col)
    before = dict(again.true_cells)
    _shift(report.template, again.true_cells, col, src, "granted", moved)
    for code, value in again.true_cells.items():
        if value != before[code] and again.cells.get(code) is not None:
            again.cells[code] = value
            again.raw[code] = str(value)
    again.defects = frozenset({"conflicting_versions"})
    return again


def _defects(report: SyntheticReport, previous: SyntheticReport | None) -> frozenset[str]:
    """The oversight checks a reader of this report (and of last year's) must see fire."""
    found = {DEFECTS[q] for q in report.quirks if q in DEFECTS}
    if "fee_unexplained" in report.quirks and report.template != "2021":
        found.discard("fee_unexplained")  # the 2019 format has no fee-notice row
    if "carryover_break" in report.quirks and previous is None:
        found.discard("carryover_continuity")
    if report.template != default_template(report.year):
        found.add("template_mismatch")
    if previous is not None:
        for code in ("requests.new_received.total", "requests.total.total"):
            now, before = report.cells.get(code), previous.cells.get(code)
            if now is None or before is None or max(now, before) < YOY_MINIMUM:
                continue
            if min(now, before) * YOY_FACTOR < max(now, before):
                found.add("yoy_jump")
    return frozenset(found)
