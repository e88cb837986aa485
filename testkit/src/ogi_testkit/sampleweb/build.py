"""Make the sample web's committed documents with ``ogi_testkit.synth``.

``python -m ogi_testkit.sampleweb.build [AGENCY …]`` (only those agencies, the others kept).

Needs LibreOffice (synth renders PDF/DOC through it); the output is committed so
that serving needs nothing but Python. Article pages are synth's HTML with the
attachment block replaced by a marker the server fills in, because the links'
shape depends on the site family. Pages are stored gzipped (the server sends
them with ``Content-Encoding: gzip`` when the client accepts it).
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ogi_testkit.sampleweb.sites import SITES, YEARS, SiteSpec
from ogi_testkit.synth import SyntheticReport, make_report
from ogi_testkit.synth.model import reissue

SITE_DIR = Path(__file__).parent / "site"
ATTACH_MARK = "<!--ogi:attachments-->"
_ATTACH_DIV = re.compile(r'<div class="article-attach">.*?</div>', re.S)
#: How the sample web's picture reports are scanned (a degradation of ``synth.scan``).
PICTURE_SCAN = "clean"
_BODY = re.compile(r'(<div class="TRS_Editor" id="zoom"><div class="Custom_UnionStyle">).*?(</div></div>)', re.S)


def _seed(spec: SiteSpec, year: int) -> int:
    return sum(map(ord, spec.agency_id)) * 100 + year


# Printing defects real reports have, spread over the sample web so that the demo's
# warehouse shows them flagged: (agency-and-year residue mod 9) -> quirks.
_QUIRK_CYCLE = {
    1: {"identity_violation"},
    3: {"blank_cells", "blank_review_row"},
    4: {"merged_other_row"},  # a 2021-format report printing （六）其他处理 as one row
    6: {"label_typos", "spaced_labels"},
    8: {"dash_cells", "thousands_sep", "unit_suffix"},
}


def sample_quirks(spec: SiteSpec, year: int) -> set[str]:
    """The quirks the sample web's report for (agency, year) is printed with."""
    quirks = set(_QUIRK_CYCLE.get((sum(map(ord, spec.agency_id)) + year) % 9, set()))
    if year == 2022 and spec.style == "trs":
        quirks.add("extra_blocks")
    if year < 2021:
        quirks.discard("merged_other_row")  # the 2019 format prints it as one row anyway
    return quirks


# The defects an OGI office finds by reading, one agency-year each, so that the demo's
# quality report shows each of them (and the printing defects above) and little else:
# every agency's years are otherwise one consistent sequence.
SAMPLE_DEFECTS: dict[tuple[str, int], dict[str, Any]] = {
    ("lc-czj", 2023): {"quirks": {"late_publication"}},
    ("lc-gaj", 2021): {"quirks": {"narrative_mismatch"}},
    ("lc-slj", 2024): {"quirks": {"empty_problems_section"}},
    ("lc-zjj", 2022): {"quirks": {"fee_unexplained"}},
    ("lc-scjgj", 2022): {"template": "2019"},  # last year's format reused
    ("lc-bgs", 2023): {"growth": 4.0},  # a surge of requests
    ("lc-rsj", 2023): {"quirks": {"carryover_break"}},
    ("gaotang", 2024): {"reissue": True},  # the attachment's numbers differ from the page's
}


@dataclass(frozen=True)
class SampleReport:
    """What the sample web prints for one agency-year: the article page's report and
    the attachment's (the same report unless the sample carries a conflicting version)."""

    article: SyntheticReport
    attachment: SyntheticReport


def sample_reports() -> dict[tuple[str, int], SampleReport]:
    """Every agency's years generated as one sequence (上年结转 = last year's 结转下年度,
    plausible growth), with SAMPLE_DEFECTS and the printing quirks applied."""
    out = {}
    for spec in SITES:
        previous = None
        for year in YEARS:
            defect = SAMPLE_DEFECTS.get((spec.agency_id, year), {})
            report = make_report(
                spec.name,
                year,
                seed=_seed(spec, year),
                quirks=frozenset(sample_quirks(spec, year) | defect.get("quirks", set())),
                template=defect.get("template"),
                previous=previous,
                growth=defect.get("growth"),
            )
            out[spec.agency_id, year] = SampleReport(report, reissue(report) if defect.get("reissue") else report)
            previous = report
    return out


