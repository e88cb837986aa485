"""HTML renderings of a report, in the styles of the CMS families seen on agency sites.

* ``trs``   — a TRS_Editor article page: site chrome, nav, breadcrumb, info line,
  prev/next links and footer around the article body (MsoNormalTable markup);
* ``plain`` — a bare ``<table border=1>`` page as exported by simple CMSs;
* ``spans`` — Word-pasted markup: labels split across ``<span>``s and ``<p>``s, trailing
  ``&nbsp;``, inline styles that change mid-row.

All styles use rowspan/colspan exactly like the official template. ``extra_blocks``
adds crawl metadata and an 索引号 info table before the report.
"""

from __future__ import annotations

import random
from html import escape

from ogi_testkit.synth.layout import Block, Cell, Table, blocks
from ogi_testkit.synth.model import SyntheticReport
from ogi_testkit.synth.variants import wordings

STYLES = ("trs", "plain", "spans")
FONTS = ("仿宋_GB2312", "宋体", "仿宋", "微软雅黑")


def _esc(text: str) -> str:
    return escape(text, quote=False).replace("\n", "<br/>")


class _Writer:
    def __init__(self, report: SyntheticReport, style: str, rng: random.Random) -> None:
        self.r = report
        self.style = style
        self.rng = rng

    # -- inline text
    def split_spans(self, text: str) -> str:
        """Split a label across spans (and sometimes paragraphs), as Word paste does."""
        if not text:
            return "&nbsp;"
        if "\n" in text:  # vertical label: one character per paragraph
            return "".join(f'<p style="text-align:center"><span>{_esc(ch)}</span></p>' for ch in text.split("\n"))
        pieces: list[str] = []
        i = 0
        while i < len(text):
            j = min(len(text), i + self.rng.randint(1, 6))
            pieces.append(text[i:j])
            i = j
        spans = []
        for piece in pieces:
            font = self.rng.choice(FONTS)
            size = self.rng.choice(("10.5pt", "10.5pt", "12px", "14px"))
            spans.append(f'<span style="font-family:{font};font-size:{size}">{_esc(piece)}</span>')
        if len(spans) > 2 and self.rng.random() < 0.35:  # label wrapped over two paragraphs
            k = self.rng.randint(1, len(spans) - 1)
            return (
                f'<p style="text-align:center">{"".join(spans[:k])}</p>'
                f'<p style="text-align:center">{"".join(spans[k:])}&nbsp;</p>'
            )
        tail = "&nbsp;" if self.rng.random() < 0.4 else ""
        return f'<p style="text-align:center">{"".join(spans)}{tail}</p>'

    def digits(self, text: str) -> str:
        """A number as Word-pasted pages print it: one span per digit or run of digits."""
        if "split_digit_markup" not in self.r.quirks or len(text) < 2:
            return _esc(text)
        out, i = [], 0
        while i < len(text):
            j = min(len(text), i + self.rng.randint(1, 2))
            out.append(f"<span>{_esc(text[i:j])}</span>")
            i = j
        return "".join(out)

    def cell_html(self, cell: Cell) -> str:
        attrs = ""
        if cell.rowspan > 1:
            attrs += f' rowspan="{cell.rowspan}"'
        if cell.colspan > 1:
            attrs += f' colspan="{cell.colspan}"'
        if self.style == "plain":
            body = (self.digits(cell.text) if cell.kind == "value" else _esc(cell.text)) if cell.text else ""
            tag = "th" if cell.kind == "head" and self.r.seed % 2 else "td"
            return f"<{tag}{attrs}>{body}</{tag}>"
        if self.style == "trs":
            body = (self.digits(cell.text) if cell.kind == "value" else _esc(cell.text)) if cell.text else "&nbsp;"
            style = "border:solid windowtext 1.0pt;padding:0cm 5.4pt"
            align = "center" if cell.kind != "label" or cell.colspan > 1 else "left"
            return (
                f'<td{attrs} valign="middle" style="{style}"><p class="MsoNormal" align="{align}" '
                f'style="text-align:{align}"><span style="font-family:宋体;font-size:10.5pt">{body}</span></p></td>'
            )
        # spans
        width = self.rng.choice(("", ' width="48"', ' width="72"', ' style="width:54.0pt"'))
        if cell.kind == "value":
            body = (
                f'<p style="text-align:center"><span style="font-family:{self.rng.choice(FONTS)}">'
                f"{self.digits(cell.text)}</span></p>"
                if cell.text
                else "&nbsp;"
            )
        else:
            body = self.split_spans(cell.text)
        return f"<td{attrs}{width}>{body}</td>"

    def table_html(self, table: Table) -> str:
        if self.style == "plain":
            head = '<table border="1" cellspacing="0" cellpadding="3" width="100%">'
        elif self.style == "trs":
            head = (
                '<table class="MsoNormalTable" border="1" cellspacing="0" cellpadding="0" '
                'style="border-collapse:collapse;border:none" align="center" width="600">'
            )
        else:
            head = '<table style="border-collapse:collapse;width:100%" border="1" cellpadding="0" cellspacing="0">'
        rows = ["<tr>" + "".join(self.cell_html(c) for c in row) + "</tr>" for row in table.rows]
        return f"{head}<tbody>{''.join(rows)}</tbody></table>"

    def para(self, text: str) -> str:
        if self.style == "plain":
            return f"<p>{_esc(text)}</p>"
        if self.style == "trs":
            return f'<p style="text-indent:2em;line-height:1.75">{_esc(text)}</p>'
        parts, i = [], 0
        while i < len(text):
            j = min(len(text), i + self.rng.randint(8, 60))
            parts.append(f'<span style="font-family:仿宋_GB2312;font-size:16pt">{_esc(text[i:j])}</span>')
            i = j
        return f'<p class="MsoNormal" style="text-indent:32pt;line-height:28pt">{"".join(parts)}</p>'

    def heading(self, text: str) -> str:
        if self.style == "plain":
            return f"<p><b>{_esc(text)}</b></p>"
        if self.style == "trs":
            return f'<p style="text-indent:2em"><strong>{_esc(text)}</strong></p>'
        span = f'<span style="font-family:黑体;font-size:16pt">{_esc(text)}</span>'
        return f'<p class="MsoNormal" style="text-indent:32pt">{span}</p>'

    def body(self, items: list[Block]) -> str:
        out = []
        for b in items:
            if b.kind == "title":
                continue  # the page shows the title in its own header
            if b.kind == "heading":
                out.append(self.heading(b.text))
            elif b.kind == "para":
                out.append(self.para(b.text))
            elif b.kind == "table" and b.table is not None:
                out.append(self.table_html(b.table))
            elif b.kind == "signature":
                out.append(f'<p style="text-align:right">{_esc(b.text)}</p>')
                out.append(f'<p style="text-align:right">{_esc(b.extra["date"])}</p>')
        return "\n".join(out)


