"""One series' forecast as JSON-ready values (``forecast.Forecast`` -> the answer): the
observed means beside the model's level, the 30-day and weekly forecasts with intervals,
the daily bands, and the goal as chances about spans a reader can check afterwards.

The goal is stated about observable quantities: for the next 30 days and for each whole
calendar month of the horizon, the chance that the span's mean of daily arrests is at
or above the goal (the share of simulated paths whose mean over the span is), beside the
span's forecast and interval. A date is given only when it says something: the first
calendar month (never the next 30 days, nor a month starting the day after the origin:
a date there would only say "now") whose chance is above one half *and* whose forecast
is at or above the goal. A goal the next
30 days are already expected to meet gets no date (it is met now, not later).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np

from icestats.stats.forecast import Forecast
from icestats.stats.surges import last_break

RECENT_BREAK = 28  # days: a level shift this recent is named beside the goal


def series_block(fc: Forecast, j: int, days: list[date], y: np.ndarray,
                 level: float) -> dict[str, Any]:
    """Recent observed means beside the model's level, the 30-day forecast with its
    interval, and the daily bands."""
    f = fc.fit
    level_now = float(np.exp(f.level[j]) * f.day_factor[j] - 0.5)
    daily = [{"date": d, "mean": float(fc.mean[h, j]),
              **{b: float(v[h, j]) for b, v in fc.bands.items()}}
             for h, d in enumerate(fc.future)]
    return {"model_level_per_day": max(level_now, 0.0),
            "observed_mean_last_14_days": float(np.mean(y[-14:])),
            "observed_mean_last_28_days": float(np.mean(y[-28:])),
            "fit": [days[0], days[-1]], "fit_days": len(days),
            "level_step_sd_log": float(np.sqrt(f.step_var[j])),
            "noise_sd_log": float(np.std(f.noise[:, j])),
            "level_shifts": f.breaks[j],
            "next_30_days_mean": float(fc.mean30[j]),
            "next_30_days_span": min(30, len(fc.future)),  # (the horizon, when shorter)
            "next_30_days_mean_interval": {"level": level,
                                           "low": float(fc.mean30_interval[0, j]),
                                           "high": float(fc.mean30_interval[1, j])},
            "days": daily}


def spans(future: list[date]) -> list[tuple[str, int, int]]:
    """(label, first index, stop index) of the next 30 days (the horizon, when shorter) and
    of each whole calendar month inside the horizon."""
    out = [(f"next {min(30, len(future))} days", 0, min(30, len(future)))]
    i = 0
    while i < len(future):
        first = future[i]
        if first.day != 1:
            i += 1
            continue
        nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
        stop = i + (nxt - first).days
        if stop > len(future):
            break
        out.append((first.strftime("%B %Y"), i, stop))
        i = stop
    return out


def goal_spans(fc: Forecast, j: int, goal: float, level: float) -> list[dict[str, Any]]:
    """Each span's forecast per day (the median of the paths' means over it), its interval
    at ``level``, and the chance that its mean is at or above ``goal``."""
    assert fc.counts is not None
    tail = (1 - level) / 2
    out = []
    for label, a, b in spans(fc.future):
        means = fc.counts[:, a:b, j].mean(axis=1)
        lo, mid, hi = np.quantile(means, [tail, 0.5, 1 - tail])
        out.append({"span": label, "from": fc.future[a], "to": fc.future[b - 1],
                    "days": b - a, "forecast_per_day": float(mid),
                    "low": float(lo), "high": float(hi), "level": level,
                    "probability": float(np.mean(means >= goal))})
    return out


def goal_block(fc: Forecast, j: int, days: list[date], y: np.ndarray, goal: float,
               level: float = 0.95) -> dict[str, Any]:
    """The chance that the mean of each span reaches ``goal``; a date only when it says
    something (the module's docstring)."""
    rows = goal_spans(fc, j, goal, level)
    first = rows[0]
    now = first["probability"] > 0.5 and first["forecast_per_day"] >= goal
    when = None if now else next(
        (r for r in rows[1:] if r["probability"] > 0.5 and r["from"] > fc.future[0]
         and r["forecast_per_day"] >= goal), None)
    brk = last_break(days, y)
    broke = brk if brk is not None and brk > days[-1] - timedelta(days=RECENT_BREAK) else None
    p = first["probability"]
    text = f"{p:.0%} chance that the mean of the {first['span']} is at or above it"
    if now:
        text += "; it is expected to be met now, so no date"
    elif when is not None:
        text += (f"; first month expected at or above it: {when['span']} "
                 f"({when['probability']:.0%} chance)")
    else:
        text += "; no date: no month of the horizon is expected at or above it"
    if broke is not None:
        text += f" (the series shifted on {broke}: its level is less certain)"
    return {"goal_per_day": goal, "goal_probability": p, "goal_spans": rows,
            "goal_date": when["from"] if when else None,
            "goal_span": when["span"] if when else None,
            "goal_met": text, "recent_break": broke}


def week_rows(fc: Forecast, j: int, level: float) -> list[dict[str, Any]]:
    """Each 7 days ahead: the forecast per day and an interval for the mean of those days."""
    return [{"week_from": fc.future[7 * b], "days": len(fc.future[7 * b:7 * b + 7]),
             "mean": float(w[0, j]), "low": float(w[1, j]), "high": float(w[2, j]),
             "level": level} for b, w in enumerate(fc.weeks)]
