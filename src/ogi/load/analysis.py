"""The README's analysis queries, kept in one place: docs/queries.md and the benchmark use them.

``python -m ogi.load.analysis WAREHOUSE`` prints docs/queries.md (each query with its
output on that warehouse). The queries filter ``cells`` by code rather than going
through the wide per-report views, so DuckDB prunes Parquet row groups by the
code statistics (cells are written clustered by code).
"""

from __future__ import annotations

import sys
from pathlib import Path

from ogi.validate.identities import IDENTITY_CHECKS, REPORT_IDENTITIES

_REPORT_IDS = ", ".join(f"'{c}'" for c in REPORT_IDENTITIES)
_ALL_IDS = ", ".join(f"'{c}'" for c in IDENTITY_CHECKS)

QUERIES: tuple[tuple[str, str], ...] = (
    (
        "Share of requests granted (予以公开) by agency level and year",
        """SELECT r.level, r.year,
       sum(c.value) FILTER (WHERE c.code = 'requests.granted.total') AS granted,
       sum(c.value) FILTER (WHERE c.code = 'requests.total.total') AS handled,
       pct(granted, handled) AS granted_pct
FROM record_reports r JOIN cells c USING (report_id)
WHERE c.code IN ('requests.granted.total', 'requests.total.total')
GROUP BY r.level, r.year
ORDER BY r.level, r.year""",
    ),
    (
        "Agencies refusing most often as 过程性信息 (process information)",
        """SELECT r.agency_id, any_value(r.agency_name) AS agency_name,
       sum(c.value) AS process_info_refusals, count(*) AS reports
FROM record_reports r JOIN cells c USING (report_id)
WHERE c.code = 'requests.denied_process_info.total' AND c.value > 0
GROUP BY r.agency_id
ORDER BY process_info_refusals DESC, r.agency_id
LIMIT 10""",
    ),
    (
        "Correction rates in administrative review and litigation (corrected / concluded cases)",
        """SELECT r.year, c.row_name AS proceeding,
       sum(c.value) FILTER (WHERE c.col_name = 'corrected') AS corrected,
       sum(c.value) FILTER (WHERE c.col_name IN ('upheld', 'corrected', 'other')) AS concluded,
       pct(corrected, concluded) AS correction_pct
FROM record_reports r JOIN cells c USING (report_id)
WHERE c.table_name = 'review' AND c.col_name IN ('upheld', 'corrected', 'other')
GROUP BY r.year, c.row_name
ORDER BY r.year, proceeding""",
    ),
    (
        "Identity violations by region (division code; use province_code to roll up)",
        f"""SELECT r.region_code, count(DISTINCT r.report_id) AS reports,
       count(DISTINCT i.report_id) FILTER (WHERE i.check_name IN ({_REPORT_IDS})) AS breaking_arithmetic,
       count(i.check_name) FILTER (WHERE i.check_name <> 'carryover_continuity') AS arithmetic_violations,
       count(DISTINCT i.report_id) FILTER (WHERE i.check_name = 'carryover_continuity') AS breaking_carryover,
       pct(breaking_arithmetic, reports) AS breaking_arithmetic_pct
FROM record_reports r
LEFT JOIN issues i ON i.report_id = r.report_id
     AND i.check_name IN ({_ALL_IDS})
GROUP BY r.region_code
ORDER BY breaking_arithmetic_pct DESC NULLS LAST, r.region_code""",
    ),
    (
        "Coverage gaps by year (registry agencies expected to publish)",
        """SELECT year, count(*) AS expected,
       count(*) FILTER (WHERE present) AS present,
       count(*) FILTER (WHERE parsed) AS parsed,
       count(*) FILTER (WHERE clean) AS clean,
       count(*) FILTER (WHERE missing) AS missing
FROM coverage
GROUP BY year
ORDER BY year""",
    ),
)


def queries_markdown(warehouse: Path, intro: str = "") -> str:
    """docs/queries.md: every query and its output on ``warehouse``."""
    from ogi.load.query import connect, format_table

    con = connect(warehouse)
    lines = ["# Analysis queries", "", intro, ""] if intro else ["# Analysis queries", ""]
    try:
        for title, sql in QUERIES:
            rel = con.execute(sql)
            columns = [d[0] for d in rel.description]
            lines += [f"## {title}", "", "```sql", sql + ";", "```", "", "```text"]
            lines += [format_table(columns, rel.fetchall()), "```", ""]
    finally:
        con.close()
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(queries_markdown(Path(sys.argv[1]), " ".join(sys.argv[2:])))
