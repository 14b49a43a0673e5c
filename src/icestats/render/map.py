"""A map of the field offices' areas: counties (a shipped TopoJSON, pre-projected Albers
USA) filled by their office's value, with borders drawn only where two offices meet, so
that counties dissolve visually into office areas."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

from icestats import reference
from icestats.render.figures import esc

FONT = 'font-family="Liberation Sans,DejaVu Sans,Arial,sans-serif" font-size="12"'


@cache
def _topology() -> tuple[list[list[tuple[float, float]]], list[dict[str, Any]]]:
    path = resources.files("icestats") / "data" / "counties-albers-10m.json"
    topo = json.loads(path.read_text(encoding="utf-8"))
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            pts.append((round(x * sx + tx, 1), round(y * sy + ty, 1)))
        arcs.append(pts)
    return arcs, topo["objects"]["counties"]["geometries"]


def _ring(arcs: list[list[tuple[float, float]]], ring: list[int]) -> str:
    pts: list[tuple[float, float]] = []
    for a in ring:
        seg = arcs[a] if a >= 0 else arcs[~a][::-1]
        pts.extend(seg if not pts else seg[1:])
    return "M" + "L".join(f"{x},{y}" for x, y in pts) + "Z"


def office_map(values: dict[str, float], *, title: str, label: Callable[[float], str],
               source: str, chart_id: str = "map") -> str:
    """A figure: the SVG of the 25 office areas colored by ``values`` (code -> number),
    each named on the map (and in its tooltip); title, source and legend as HTML above
    it, so that they stay legible on a phone where the map is scaled down."""
    arcs, geoms = _topology()
    county_office = reference.county_offices()
    names = {o.code: o.name for o in reference.offices()}
    lo = min(values.values(), default=0.0)
    hi = max(values.values(), default=1.0)
    paths: dict[str, list[str]] = {}
    arc_offices: dict[int, set[str]] = {}
    for g in geoms:
        office = county_office.get(g["id"])
        if office is None:
            continue
        polys = g["arcs"] if g["type"] == "MultiPolygon" else [g["arcs"]]
        for poly in polys:
            for ring in poly:
                paths.setdefault(office, []).append(_ring(arcs, ring))
                for a in ring:
                    arc_offices.setdefault(a if a >= 0 else ~a, set()).add(office)
    out = [f'<svg class="chart map" id="{esc(chart_id)}" viewBox="0 0 975 610" role="img" '
           f'aria-label="{esc(title)}" {FONT}>']
    for office, rings in sorted(paths.items()):
        v = values.get(office)
        color = _color((v - lo) / (hi - lo) if v is not None and hi > lo else None)
        out.append(f'<g class="office" data-aor="{esc(office)}"><title>{esc(names[office])}: '
                   f'{esc(label(v)) if v is not None else "no data"}</title>'
                   f'<path d="{"".join(rings)}" fill="{color}" stroke="{color}" '
                   f'stroke-width="0.3"/></g>')
    border = [a for a, offs in arc_offices.items() if len(offs) > 1]
    d = "".join("M" + "L".join(f"{x},{y}" for x, y in arcs[a]) for a in border)
    out.append(f'<path class="borders" d="{d}" fill="none" stroke="#fff" stroke-width="1.2"/>')
    out += [_label(names[o], rings, _color(_t(values.get(o), lo, hi))) for o, rings in
            sorted(paths.items())]
    return (f"<figure class='map-figure'><figcaption><b>{esc(title)}</b><br><span class='note'>"
            f"Source: {esc(source)}. Hover an office for its value.</span>"
            f"{_legend(lo, hi, label)}</figcaption>{''.join(out)}</svg></figure>")


def _t(v: float | None, lo: float, hi: float) -> float | None:
    return (v - lo) / (hi - lo) if v is not None and hi > lo else None


def _label(name: str, rings: list[str], fill: str) -> str:
    """The office's name at the median of its counties' centres (inside the bulk of its
    area even when it has islands or Alaska), dark or light against its fill."""
    import statistics

    cx, cy = [], []
    for ring in rings:
        pts = [tuple(map(float, p.split(","))) for p in ring[1:-1].split("L")]
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        cx.append((max(xs) + min(xs)) / 2)
        cy.append((max(ys) + min(ys)) / 2)
    # Alaska and Hawaii are insets at the bottom left: an office is named on the mainland.
    main = [(x, y) for x, y in zip(cx, cy, strict=True) if not (x < 380 and y > 470)]
    if main:
        cx, cy = [x for x, _ in main], [y for _, y in main]
    best = (0.0, statistics.median(cx), statistics.median(cy))
    ink = "#ffffff" if int(fill[1:3], 16) < 120 else "#1d1d1d"
    return (f'<text class="label" x="{best[1]:.0f}" y="{best[2]:.0f}" text-anchor="middle" '
            f'fill="{ink}" font-size="13" pointer-events="none">{esc(name)}</text>')


def _color(t: float | None) -> str:
    if t is None:
        return "#dddddd"
    a, b = (222, 235, 247), (8, 69, 148)  # light to dark blue
    r, g, bl = (round(a[i] + (b[i] - a[i]) * t) for i in range(3))
    return f"#{r:02x}{g:02x}{bl:02x}"


def _legend(lo: float, hi: float, label: Callable[[float], str]) -> str:
    stops = "".join(f"<span style='background:{_color(i / 9)}'></span>" for i in range(10))
    return (f"<span class='legend'>{esc(label(lo))} {stops} {esc(label(hi))}</span>")
