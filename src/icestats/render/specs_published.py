"""Vega-Lite specifications for the answers at a count table's grain (the report's and the
dashboard's real 2025-26 section): weeks against the goal, offices under three yardsticks,
daily state series with their operations, a dimension's split by month. Their data values
are the answers' rows as they are (no arithmetic here); frame, fonts and colours are
``specs``'."""

from __future__ import annotations

from icestats.answers.published import (
    CountSeriesAnswer,
    PeriodOfficesAnswer,
    SplitAnswer,
    StateSeriesAnswer,
    WeeklyGoalAnswer,
)
from icestats.jsonout import plain
from icestats.render.specs import (
    BACKGROUND,
    INK,
    MIN_FONT,
    PARTIAL,
    SERIES,
    Spec,
    Width,
    base,
    goal_layers,
)


def weekly_goal(a: WeeklyGoalAnswer, width: Width) -> Spec:
    """Each week's arrests a day as a bar against the goal line; the partial newest week
    hollow."""
    rows = [{**r, "partial": (r["caveat"] or "").startswith("incomplete")}
            for r in plain(a.weeks)]
    tip = [{"field": "week", "type": "temporal", "title": "week from", "format": "%e %b %Y"},
           {"field": "arrests", "format": ","},
           {"field": "per_day", "title": "arrests a day", "format": ",.1f"},
           {"field": "percent_of_goal", "title": "% of the goal", "format": ".1f"}]
    bars = {"data": {"values": rows},
            "mark": {"type": "bar", "stroke": SERIES[0], "strokeWidth": 1},
            "encoding": {"x": {"field": "week", "type": "temporal", "title": "week (from Sunday)"},
                         "x2": {"field": "to"},
                         "y": {"field": "per_day", "type": "quantitative",
                               "title": "arrests a day"}, "y2": {"datum": 0},
                         "fill": {"condition": {"test": "datum.partial", "value": BACKGROUND},
                                  "value": SERIES[0]},
                         "tooltip": tip}}
    peak = a.peak
    note = (f"Peak: week of {peak['week']}, {peak['per_day']:,.1f} a day "
            f"({peak['percent_of_goal']}% of the goal). Hollow bar: the partial newest week.")
    return {**base(f"National arrests a day, week by week, against {a.goal:,.0f} a day",
                   a.source, width, note=note),
            "height": 260, "layer": [bars, *goal_layers(a.goal, f"goal {a.goal:,.0f} a day")]}


def offices(a: PeriodOfficesAnswer, width: Width) -> Spec:
    """Arrests a day per office, coloured by how many of the three lowest-``n`` lists the
    office is in (the yardsticks' agreement)."""
    every, some = set(a.agreement["in_every_list"]), set(a.agreement["in_some_lists"])
    rows = [{**r, "lists": "in every lowest list" if r["aor"] in every else
             "in some lowest lists" if r["aor"] in some else "in none"}
            for r in plain(a.offices)]
    domain = ["in every lowest list", "in some lowest lists", "in none"]
    tip = [{"field": "name", "title": "office"}, {"field": "arrests", "format": ","},
           {"field": "per_day", "title": "arrests a day", "format": ",.1f"},
           {"field": "per_100k_residents", "title": "per 100,000 residents", "format": ",.1f"},
           {"field": "per_100k_noncitizens", "title": "per 100,000 noncitizens",
            "format": ",.0f"}, {"field": "lists", "title": f"{a.n} lowest"}]
    return {**base(f"Field offices, {a.start} to {a.end}: arrests a day (one total per "
                   "office)", a.source, width,
                   note=f"Colour: whether the office is among the {a.n} lowest by arrests a "
                        "day, per resident and per noncitizen (all three, some, none)."),
            "height": 16 * len(rows), "data": {"values": rows},
            "mark": {"type": "bar"},
            "encoding": {"y": {"field": "name", "type": "nominal", "title": None,
                               "sort": "-x"},
                         "x": {"field": "per_day", "type": "quantitative",
                               "title": "arrests a day"},
                         "color": {"field": "lists", "type": "nominal", "title": None,
                                   "legend": {"columns": 1},
                                   "scale": {"domain": domain,
                                             "range": [SERIES[1], SERIES[2], "#9aa7b8"]}},
                         "tooltip": tip}}


