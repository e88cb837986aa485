"""PDF and DOC output through LibreOffice (``soffice --headless --convert-to``).

Starting soffice costs about a second, so conversions are batched: ``convert_many``
turns any number of DOCX/HTML files into PDF (or DOC) in one soffice call. Each call
uses its own throw-away user profile, so parallel test sessions and other engineers'
soffice runs never fight over the profile lock.
"""

from __future__ import annotations

import atexit
import io
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ogi_testkit.synth.model import SyntheticReport


class ConversionError(RuntimeError):
    """soffice is missing or did not produce the expected output."""


def soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        raise ConversionError("LibreOffice (soffice) is not installed")
    return exe


_PROFILE_LOCK = threading.Lock()
_PROFILE: list[Path] = []


def _profile() -> Path:
    """A private LibreOffice profile for this process (creating one costs a second or two)."""
    if not _PROFILE:
        path = Path(tempfile.mkdtemp(prefix="ogi-synth-lo-"))
        atexit.register(shutil.rmtree, path, ignore_errors=True)
        _PROFILE.append(path)
    return _PROFILE[0]


def convert_many(inputs: Sequence[Path], target: str = "pdf", *, timeout: float = 600) -> list[Path]:
    """Convert files in one soffice run; returns output paths in input order (same folder)."""
    if not inputs:
        return []
    groups: dict[Path, list[Path]] = {}
    for path in inputs:
        groups.setdefault(path.parent, []).append(path)
    with _PROFILE_LOCK:  # one soffice per profile at a time
        profile = _profile()
        for outdir, files in groups.items():
            cmd = [
                soffice(),
                f"-env:UserInstallation={Path(profile).as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                target,
                "--outdir",
                str(outdir),
                *map(str, files),
            ]
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
            suffix = "." + target.split(":")[0]
            missing = [f for f in files if not f.with_suffix(suffix).exists()]
            if missing:
                err = proc.stderr.decode(errors="replace")[-500:]
                raise ConversionError(f"soffice did not convert {[m.name for m in missing]}: {err}")
    suffix = "." + target.split(":")[0]
    return [p.with_suffix(suffix) for p in inputs]


def source_for(report: SyntheticReport, folder: Path, stem: str, options: dict) -> Path:
    """Write the DOCX (default) or HTML (``via='html'``) that soffice will convert."""
    from ogi_testkit.synth.docx import render_docx
    from ogi_testkit.synth.html import render_html

    via = options.get("via", "docx")
    if via == "html":
        ruled = options.get("ruled", True)
        html = render_html(report, style=options.get("style", "plain"))
        if not ruled:
            html = html.replace('border="1"', 'border="0"')
        path = folder / f"{stem}.html"
        path.write_text(html, encoding="utf-8")
        return path
    keys = ("ruled", "split_requests", "repeat_header", "title_lines", "table_pictures")
    path = folder / f"{stem}.docx"
    path.write_bytes(render_docx(report, **{k: options[k] for k in keys if k in options}))
    return path


def table_pictures(jobs: Sequence[tuple[SyntheticReport, dict]], folder: Path) -> list[list[bytes]]:
    """Each report's tables as pictures: every table printed alone by LibreOffice (as
    the report prints it, on a page tall enough to hold it whole), rasterised at
    ``PICTURE_DPI`` and cropped to its ink with a little white around."""
    import numpy as np
    from PIL import Image

    from ogi_testkit.synth.docx import PICTURE_DPI, add_table, blank_document
    from ogi_testkit.synth.layout import blocks
    from ogi_testkit.synth.scan import page_images

    if not jobs:
        return []
    folder.mkdir()
    sources: list[Path] = []
    owners: list[int] = []
    for k, (report, options) in enumerate(jobs):
        for b in blocks(report):
            if b.kind == "table" and b.table is not None:
                document = blank_document(page_height_cm=55.0)
                add_table(document, b.table, ruled=options.get("ruled", True), split=False, repeat_header=False)
                sources.append(folder / f"t{len(sources):05d}.docx")
                document.save(sources[-1])
                owners.append(k)
    out: list[list[bytes]] = [[] for _ in jobs]
    for k, pdf in zip(owners, convert_many(sources, "pdf"), strict=True):
        page = page_images(pdf.read_bytes(), PICTURE_DPI)[0]
        ys, xs = np.nonzero(page.min(axis=2) < 200)
        margin = 12
        crop = page[
            max(0, ys.min() - margin) : ys.max() + margin + 1, max(0, xs.min() - margin) : xs.max() + margin + 1
        ]
        buf = io.BytesIO()
        Image.fromarray(crop).save(buf, format="PNG")
        out[k].append(buf.getvalue())
    return out


def render_batch(jobs: Sequence[tuple[SyntheticReport, str, dict]]) -> list[bytes]:
    """Render many (report, 'pdf'|'doc', options) jobs with one soffice call per target."""
    out: list[bytes | None] = [None] * len(jobs)
    with tempfile.TemporaryDirectory(prefix="ogi-synth-") as tmp:
        for target in ("pdf", "doc"):
            idx = [i for i, job in enumerate(jobs) if job[1] == target]
            folder = Path(tmp) / target
            folder.mkdir()
            options = [dict(jobs[i][2]) for i in idx]
            pictured = [k for k, o in enumerate(options) if o.pop("tables_as_pictures", False)]
            drawn = table_pictures([(jobs[idx[k]][0], options[k]) for k in pictured], Path(tmp) / f"{target}-tables")
            for k, pictures in zip(pictured, drawn, strict=True):
                options[k]["table_pictures"] = pictures
            sources = [source_for(jobs[i][0], folder, f"r{i:05d}", o) for i, o in zip(idx, options, strict=True)]
            if target == "doc":
                sources = [p for p in sources if p.suffix == ".docx"]
            filt = "doc:MS Word 97" if target == "doc" else "pdf"
            for i, path in zip(idx, convert_many(sources, filt), strict=True):
                out[i] = path.read_bytes()
    missing = [i for i, b in enumerate(out) if b is None]
    if missing:
        raise ValueError(f"render_batch handles only pdf and doc jobs, not {[jobs[i][1] for i in missing]}")
    return [b for b in out if b is not None]
