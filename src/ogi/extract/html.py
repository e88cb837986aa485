"""HTML report pages: decode, find the article, expand tables into grids.

Agency sites are UTF-8 or GB2312/GBK, often without a charset declaration. GB2312
and GBK are decoded as GB18030 (their superset): a page labelled GB2312 routinely
contains GBK-only characters, and lxml given raw bytes silently truncates at the
first one, so the page is always decoded here and lxml gets text.
"""

from __future__ import annotations

import email
import re

from lxml import etree

from ogi.encoding import GB_FAMILY, decode_page
from ogi.extract.errors import UnreadableDocument
from ogi.extract.limits import check_html_tables
from ogi.extract.model import Cell, Document, Grid

_BLOCK = {
    "p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section",
    "article", "ul", "ol", "dd", "dt", "blockquote", "pre", "hr", "center",
}  # fmt: skip
_DROP = ("script", "style", "noscript", "iframe", "object", "template", "select", "button", "svg")
_HEADING_MAX = 40  # characters: a longer block is a paragraph, not a section heading
_RUNS = re.compile(r"[ \t]+")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")  # lxml refuses one in a decoded string
_REPORT_TITLE = re.compile(r"政府信息公开.{0,4}年度?报告|信息公开年报")
_PUBLISHED = re.compile(
    r"(?:发布|公开|成文|印发)(?:日期|时间)\s*[:：]?\s*(\d{4}\s*[-/年.]\s*\d{1,2}\s*[-/月.]\s*\d{1,2})"
)


def html_from_mhtml(data: bytes, name: str) -> bytes:
    """The HTML part of a web archive (.mht, or Word's "save as web page" served as .doc)."""
    message = email.message_from_bytes(data)
    for part in message.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                charset = part.get_content_charset()
                if (
                    charset
                    and charset.lower() not in GB_FAMILY
                    and "<meta" not in payload[:2048].decode("latin-1").lower()
                ):
                    return payload.decode(charset, errors="replace").encode("utf-8")
                return payload
    raise UnreadableDocument(f"{name}: MIME web archive without an HTML part")


def _cell_text(el: etree._Element) -> str:
    """Cell text with a line break wherever the author broke the label."""
    if not len(el):  # most cells: text only
        return (el.text or "").replace("\xa0", " ").strip()
    parts: list[str] = []

    def walk(node: etree._Element, top: bool) -> None:
        if not top and node.tag in ("br", "p", "div") and parts:
            parts.append("\n")
        if node.text:
            parts.append(node.text)
        for child in node:
            if isinstance(child.tag, str):
                walk(child, False)
            if child.tail:
                parts.append(child.tail)

    walk(el, True)
    return "".join(parts).replace("\xa0", " ").strip()


def _span(el: etree._Element, attr: str) -> int:
    value = el.get(attr)
    if value is None:
        return 1
    try:
        return max(1, min(int(value.strip() or 1), 200))
    except ValueError:
        return 1


def table_grid(table: etree._Element, index: int) -> Grid:
    """Expand rowspan/colspan into a full grid, the same Cell object on every covered
    position."""
    rows: list[list[Cell | None]] = []
    pending: dict[tuple[int, int], Cell] = {}
    trs = [tr for tr in table.iter("tr") if _owning_table(tr) is table]
    for r, tr in enumerate(trs):
        row: list[Cell | None] = []
        c = 0
        for td in tr:
            if not isinstance(td.tag, str) or td.tag not in ("td", "th"):
                continue
            while (r, c) in pending:
                row.append(pending.pop((r, c)))
                c += 1
            cell = Cell(_cell_text(td), None, index, r, c)
            rowspan, colspan = _span(td, "rowspan"), _span(td, "colspan")
            for dc in range(colspan):
                row.append(cell)
                for dr in range(1, rowspan):
                    pending[(r + dr, c + dc)] = cell
            c += colspan
        while (r, c) in pending:
            row.append(pending.pop((r, c)))
            c += 1
        rows.append(row)
    width = max((len(r) for r in rows), default=0)
    for row in rows:
        row.extend([None] * (width - len(row)))
    return Grid(index, rows)


def _owning_table(el: etree._Element) -> etree._Element | None:
    for anc in el.iterancestors("table"):
        return anc
    return None


