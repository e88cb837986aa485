"""The identities as SQL on the warehouse, so an analyst can re-check after a correction.

Built from the same equations as the Python check (:func:`ogi.validate.identities.instances`
for every :func:`~ogi.validate.identities.layouts` layout), so the two cannot drift apart:

- ``identity_terms``: every cell of every equation, per template and layout;
- ``report_layouts``: the layout each parsed report shows (which merges it printed);
- ``identity_results``: every equation of every report: sums, blanks, ``status``
  (``holds``, ``violated`` or ``unevaluable``);
- ``check_<name>``: one view per identity of checks.csv listing its violations, the
  cross-year ``check_carryover_continuity`` included (reports of record, following
  predecessor_id as the load does).

``SELECT * FROM check_requests_balance`` after editing a cell (in a copy of the Parquet
files) shows what the load would flag.
"""

from __future__ import annotations

from ogi.parse import template as T
from ogi.validate.identities import (
    APPLICANT_COLUMNS,
    LEGAL_ENTITY_PARTS,
    REPORT_IDENTITIES,
    TOLERANCE,
    Layout,
    instances,
    layouts,
)

#: How far the carry-over check follows predecessor_id (a chain longer than this is a cycle).
MAX_PREDECESSORS = 20


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _terms() -> str:
    rows = []
    for layout in layouts():
        for number, inst in enumerate(instances(layout)):
            head = (
                f"{_lit(inst.check)}, {_lit(layout.version)}, {str(layout.legal_merged).lower()}, "
                f"{str(layout.other_merged).lower()}, {number}, {_lit(inst.where)}"
            )
            rows += [f"({head}, 'left', {_lit(c)})" for c in inst.left]
            rows += [f"({head}, 'right', {_lit(c)})" for c in inst.right]
    return (
        "CREATE VIEW identity_terms AS SELECT * FROM (VALUES " + ", ".join(rows) + ") "
        "t(check_name, template, legal_merged, other_merged, instance, location, side, code)"
    )


def _in(codes: list[str]) -> str:
    return "(" + ", ".join(_lit(c) for c in codes) + ")"


def _layouts() -> str:
    legal_parts = [f"requests.new_received.{c}" for c in LEGAL_ENTITY_PARTS]
    subrows = [f"requests.{r.row}.total" for r in T.rows("2021", "requests") if r.row.startswith("other_")]
    merged_row = lambda cols: [f"requests.{T.EXT_ROW}.{c}" for c in cols]  # noqa: E731
    plain_cols = [*Layout("2021").applicants(), "total"]
    legal_cols = [*Layout("2021", legal_merged=True).applicants(), "total"]
    return (
        "CREATE VIEW report_layouts AS "
        "WITH f AS (SELECT r.report_id, r.agency_id, r.year, r.template, "
        f"coalesce(bool_or(c.value IS NOT NULL AND c.code LIKE '%.{T.EXT_COL}'), false) "
        f"AND count(c.value) FILTER (WHERE c.code IN {_in(legal_parts)}) = 0 AS legal_merged, "
        f"count(c.value) FILTER (WHERE c.code IN {_in(merged_row(plain_cols))}) > 0 AS other_plain, "
        f"count(c.value) FILTER (WHERE c.code IN {_in(merged_row(legal_cols))}) > 0 AS other_legal, "
        f"count(c.value) FILTER (WHERE c.code IN {_in(subrows)}) = 0 AS subrows_blank "
        "FROM reports r LEFT JOIN cells c ON c.report_id = r.report_id AND c.table_name = 'requests' "
        "WHERE r.template IS NOT NULL GROUP BY ALL) "
        "SELECT report_id, agency_id, year, template, legal_merged, "
        "template = '2021' AND subrows_blank AND CASE WHEN legal_merged THEN other_legal ELSE other_plain END "
        "AS other_merged FROM f"
    )


