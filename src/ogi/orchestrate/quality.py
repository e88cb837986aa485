"""The two artifacts every run publishes, computed from the warehouse it just built.

* ``ogi-run-summary`` (table): what the run did — agencies visited, reports new and
  changed, documents parsed, parse failures, identity violations.
* ``ogi-data-quality`` (markdown): worst agencies, violations new since the previous
  build, coverage gaps (``missing_report`` issues by year), and the crawl's named
  issues (``no_reports_found`` with the list mechanism recognised, ``article_cap``).

"New" needs the previous state: before loading, :func:`snapshot_issues` copies the
keys of the current ``issues`` table to a small Parquet file; afterwards the report
anti-joins against it. Artifact keys are fixed so the UI shows their history per key.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from ogi.storage import Location, Where, work_dir
from ogi.validate.identities import IDENTITY_CHECKS

RUN_SUMMARY_KEY = "ogi-run-summary"
QUALITY_KEY = "ogi-data-quality"
_ISSUE_KEY = "report_id, agency_id, year, check_name, CAST(codes AS VARCHAR) AS codes"


def _connect(warehouse: Where) -> Any:
    """Read-only connection to the warehouse database, or None when there is none yet."""
    from ogi.load.query import connect

    if not Location(warehouse).exists("ogi.duckdb"):
        return None
    return connect(warehouse, sandboxed=False)  # ogi's own SQL: writes its issue snapshot


def snapshot_issues(warehouse: Where) -> Path | None:
    """Keys of the warehouse's current issues, saved for the post-load comparison."""
    con = _connect(warehouse)
    if con is None:
        return None
    out = work_dir(warehouse) / "prefect" / "snapshots" / f"issues-{uuid.uuid4().hex}.parquet"
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        con.execute(f"COPY (SELECT DISTINCT {_ISSUE_KEY} FROM issues) TO '{out}' (FORMAT parquet)")
    except Exception:  # no issues table in an older warehouse: everything counts as new
        return None
    finally:
        con.close()
    return out