def _info_table(report: SyntheticReport, rng: random.Random) -> str:
    index_no = f"{rng.randint(10**17, 10**18 - 1):018d}/{report.year + 1}-{rng.randint(1, 999):05d}"
    rows = [
        ("索引号", index_no, "主题分类", "政务公开"),
        ("发布机构", report.agency, "成文日期", f"{report.published:%Y-%m-%d}"),
        ("文号", f"〔{report.year + 1}〕{rng.randint(1, 30)}号", "发布日期", f"{report.published:%Y-%m-%d}"),
    ]
    body = "".join(f"<tr><th>{a}：</th><td>{escape(b)}</td><th>{c}：</th><td>{d}</td></tr>" for a, b, c, d in rows)
    body += f'<tr><th>名称：</th><td colspan="3">{escape(report.title)}</td></tr>'
    return f'<table class="xxgk-info" border="0" cellpadding="4">{body}</table>'


def _crawl_meta(report: SyntheticReport, rng: random.Random) -> str:
    return (
        '<div class="crawl-meta" style="font-size:12px;color:#999">'
        f"<p>来源网址：http://www.example.gov.cn/zfxxgk/ndbg/{report.year + 1}{rng.randint(10, 99)}/"
        f"t{report.published:%Y%m%d}_{rng.randint(100000, 999999)}.html</p>"
        f"<p>抓取时间：{report.published:%Y-%m-%d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:13</p>"
        f"<p>页面大小：{rng.randint(20, 300)}KB　字数：{rng.randint(3000, 9000)}</p></div>"
    )


def _layout_tables(report: SyntheticReport, article: str, rng: random.Random) -> str:
    """An old CMS page: the whole page laid out in nested tables, with chrome tables
    (navigation, related links with dates, a footer with site numbers) around the
    article's own tables."""
    words = wordings()
    short = report.agency[:2]
    links = "".join(
        f'<td><a href="/{i}/">{escape(w.format(short=short))}</a></td>' for i, w in enumerate(words["chrome_links"])
    )
    fields = {"agency": report.agency, "year": report.year, "prev": report.year - 1}
    related = "".join(
        f'<tr><td><a href="../{i}.html">{escape(w.format(**fields))}</a></td>'
        f"<td>{report.year + (i == 0)}-0{rng.randint(1, 9)}-{rng.randint(10, 28)}</td></tr>"
        for i, w in enumerate(words["related"])
    )
    site_id, icp, visits = rng.randint(10**9, 10**10 - 1), rng.randint(10**7, 10**8 - 1), rng.randint(1000, 99999)
    footer = (
        f"<tr><td>主办单位：{escape(report.agency)}</td><td>网站标识码</td><td>{site_id}</td></tr>"
        f"<tr><td>ICP备案号</td><td>鲁ICP备{icp}号</td><td>{visits}</td></tr>"
    )
    return (
        '<table width="1000" align="center" cellpadding="0" cellspacing="0"><tr><td>'
        f'<table class="nav" width="100%"><tr>{links}</tr></table></td></tr>'
        '<tr><td><table width="100%"><tr><td class="position">当前位置：首页 &gt; 政府信息公开 &gt; 年报</td></tr>'
        f"<tr><td>{article}</td></tr></table></td></tr>"
        f'<tr><td><table class="related"><tr><td colspan="2">相关链接</td></tr>{related}</table></td></tr>'
        f'<tr><td><table class="footer">{footer}</table></td></tr></table>'
    )


