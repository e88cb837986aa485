"""Charts as inline SVG, written directly: the report opens from the file system with no
network, no JavaScript and no chart library to fetch.

Every mark carries its number in ``data-series``/``data-category``/``data-value`` (and a
``<title>`` tooltip), so a test can read a chart's numbers back from the page and
compare them with the warehouse. Text uses the CJK fonts a Chinese reader's system has.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

FONT = "'Noto Sans CJK SC','Source Han Sans SC','WenQuanYi Zen Hei','Microsoft YaHei','PingFang SC',sans-serif"
PALETTE = ("#3366cc", "#66aa00", "#dc3912", "#ff9900", "#990099", "#0099c6", "#dd4477", "#316395", "#b82e2e")

Number = int | float | None


def _fmt(v: Number) -> str:
    if v is None:
        return ""
    return str(int(v)) if float(v).is_integer() else f"{v:.1f}"


def _nice_max(v: float) -> float:
    if v <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(v))
    for step in (1, 2, 2.5, 5, 10):
        if v <= step * exp:
            return step * exp
    return 10 * exp


def _frame(chart_id: str, title: str, width: int, height: int, body: list[str]) -> str:
    return (
        f'<figure class="chart"><svg id="{escape(chart_id)}" xmlns="http://www.w3.org/2000/svg" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" font-family="{FONT}" font-size="12">'
        f'<text x="8" y="18" font-size="14" font-weight="bold">{escape(title)}</text>'
        + "".join(body)
        + "</svg></figure>"
    )


def _legend(names: Sequence[str], x: float, y: float) -> list[str]:
    out = []
    for i, name in enumerate(names):
        cy = y + 18 * i
        out.append(f'<rect x="{x}" y="{cy - 9}" width="10" height="10" fill="{PALETTE[i % len(PALETTE)]}"/>')
        out.append(f'<text x="{x + 14}" y="{cy}">{escape(name)}</text>')
    return out


def _mark_attrs(series: str, category: str, value: Number) -> str:
    return f'data-series="{escape(series)}" data-category="{escape(category)}" data-value="{_fmt(value)}"'


def _axis(left: float, top: float, plot_h: float, plot_w: float, top_value: float, unit: str) -> list[str]:
    out = []
    for k in range(5):
        v = top_value * k / 4
        y = top + plot_h - plot_h * k / 4
        out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(_fmt(v) + unit)}</text>')
    return out


def bar_chart(
    chart_id: str,
    title: str,
    categories: Sequence[str],
    series: dict[str, Sequence[Number]],
    *,
    stacked: bool = True,
    unit: str = "",
    width: int = 720,
    height: int = 300,
) -> str:
    """Vertical bars per category, one colour per series (stacked or side by side)."""
    if not categories:
        return _frame(chart_id, title, width, 60, ['<text x="8" y="44">（无数据）</text>'])
    names = list(series)
    left, top, legend_w = 56, 30, 150
    plot_w, plot_h = width - left - legend_w - 10, height - top - 40
    totals = [
        sum((series[n][i] or 0) for n in names) if stacked else max((series[n][i] or 0) for n in names)
        for i in range(len(categories))
    ]
    top_value = _nice_max(max(totals, default=0))
    body = _axis(left, top, plot_h, plot_w, top_value, unit)
    slot = plot_w / len(categories)
    bar_w = slot * 0.7 / (1 if stacked else len(names))
    for i, cat in enumerate(categories):
        x0 = left + slot * i + slot * 0.15
        base = 0.0
        for j, name in enumerate(names):
            v = series[name][i]
            h = plot_h * (v or 0) / top_value
            x = x0 if stacked else x0 + bar_w * j
            y = top + plot_h - h - (plot_h * base / top_value if stacked else 0)
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[j % len(PALETTE)]}" {_mark_attrs(name, cat, v)}>'
                f"<title>{escape(f'{cat} {name}: {_fmt(v)}{unit}')}</title></rect>"
            )
            if stacked:
                base += v or 0
        body.append(
            f'<text x="{left + slot * i + slot / 2:.1f}" y="{top + plot_h + 16}" text-anchor="middle">'
            f"{escape(cat)}</text>"
        )
    body += _legend(names, width - legend_w + 4, top + 10)
    return _frame(chart_id, title, width, height, body)


def hbar_chart(
    chart_id: str, title: str, labels: Sequence[str], values: Sequence[Number], *, series: str = "", width: int = 720
) -> str:
    """Horizontal bars, one per label (long Chinese labels fit on the left)."""
    if not labels:
        return _frame(chart_id, title, width, 60, ['<text x="8" y="44">（无数据）</text>'])
    left, top, row = 230, 30, 22
    plot_w = width - left - 60
    top_value = _nice_max(max((v or 0) for v in values))
    body = []
    for i, (label, v) in enumerate(zip(labels, values, strict=True)):
        y = top + row * i
        w = plot_w * (v or 0) / top_value
        body.append(f'<text x="{left - 6}" y="{y + 14}" text-anchor="end">{escape(label)}</text>')
        body.append(
            f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" fill="{PALETTE[0]}" '
            f"{_mark_attrs(series or title, label, v)}><title>{escape(f'{label}: {_fmt(v)}')}</title></rect>"
        )
        body.append(f'<text x="{left + w + 4:.1f}" y="{y + 14}">{escape(_fmt(v))}</text>')
    return _frame(chart_id, title, width, top + row * len(labels) + 10, body)


def line_chart(
    chart_id: str,
    title: str,
    categories: Sequence[str],
    series: dict[str, Sequence[Number]],
    *,
    unit: str = "",
    width: int = 720,
    height: int = 280,
) -> str:
    """Lines over categories (years); a missing value breaks the line."""
    if not categories:
        return _frame(chart_id, title, width, 60, ['<text x="8" y="44">（无数据）</text>'])
    names = list(series)
    left, top, legend_w = 56, 30, 150
    plot_w, plot_h = width - left - legend_w - 10, height - top - 40
    top_value = _nice_max(max((v or 0) for n in names for v in series[n]))
    body = _axis(left, top, plot_h, plot_w, top_value, unit)
    step = plot_w / max(1, len(categories) - 1) if len(categories) > 1 else 0
    for i, cat in enumerate(categories):
        x = left + step * i if len(categories) > 1 else left + plot_w / 2
        body.append(f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle">{escape(cat)}</text>')
    for j, name in enumerate(names):
        colour = PALETTE[j % len(PALETTE)]
        points, path = [], []
        for i, cat in enumerate(categories):
            v = series[name][i]
            x = left + step * i if len(categories) > 1 else left + plot_w / 2
            if v is None:
                if len(path) > 1:
                    points.append(path)
                path = []
                continue
            y = top + plot_h - plot_h * v / top_value
            path.append(f"{x:.1f},{y:.1f}")
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}" {_mark_attrs(name, cat, v)}>'
                f"<title>{escape(f'{cat} {name}: {_fmt(v)}{unit}')}</title></circle>"
            )
        if len(path) > 1:
            points.append(path)
        body += [f'<polyline points="{" ".join(p)}" fill="none" stroke="{colour}" stroke-width="2"/>' for p in points]
    body += _legend(names, width - legend_w + 4, top + 10)
    return _frame(chart_id, title, width, height, body)