def _sql_list(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def quality_facts(warehouse: Where, snapshot: Path | None) -> dict[str, Any]:
    """Numbers and tables for both artifacts, from ``ogi.duckdb``."""
    facts: dict[str, Any] = {
        "identity_violations": 0,
        "new_identity_violations": 0,
        "new_violations": 0,
        "worst_agencies": [],
        "new_by_check": [],
        "gaps_by_year": [],
        "gap_examples": [],
        "reports": 0,
    }
    con = _connect(warehouse)
    if con is None:
        return facts
    ids = _sql_list(IDENTITY_CHECKS)
    try:
        con.execute(f"CREATE TEMP VIEW cur AS SELECT DISTINCT {_ISSUE_KEY}, severity FROM issues")
        if snapshot is not None and snapshot.is_file():
            con.execute(
                f"CREATE TEMP VIEW new_issues AS SELECT * FROM cur WHERE NOT EXISTS ("
                f"SELECT 1 FROM read_parquet('{snapshot}') p WHERE p.report_id IS NOT DISTINCT FROM cur.report_id"
                " AND p.agency_id IS NOT DISTINCT FROM cur.agency_id AND p.year IS NOT DISTINCT FROM cur.year"
                " AND p.check_name = cur.check_name AND p.codes IS NOT DISTINCT FROM cur.codes)"
            )
        else:
            con.execute("CREATE TEMP VIEW new_issues AS SELECT * FROM cur")
        facts["reports"] = con.execute("SELECT count(*) FROM reports").fetchone()[0]
        facts["identity_violations"] = con.execute(f"SELECT count(*) FROM cur WHERE check_name IN ({ids})").fetchone()[
            0
        ]
        facts["new_identity_violations"] = con.execute(
            f"SELECT count(*) FROM new_issues WHERE check_name IN ({ids})"
        ).fetchone()[0]
        facts["new_violations"] = con.execute("SELECT count(*) FROM new_issues WHERE severity = 'error'").fetchone()[0]
        facts["new_by_check"] = con.execute(
            "SELECT check_name, severity, count(*) AS n FROM new_issues GROUP BY ALL ORDER BY n DESC, check_name"
        ).fetchall()
        facts["worst_agencies"] = con.execute(
            "SELECT i.agency_id, any_value(a.name) AS name,"
            " count(*) FILTER (WHERE i.severity = 'error') AS errors,"
            f" count(*) FILTER (WHERE i.check_name IN ({ids})) AS identity,"
            " count(*) FILTER (WHERE i.severity = 'warning') AS warnings"
            " FROM cur i LEFT JOIN agencies a USING (agency_id)"
            " WHERE i.agency_id IS NOT NULL GROUP BY i.agency_id"
            " ORDER BY errors DESC, identity DESC, warnings DESC, i.agency_id LIMIT 10"
        ).fetchall()
        facts["gaps_by_year"] = con.execute(
            "SELECT year, count(DISTINCT agency_id) FROM cur WHERE check_name = 'missing_report'"
            " GROUP BY year ORDER BY year"
        ).fetchall()
        facts["gap_examples"] = con.execute(
            "SELECT c.agency_id, any_value(a.name), list(DISTINCT c.year ORDER BY c.year)"
            " FROM cur c LEFT JOIN agencies a USING (agency_id) WHERE c.check_name = 'missing_report'"
            " GROUP BY c.agency_id ORDER BY count(*) DESC, c.agency_id LIMIT 10"
        ).fetchall()
    finally:
        con.close()
    return facts


def summary_rows(
    flow_name: str,
    crawl_summary: dict[str, Any],
    parse_stats: dict[str, Any],
    load_summary: dict[str, Any],
    facts: dict[str, Any],
) -> list[dict[str, Any]]:
    """Rows of the run-summary table artifact (metric, value)."""
    crawled = bool(crawl_summary)

    def c(key: str) -> Any:
        return crawl_summary.get(key, 0) if crawled else "— (no crawl)"

    errors = crawl_summary.get("errors_by_kind") or {}
    rows = [
        ("flow", flow_name),
        ("agencies visited", c("agencies_visited")),
        ("reports found", c("reports_found")),
        ("reports new", c("reports_new")),
        ("reports changed", c("reports_changed")),
        ("documents downloaded", c("documents_downloaded")),
        ("crawl errors", sum(errors.values()) if crawled else "— (no crawl)"),
        ("agencies with no reports found", errors.get("no_reports_found", 0) if crawled else "— (no crawl)"),
        ("documents to parse (new or changed parser)", parse_stats.get("planned", 0)),
        ("documents parsed", parse_stats.get("parsed", 0)),
        ("parse failures", parse_stats.get("failed", 0)),
        ("parser failures (bugs, not cached)", parse_stats.get("parser_failures", 0)),
        ("reports in warehouse", facts.get("reports", 0)),
        ("identity violations", facts.get("identity_violations", 0)),
        ("new identity violations", facts.get("new_identity_violations", 0)),
    ]
    rows += [
        (f"load: {k.replace('_', ' ')}", v)
        for k, v in load_summary.items()
        if isinstance(v, int) and not isinstance(v, bool)
    ]
    return [{"metric": m, "value": str(v)} for m, v in rows]


def quality_markdown(
    flow_name: str, facts: dict[str, Any], parse_stats: dict[str, Any], crawl_issues: list[dict] | None = None
) -> str:
    """The data-quality report as markdown (rendered by the Prefect UI)."""
    lines = [f"# Data quality after `{flow_name}`", ""]
    lines += [
        f"- reports in warehouse: **{facts['reports']}**",
        f"- identity violations: **{facts['identity_violations']}**"
        f" ({facts['new_identity_violations']} new in this run)",
        f"- new error-level violations: **{facts['new_violations']}**",
        f"- parse failures in this run: **{parse_stats.get('failed', 0)}**"
        f" (parser failures, bugs in ogi: **{parse_stats.get('parser_failures', 0)}**)",
        "",
        "## Worst agencies",
        "",
    ]
    if facts["worst_agencies"]:
        lines += ["| agency | name | errors | identity | warnings |", "|---|---|---:|---:|---:|"]
        lines += [f"| {a} | {n or ''} | {e} | {i} | {w} |" for a, n, e, i, w in facts["worst_agencies"]]
    else:
        lines.append("No issues.")
    lines += ["", "## New violations (since the previous build)", ""]
    if facts["new_by_check"]:
        lines += ["| check | severity | count |", "|---|---|---:|"]
        lines += [f"| {c} | {s} | {n} |" for c, s, n in facts["new_by_check"]]
    else:
        lines.append("None.")
    lines += ["", "## Coverage gaps (missing reports)", ""]
    if facts["gaps_by_year"]:
        lines += ["| year | agencies missing a report |", "|---:|---:|"]
        lines += [f"| {y} | {n} |" for y, n in facts["gaps_by_year"]]
        lines += ["", "| agency | name | missing years |", "|---|---|---|"]
        lines += [f"| {a} | {n or ''} | {', '.join(map(str, ys))} |" for a, n, ys in facts["gap_examples"]]
    else:
        lines.append("None.")
    if crawl_issues:
        lines += ["", "## Crawl issues (agencies that need a look, or a hint)", ""]
        lines += ["| agency | issue | what was seen |", "|---|---|---|"]
        lines += [f"| {i['agency_id']} | {i['check']} | {i['detail'].replace('|', '/')} |" for i in crawl_issues]
    failures = parse_stats.get("failures") or []
    if failures:
        lines += ["", "## Parse failures (first 50)", ""]
        lines += [f"- `{f}`" for f in failures]
    return "\n".join(lines) + "\n"


def publish_run_artifacts(
    *,
    flow_name: str,
    warehouse: Where,
    crawl_summary: dict[str, Any],
    parse_stats: dict[str, Any],
    load_summary: dict[str, Any],
    snapshot: Path | None,
) -> dict[str, Any]:
    """Create both artifacts in the current Prefect run; return the run's summary."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    try:
        facts = quality_facts(warehouse, snapshot)
    finally:
        if snapshot is not None:
            snapshot.unlink(missing_ok=True)
    rows = summary_rows(flow_name, crawl_summary, parse_stats, load_summary, facts)
    create_table_artifact(key=RUN_SUMMARY_KEY, table=rows, description=f"What the {flow_name} run did")
    create_markdown_artifact(
        key=QUALITY_KEY,
        markdown=quality_markdown(flow_name, facts, parse_stats, crawl_summary.get("issues")),
        description=f"Data quality after the {flow_name} run",
    )
    return {
        "flow": flow_name,
        "crawl": crawl_summary,
        "parse": {k: v for k, v in parse_stats.items() if k != "failures"},
        "identity_violations": facts["identity_violations"],
        "new_identity_violations": facts["new_identity_violations"],
        "reports": facts["reports"],
    }