def render_html(report: SyntheticReport, *, style: str | None = None, charset: str | None = "utf-8") -> str:
    """The page as text; ``charset`` None omits every charset declaration."""
    style = style or STYLES[report.seed % len(STYLES)]
    if style not in STYLES:
        raise ValueError(f"unknown html style {style!r}; choose from {STYLES}")
    rng = random.Random(f"{report.seed}/html/{style}")
    w = _Writer(report, style, rng)
    body = w.body(blocks(report))
    if "layout_tables" in report.quirks:
        body = _layout_tables(report, body, random.Random(f"{report.seed}/layout-tables"))
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}"/>' if charset else ""
    extra = ""
    if "extra_blocks" in report.quirks:
        extra = _crawl_meta(report, rng) + _info_table(report, rng)
    title = escape(report.title)
    if style == "plain":
        return (
            f"<html><head>{meta}<title>{title}</title></head><body>{extra}"
            f'<h2 align="center">{title}</h2>\n{body}\n</body></html>'
        )
    if style == "spans":
        return (
            f'<!DOCTYPE html><html><head>{meta}<title>{title}</title></head><body>{extra}<div class="WordSection1">'
            f'<p class="MsoNormal" align="center" style="text-align:center"><span style="font-family:方正小标宋简体;'
            f'font-size:22pt">{title}</span></p>\n{body}\n</div></body></html>'
        )
    site = f"{report.agency}门户网站" if rng.random() < 0.5 else f"{report.agency}"
    prev_title = report.title.replace(str(report.year), str(report.year - 1))
    nav = "".join(
        f'<li><a href="/{p}/">{n}</a></li>'
        for p, n in (("", "首页"), ("zwgk", "政务公开"), ("zwfw", "政务服务"), ("hdjl", "互动交流"))
    )
    pub = f"{report.published:%Y-%m-%d}"
    zoom = " ".join(f'<a href="javascript:doZoom({px})">{z}</a>' for px, z in ((18, "大"), (16, "中"), (14, "小")))
    crumbs = " &gt; ".join(
        f'<a href="{href}">{text}</a>'
        for href, text in (("/", "首页"), ("/zfxxgk/", "政府信息公开"), ("/zfxxgk/ndbg/", "政府信息公开年报"))
    )
    script = "function doZoom(size){document.getElementById('zoom').style.fontSize=size+'px';}"
    site_id, icp = rng.randint(10**9, 10**10 - 1), rng.randint(10**7, 10**8 - 1)
    police = rng.randint(10**13, 10**14 - 1)
    parts = [
        '<!DOCTYPE html>\n<html lang="zh-CN"><head>',
        f'{meta}<meta name="ArticleTitle" content="{title}"/><meta name="PubDate" content="{pub} 09:30"/>',
        f'<title>{title}_{escape(site)}</title><link rel="stylesheet" href="/images/common.css"/>',
        f'<script type="text/javascript">{script}</script></head>',
        f'<body><div class="header"><div class="logo"><img src="/images/logo.png" alt="{escape(site)}"/></div>',
        f'<ul class="nav">{nav}</ul>',
        '<form class="search" action="/search"><input name="q" placeholder="请输入关键字"/></form></div>',
        f'<div class="position">当前位置：{crumbs}</div>',
        f'<div class="main">{extra}<div class="article"><h1 class="article-title">{title}</h1>',
        f'<div class="article-info"><span>发布时间：{pub}</span> <span>来源：{escape(report.agency)}</span> ',
        f"<span>浏览次数：<script>document.write(1024)</script></span> <span>【字体：{zoom}】</span></div>",
        '<div class="TRS_Editor" id="zoom"><div class="Custom_UnionStyle">',
        body,
        "</div></div>",
        f'<div class="article-attach">附件：<a href="./P0{report.published:%Y%m%d}3801.pdf">{title}.pdf</a></div>',
        f'<div class="article-nav"><p>上一篇：<a href="../t{report.year}0120_1.html">{escape(prev_title)}</a></p>',
        f'<p>下一篇：<a href="../">关于公布{report.year + 1}年度政务公开工作要点的通知</a></p></div></div></div>',
        f'<div class="footer"><p>主办单位：{escape(report.agency)}　　网站标识码：{site_id}</p>',
        f"<p>ICP备案号：鲁ICP备{icp}号-1　　公安机关备案号：{police}</p>",
        "</div></body></html>",
    ]
    return "\n".join(parts)
