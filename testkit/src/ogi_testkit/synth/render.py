"""``render(report, fmt, **options)``: one entry point for every output format."""

from __future__ import annotations

from collections.abc import Sequence

from ogi_testkit.synth.model import SyntheticReport

FORMATS = ("html", "html-gbk", "docx", "pdf", "doc", "txt")
EXTENSIONS = {"html": ".html", "html-gbk": ".html", "docx": ".docx", "pdf": ".pdf", "doc": ".doc", "txt": ".txt"}


def render(report: SyntheticReport, fmt: str, **options) -> bytes:
    """Bytes of the report as a document of format ``fmt``.

    Options — html: ``style`` (trs|plain|spans); html-gbk: also ``charset_meta``
    (default True; False leaves the encoding undeclared) and ``charset`` label;
    docx/pdf/doc: ``ruled``, ``split_requests``, ``repeat_header``, ``title_lines``;
    pdf: ``via`` (docx|html), ``tables_as_pictures`` (each table pasted as a picture).
    """
    if fmt == "html":
        from ogi_testkit.synth.html import render_html

        return render_html(report, style=options.get("style")).encode("utf-8")
    if fmt == "html-gbk":
        from ogi_testkit.synth.html import render_html

        charset = options.get("charset", "gb2312") if options.get("charset_meta", True) else None
        return render_html(report, style=options.get("style"), charset=charset).encode("gb18030")
    if fmt == "docx":
        from ogi_testkit.synth.docx import render_docx

        keys = ("ruled", "split_requests", "repeat_header", "title_lines")
        return render_docx(report, **{k: options[k] for k in keys if k in options})
    if fmt in ("pdf", "doc"):
        from ogi_testkit.synth.pdf import render_batch

        return render_batch([(report, fmt, options)])[0]
    if fmt == "txt":
        from ogi_testkit.synth.text import render_text

        return render_text(report).encode("utf-8")
    raise ValueError(f"unknown format {fmt!r}; choose from {FORMATS}")


def render_many(jobs: Sequence[tuple[SyntheticReport, str, dict]]) -> list[bytes]:
    """Render many jobs; PDF/DOC jobs share one soffice call (seconds instead of minutes)."""
    from ogi_testkit.synth.pdf import render_batch

    out: list[bytes | None] = [None] * len(jobs)
    office = [i for i, (_, fmt, _) in enumerate(jobs) if fmt in ("pdf", "doc")]
    for i, data in zip(office, render_batch([jobs[i] for i in office]), strict=True):
        out[i] = data
    for i, (report, fmt, opts) in enumerate(jobs):
        if out[i] is None:
            out[i] = render(report, fmt, **opts)
    return [b if b is not None else b"" for b in out]
