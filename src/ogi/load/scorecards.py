"""Scorecard views: how each agency's report of record scores, and how regions compare.

Four components, each 0–1 and null when not evaluable: timeliness (published by 31
January of the next year), completeness (template cells printed with a number),
consistency (no identity error and no narrative_table_mismatch) and continuity (no
carryover_continuity break; null without a previous year). The score is their mean
×100. Rankings are within a region and within a level, per year; an agency with
fewer requests handled than ``OversightRules.small_requests`` is flagged
``small_numbers`` and not ranked, because its rates swing on a handful of cases.
Columns are documented in ogi.metadata (``scorecard``, ``scorecard_region``).
"""

from __future__ import annotations

from ogi.validate.identities import REPORT_IDENTITIES
from ogi.validate.oversight_years import OversightRules

_IDS = ", ".join(f"'{c}'" for c in REPORT_IDENTITIES)
_CONCLUDED = ("upheld", "corrected", "other")
_LITIGATION = ("litigation_direct", "litigation_after_review")


def _codes(*codes: str) -> str:
    return ", ".join(f"'{c}'" for c in codes)


def scorecard_views(rules: OversightRules | None = None) -> list[str]:
    """CREATE VIEW statements for ``scorecard`` and ``scorecard_region``."""
    rules = rules or OversightRules.from_env()
    review_concluded = _codes(*(f"review.admin_review.{c}" for c in _CONCLUDED))
    lit_corrected = _codes(*(f"review.{r}.corrected" for r in _LITIGATION))
    lit_concluded = _codes(*(f"review.{r}.{c}" for r in _LITIGATION for c in _CONCLUDED))
    wanted = _codes(
        "requests.new_received.total",
        "requests.total.total",
        "requests.granted.total",
        "requests.partially_granted.total",
        "review.admin_review.corrected",
        *(f"review.admin_review.{c}" for c in _CONCLUDED),
        *(f"review.{r}.{c}" for r in _LITIGATION for c in _CONCLUDED),
    )
    scorecard = f"""CREATE VIEW scorecard AS
WITH v AS (
  SELECT c.report_id,
    max(c.value) FILTER (WHERE c.code = 'requests.new_received.total') AS requests_received,
    max(c.value) FILTER (WHERE c.code = 'requests.total.total') AS requests_handled,
    max(c.value) FILTER (WHERE c.code = 'requests.granted.total') AS granted,
    max(c.value) FILTER (WHERE c.code = 'requests.partially_granted.total') AS partially_granted,
    max(c.value) FILTER (WHERE c.code = 'review.admin_review.corrected') AS review_corrected,
    CASE WHEN count(c.value) FILTER (WHERE c.code IN ({review_concluded})) = 3
      THEN sum(c.value) FILTER (WHERE c.code IN ({review_concluded})) END AS review_concluded,
    CASE WHEN count(c.value) FILTER (WHERE c.code IN ({lit_corrected})) = 2
      THEN sum(c.value) FILTER (WHERE c.code IN ({lit_corrected})) END AS litigation_corrected,
    CASE WHEN count(c.value) FILTER (WHERE c.code IN ({lit_concluded})) = 6
      THEN sum(c.value) FILTER (WHERE c.code IN ({lit_concluded})) END AS litigation_concluded
  FROM cells c WHERE c.code IN ({wanted}) GROUP BY c.report_id
),
i AS (
  SELECT report_id,
    CAST(count(*) FILTER (WHERE check_name IN ({_IDS})) AS INTEGER) AS identity_errors,
    CAST(count(*) FILTER (WHERE check_name = 'narrative_table_mismatch') AS INTEGER) AS narrative_mismatches,
    CAST(count(*) FILTER (WHERE check_name = 'carryover_continuity') AS INTEGER) AS carryover_breaks,
    CAST(coalesce(sum(len(codes)) FILTER (WHERE check_name = 'missing_section'), 0) AS INTEGER)
      AS sections_missing,
    CAST(count(*) FILTER (WHERE check_name IN ('fee_unexplained', 'template_mismatch', 'conflicting_versions'))
      AS INTEGER) AS other_findings
  FROM issues WHERE report_id IS NOT NULL GROUP BY report_id
),
expected AS (SELECT template, CAST(count(*) AS INTEGER) AS n FROM codes GROUP BY template),
base AS (
  SELECT r.report_id, r.agency_id, r.agency_name, r.year, r.level, r.region_code, r.province_code, r.template,
    rep.published_date, rep.document_url, rep.document_sha256,
    CAST(date_diff('day', make_date(r.year + 1, 1, 31), rep.published_date) AS INTEGER) AS days_after_deadline,
    rep.published_date <= make_date(r.year + 1, 1, 31) AS timely,
    rep.cells_filled, e.n AS cells_expected,
    round(rep.cells_filled / nullif(e.n, 0), 3) AS completeness,
    CAST(6 - coalesce(i.sections_missing, 0) AS INTEGER) AS sections_present,
    coalesce(i.identity_errors, 0) AS identity_errors,
    coalesce(i.narrative_mismatches, 0) AS narrative_mismatches,
    CASE WHEN r.template IS NOT NULL
      THEN coalesce(i.identity_errors, 0) + coalesce(i.narrative_mismatches, 0) = 0 END AS consistent,
    coalesce(i.carryover_breaks, 0) AS carryover_breaks,
    CASE WHEN EXISTS (SELECT 1 FROM record_reports p WHERE p.agency_id = r.agency_id AND p.year = r.year - 1
      AND p.template IS NOT NULL) AND r.template IS NOT NULL
      THEN coalesce(i.carryover_breaks, 0) = 0 END AS continuous,
    coalesce(i.other_findings, 0) AS other_findings,
    v.requests_received, v.requests_handled, v.granted, v.partially_granted,
    pct(v.granted, v.requests_handled) AS disclosure_rate_pct,
    v.review_corrected, v.review_concluded, pct(v.review_corrected, v.review_concluded) AS review_correction_pct,
    v.litigation_corrected, v.litigation_concluded,
    pct(v.litigation_corrected, v.litigation_concluded) AS litigation_correction_pct,
    coalesce(v.requests_handled, 0) < {rules.small_requests} AS small_numbers
  FROM record_reports r JOIN reports rep USING (report_id)
  LEFT JOIN v USING (report_id) LEFT JOIN i USING (report_id) LEFT JOIN expected e ON e.template = r.template
),
scored AS (
  SELECT *, CAST(round(100 * list_avg([CAST(timely AS DOUBLE), completeness, CAST(consistent AS DOUBLE),
    CAST(continuous AS DOUBLE)])) AS INTEGER) AS score FROM base
)
SELECT *,
  CASE WHEN NOT small_numbers AND score IS NOT NULL THEN CAST(rank() OVER (
    PARTITION BY year, region_code, small_numbers OR score IS NULL ORDER BY score DESC) AS INTEGER) END
    AS rank_in_region,
  CASE WHEN NOT small_numbers AND score IS NOT NULL THEN CAST(rank() OVER (
    PARTITION BY year, level, small_numbers OR score IS NULL ORDER BY score DESC) AS INTEGER) END AS rank_in_level
FROM scored"""
    region = """CREATE VIEW scorecard_region AS
WITH cov AS (
  SELECT region_code, year, CAST(count(*) AS INTEGER) AS agencies_expected,
    CAST(count(*) FILTER (WHERE present) AS INTEGER) AS agencies_present,
    CAST(count(*) FILTER (WHERE missing) AS INTEGER) AS agencies_missing
  FROM coverage GROUP BY region_code, year
),
s AS (
  SELECT region_code, year, CAST(count(*) AS INTEGER) AS reports,
    CAST(count(*) FILTER (WHERE timely) AS INTEGER) AS timely_reports,
    CAST(count(*) FILTER (WHERE timely IS NOT NULL) AS INTEGER) AS timeliness_known,
    round(avg(completeness), 3) AS mean_completeness,
    CAST(count(*) FILTER (WHERE consistent) AS INTEGER) AS consistent_reports,
    CAST(round(avg(score)) AS INTEGER) AS mean_score,
    sum(requests_handled) AS requests_handled, sum(granted) AS granted,
    sum(review_corrected) AS review_corrected, sum(review_concluded) AS review_concluded,
    sum(litigation_corrected) AS litigation_corrected, sum(litigation_concluded) AS litigation_concluded
  FROM scorecard GROUP BY region_code, year
)
SELECT coalesce(cov.region_code, s.region_code) AS region_code, coalesce(cov.year, s.year) AS year,
  province_of(coalesce(cov.region_code, s.region_code)) AS province_code,
  cov.agencies_expected, cov.agencies_present, cov.agencies_missing,
  pct(cov.agencies_present, cov.agencies_expected) AS coverage_pct, CAST(coalesce(s.reports, 0) AS INTEGER) AS reports,
  s.timely_reports, s.timeliness_known, pct(s.timely_reports, s.timeliness_known) AS timely_pct,
  s.mean_completeness, s.consistent_reports, s.mean_score,
  s.requests_handled, s.granted, pct(s.granted, s.requests_handled) AS disclosure_rate_pct,
  pct(s.review_corrected, s.review_concluded) AS review_correction_pct,
  pct(s.litigation_corrected, s.litigation_concluded) AS litigation_correction_pct
FROM cov FULL JOIN s ON s.region_code = cov.region_code AND s.year = cov.year"""
    return [scorecard, region]
