"""Inline SVG charts, drawn in Python: the report needs no JavaScript and no network.

Every text that comes from the data goes through ``esc``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from html import escape
from typing import Any

PALETTE = ("#1f5aa6", "#d1495b", "#edae49", "#00798c", "#66a182", "#8d6a9f", "#2e4057",
           "#c46d2a", "#7a9e3a", "#888888")
FONT = 'font-family="system-ui,sans-serif" font-size="11"'


def esc(text: object) -> str:
    return escape(str(text), quote=True)


def _nice_max(v: float) -> float:
    if v <= 0:
        return 1.0
    mag = 10 ** math.floor(math.log10(v))
    for m in (1, 2, 2.5, 5, 10):
        if v <= m * mag:
            return m * mag
    return 10 * mag


def _ticks(top: float, n: int = 4) -> list[float]:
    return [top * i / n for i in range(n + 1)]


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 10 or v == 0 else f"{v:,.2g}"


def line_chart(dates: Sequence[date], series: Sequence[tuple[str, Sequence[float | None], str]],
               *, width: int = 860, height: int = 280, hline: tuple[float, str] | None = None,
               shade_from: date | None = None, title: str = "", chart_id: str = "") -> str:
    """Lines over dates; ``series``: (label, values, css color); optional goal line and a
    shaded region from ``shade_from`` (the incomplete tail)."""
    if not dates:
        return f'<p class="empty">{esc(title)}: no data</p>'
    ml, mr, mt, mb = 56, 16, 28, 40
    w, h = width - ml - mr, height - mt - mb
    vals = [v for _, s, _ in series for v in s if v is not None]
    top = _nice_max(max(vals + ([hline[0]] if hline else []) + [1]))
    n = len(dates)

    def x(i: float) -> float:
        return ml + (w * i / max(n - 1, 1))

    def y(v: float) -> float:
        return mt + h - h * v / top

    out = [f'<svg class="chart" id="{esc(chart_id)}" viewBox="0 0 {width} {height}" '
           f'role="img" aria-label="{esc(title)}" {FONT}>',
           f'<text x="{ml}" y="16" font-size="13" font-weight="600">{esc(title)}</text>']
    for t in _ticks(top):
        out.append(f'<line x1="{ml}" x2="{ml + w}" y1="{y(t):.1f}" y2="{y(t):.1f}" '
                   f'stroke="#e3e3e3"/><text x="{ml - 6}" y="{y(t) + 4:.1f}" '
                   f'text-anchor="end">{_fmt(t)}</text>')
    if shade_from is not None and shade_from <= dates[-1]:
        i0 = next(i for i, d in enumerate(dates) if d >= shade_from)
        out.append(f'<rect class="tail" x="{x(i0):.1f}" y="{mt}" width="{x(n - 1) - x(i0):.1f}" '
                   f'height="{h}" fill="#f4d9a6" opacity="0.6"><title>incomplete: reporting '
                   f'lag</title></rect>')
    for i, d in enumerate(dates):
        if d.day == 1 and (n < 200 or d.month % 3 == 1):
            out.append(f'<text x="{x(i):.1f}" y="{mt + h + 16}" text-anchor="middle">'
                       f'{d:%b %Y}</text>')
    if hline:
        out.append(f'<line class="goal" x1="{ml}" x2="{ml + w}" y1="{y(hline[0]):.1f}" '
                   f'y2="{y(hline[0]):.1f}" stroke="#222" stroke-dasharray="5,4"/>'
                   f'<text x="{ml + w}" y="{y(hline[0]) - 5:.1f}" text-anchor="end">'
                   f'{esc(hline[1])}</text>')
    for k, (label, values, color) in enumerate(series):
        pts = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values) if v is not None)
        out.append(f'<polyline class="series" fill="none" stroke="{color}" stroke-width='
                   f'"{1.8 if k else 1}" points="{pts}"><title>{esc(label)}</title></polyline>')
        out.append(f'<text x="{ml + 8 + 150 * k}" y="{height - 6}" fill="{color}">'
                   f'\u25a0 {esc(label)}</text>')
    out.append("</svg>")
    return "".join(out)


def interval_chart(rows: Sequence[dict[str, Any]], *, value: str, low: str, high: str,
                   label: str = "name", ref: float | None = 1.0, title: str = "",
                   chart_id: str = "", width: int = 860) -> str:
    """Horizontal dots with interval whiskers, one row per office; flagged rows in red."""
    rows = [r for r in rows if r.get(value) is not None]
    ml, mr, row_h, mt = 150, 20, 18, 30
    height = mt + row_h * len(rows) + 30
    top = _nice_max(max([float(r[high]) for r in rows] + [ref or 0]))

    def x(v: float) -> float:
        return ml + (width - ml - mr) * v / top

    out = [f'<svg class="chart" id="{esc(chart_id)}" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="{esc(title)}" {FONT}>',
           f'<text x="10" y="16" font-size="13" font-weight="600">{esc(title)}</text>']
    for t in _ticks(top, 5):
        out.append(f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{mt - 4}" y2="{height - 26}" '
                   f'stroke="#eee"/><text x="{x(t):.1f}" y="{height - 12}" '
                   f'text-anchor="middle">{t:g}</text>')
    if ref is not None:
        out.append(f'<line x1="{x(ref):.1f}" x2="{x(ref):.1f}" y1="{mt - 4}" '
                   f'y2="{height - 26}" stroke="#222" stroke-dasharray="4,3"/>')
    for i, r in enumerate(rows):
        cy = mt + row_h * i + row_h / 2
        color = "#d1495b" if r.get("below_target") else "#1f5aa6"
        out.append(f'<g class="row"><title>{esc(r[label])}: {float(r[value]):.2f} '
                   f'[{float(r[low]):.2f}–{float(r[high]):.2f}]</title>'
                   f'<text x="{ml - 8}" y="{cy + 4:.1f}" text-anchor="end">{esc(r[label])}</text>'
                   f'<line x1="{x(float(r[low])):.1f}" x2="{x(float(r[high])):.1f}" '
                   f'y1="{cy:.1f}" y2="{cy:.1f}" stroke="{color}" stroke-width="2"/>'
                   f'<circle cx="{x(float(r[value])):.1f}" cy="{cy:.1f}" r="4" '
                   f'fill="{color}"/></g>')
    out.append("</svg>")
    return "".join(out)


def small_multiples(panels: Sequence[tuple[str, Sequence[float], float]], *, title: str = "",
                    chart_id: str = "", cols: int = 5, width: int = 860) -> str:
    """One sparkline per office, each on its own scale, labelled with a given figure."""
    pw, ph = width / cols, 74
    rows = math.ceil(len(panels) / cols)
    out = [f'<svg class="chart" id="{esc(chart_id)}" viewBox="0 0 {width} {rows * ph + 24}" '
           f'role="img" aria-label="{esc(title)}" {FONT}>',
           f'<text x="4" y="16" font-size="13" font-weight="600">{esc(title)}</text>']
    for k, (name, values, label) in enumerate(panels):
        ox, oy = (k % cols) * pw, 24 + (k // cols) * ph
        top = max(values, default=0) or 1
        n = len(values)
        pts = " ".join(f"{ox + 6 + (pw - 14) * i / max(n - 1, 1):.1f},"
                       f"{oy + ph - 10 - (ph - 30) * v / top:.1f}" for i, v in enumerate(values))
        out.append(f'<g class="panel"><text x="{ox + 6}" y="{oy + 12}" font-weight="600">'
                   f'{esc(name)}</text><text x="{ox + pw - 8}" y="{oy + 12}" '
                   f'text-anchor="end">{label:,.0f}/day</text><polyline fill="none" '
                   f'stroke="#1f5aa6" stroke-width="1" points="{pts}"/></g>')
    out.append("</svg>")
    return "".join(out)


def stacked_shares(periods: Sequence[str], categories: Sequence[str],
                   shares: dict[tuple[str, str], float], *, title: str = "",
                   chart_id: str = "", width: int = 860, height: int = 240) -> str:
    """100% stacked columns: each period's composition."""
    ml, mt, mb = 40, 28, 28 + 14 * math.ceil(len(categories) / 4)
    height += mb - 56
    bw = (width - ml - 10) / max(len(periods), 1)
    h = height - mt - mb
    out = [f'<svg class="chart" id="{esc(chart_id)}" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="{esc(title)}" {FONT}>',
           f'<text x="4" y="16" font-size="13" font-weight="600">{esc(title)}</text>']
    for t in (0, 50, 100):
        yy = mt + h - h * t / 100
        out.append(f'<text x="{ml - 4}" y="{yy + 4:.1f}" text-anchor="end">{t}%</text>')
    for i, p in enumerate(periods):
        y0 = float(mt + h)
        for k, c in enumerate(categories):
            s = shares.get((p, c), 0.0)
            hh = h * s / 100
            y0 -= hh
            out.append(f'<rect class="seg" x="{ml + i * bw + 1:.1f}" y="{y0:.1f}" '
                       f'width="{bw - 2:.1f}" height="{hh:.1f}" fill="{PALETTE[k % 10]}">'
                       f'<title>{esc(p)} {esc(c)}: {s:.1f}%</title></rect>')
        if len(periods) <= 24 or i % 3 == 0:
            out.append(f'<text x="{ml + i * bw + bw / 2:.1f}" y="{mt + h + 14}" '
                       f'text-anchor="middle" font-size="9">{esc(p)}</text>')
    for k, c in enumerate(categories):
        out.append(f'<text x="{ml + (k % 4) * 205}" y="{height - mb + 34 + 14 * (k // 4)}" '
                   f'fill="{PALETTE[k % 10]}">\u25a0 {esc(c)}</text>')
    out.append("</svg>")
    return "".join(out)


