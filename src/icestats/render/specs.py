"""Vega-Lite specifications, one per chart, each built from an answer (plain dicts).

One specification is drawn three ways: static SVG in the HTML report and PNG/PDF for
`icestats report --format` (``render/vega.py``, vl-convert, offline), and interactive in
the dashboard (vega-embed, served by icestats itself). A specification carries the
answer's numbers as they are: its data values are the answer's rows (no arithmetic here),
a missing value stays null and is drawn as a gap, never as 0.

Every chart has a title, units on its axes, a source line (real or generated, which
file), the incomplete tail shaded where it has dates, partial periods drawn as partial,
text of at least 11 px at the width it is drawn, and series colours with a contrast of at
least 3:1 against the white background (``SERIES``; tested).
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from icestats.jsonout import plain

if TYPE_CHECKING:
    from icestats.answers import AgencyAnswer, BreakdownAnswer, DailyAnswer, Source

Spec = dict[str, Any]
Width = int | None  # pixels of the plotting area; None: the container's width (dashboard)
FONT = "Liberation Sans, DejaVu Sans, Arial, Helvetica, sans-serif"
INK = "#1d1d1d"
BACKGROUND = "#ffffff"
# Colours for series and categories, each at least 3:1 against BACKGROUND.
SERIES = ("#1f5aa6", "#c2334d", "#8a6100", "#00798c", "#3d7d3d", "#7a4f9a", "#2e4057",
          "#b34d00", "#5f6f1f", "#666666", "#8c3b6e")  # (ten values and "other")
DAILY = "#6f87a8"  # the day's own count, drawn thin under its means (3.7:1)
TAIL = "#f4d9a6"  # the incomplete tail's shading (an area, not a series)
TAIL_INK = "#6b4a00"
PARTIAL = "#b34d00"
MIN_FONT = 11
CONFIG: Spec = {
    "font": FONT, "background": BACKGROUND,
    "axis": {"labelFontSize": 12, "titleFontSize": 12, "labelColor": INK, "titleColor": INK,
             "titleFontWeight": "normal", "gridColor": "#e6e6e6", "labelOverlap": True},
    "legend": {"labelFontSize": 12, "titleFontSize": 12, "labelColor": INK,
               "titleColor": INK, "orient": "bottom", "labelLimit": 300, "symbolSize": 120,
               "titleFontWeight": "normal"},
    "title": {"fontSize": 15, "subtitleFontSize": 12, "anchor": "start", "color": INK,
              "subtitleColor": "#444444", "offset": 10},
    "header": {"labelFontSize": 12, "titleFontSize": 12, "labelColor": INK},
    "text": {"fontSize": 12, "color": INK},
    "view": {"stroke": None},
}
NARROW = 280  # the plot width of the report's phone rendering (with its axes, within 366 px)


def _wrap(text: str, width: Width, px: float) -> list[str]:
    """Lines that fit ``width`` (the container's: a phone's 360 px at the least)."""
    chars = max(30, int((width or 360) / (px * 0.55)))
    return textwrap.wrap(text, chars, break_long_words=False, break_on_hyphens=False) or [""]


def base(title: str, source: Source | str, width: Width, *, note: str = "") -> Spec:
    """The frame every chart shares: title, the source line (and a note), size, config."""
    text = source if isinstance(source, str) else source.text
    sub = _wrap(f"Source: {text}.", width, 12) + (_wrap(note, width, 12) if note else [])
    return {"title": {"text": _wrap(title, width, 15), "subtitle": sub},
            "width": "container" if width is None else width,
            "autosize": {"type": "fit-x", "contains": "padding"} if width is None else "pad",
            "config": CONFIG, "usermeta": {"source": text}}


def tail_layers(start: object, end: object) -> list[Spec]:
    """The incomplete tail (reporting lag) shaded and labelled."""
    data = {"values": [{"from": start, "to": end, "label": "incomplete"}]}
    tip = [{"field": "from", "type": "temporal", "title": "incomplete from"}]
    return [{"data": data, "mark": {"type": "rect", "color": TAIL, "opacity": 0.7},
             "encoding": {"x": {"field": "from", "type": "temporal"},
                          "x2": {"field": "to"}, "tooltip": tip}},
            {"data": data, "mark": {"type": "text", "align": "right", "baseline": "top",
                                    "dx": -3, "dy": 3, "fontSize": MIN_FONT, "color": TAIL_INK},
             "encoding": {"x": {"field": "to", "type": "temporal"}, "y": {"value": 0},
                          "text": {"field": "label"}}}]


def goal_layers(goal: float, label: str) -> list[Spec]:
    data = {"values": [{"goal": goal, "label": label}]}
    return [{"data": data, "mark": {"type": "rule", "color": INK, "strokeDash": [6, 4]},
             "encoding": {"y": {"field": "goal", "type": "quantitative"}}},
            {"data": data, "mark": {"type": "text", "align": "left", "baseline": "bottom",
                                    "dx": 4, "dy": -3, "fontSize": 12},
             "encoding": {"x": {"value": 0}, "y": {"field": "goal", "type": "quantitative"},
                          "text": {"field": "label"}}}]


def _color(domain: Sequence[str], range_: Sequence[str], title: str | None = None) -> Spec:
    return {"field": "series", "type": "nominal", "title": title,
            "scale": {"domain": list(domain), "range": list(range_)},
            "legend": {"columns": 1} if len(domain) > 3 else {}}


def _fold(fields: dict[str, str], value: str) -> list[Spec]:
    """Columns (label -> column) folded into rows of ``series`` and ``value``."""
    label = "null"
    for name, col in reversed(fields.items()):
        label = f"datum.field === {json.dumps(col)} ? {json.dumps(name)} : {label}"
    return [{"fold": list(fields.values()), "as": ["field", value]},
            {"calculate": label, "as": "series"}]


def _lines(rows: list[dict[str, Any]], fields: dict[str, str] | None, colors: Sequence[str],
           domain: Sequence[str], *, points: bool, widths: Sequence[float] = ()) -> list[Spec]:
    """Lines over ``date``: with ``fields`` (label -> column) the columns folded into
    series; without, one series per row ``key``. Nulls break the line (a gap)."""
    transform: list[Spec] = []
    if fields:
        transform = _fold(fields, "value")
        value = "value"
    else:
        transform = [{"calculate": "datum.key", "as": "series"}]
        value = "mean_7"
    y = {"field": value, "type": "quantitative", "title": "arrests a day"}
    enc = {"x": {"field": "date", "type": "temporal", "title": "day"}, "y": y,
           "color": _color(domain, colors)}
    if widths:
        enc["strokeWidth"] = {"field": "series", "type": "nominal", "legend": None,
                              "scale": {"domain": list(domain), "range": list(widths)}}
    out: list[Spec] = [{"data": {"values": rows}, "transform": transform,
                        "mark": {"type": "line", "interpolate": "linear"}, "encoding": enc}]
    if points:  # invisible points that carry the tooltip of each day
        tip = [{"field": "date", "type": "temporal", "title": "day", "format": "%a %e %b %Y"},
               {"field": "series", "title": "series"},
               {"field": value, "type": "quantitative", "title": "arrests a day",
                "format": ",.1f"}]
        out.append({"data": {"values": rows}, "transform": transform,
                    "mark": {"type": "point", "opacity": 0, "size": 80, "filled": True},
                    "encoding": {**{k: enc[k] for k in ("x", "y", "color")}, "tooltip": tip}})
    return out


def daily(d: DailyAnswer, title: str, width: Width, *, goal: float | None = None,
          points: bool = False, means: Sequence[int] = (7, 28)) -> Spec:
    """The daily answer: without a dimension the day's count and its rolling means;
    with one, each category's 7-day mean."""
    rows = plain(d.series)
    if d.by is None:
        fields = {"daily": "arrests", **{f"{n}-day mean": f"mean_{n}" for n in means}}
        layers = _lines(rows, fields, (DAILY, *SERIES[:len(means)]), list(fields),
                        points=points, widths=(1, *[2] * len(means)))
    else:
        keys = list(dict.fromkeys(r["key"] for r in rows))
        layers = _lines(rows, None, SERIES, keys, points=points)
        title = title or f"7-day means by {d.by}"
    return _framed(layers, d, title, width, goal)


