"""Generator of realistic OGI annual report documents from known numbers.

``make_report`` draws the numbers (the answer key) and the printed text; ``render``
turns a report into HTML, GBK HTML, DOCX, PDF, DOC or text; ``corpus.write_corpus``
writes a mixed folder of documents with ``.truth.json`` answer keys. Tests and
benchmarks use it to check the parser against known numbers.
"""

from ogi_testkit.synth.model import QUIRKS, SyntheticReport, default_template, make_report
from ogi_testkit.synth.render import EXTENSIONS, FORMATS, render, render_many

__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "QUIRKS",
    "SyntheticReport",
    "default_template",
    "make_report",
    "render",
    "render_many",
]