def funnel_chart(points: Sequence[tuple[str, float, float, bool]], limits: dict[str, Any],
                 *, title: str = "", chart_id: str = "", width: int = 860, height: int = 300
                 ) -> str:
    """Attainment against size (expected arrests in the window) with control limits."""
    ml, mr, mt, mb = 56, 20, 28, 36
    w, h = width - ml - mr, height - mt - mb
    sizes = list(limits["expected"])
    lx0, lx1 = math.log(min(sizes)), math.log(max(sizes))
    top = _nice_max(max([p[2] for p in points] + [1.5]))

    def x(v: float) -> float:
        return ml + w * (math.log(max(v, 1e-9)) - lx0) / (lx1 - lx0)

    def y(v: float) -> float:
        return mt + h - h * min(max(v, 0), top) / top

    out = [f'<svg class="chart" id="{esc(chart_id)}" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="{esc(title)}" {FONT}>',
           f'<text x="4" y="16" font-size="13" font-weight="600">{esc(title)}</text>',
           f'<line x1="{ml}" x2="{ml + w}" y1="{y(1):.1f}" y2="{y(1):.1f}" stroke="#222"/>']
    for t in _ticks(top, 4):
        out.append(f'<text x="{ml - 6}" y="{y(t) + 4:.1f}" text-anchor="end">{t:g}</text>')
    out.append(f'<text x="12" y="{mt + h / 2}" transform="rotate(-90 12 {mt + h / 2})" '
               f'text-anchor="middle">attainment</text>')
    for key, dash in (("95", "4,3"), ("99.8", "")):
        for side in ("lower", "upper"):
            vals = limits[f"{side}_{key}"]
            pts = " ".join(f"{x(s):.1f},{y(v):.1f}" for s, v in zip(sizes, vals, strict=True))
            out.append(f'<polyline fill="none" stroke="#888" stroke-dasharray="{dash}" '
                       f'points="{pts}"/>')
    for name, size, att, flag in points:
        out.append(f'<circle class="dot" cx="{x(size):.1f}" cy="{y(att):.1f}" r="4" '
                   f'fill="{"#d1495b" if flag else "#1f5aa6"}"><title>{esc(name)}: attainment '
                   f'{att:.2f}, expected {size:,.0f}</title></circle>')
    out.append(f'<text x="{ml + w / 2}" y="{height - 6}" text-anchor="middle">expected '
               f'arrests in the window (log scale)</text></svg>')
    return "".join(out)