def offices(answers: dict[str, DailyAnswer], title: str, width: Width, *,
            points: bool = False) -> Spec:
    """Several offices side by side: each office's 7-day mean (the rows' key is the
    office's name)."""
    rows = [{**r, "key": name} for name, a in answers.items() for r in plain(a.series)]
    layers = _lines(rows, None, SERIES, list(answers), points=points)
    first = next(iter(answers.values()))
    return _framed(layers, first, title, width, None)


def _framed(layers: list[Spec], d: DailyAnswer, title: str, width: Width,
            goal: float | None) -> Spec:
    tail = d.coverage.incomplete_from
    pre = tail_layers(tail, d.end) if tail is not None and tail <= d.end else []
    post = goal_layers(goal, f"goal {goal:,.0f} a day") if goal else []
    return {**base(title, d.source, width), "height": 260,
            "layer": [*pre, *layers, *post]}


def months(d: DailyAnswer, title: str, width: Width) -> Spec:
    """What the dashboard's table shows, as bars: arrests a day in each month (a partial
    month, fewer days or inside the incomplete tail, in its own colour), or each
    category's total."""
    rows = plain(d.totals)
    x: Spec
    y: Spec
    color: Spec
    if d.by is None:
        for r in rows:
            r["kind"] = "partial month" if r["partial"] else "whole month"
        y = {"field": "per_day", "type": "quantitative", "title": "arrests a day"}
        x = {"field": "key", "type": "ordinal", "title": "month", "axis": {"labelAngle": -45}}
        color = {"field": "kind", "type": "nominal", "title": None, "scale": {
            "domain": ["whole month", "partial month"], "range": [SERIES[0], PARTIAL]}}
        tip = [{"field": "key", "title": "month"}, {"field": "per_day", "title": "arrests a day",
                                                    "format": ",.1f"},
               {"field": "arrests", "title": "arrests", "format": ","},
               {"field": "days", "title": "days counted"}, {"field": "kind", "title": "month"}]
    else:
        x = {"field": "arrests", "type": "quantitative", "title": "arrests"}
        y = {"field": "key", "type": "nominal", "title": d.by, "sort": None,
             "axis": {"labelLimit": 150}}
        color = {"value": SERIES[0]}
        tip = [{"field": "key", "title": d.by}, {"field": "arrests", "format": ","},
               {"field": "share_percent", "title": "share %", "format": ".1f"},
               {"field": "per_day", "title": "arrests a day", "format": ",.1f"}]
    height = 220 if d.by is None else 22 * len(rows)
    return {**base(title, d.source, width), "height": height, "data": {"values": rows},
            "mark": {"type": "bar"}, "encoding": {"x": x, "y": y, "color": color,
                                                  "tooltip": tip}}