def _results() -> str:
    return (
        "CREATE VIEW identity_results AS "
        "SELECT l.report_id, l.agency_id, l.year, l.template, t.check_name, t.instance, t.location, "
        "sum(c.value) FILTER (WHERE t.side = 'left') AS left_sum, "
        "sum(c.value) FILTER (WHERE t.side = 'right') AS right_sum, "
        "list(t.code ORDER BY t.side, t.code) FILTER (WHERE c.value IS NULL) AS blank_codes, "
        "CASE WHEN count(*) FILTER (WHERE c.value IS NULL) > 0 THEN 'unevaluable' "
        f"WHEN abs(left_sum - right_sum) > {TOLERANCE} THEN 'violated' ELSE 'holds' END AS status "
        "FROM report_layouts l JOIN identity_terms t ON t.template = l.template "
        "AND t.legal_merged = l.legal_merged AND t.other_merged = l.other_merged "
        "LEFT JOIN cells c ON c.report_id = l.report_id AND c.code = t.code "
        "GROUP BY ALL"
    )


def _check_view(check: str) -> str:
    return (
        f"CREATE VIEW check_{check} AS SELECT report_id, agency_id, year, location, left_sum, right_sum, "
        f"left_sum - right_sum AS difference FROM identity_results "
        f"WHERE check_name = {_lit(check)} AND status = 'violated'"
    )


def _carryover() -> str:
    cols = ", ".join(_lit(c) for c in APPLICANT_COLUMNS)
    return (
        "CREATE VIEW check_carryover_continuity AS "
        "WITH RECURSIVE chain(agency_id, ancestor, depth) AS ("
        "  SELECT agency_id, agency_id, 0 FROM agencies"
        "  UNION ALL SELECT ch.agency_id, a.predecessor_id, ch.depth + 1 FROM chain ch "
        "  JOIN agencies a ON a.agency_id = ch.ancestor "
        f"  WHERE a.predecessor_id IS NOT NULL AND ch.depth < {MAX_PREDECESSORS}), "
        "rec AS (SELECT report_id, agency_id, year, template FROM reports WHERE is_record), "
        "prev AS (SELECT r.report_id, p.report_id AS prev_report_id, p.agency_id AS prev_agency_id, "
        "  p.template AS prev_template "
        "  FROM rec r JOIN chain ch ON ch.agency_id = r.agency_id "
        "  JOIN rec p ON p.agency_id = ch.ancestor AND p.year = r.year - 1 "
        "  QUALIFY row_number() OVER (PARTITION BY r.report_id ORDER BY ch.depth) = 1) "
        "SELECT r.report_id, r.agency_id, r.year, c.col_name AS location, c.value AS carried_over, "
        "f.value AS carried_forward_before, c.value - f.value AS difference, p.prev_report_id "
        "FROM rec r JOIN prev p ON p.report_id = r.report_id "
        "JOIN cells c ON c.report_id = r.report_id AND c.table_name = 'requests' "
        f"AND c.row_name = 'carried_over' AND c.col_name IN ({cols}) "
        "JOIN cells f ON f.report_id = p.prev_report_id AND f.code = 'requests.carried_forward.' || c.col_name "
        "WHERE r.template IS NOT NULL AND p.prev_template IS NOT NULL "
        "AND c.value IS NOT NULL AND f.value IS NOT NULL AND c.value <> f.value"
    )


def check_views() -> list[str]:
    """CREATE VIEW statements of every check view (the core views must exist first)."""
    return [
        _terms(),
        _layouts(),
        _results(),
        *(_check_view(c) for c in REPORT_IDENTITIES),
        _carryover(),
    ]


#: View name → description, for the COMMENTs and the data dictionary.
DESCRIPTIONS = {
    "identity_terms": "Every cell of every identity equation, per template and layout (from ogi.validate).",
    "report_layouts": "Per parsed report: its template and whether it printed 法人或其他组织 or （六）其他处理 merged.",
    "identity_results": "Every identity equation of every parsed report: sums, blank operands and status.",
    **{f"check_{c}": f"Violations of {c} (checks.csv), recomputed from the cells." for c in REPORT_IDENTITIES},
    "check_carryover_continuity": "Violations of carryover_continuity among reports of record, recomputed.",
}