def _html_only(spec: SiteSpec, year: int, fmt: str, pictures: bool) -> bool:
    """About half the PDF-publishing reports have no attachment (common, and it keeps
    the committed site under its size budget: a synth PDF embeds its CJK font)."""
    return fmt == "pdf" and not pictures and (year + spec.host) % 2 == 0


def _page(html: bytes, spec: SiteSpec, pictures: list[str]) -> bytes:
    enc = "gb18030" if spec.charset == "gbk" else "utf-8"
    text = html.decode(enc)
    if _ATTACH_DIV.search(text):
        text = _ATTACH_DIV.sub(ATTACH_MARK, text, count=1)
    else:
        text = text.replace("</body>", ATTACH_MARK + "</body>", 1)
    if pictures:
        imgs = "".join(f'<p style="text-align:center"><img src="{p}" width="800"/></p>' for p in pictures)
        text = _BODY.sub(lambda m: m.group(1) + imgs + m.group(2), text, count=1)
    return text.encode(enc)


def _picture_pages(pdf: bytes, seed: int) -> list[bytes]:
    """A report "published as pictures", as agencies publish them: every page of the
    report scanned to a JPEG (the test kit's scan generator, a clean 200 dpi scan), one
    ``<img>`` per page in page order."""
    from ogi_testkit.synth.scan import scan_images

    return scan_images(pdf, PICTURE_SCAN, seed)


def build(out: Path = SITE_DIR, only: set[str] | None = None) -> dict:
    """Build every site's documents, or (``only``) those agencies' alone, keeping the others' as committed."""
    from ogi_testkit.synth import render, render_many

    docs = out / "docs"
    manifest: dict[str, dict] = {}
    if only is None:
        if out.exists():
            shutil.rmtree(out)
    else:
        manifest = json.loads((out / "manifest.json").read_text())
        for agency_id in only:
            manifest.pop(agency_id, None)
            if (docs / agency_id).exists():
                shutil.rmtree(docs / agency_id)
    jobs, targets = [], []
    reports = sample_reports()
    for spec in SITES:
        if only is not None and spec.agency_id not in only:
            continue
        for year in YEARS:
            sample = reports[spec.agency_id, year]
            pictures = year in spec.picture_years
            fmt = "pdf" if pictures else spec.formats[year % len(spec.formats)]
            if _html_only(spec, year, fmt, pictures):
                fmt = ""
            jobs.append((sample.attachment, fmt or "txt", {}))
            targets.append((spec, year, fmt, pictures))
    rendered = render_many(jobs)
    for (spec, year, fmt, pictures), data in zip(targets, rendered, strict=True):
        report = reports[spec.agency_id, year].article
        folder = docs / spec.agency_id
        folder.mkdir(parents=True, exist_ok=True)
        attachments, images = [], []
        if pictures:
            for i, jpg in enumerate(_picture_pages(data, _seed(spec, year)), start=1):
                name = f"{year}-{i}.jpg"
                (folder / name).write_bytes(jpg)
                images.append(name)
        elif fmt:
            name = f"{year}.{fmt}"
            (folder / name).write_bytes(data)
            attachments.append({"file": name, "ext": fmt})
        html = render(report, "html-gbk" if spec.charset == "gbk" else "html", style=spec.style)
        page = _page(html, spec, [f"{{images}}/{n}" for n in images])
        (folder / f"{year}.html.gz").write_bytes(gzip.compress(page, mtime=0))
        manifest.setdefault(spec.agency_id, {})[str(year)] = {
            "title": report.title,
            "published": report.published.isoformat(),
            "article": f"{year}.html.gz",
            "attachments": attachments,
            "images": images,
        }
    manifest = {a: manifest[a] for a in [s.agency_id for s in SITES] if a in manifest}
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")
    return manifest


def main() -> None:
    import sys

    manifest = build(only=set(sys.argv[1:]) or None)
    size = sum(p.stat().st_size for p in SITE_DIR.rglob("*") if p.is_file())
    print(f"built {sum(len(v) for v in manifest.values())} reports into {SITE_DIR} ({size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
