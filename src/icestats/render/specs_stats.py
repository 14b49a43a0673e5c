"""Vega-Lite specifications for the statistics answers: attainment with intervals, the
funnel, forecasts as bands after their history, and the event study (see ``specs``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from icestats.jsonout import plain
from icestats.render.specs import DAILY, INK, SERIES, Spec, Width, base, goal_layers, tail_layers

if TYPE_CHECKING:
    from icestats.answers import DailyAnswer, FairAnswer, ForecastAnswer, Source

BAND80, BAND95 = "#8fb0dc", "#d3e0f2"


def intervals(fair: FairAnswer, value: str, low: str, high: str, title: str, axis: str,
              width: Width) -> Spec:
    """One row per office: the estimate as a dot, its 95% interval as a bar, the
    reference (1: on target / own baseline) as a dashed rule; flagged offices in red."""
    rows = [{"name": o["name"], "value": o[value], "low": o[low], "high": o[high],
             "flag": "below target (FDR)" if o.get("below_target") else "not flagged"}
            for o in plain(fair.ranked) if o.get(value) is not None]
    y = {"field": "name", "type": "nominal", "title": None, "sort": None}
    color = {"field": "flag", "type": "nominal", "title": None,
             "scale": {"domain": ["not flagged", "below target (FDR)"],
                       "range": [SERIES[0], SERIES[1]]}}
    tip = [{"field": "name", "title": "office"}, {"field": "value", "title": axis,
                                                  "format": ".2f"},
           {"field": "low", "title": "95% low", "format": ".2f"},
           {"field": "high", "title": "95% high", "format": ".2f"}]
    x = {"field": "low", "type": "quantitative", "title": axis}
    return {**base(title, fair.source, width), "height": 18 * len(rows),
            "data": {"values": rows},
            "layer": [{"mark": {"type": "rule", "strokeWidth": 2},
                       "encoding": {"y": y, "x": x, "x2": {"field": "high"}, "color": color}},
                      {"mark": {"type": "point", "filled": True, "size": 50, "opacity": 1},
                       "encoding": {"y": y, "x": {"field": "value", "type": "quantitative"},
                                    "color": color, "tooltip": tip}},
                      {"data": {"values": [{"ref": 1}]},
                       "mark": {"type": "rule", "color": INK, "strokeDash": [4, 3]},
                       "encoding": {"x": {"field": "ref", "type": "quantitative"}}}]}


def funnel(fair: FairAnswer, width: Width) -> Spec:
    """Attainment against size (expected arrests in the window, log scale) inside the
    95% and 99.8% control limits."""
    lim = fair.details["funnel"]
    limits = [{"expected": e, "limit": f"{key}% limits", "side": side, "value": v}
              for key in ("95", "99.8") for side in ("lower", "upper")
              for e, v in zip(lim["expected"], lim[f"{side}_{key}"], strict=True)]
    dots = [{"name": o["name"], "expected": o["expected_arrests"],
             "attainment": o["attainment"],
             "flag": "below target (FDR)" if o["below_target"] else "not flagged"}
            for o in plain(fair.ranked)]
    x = {"field": "expected", "type": "quantitative", "scale": {"type": "log"},
         "title": "expected arrests in the window (log scale)"}
    return {**base("Funnel: attainment against size", fair.source, width,
                   note="Control limits: 95% dashed, 99.8% solid."), "height": 260,
            "layer": [
                {"data": {"values": limits},
                 "mark": {"type": "line", "color": "#767676"},
                 "encoding": {"x": x, "y": {"field": "value", "type": "quantitative"},
                              "detail": [{"field": "side"}, {"field": "limit"}],
                              "strokeDash": {"field": "limit", "type": "nominal",
                                             "legend": None, "scale": {
                                                 "domain": ["95% limits", "99.8% limits"],
                                                 "range": [[4, 3], [1, 0]]}}}},
                {"data": {"values": dots}, "mark": {"type": "point", "filled": True, "opacity": 1,
                                                    "size": 50},
                 "encoding": {"x": x, "y": {"field": "attainment", "type": "quantitative",
                                            "title": "attainment (1 = on target)"},
                              "color": {"field": "flag", "type": "nominal", "title": None,
                                        "scale": {"domain": ["not flagged",
                                                             "below target (FDR)"],
                                                  "range": [SERIES[0], SERIES[1]]}},
                              "tooltip": [{"field": "name", "title": "office"},
                                          {"field": "attainment", "format": ".2f"},
                                          {"field": "expected", "title": "expected arrests",
                                           "format": ",.0f"}]}}]}


def forecast(fc: ForecastAnswer, history: DailyAnswer, width: Width) -> Spec:
    """The national forecast as 80% and 95% bands with its mean, after the history it
    was fitted to (the daily count and its 7-day mean), the goal as a dashed rule."""
    nat = plain(fc.national)
    days = nat["days"]
    hist = [r for r in plain(history.series) if r["key"] == "total"]
    x = {"field": "date", "type": "temporal", "title": "day"}
    y = {"title": "arrests a day", "type": "quantitative"}
    tip = [{"field": "date", "type": "temporal", "format": "%a %e %b %Y"},
           {"field": "mean", "title": "forecast mean", "format": ",.0f"},
           {"field": "lo80", "title": "80% low", "format": ",.0f"},
           {"field": "hi80", "title": "80% high", "format": ",.0f"},
           {"field": "lo95", "title": "95% low", "format": ",.0f"},
           {"field": "hi95", "title": "95% high", "format": ",.0f"}]
    legend = {"field": "series", "type": "nominal", "title": None, "scale": {
        "domain": ["history: daily", "history: 7-day mean", "forecast mean"],
        "range": [DAILY, SERIES[2], SERIES[0]]}, "legend": {"columns": 1}}

    def band(lo: str, hi: str, color: str, label: str) -> Spec:
        return {"data": {"values": days}, "transform": [{"calculate": f"'{label}'",
                                                         "as": "series"}],
                "mark": {"type": "area", "color": color, "opacity": 0.9},
                "encoding": {"x": x, "y": {**y, "field": lo}, "y2": {"field": hi},
                             "tooltip": tip}}
    layers: list[Spec] = []
    tail = history.coverage.incomplete_from
    if tail is not None and hist and str(tail) <= hist[-1]["date"]:
        layers += tail_layers(tail, history.end)
    layers += [band("lo95", "hi95", BAND95, "95% interval"),
               band("lo80", "hi80", BAND80, "80% interval"),
               {"data": {"values": hist}, "transform": [
                   {"fold": ["arrests", "mean_7"], "as": ["field", "value"]},
                   {"calculate": "datum.field == 'arrests' ? 'history: daily' : "
                                 "'history: 7-day mean'", "as": "series"}],
                "mark": {"type": "line"},
                "encoding": {"x": x, "y": {**y, "field": "value"}, "color": legend}},
               {"data": {"values": days}, "transform": [{"calculate": "'forecast mean'",
                                                         "as": "series"}],
                "mark": {"type": "line", "strokeWidth": 2},
                "encoding": {"x": x, "y": {**y, "field": "mean"}, "color": legend,
                             "tooltip": tip}}]
    if nat.get("goal_per_day"):
        layers += goal_layers(nat["goal_per_day"], f"goal {nat['goal_per_day']:,.0f} a day")
    return {**base(f"National forecast from {fc.as_of}, next {fc.horizon_days} days, after "
                   "the history it was fitted to", fc.source, width,
                   note="Bands: 80% (dark) and 95% (light) intervals for each day."),
            "height": 260, "layer": layers}


def event_study(event: dict[str, Any], source: Source, width: Width) -> Spec:
    """Weekly ratios of the office to its comparison, before and after the event, with
    their intervals; 1 is no change, week 0 starts on the event day."""
    rows = plain(event["study"])
    x = {"field": "week", "type": "quantitative", "title": "weeks from the event"}
    y = {"field": "ratio", "type": "quantitative",
         "scale": {"type": "log", "nice": False, "padding": 8},
         "axis": {"values": [0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 6, 8], "format": "~g"},
         "title": "ratio to the comparison (1 = no change)"}
    tip = [{"field": "week"}, {"field": "start", "title": "week from"},
           {"field": "ratio", "format": ".2f"}, {"field": "low", "title": "low",
                                                 "format": ".2f"},
           {"field": "high", "title": "high", "format": ".2f"}]
    return {**base(f"Event study: {event.get('label') or event.get('office')} "
                   f"({event.get('office')}, {event.get('date')})", source, width),
            "height": 220, "data": {"values": rows},
            "layer": [{"data": {"values": [{"ref": 1}]},
                       "mark": {"type": "rule", "color": INK, "strokeDash": [4, 3]},
                       "encoding": {"y": {"field": "ref", "type": "quantitative"}}},
                      {"data": {"values": [{"week": -0.5}]},
                       "mark": {"type": "rule", "color": "#767676"},
                       "encoding": {"x": {"field": "week", "type": "quantitative"}}},
                      {"mark": {"type": "rule", "color": SERIES[0], "strokeWidth": 2},
                       "encoding": {"x": x, "y": {**y, "field": "low"},
                                    "y2": {"field": "high"}}},
                      {"mark": {"type": "point", "filled": True, "size": 50, "opacity": 1,
                                "color": SERIES[0]},
                       "encoding": {"x": x, "y": y, "tooltip": tip}}]}
