"""Reading agency pages: decoding, report titles, years, article bodies, attachments.

These rules are shared by every adapter. They are deliberately about the words
and shapes all agency sites share (the report title is fixed by the State
Council; attachments are PDF/DOC/DOCX/WPS), not about any one site's markup, so
a new site or a new report year needs no code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote, urljoin, urlsplit

import lxml.html
from lxml import etree

from ogi.encoding import decode_page

REPORT_TITLE = re.compile(r"(?:政府信息|政务)公开(?:工作)?(?:年度报告|年报|工作报告)|信息公开工作年度报告|公开年报")
# Titles that mention the report but are not one: notices about compiling it,
# templates, explanations, trainings.
NOT_A_REPORT = re.compile(r"关于|通知|编制|模板|格式|解读|图解|评议|考核|培训|工作要点|方案|目录|指南")
_DIGITS = str.maketrans("〇○零一二三四五六七八九", "00012345678" + "9")
YEAR = re.compile(r"((?:19|20)\d{2})\s*年|(二[〇○零][〇○零一二三四五六七八九]{2})\s*年")
DOC_EXTENSIONS = (".pdf", ".doc", ".docx", ".wps", ".ofd")
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif")
CHROME = re.compile(
    r"nav|menu|footer|foot|header|head|banner|breadcrumb|crumb|sidebar|share|related|xgwz|position|"
    r"topbar|copyright|friendlink|yqlj",
    re.I,
)


@dataclass(frozen=True)
class Link:
    url: str
    title: str


def is_report_title(title: str) -> bool:
    """A report's title names its agency or year around the fixed phrase; the bare phrase
    ("政府信息公开年报") is the name of the column that lists them, not a report."""
    t = re.sub(r"\s+", "", title)
    m = REPORT_TITLE.search(t)
    if not m or NOT_A_REPORT.search(t):
        return False
    return bool(re.sub(r"[\W_]", "", t[: m.start()] + t[m.end() :]))


def year_in(text: str) -> int | None:
    """The first plausible report year written in ``text`` (Arabic or 二〇二四 style)."""
    for m in YEAR.finditer(re.sub(r"\s+", "", text)):
        y = int(m.group(1) or m.group(2).translate(_DIGITS))
        if 2000 <= y <= 2100:
            return y
    return None


def parse_html(body: bytes, declared: str | None = None) -> lxml.html.HtmlElement:
    text = decode_page(body, declared)
    try:
        return lxml.html.document_fromstring(re.sub(r"^\s*<\?xml[^>]*\?>", "", text) or "<html/>")
    except (etree.ParserError, ValueError):
        return lxml.html.document_fromstring("<html/>")


def text_of(el: lxml.html.HtmlElement) -> str:
    return re.sub(r"\s+", " ", el.text_content()).strip()


def anchors(tree: lxml.html.HtmlElement, base: str) -> Iterator[Link]:
    """Every <a href> as an absolute URL with its best title (title attribute, else text)."""
    for a in tree.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        title = (a.get("title") or "").strip() or text_of(a)
        yield Link(urljoin(base, href).split("#")[0], title)


def report_links(tree: lxml.html.HtmlElement, base: str) -> list[Link]:
    seen: dict[str, Link] = {}
    for link in anchors(tree, base):
        if is_report_title(link.title) and not is_attachment_url(link.url) and link.url not in seen:
            seen[link.url] = link
    return list(seen.values())


def _ext_of(url: str) -> str:
    parts = urlsplit(url)
    candidates = [unquote(parts.path)] + [unquote(v) for v in re.split(r"[&=]", parts.query)]
    for c in candidates:
        m = re.search(r"(\.[A-Za-z]{2,4})$", c.strip())
        if m:
            ext = m.group(1).lower()
            if ext in DOC_EXTENSIONS + IMAGE_EXTENSIONS:
                return ext
    return ""


def is_attachment_url(url: str) -> bool:
    return _ext_of(url) in DOC_EXTENSIONS


def is_picture_url(url: str) -> bool:
    return _ext_of(url) in IMAGE_EXTENSIONS


def _chrome(el: lxml.html.HtmlElement) -> bool:
    return (
        isinstance(el.tag, str)
        and el.tag not in ("html", "body")
        and (
            el.tag in ("header", "nav", "footer", "script", "style", "noscript")
            or bool(CHROME.search(f"{el.get('id', '')} {el.get('class', '')}"))
        )
    )


def _in_article(el: lxml.html.HtmlElement) -> bool:
    """Not inside the page's chrome (header, navigation, footer, side bars, scripts)."""
    return not _chrome(el) and not any(_chrome(a) for a in el.iterancestors())


def _article_text(tree: lxml.html.HtmlElement) -> str:
    parts = [t for t in tree.xpath("//body//text()") if _in_article(t.getparent())]
    return re.sub(r"\s+", " ", " ".join(parts)).strip()


def attachments(tree: lxml.html.HtmlElement, base: str) -> list[Link]:
    """Documents linked from the article, and its images when the report is published as pictures.

    Images count only when the article has no table and little text: then the
    pictures are the report; otherwise they are decoration.
    """
    found: dict[str, Link] = {}
    for a in tree.iter("a"):
        if not _in_article(a):
            continue
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "#")):
            continue
        url = urljoin(base, href).split("#")[0]
        title = (a.get("title") or "").strip() or text_of(a)
        if is_attachment_url(url) or re.search(r"\.(pdf|docx?|wps|ofd)\s*$", title, re.I):
            found.setdefault(url, Link(url, title))
    pictures = [img for img in tree.iter("img") if img.get("src") and _in_article(img)]
    if pictures and not list(tree.iter("table")) and len(_article_text(tree)) < 600:
        for img in pictures:
            url = urljoin(base, img.get("src", "").strip())
            if is_picture_url(url):
                found.setdefault(url, Link(url, (img.get("alt") or "").strip()))
    return list(found.values())


def page_year(tree: lxml.html.HtmlElement) -> int | None:
    """Year of an article whose link title had none: its <title>/headings, then its opening text."""
    heads = [text_of(el) for el in tree.iter("title", "h1", "h2", "h3")]
    for h in heads:
        if REPORT_TITLE.search(re.sub(r"\s+", "", h)):
            y = year_in(h)
            if y:
                return y
    return year_in(_article_text(tree)[:400])
