"""``ogi report``: the warehouse as a static HTML site people would rather look at than query.

An index, one page per region and one per agency, each with inline SVG charts
(ogi.publish.svg) and the scorecard, linking every report to its source URL and its
archived document. Everything is read from ``ogi.duckdb`` (reports of record only);
the site has no scripts and fetches nothing, so it opens from the file system. It is
written to a temporary folder and renamed into place, so a reader never sees half a
site.
"""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from html import escape
from pathlib import Path
from typing import Any, TypeVar

from ogi.publish import svg
from ogi.storage import Where, is_remote, work_dir

T = TypeVar("T")

OUTCOMES = (
    ("予以公开", "c.row_name = 'granted'"),
    ("部分公开", "c.row_name = 'partially_granted'"),
    ("不予公开", "c.row_name LIKE 'denied\\_%' ESCAPE '\\'"),
    ("无法提供", "c.row_name LIKE 'unable\\_%' ESCAPE '\\'"),
    ("不予处理", "c.row_name LIKE 'not\\_processed\\_%' ESCAPE '\\'"),
    ("其他处理", "c.row_name LIKE 'other\\_%' ESCAPE '\\'"),
)
CHECK_LABELS = {
    "requests_balance": "申请数量不平衡",
    "requests_total_rows": "办理结果合计不符",
    "requests_total_column": "申请人合计不符",
    "review_totals": "复议诉讼合计不符",
    "negative_value": "出现负数",
    "identity_unevaluable": "勾稽关系无法核验",
    "blank_cells": "空白单元格",
    "merged_rows_or_columns": "行列合并印制",
    "unsure_cell": "单元格无法确认",
    "no_text_layer": "无文字层（扫描件）",
    "no_template_tables": "未找到模板表格",
    "unsupported_document": "文档类型不支持",
    "year_mismatch": "年度与列表不符",
    "narrative_table_mismatch": "正文与表格不符",
    "late_publication": "逾期发布",
    "missing_section": "章节缺失",
    "fee_unexplained": "收费未说明",
    "template_mismatch": "格式版本不符",
    "yoy_jump": "同比异常变动",
    "conflicting_versions": "多版本数字不一致",
    "carryover_continuity": "结转不连续",
    "missing_report": "年报缺失",
    "missing_part": "图片页未存档",
}
CSS = """
body{font-family:FONT;margin:0;color:#222;background:#fafafa}
header{background:#8b0000;color:#fff;padding:12px 24px}header a{color:#fff}
main{padding:12px 24px;max-width:1200px}
h1{font-size:22px;margin:4px 0}h2{font-size:18px;border-bottom:1px solid #ccc;padding-bottom:4px}
table{border-collapse:collapse;font-size:13px;margin:8px 0;background:#fff}
th,td{border:1px solid #ccc;padding:3px 6px;text-align:left}th{background:#eee}
td.n{text-align:right}.small{color:#888}.flag{color:#b00}
figure.chart{display:inline-block;margin:8px 16px 8px 0;background:#fff;border:1px solid #ddd}
nav a{margin-right:12px}
""".replace("FONT", svg.FONT)


@dataclass
class SiteSummary:
    """What ``ogi report`` built."""

    out: str
    pages: int
    regions: int
    agencies: int
    year: int | None
    bytes: int
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def region_prefix(code: str) -> str:
    """Division-code prefix a region covers: 370000 → 37 (the province), 371500 → 3715."""
    code = code.strip()
    while code.endswith("00") and len(code) > 2:
        code = code[:-2]
    return code


def _page(title: str, depth: int, body: list[str]) -> str:
    up = "../" * depth
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width"><title>{escape(title)}</title>'
        f'<style>{CSS}</style></head><body><header><nav><a href="{up}index.html">总览</a></nav>'
        f"<h1>{escape(title)}</h1></header><main>" + "".join(body) + "</main></body></html>"
    )


