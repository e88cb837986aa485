"""Synthetic archives at any scale, for the warehouse tests and the load benchmark.

Rendering and parsing 100,000 documents would measure the parser, not the
warehouse, so this writes parse results directly: each report's archived bytes are
its parse contract object as JSON, its parse-cache entry is that object, and the
fetch log and registry say where it was found. Numbers satisfy the template
identities and carry over from year to year, except where a fraction of reports is
told to break them (as real reports do), so the checks have something to find.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from ogi.load.parse_cache import write_cached
from ogi.parse import template
from ogi.validate.identities import APPLICANTS

OUTCOMES_2021 = tuple(r.row for r in template.rows("2021", "requests"))[2:-2]
OUTCOMES_2019 = tuple(r.row for r in template.rows("2019", "requests"))[2:-2]
PROVINCES = ("110000", "310000", "320000", "330000", "350000", "370000", "420000", "440000", "510000")
LEVELS = ("province", "city", "county", "township")
SECTIONS = ("overall", "active", "requests", "review", "problems", "other")


@dataclass(frozen=True)
class SyntheticAgency:
    agency_id: str
    name: str
    region_code: str
    level: str
    first_year: int
    predecessor_id: str | None = None


def _requests(rng: random.Random, version: str, carried: dict[str, int], last_new: dict[str, int]) -> dict[str, int]:
    """Requests cells satisfying every requests identity, starting from last year's carry-over;
    new requests grow from last year's by a plausible factor (0.8–1.25)."""
    outcomes = OUTCOMES_2021 if version == "2021" else OUTCOMES_2019
    cells: dict[str, int] = {}
    for col in APPLICANTS:
        if col in last_new:
            new = round(last_new[col] * rng.uniform(0.8, 1.25))
        else:
            new = rng.choice((0, 0, rng.randint(0, 40)))
        co = carried.get(col, 0)
        forward = rng.randint(0, (new + co) // 5)
        left = new + co - forward
        split = dict.fromkeys(outcomes, 0)
        for row in ("granted", "partially_granted", rng.choice(outcomes), rng.choice(outcomes)):
            take = rng.randint(0, left)
            split[row] += take
            left -= take
        split["granted"] += left
        cells |= {f"requests.{row}.{col}": v for row, v in split.items()}
        cells |= {
            f"requests.new_received.{col}": new,
            f"requests.carried_over.{col}": co,
            f"requests.total.{col}": new + co - forward,
            f"requests.carried_forward.{col}": forward,
        }
    for row in (r.row for r in template.rows(version, "requests")):
        cells[f"requests.{row}.total"] = sum(cells[f"requests.{row}.{c}"] for c in APPLICANTS)
    return cells


def synthetic_result(
    agency: SyntheticAgency,
    year: int,
    rng: random.Random,
    carried: dict[str, int],
    *,
    break_identity: bool,
    last_new: dict[str, int] | None = None,
) -> dict[str, Any]:
    """A parse contract object for one report (without sha256 and parser_version)."""
    version = "2019" if year < 2021 else "2021"
    cells: dict[str, float | int | None] = dict.fromkeys(template.codes(version))
    cells |= _requests(rng, version, carried, last_new or {})
    for code in cells:
        if cells[code] is None:
            cells[code] = rng.choice((0, 0, 0, rng.randint(0, 500)))
    for row in ("admin_review", "litigation_direct", "litigation_after_review"):
        parts = [cells[f"review.{row}.{c}"] for c in ("upheld", "corrected", "other", "pending")]
        cells[f"review.{row}.total"] = sum(parts)
    if version == "2021":
        cells["active.fees.amount_wan_yuan"] = round(rng.random() * 100, 2)
    issues = []
    if break_identity:
        cells["requests.total.total"] += 1
        issues.append(
            {
                "check": "requests_total_column",
                "severity": "error",
                "detail": "row total: 总计 column is 1 more than the sum of the applicant columns",
                "codes": ["requests.total.total"],
            }
        )
    codes = list(cells)
    title = f"{agency.name}{year}年政府信息公开工作年度报告"
    return {
        "file": f"{agency.agency_id}-{year}.html",
        "agency": agency.name,
        "year": year,
        "template": version,
        "title": title,
        "published": date(year + 1, 1, rng.randint(10, 31)).isoformat(),
        "cells": cells,
        "raw": {c: str(cells[c]) for c in codes},
        "units": {"active.fees.amount_wan_yuan": "万元"} if version == "2021" else {},
        "positions": {
            c: {"page": 1 + i // 80, "table": i // 70, "row": i % 30, "col": i % 7} for i, c in enumerate(codes)
        },
        "sections": {s: f"{title}：{s} 部分说明文字。" for s in SECTIONS},
        "issues": issues,
    }


def make_agencies(count: int, rng: random.Random) -> list[SyntheticAgency]:
    """Agencies across provinces and levels; every 50th one was renamed from another."""
    out = []
    for i in range(count):
        province = PROVINCES[i % len(PROVINCES)]
        predecessor = f"A{i - 1:06d}" if i % 50 == 49 else None
        out.append(
            SyntheticAgency(
                agency_id=f"A{i:06d}",
                name=f"测试{province[:2]}市第{i}局",
                region_code=province[:2] + f"{rng.randint(1, 20):02d}00",
                level=LEVELS[i % len(LEVELS)],
                first_year=2019,
                predecessor_id=predecessor,
            )
        )
    return out


def write_synthetic_archive(
    archive: Path,
    warehouse: Path,
    *,
    reports: int,
    years: range,
    version: str,
    seed: int = 0,
    p_break: float = 0.02,
    p_missing: float = 0.01,
) -> dict[str, int]:
    """Write an archive (objects, one fetch-log run, registry.csv) and the parse cache.

    Returns counts: agencies, reports, documents. The cache entries carry
    ``version``, so a load under that parser version parses nothing.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ogi.archive.store import FETCH_LOG_SCHEMA, ArchiveStore

    rng = random.Random(seed)
    store = ArchiveStore(archive)
    agencies = make_agencies(int(reports / len(years) / (1 - p_missing)) + 2, rng)
    start = datetime(years.stop, 2, 1, tzinfo=UTC)
    log: list[dict[str, Any]] = []
    written = 0
    used = []
    for agency in agencies:
        if written >= reports:
            break
        used.append(agency)
        host = f"http://{agency.agency_id.lower()}.example.gov.cn"
        log.append({"url": f"{host}/ndbg/index.html", "kind": "list", "agency_id": agency.agency_id})
        carried: dict[str, int] = {}
        last_new: dict[str, int] = {}
        for year in years:
            if written >= reports:
                break
            if rng.random() < p_missing:
                continue
            result = synthetic_result(
                agency, year, rng, carried, break_identity=rng.random() < p_break, last_new=last_new
            )
            carried = {c: result["cells"][f"requests.carried_forward.{c}"] for c in APPLICANTS}
            last_new = {c: result["cells"][f"requests.new_received.{c}"] for c in APPLICANTS}
            data = json.dumps(result, ensure_ascii=False).encode()
            sha = hashlib.sha256(data).hexdigest()
            path = store.path_for(sha)  # plain write: throwaway test data needs no fsync
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            entry = result | {"sha256": sha, "parser_version": version, "parsed_at": start.isoformat()}
            write_cached(warehouse, entry, store.fingerprint(sha))  # as a real parse records it
            log.append(
                {
                    "url": f"{host}/ndbg/{year}.html",
                    "kind": "article",
                    "agency_id": agency.agency_id,
                    "report_year": year,
                    "link_title": result["title"],
                    "content_type": "text/html",
                    "bytes": len(data),
                    "sha256": sha,
                }
            )
            written += 1
    run_id = "synthetic-" + hashlib.sha256(f"{seed}|{reports}".encode()).hexdigest()[:8]
    rows = [
        {name: None for name in FETCH_LOG_SCHEMA.names}
        | row
        | {"run_id": run_id, "requested_at": start + timedelta(seconds=i), "status": 200, "final_url": row["url"]}
        for i, row in enumerate(log)
    ]
    store.log_dir.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=FETCH_LOG_SCHEMA), store.log_dir / f"{run_id}.parquet")
    write_registry(Path(archive) / "registry.csv", used)
    return {"agencies": len(used), "reports": written, "documents": len(rows)}


def write_registry(path: Path, agencies: list[SyntheticAgency]) -> None:
    lines = ["agency_id,name,list_url,region_code,level,kind,predecessor_id,first_year,verified"]
    lines += [
        f"{a.agency_id},{a.name},http://{a.agency_id.lower()}.example.gov.cn/ndbg/index.html,"
        f"{a.region_code},{a.level},government,{a.predecessor_id or ''},{a.first_year},false"
        for a in agencies
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