def composition(b: BreakdownAnswer, title: str, width: Width) -> Spec:
    """Each period's composition as 100% stacked columns; partial periods faded and
    marked in the axis label."""
    rows = []
    for p in plain(b.wide):
        label = p["period"][:7] + (" (partial)" if p.get("partial") else "")
        for c, cell in p["cells"].items():
            rows.append({"period": label, "category": c, "share": cell["share"],
                         "arrests": cell["arrests"], "partial": bool(p.get("partial"))})
    tip = [{"field": "period"}, {"field": "category"},
           {"field": "share", "title": "share %", "format": ".1f"},
           {"field": "arrests", "format": ","}]
    return {**base(title, b.source, width, note="Faded: a partial period (fewer days, or "
                   "inside the incomplete tail)."),
            "height": 220, "data": {"values": rows}, "mark": {"type": "bar"},
            "encoding": {
                "x": {"field": "period", "type": "ordinal", "title": "month", "sort": None,
                      "axis": {"labelAngle": -45}},
                # stacked as the answer gives the shares: a suppressed cell is a gap at
                # the top, never filled by stretching the others to 100%
                "y": {"field": "share", "type": "quantitative", "stack": "zero",
                      "title": "share of arrests (%)", "scale": {"domain": [0, 100]}},
                "color": {"field": "category", "type": "nominal", "title": None,
                          "sort": list(b.columns), "scale": {"range": list(SERIES)},
                          "legend": {"columns": 1, "labelLimit": 320}},
                "order": {"field": "category"},
                "opacity": {"condition": {"test": "datum.partial", "value": 0.45},
                            "value": 1},
                "tooltip": tip}}