def _n(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else f"{v:.1f}"
    return escape(str(v))


def _table(headers: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:  # type: ignore[assignment]
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(f'<td class="n">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(r))
        + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class _Data:
    """Everything the pages show, read from the warehouse in a few queries (one pass each),
    then cut per region and agency in Python: a 100,000-report warehouse builds in seconds."""

    def __init__(self, con: Any, scope: str, params: list[Any]) -> None:
        case = " ".join(f"WHEN {cond} THEN '{label}'" for label, cond in OUTCOMES)
        self.cards = _dicts(con, f"SELECT * FROM scorecard r WHERE {scope} ORDER BY r.agency_id, r.year", params)
        #: (agency_id, year, outcome label, requests)
        self.outcomes = con.execute(
            f"SELECT r.agency_id, r.year, CASE {case} END AS outcome, sum(c.value) FROM record_reports r "
            "JOIN cells c USING (report_id) WHERE c.table_name = 'requests' AND c.col_name = 'total' "
            f"AND outcome IS NOT NULL AND {scope} GROUP BY ALL",
            params,
        ).fetchall()
        #: (agency_id, year, refusal reason label, requests)
        self.refusals = con.execute(
            "SELECT r.agency_id, r.year, any_value(k.row_label), sum(c.value) FROM record_reports r "
            "JOIN cells c USING (report_id) LEFT JOIN codes k ON k.code = c.code AND k.template = r.template "
            "WHERE c.table_name = 'requests' AND c.col_name = 'total' AND c.row_name LIKE 'denied\\_%' ESCAPE '\\' "
            f"AND {scope} GROUP BY r.agency_id, r.year, c.row_name",
            params,
        ).fetchall()
        #: (agency_id, region_code, year, check_name, severity, detail) over reports of record and agencies
        self.issues = con.execute(
            "SELECT i.agency_id, r.region_code, i.year, i.check_name, i.severity, i.detail FROM issues i "
            "JOIN agencies r USING (agency_id) WHERE (i.report_id IS NULL OR i.report_id IN "
            f"(SELECT report_id FROM reports WHERE is_record)) AND {scope} ORDER BY i.year, i.severity, i.check_name",
            params,
        ).fetchall()
        # Cut per agency once: each page then reads only its agencies' rows (one pass
        # over everything per page made a 14,000-agency warehouse quadratic).
        self.cards_of = _group(self.cards, lambda c: c["agency_id"])
        self.outcomes_of = _group(self.outcomes, lambda row: row[0])
        self.refusals_of = _group(self.refusals, lambda row: row[0])

    @staticmethod
    def _years(rows: list[tuple[int, str, Any]], labels: list[str]) -> tuple[list[str], dict[str, list]]:
        years = sorted({y for y, _, _ in rows})
        series: dict[str, list] = {label: [None] * len(years) for label in labels}
        for y, label, v in rows:
            i = years.index(y)
            series[label][i] = (series[label][i] or 0) + (v or 0) if v is not None else series[label][i]
        return [str(y) for y in years], series

    def outcomes_by_year(self, agencies: set[str]) -> tuple[list[str], dict[str, list]]:
        rows = [(y, label, v) for a in sorted(agencies) for _, y, label, v in self.outcomes_of.get(a, ())]
        return self._years(rows, [label for label, _ in OUTCOMES])

    def rates_by_year(self, agencies: set[str]) -> tuple[list[str], dict[str, list]]:
        sums: dict[int, list[float]] = {}
        keys = ("granted", "requests_handled", "review_corrected", "review_concluded", "litigation_corrected",
                "litigation_concluded")  # fmt: skip
        for card in (c for a in sorted(agencies) for c in self.cards_of.get(a, ())):
            acc = sums.setdefault(card["year"], [0.0] * len(keys))
            for i, k in enumerate(keys):
                acc[i] += card[k] or 0
        years = sorted(sums)

        def pct(a: int, b: int) -> list:
            return [round(100 * sums[y][a] / sums[y][b], 1) if sums[y][b] else None for y in years]

        return [str(y) for y in years], {"公开率": pct(0, 1), "复议纠错率": pct(2, 3), "诉讼纠错率": pct(4, 5)}

    def refusal_reasons(self, agencies: set[str], year: int | None) -> tuple[list[str], list]:
        sums: dict[str, float] = {}
        for _, y, label, v in (row for a in sorted(agencies) for row in self.refusals_of.get(a, ())):
            if (year is None or y == year) and v is not None:
                key = (label or "").split(" ")[-1]
                sums[key] = sums.get(key, 0) + v
        ordered = sorted(sums.items(), key=lambda kv: (-kv[1], kv[0]))
        return [k for k, _ in ordered], [v for _, v in ordered]

    def issue_counts(self, year: int | None) -> tuple[list[str], list]:
        counts: dict[str, int] = {}
        for _, _, y, check, _, _ in self.issues:
            if year is None or y == year:
                counts[check] = counts.get(check, 0) + 1
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return [CHECK_LABELS.get(c, c) for c, _ in ordered], [n for _, n in ordered]


def _group(rows: list[T], key: Callable[[T], str]) -> dict[str, list[T]]:
    out: dict[str, list[T]] = {}
    for row in rows:
        out.setdefault(key(row), []).append(row)
    return out


def _scorecard_table(rows: list[dict[str, Any]], depth: int, archive: Path | None, by_agency: bool) -> str:
    headers = ["机关" if by_agency else "年度", "发布日期", "按时", "完整度", "一致", "结转连续", "得分",
               "区划内排名", "同级排名", "办理总数", "公开率(%)", "复议纠错率(%)", "诉讼纠错率(%)", "来源"]  # fmt: skip
    out = []
    for r in rows:
        name = escape(r["agency_name"] or r["agency_id"])
        first = (
            f'<a href="{"../" * depth}agency/{escape(r["agency_id"])}.html">{name}</a>' if by_agency else str(r["year"])
        )
        small = ' <span class="small" title="样本过小，不参与排名">（样本过小）</span>' if r["small_numbers"] else ""
        links = f'<a href="{escape(r["document_url"] or "")}">原文</a>' if r["document_url"] else ""
        if archive is not None and r["document_sha256"]:
            obj = archive / "objects" / r["document_sha256"][:2] / r["document_sha256"]
            if obj.is_file():
                links += f' <a href="{escape(obj.resolve().as_uri())}">存档</a>'
        yes = {True: "是", False: '<span class="flag">否</span>', None: "—"}
        out.append(
            [
                first + small,
                _n(r["published_date"]),
                yes[r["timely"]],
                _n(r["completeness"]),
                yes[r["consistent"]],
                yes[r["continuous"]],
                _n(r["score"]),
                _n(r["rank_in_region"]),
                _n(r["rank_in_level"]),
                _n(r["requests_handled"]),
                _n(r["disclosure_rate_pct"]),
                _n(r["review_correction_pct"]),
                _n(r["litigation_correction_pct"]),
                links,
            ]
        )
    return _table(headers, out, numeric={3, 6, 7, 8, 9, 10, 11, 12})


def _dicts(con: Any, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    rel = con.execute(sql, params)
    cols = [d[0] for d in rel.description]
    return [dict(zip(cols, row, strict=True)) for row in rel.fetchall()]


def _charts(data: _Data, agencies: set[str], year: int | None) -> list[str]:
    years, outcomes = data.outcomes_by_year(agencies)
    rate_years, rates = data.rates_by_year(agencies)
    labels, values = data.refusal_reasons(agencies, year)
    return [
        svg.bar_chart("requests-by-year", "政府信息公开申请办理结果（件）", years, outcomes),
        svg.line_chart("rates-by-year", "公开率与复议、诉讼纠错率（%）", rate_years, rates, unit="%"),
        svg.hbar_chart(
            "refusal-reasons",
            f"不予公开理由（件{'' if year is None else f'，{year}年'}）",
            labels,
            values,
            series="不予公开",
        ),
    ]


def build_site(
    warehouse: Where,
    out: Path | None = None,
    *,
    year: int | None = None,
    region: str | None = None,
    archive: Where | None = None,
) -> SiteSummary:
    """Write the report site for ``warehouse`` into ``out`` (default WAREHOUSE/report)."""
    from ogi.load.query import connect

    started = time.monotonic()
    out = Path(out) if out else work_dir(warehouse) / "report"
    archive = Path(archive) if archive and not is_remote(archive) else None  # links to local copies only
    con = connect(warehouse)
    tmp = out.with_name(f".{out.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        tmp.mkdir(parents=True)
        pages = _write_pages(con, tmp, year, region, archive)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        con.close()
    old = out.with_name(f".{out.name}.old-{uuid.uuid4().hex[:8]}")
    if out.exists():
        out.rename(old)
    tmp.rename(out)
    shutil.rmtree(old, ignore_errors=True)
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return SiteSummary(str(out), *pages, year=year, bytes=size, seconds=round(time.monotonic() - started, 2))


def _write_pages(
    con: Any, root: Path, year: int | None, region: str | None, archive: Path | None
) -> tuple[int, int, int]:
    prefix = region_prefix(region) if region else ""
    scope, params = ("starts_with(r.region_code, ?)", [prefix]) if prefix else ("true", [])
    data = _Data(con, scope, params)
    if year is None:
        year = max((c["year"] for c in data.cards), default=None)
    names = dict(
        con.execute(
            "SELECT region_code, any_value(name ORDER BY level) FROM agencies WHERE kind = 'government' GROUP BY 1"
        ).fetchall()
    )
    # agencies whose registry row has no division code belong to no region: their own
    # pages and the rankings have them, the region tables say how many are left out
    region_rows = _dicts(
        con,
        f"SELECT * FROM scorecard_region r WHERE r.year = ? AND {scope} AND r.region_code IS NOT NULL "
        "ORDER BY r.region_code",
        [year, *params],
    )
    by_region: dict[str, list[dict[str, Any]]] = {}
    by_agency: dict[str, list[dict[str, Any]]] = {}
    for card in data.cards:
        by_agency.setdefault(card["agency_id"], []).append(card)
        if card["region_code"]:
            by_region.setdefault(card["region_code"], []).append(card)

    def ranked(cards: list[dict[str, Any]], rank: str) -> list[dict[str, Any]]:
        chosen = [c for c in cards if c["year"] == year]
        return sorted(chosen, key=lambda c: (c["small_numbers"], c[rank] is None, c[rank] or 0, c["agency_id"]))

    title = "政府信息公开工作年度报告 监督报告" + (f"（{names.get(region, region)}）" if region else "")
    body = [f"<p>数据来自 ogi 数据仓库（每个机关每年的正式版本报告）。排名与表格年度：{year}。</p>"]
    no_region = len({c["agency_id"] for c in data.cards if not c["region_code"]})
    if no_region:
        body.append(f"<p>{no_region} 个机关在名录中没有区划代码，未计入区划统计。</p>")
    body += _charts(data, set(by_agency), year)
    body.append(
        svg.bar_chart(
            "coverage-by-region",
            f"各区划发布覆盖率与按时率（%，{year}年）",
            [f"{names.get(r['region_code'], '')}{r['region_code']}" for r in region_rows],
            {"覆盖率": [r["coverage_pct"] for r in region_rows], "按时率": [r["timely_pct"] for r in region_rows]},
            stacked=False,
            unit="%",
        )
    )
    labels, values = data.issue_counts(year)
    body.append(svg.hbar_chart("issues-by-check", f"数据质量问题（{year}年）", labels, values, series="问题数"))
    columns = ("agencies_expected", "agencies_present", "coverage_pct", "timely_pct", "mean_score",
               "disclosure_rate_pct", "review_correction_pct", "litigation_correction_pct")  # fmt: skip
    body += [
        "<h2>区划</h2>",
        _table(
            [
                "区划",
                "应发布",
                "已发布",
                "覆盖率(%)",
                "按时率(%)",
                "平均得分",
                "公开率(%)",
                "复议纠错率(%)",
                "诉讼纠错率(%)",
            ],
            [
                [
                    f'<a href="region/{escape(r["region_code"])}.html">'
                    f"{escape(names.get(r['region_code'], ''))} {escape(r['region_code'])}</a>",
                    *(_n(r[k]) for k in columns),
                ]
                for r in region_rows
            ],
            numeric=set(range(1, 9)),
        ),
        f"<h2>记分卡（{year}年，按同级排名）</h2>",
        _scorecard_table(ranked(data.cards, "rank_in_level"), 0, archive, by_agency=True),
    ]
    (root / "index.html").write_text(_page(title, 0, body), encoding="utf-8")
    pages = 1

    (root / "region").mkdir()
    for code, cards in sorted(by_region.items()):
        body = _charts(data, {c["agency_id"] for c in cards}, year)
        body += [f"<h2>记分卡（{year}年）</h2>", _scorecard_table(ranked(cards, "rank_in_region"), 1, archive, True)]
        (root / "region" / f"{code}.html").write_text(_page(f"{names.get(code, '')} {code}", 1, body), "utf-8")
        pages += 1

    (root / "agency").mkdir()
    issues_of: dict[str, list[tuple]] = {}
    for agency, _, y, check, severity, detail in data.issues:
        issues_of.setdefault(agency, []).append((y, check, severity, detail))
    for agency, cards in sorted(by_agency.items()):
        code = cards[-1]["region_code"] or ""
        body = [
            f'<p>区划：<a href="../region/{escape(code)}.html">{escape(names.get(code, ""))} {escape(code)}</a></p>'
        ]
        body += _charts(data, {agency}, None)
        body += ["<h2>历年记分卡</h2>", _scorecard_table(cards, 1, archive, by_agency=False)]
        rows = [
            [_n(y), escape(f"{CHECK_LABELS.get(c, c)} ({c})"), escape(s), escape(d or "")]
            for y, c, s, d in issues_of.get(agency, [])
        ]
        body += ["<h2>数据质量问题</h2>", _table(["年度", "检查项", "级别", "说明"], rows)]
        title = cards[-1]["agency_name"] or agency
        (root / "agency" / f"{agency}.html").write_text(_page(title, 1, body), encoding="utf-8")
        pages += 1
    return pages, len(by_region), len(by_agency)
