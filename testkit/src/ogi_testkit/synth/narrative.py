"""Narrative text for the six sections, consistent with the report's numbers.

Real reports repeat a few table numbers in prose (申请总数, 予以公开…); parsers must not
pick those up as cells, so the narrative deliberately contains numbers. Phrases live
in ``data/narrative.json`` so the wording can grow without touching code.
"""

from __future__ import annotations

import json
import random
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ogi_testkit.synth.model import SyntheticReport

DATA = Path(__file__).parent / "data"


@cache
def phrases() -> dict[str, list[str]]:
    return json.loads((DATA / "narrative.json").read_text(encoding="utf-8"))


def short_name(agency: str) -> str:
    """How a report refers to its own agency (我局, 本机关, 我县…)."""
    for suffix, word in (("局", "我局"), ("委员会", "我委"), ("厅", "我厅"), ("办公室", "我办")):
        if agency.endswith(suffix):
            return word
    for suffix, word in (("县人民政府", "我县"), ("区人民政府", "我区"), ("市人民政府", "我市")):
        if agency.endswith(suffix):
            return word
    if agency.endswith(("镇人民政府", "乡人民政府")):
        return "我镇" if "镇" in agency else "我乡"
    if agency.endswith("街道办事处"):
        return "我街道"
    return "本机关"


def _pick(rng: random.Random, key: str, k: int) -> list[str]:
    pool = phrases()[key]
    return rng.sample(pool, k=min(k, len(pool)))


def sections(report: SyntheticReport, rng: random.Random) -> dict[str, str]:
    """Six section texts (paragraphs separated by newlines), numbers drawn from the report."""
    t = report.true_cells
    rows = {code.split(".")[1] for code in t if code.startswith("requests.")}

    def req(prefix: str) -> int:
        return int(sum(t[f"requests.{r}.total"] for r in rows if r.startswith(prefix)))

    new = int(t["requests.new_received.total"])
    online = rng.randint(0, new)
    letter = rng.randint(0, new - online)
    web = rng.randint(80, 4000)
    fmt = {
        "agency": report.agency,
        "year": report.year,
        "short": short_name(report.agency),
        "web": web,
        "policy": rng.randint(3, 80),
        "interp": rng.randint(1, 30),
        "interp2": rng.randint(1, 20),
        "news": rng.randint(10, web),
        "wechat": rng.randint(50, 9000),
        "new": new,
        "carried": int(t["requests.carried_over.total"]),
        "walkin": new - online - letter,
        "online": online,
        "letter": letter,
        "done": int(t["requests.total.total"]),
        "forward": int(t["requests.carried_forward.total"]),
        "granted": int(t["requests.granted.total"]),
        "partial": int(t["requests.partially_granted.total"]),
        "denied": req("denied_"),
        "unable": req("unable_"),
        "ignored": req("not_processed_"),
        "other": req("other_"),
        "events": rng.randint(1, 6),
        "people": rng.randint(2, 30) * 10,
        "trainings": rng.randint(1, 8),
        "trainees": rng.randint(10, 400),
        "nrenda": rng.randint(0, 40),
        "nzhengxie": rng.randint(0, 60),
        "phone": f"0{rng.randint(310, 999)}-{rng.randint(2000000, 8999999)}",
    }
    fee_yuan = 0 if rng.random() < 0.85 else rng.randint(1, 40) * 10
    fmt["yuan"] = fee_yuan
    fee_key = "fee_some" if fee_yuan else "fee_none"
    fmt["fee"] = rng.choice(phrases()[fee_key]).format(**fmt)

    def para(key: str, k: int) -> str:
        return "".join(p.format(**fmt) for p in _pick(rng, key, k))

    request_count = rng.randint(3, 4)
    if "narrative_mismatch" in report.quirks:  # the prose states a different 新收 than the table
        fmt["new"] = new + rng.randint(3, 20)
        request_count = len(phrases()["requests"])  # so the sentence stating it is printed

    overall = [
        para("intro", rng.randint(1, 2)),
        "（一）主动公开。" + para("active", rng.randint(4, 6)),
        "（二）依申请公开。" + para("requests", request_count),
        "（三）政府信息管理。" + para("management", rng.randint(3, 4)),
        "（四）政府信息公开平台建设。" + para("platform", rng.randint(3, 4)),
        "（五）监督保障。" + para("supervision", rng.randint(3, 4)),
    ]
    problems = [
        para("problems_intro", 1) + "".join(p.format(**fmt) for p in phrases()["problems"][: rng.randint(2, 4)]),
        para("improvements", 1),
    ]
    other_phrases = phrases()["other"]
    if "fee_unexplained" in report.quirks:  # the 信息处理费 paragraph left out of section 6
        other_phrases = [p for p in other_phrases if "{fee}" not in p]
    other = [p.format(**fmt, n=i + 1) for i, p in enumerate(other_phrases)]
    if "empty_problems_section" in report.quirks:  # 第五部分 printed with nothing in it
        problems = []
    lead = phrases()["table_leads"]
    return {
        "overall": "\n".join(overall),
        "active": rng.choice(lead),
        "requests": rng.choice(lead),
        "review": rng.choice(lead),
        "problems": "\n".join(problems),
        "other": "\n".join(other),
    }
