"""Template tables are found by what they contain, on real reports changed the way
other real reports differ: an opening sentence naming the report's parts (which says
总体情况 before section 一 does), and, when no table is recognised, an error that says
what was seen instead of a silent empty result."""

from __future__ import annotations

import re

import pytest

from ogi.parse.api import parse_bytes
from tests.conftest import SHARED

PAGES = ["pingtan-2023.html", "shanghai-office-2019.html", "pingtan-htp-2023.html"]
PARTS = (
    "本报告共分6个部分：总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、"
    "政府信息公开行政复议及行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项。"
)


def _page(name: str) -> str:
    path = SHARED / "corpus" / name
    if not path.exists():
        pytest.skip(f"{path} not present")
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", PAGES)
def test_opening_sentence_naming_the_parts_loses_nothing(name: str) -> None:
    html = _page(name)
    original = parse_bytes(html.encode("utf-8"), name)
    at = html.index("总体情况")
    at = html.rindex("<p", 0, at)  # before the paragraph holding the first 总体情况
    sentence = f'<p><span style="font-family:仿宋_GB2312">{PARTS}</span></p>'  # one span, as Word pastes it
    changed = parse_bytes((html[:at] + sentence + html[at:]).encode("utf-8"), name)
    assert original["template"] and changed["cells"] == original["cells"]
    assert (changed["agency"], changed["year"]) == (original["agency"], original["year"])
    assert changed["sections"]["other"] == original["sections"]["other"]


def test_tables_outside_the_located_article_are_still_read() -> None:
    """The article locator only slices narrative: a report whose tables stand apart
    from the narrative block (here: moved after the page's footer) is still read."""
    html = _page("pingtan-2023.html")
    tables = re.findall(r"<table.*?</table>", html, flags=re.S)
    assert tables
    moved = html
    for t in tables:
        moved = moved.replace(t, "", 1)
    moved = moved[: moved.rindex("</body>")] + "<div class=footer>版权所有</div>" + "".join(tables) + "</body></html>"
    original = parse_bytes(html.encode("utf-8"), "a.html")
    result = parse_bytes(moved.encode("utf-8"), "b.html")
    assert result["cells"] == original["cells"]


def test_report_without_recognisable_tables_says_what_was_seen() -> None:
    html = _page("pingtan-2023.html")
    flattened = re.sub(r"</?(?:table|tbody|tr|td|th)\b[^>]*>", " ", html)  # tables printed as loose text
    result = parse_bytes(flattened.encode("utf-8"), "flat.html")
    assert result["template"] is None and result["cells"] == {}
    issue = next(i for i in result["issues"] if i["check"] == "no_template_tables")
    assert issue["severity"] == "error"
    assert "table(s)" in issue["detail"] and "table keywords seen" in issue["detail"]
    assert "2023 annual report" in issue["detail"]