def _lines(root: etree._Element) -> list[str]:
    """Block-structured text: a new line at every block element, tables row by row."""
    out: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        text = "".join(buf).replace("\xa0", " ").strip()
        if text:
            out.append(_RUNS.sub(" ", text))
        buf.clear()

    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        block = tag in _BLOCK
        if event == "start":
            if block:
                flush()
            if tag in ("td", "th"):
                buf.append(" ")
            if el.text and tag:
                buf.append(el.text)
        else:
            if block:
                flush()
            if el.tail and el is not root:
                buf.append(el.tail)
    flush()
    return out


def _text(el: etree._Element) -> str:
    return "".join(el.itertext())


def _drop(el: etree._Element) -> None:
    """Remove ``el`` and what it holds, keeping the text that follows it."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _parse(text: str, name: str) -> etree._Element:
    """The page's tree, from lxml's own HTML parser (plain elements: lxml.html's
    element classes cost a Python lookup on every node visited)."""
    try:
        root = etree.fromstring(_XML_DECLARATION.sub("", text), etree.HTMLParser())
    except (etree.ParserError, ValueError) as exc:
        raise UnreadableDocument(f"{name}: not parseable as HTML ({exc})") from exc
    if root is None:
        raise UnreadableDocument(f"{name}: not parseable as HTML (no elements)")
    return root


def _block_of(node: etree._Element) -> etree._Element:
    """The nearest block-level element holding ``node`` (a heading split over spans
    is one block)."""
    if node.tag in _BLOCK:
        return node
    for anc in node.iterancestors():
        if anc.tag in _BLOCK:
            return anc
    return node


def _article_root(body: etree._Element) -> etree._Element:
    """The smallest element holding the narrative from the 总体情况 heading to the
    closing sections: everything outside it is site chrome. Only narrative is cut
    here; the tables are taken from the whole page. The heading is a short block
    (a sentence naming the report's parts, which also says 总体情况, is not a
    heading); without one the whole body is the article."""
    for node in body.iter():
        text = node.text if isinstance(node.tag, str) else None
        if not text or "总体情况" not in text:
            continue
        block = _block_of(node)
        if len(re.sub(r"\s+", "", _text(block))) > _HEADING_MAX:
            continue
        for anc in block.iterancestors():
            content = _text(anc)
            if "其他需要报告" in content or "存在的主要问题" in content:
                return anc
            if anc is body:
                break
    return body


def extract_html(data: bytes, name: str) -> Document:
    text = decode_page(data)
    if not text.strip():
        raise UnreadableDocument(f"{name}: empty HTML document")
    tree = _parse(text, name)
    titles: list[str] = []
    published: list[str] = []
    for meta in tree.iter("meta"):
        key = (meta.get("name") or meta.get("property") or "").lower()
        content = (meta.get("content") or "").strip()
        if key in ("articletitle", "title", "og:title", "dc.title") and content:
            titles.append(content)
        if key in ("pubdate", "publishdate", "firstpublishedtime", "dc.date", "article:published_time"):
            published.append(content)
    for el in tree.iter("h1", "h2", "h3"):
        t = _text(el).strip()
        if _REPORT_TITLE.search(t.replace(" ", "")):
            titles.append(t)
    page_title = tree.find(".//title")
    if page_title is not None and page_title.text:
        titles.extend(re.split(r"\s*[_|｜—–-]{1,2}\s*", page_title.text.strip())[:1])
    for el in list(tree.iter(*_DROP)):
        _drop(el)
    body = tree.find("body")
    if body is None:
        body = tree
    root = _article_root(body)
    lines = _lines(root)
    if root is not body:
        published.extend(m.group(1) for m in _PUBLISHED.finditer(_text(body)))
    for line in lines[:50]:
        m = _PUBLISHED.search(line)
        if m:
            published.append(m.group(1))
    # Tables come from the whole page, wherever they stand: interpretation recognises
    # the template's tables by their labels, and a mislocated article must not lose them.
    leaf_tables = [t for t in body.iter("table") if not any(True for _ in t.iterdescendants("table"))]
    check_html_tables(leaf_tables, name)
    grids = [table_grid(t, i) for i, t in enumerate(leaf_tables)]
    return Document("html", lines, grids, titles, published)