def sparklines(panels: list[dict[str, Any]], source: Source, title: str, width: Width,
               *, columns: int) -> Spec:
    """One small line per office (its own scale); ``panels``: name, label (the latest
    28-day mean from the offices answer) and weeks (week_from, mean_per_day)."""
    rows = [{"office": f"{p['name']}: {p['label']}", "week_from": w["week_from"],
             "mean_per_day": w["mean_per_day"]} for p in panels for w in plain(p["weeks"])]
    order = [f"{p['name']}: {p['label']}" for p in panels]
    panel = max(100, ((width or NARROW) - 40 * columns) // columns)
    spec = base(title, source, width)
    spec.update({"width": panel, "autosize": "pad", "data": {"values": rows}, "columns": columns,
                 "facet": {"field": "office", "type": "nominal", "sort": order,
                           "title": None, "header": {"labelFontSize": 12, "labelLimit": panel + 30,
                                                      "labelExpr": "split(datum.value, ': ')"}},
                 "resolve": {"scale": {"y": "independent"}},
                 "spec": {"width": panel, "height": 60, "mark": {"type": "line",
                                                                 "color": SERIES[0]},
                          "encoding": {
                              "x": {"field": "week_from", "type": "temporal", "title": None,
                                    "axis": {"tickCount": 3, "labelFontSize": 11}},
                              "y": {"field": "mean_per_day", "type": "quantitative",
                                    "title": None, "axis": {"tickCount": 2}},
                              "tooltip": [{"field": "week_from", "type": "temporal",
                                           "title": "week from"},
                                          {"field": "mean_per_day", "title": "arrests a day",
                                           "format": ",.1f"}]}}})
    return spec


def agency(a: AgencyAnswer, width: Width) -> Spec:
    """ICE and CBP book-ins a day by month; a partial month is a hollow point, not a drop
    in the line."""
    rows = plain(a.book_ins)
    # (book-ins into detention, by the agency that arrested: CBP is Border Patrol and the
    # officers at ports of entry, so neither series is an arrest count)
    fields = {"book-ins after ICE arrests": "ice", "book-ins after CBP arrests": "cbp"}
    fold = _fold(fields, "book_ins")
    enc = {"x": {"field": "month", "type": "temporal", "title": "month"},
           "y": {"field": "book_ins", "type": "quantitative", "title": "book-ins a month"},
           "color": _color(list(fields), SERIES[:2])}
    tip = [{"field": "month", "type": "temporal", "format": "%B %Y"}, {"field": "series"},
           {"field": "book_ins", "title": "book-ins", "format": ","},
           {"field": "days", "title": "days reported"}]
    from icestats.answers import Source as Files

    drawn = Files(workbooks=a.source.workbooks)  # (the chart draws the workbooks alone)
    return {**base("ICE initial book-ins a month, by arresting agency", drawn, width,
                   note="Hollow point: a partial month (not all its days reported yet)."),
            "height": 240, "data": {"values": rows}, "transform": fold,
            "layer": [{"transform": [{"filter": "!datum.partial"}], "mark": "line",
                       "encoding": enc},
                      {"mark": {"type": "point", "size": 50},
                       "encoding": {**enc, "tooltip": tip,
                                    "fill": {"condition": {"test": "datum.partial",
                                                           "value": BACKGROUND},
                                             "field": "series", "type": "nominal",
                                             "legend": None,
                                             "scale": {"domain": list(fields),
                                                       "range": list(SERIES[:2])}}}}]}