def states(a: StateSeriesAnswer, width: Width) -> Spec:
    """Each state's 7-day mean of daily arrests, with the operations' first days."""
    names = {s["state"]: s["name"] for s in a.states}
    rows = [{**r, "series": names[r["state"]]} for r in plain(a.series)]
    events = [{**e, "series": names[e["state"]]} for e in plain(a.events)]
    domain = [names[s] for s in names]
    color = {"field": "series", "type": "nominal", "title": None,
             "scale": {"domain": domain, "range": list(SERIES[:len(domain)])}}
    tip = [{"field": "date", "type": "temporal", "format": "%a %e %b %Y"},
           {"field": "series", "title": "state"}, {"field": "arrests", "format": ","},
           {"field": "mean_7", "title": "7-day mean", "format": ",.1f"}]
    lines = {"data": {"values": rows}, "mark": {"type": "line", "strokeWidth": 2},
             "encoding": {"x": {"field": "date", "type": "temporal", "title": "day"},
                          "y": {"field": "mean_7", "type": "quantitative",
                                "title": "arrests a day (7-day mean)"},
                          "color": color, "tooltip": tip}}
    rules = {"data": {"values": events}, "mark": {"type": "rule", "strokeDash": [4, 3]},
             "encoding": {"x": {"field": "date", "type": "temporal"}, "color": color,
                          "tooltip": [{"field": "label", "title": "operation"},
                                      {"field": "date", "type": "temporal"},
                                      {"field": "ratio", "title": "after / before"}]}}
    labels = {"data": {"values": events},
              "mark": {"type": "text", "angle": 270, "align": "right", "baseline": "bottom",
                       "dx": -4, "fontSize": MIN_FONT, "color": INK},
              "encoding": {"x": {"field": "date", "type": "temporal"}, "y": {"value": 0},
                           "text": {"field": "label"}}}
    return {**base("Daily arrests in Illinois, Oregon and Minnesota (7-day means)", a.source,
                   width, note="Dashed: the first day of an operation. Each state lies in "
                               "one field office (Chicago, Seattle, St. Paul)."),
            "height": 280, "layer": [lines, rules, labels]}


def split(a: SplitAnswer, width: Width) -> Spec:
    """The dimension's values stacked by month."""
    rows = plain(a.months)
    values = [k for k in rows[0] if k not in ("month", "total", "days", "partial")] \
        if rows else []
    fold = [{"fold": values, "as": ["series", "arrests"]}]
    cut = a.periods[1]["from"] if len(a.periods) > 1 else None
    layers: list[Spec] = [{
        "data": {"values": rows}, "transform": fold, "mark": {"type": "bar"},
        "encoding": {"x": {"field": "month", "type": "temporal", "timeUnit": "yearmonth",
                           "title": "month"},
                     "y": {"field": "arrests", "type": "quantitative", "stack": True,
                           "title": "arrests a month"},
                     "color": {"field": "series", "type": "nominal", "title": None,
                               "scale": {"domain": values,
                                         "range": [SERIES[1], SERIES[0]]}},
                     "opacity": {"condition": {"test": "datum.partial", "value": 0.45},
                                 "value": 1},
                     "tooltip": [{"field": "month", "type": "temporal", "format": "%B %Y"},
                                 {"field": "series"}, {"field": "arrests", "format": ","},
                                 {"field": "days", "title": "days covered"}]}}]
    if cut:
        layers.append({"data": {"values": [{"cut": cut, "label": a.periods[1]["period"]}]},
                       "mark": {"type": "rule", "color": PARTIAL, "strokeDash": [4, 3]},
                       "encoding": {"x": {"field": "cut", "type": "temporal"}}})
    shares = "; ".join(f"{p['period']}: {p[f'{values[0].lower()}_share_percent']}% "
                       f"{values[0].lower()}" for p in a.periods) if values else ""
    part = [f"{r['month']:%B %Y} ({r['days']} days)" for r in a.months.to_pylist()
            if r["partial"]]
    faded = f". Faded: a month the series covers in part: {', '.join(part)}" if part else ""
    return {**base(f"{a.geo} arrests by {a.dimension.replace('_', ' ')}, by month", a.source,
                   width, note=shares + faded), "height": 240, "layer": layers}


def series(a: CountSeriesAnswer, width: Width) -> Spec:
    """A count table's units between two days: arrests a day in each (a bar over its days;
    a unit with a caveat hollow)."""
    rows = [{**r, "flagged": bool(r.get("caveat"))} for r in plain(a.units)]
    tip = [{"field": "period_start", "type": "temporal", "title": a.grain, "format": "%e %b %Y"},
           {"field": "value", "title": a.kind, "format": ","},
           {"field": "per_day", "title": f"{a.kind} a day", "format": ",.1f"},
           {"field": "source"}, {"field": "caveat"}]
    bar = {"data": {"values": rows},
           "mark": {"type": "bar", "stroke": SERIES[0], "strokeWidth": 1},
           "encoding": {"x": {"field": "period_start", "type": "temporal", "title": a.grain},
                        "x2": {"field": "period_end"},
                        "y": {"field": "per_day", "type": "quantitative",
                              "title": f"{a.kind} a day"}, "y2": {"datum": 0},
                        "fill": {"condition": {"test": "datum.flagged", "value": BACKGROUND},
                                 "value": SERIES[0]}, "tooltip": tip}}
    return {**base(f"{a.kind.capitalize()} a day by {a.grain}, {a.geo_level} ({a.geo}), "
                   f"{a.start} to {a.end}", a.source, width,
                   note=f"Grain: {a.grain} (the count table's). Hollow: a {a.grain} with a "
                        "caveat (stacked releases, or partial)."),
            "height": 260, "layer": [bar]}
