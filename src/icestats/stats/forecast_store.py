"""The forecast over the store: the national and office series, the answer, and the
backtest on the database's own data (``icestats forecast [--as-of] [--backtest]``)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import duckdb
import numpy as np

from icestats import metrics, reference, slices
from icestats.answers import ForecastAnswer
from icestats.defaults import LEVEL
from icestats.slices import Window
from icestats.stats import covered_codes, office_matrix
from icestats.stats.backtest import origins_every, rolling_origin
from icestats.stats.forecast import HOLIDAY_DAYS, PATHS, forecast_counts
from icestats.stats.forecast_blocks import goal_block, series_block, week_rows
from icestats.stats.goals import Goals


def _series(con: duckdb.DuckDBPyConnection, start: date, end: date, count: str, scope: str,
            codes: list[str]) -> tuple[list[date], np.ndarray]:
    """Days and a days x (1 + offices) matrix: national first, then ``codes``."""
    days, _, counts = office_matrix(con, start, end, count, codes, scope)
    if not days:
        return days, np.zeros((0, 1 + len(codes)))
    national = np.array(metrics.daily_table(con, start=days[0], end=days[-1], count=count,
                                            scope=scope)["arrests"].to_pylist(), dtype=float)
    return days, np.column_stack([national, counts])


def store_forecast(con: duckdb.DuckDBPyConnection, w: Window, goals: Goals,
                   horizon: int = 90, level: float = LEVEL, *, backtest: bool = False,
                   seed: int = 0) -> ForecastAnswer:
    """National and per-office forecasts from the window's last day (default: the last
    complete day), fitted on the window's days (``--fit-days`` up to it) only."""
    assert w.first is not None and w.last is not None
    start, end, count, scope = w.first, w.last, w.slice.count, w.slice.scope
    fit_days = w.slice.window or w.days
    uncovered = list(w.not_covered)
    codes = covered_codes(w)
    days, y = _series(con, start, end, count, scope, codes)
    assert w.coverage is not None and w.coverage.start is not None
    h_start = max(end - timedelta(days=HOLIDAY_DAYS - 1), w.coverage.start)
    history = _series(con, h_start, end, count, scope, codes) if h_start < start else None
    fc = forecast_counts(days, y, horizon, level, seed, history=history)
    target_day = end + timedelta(days=1)
    nat = series_block(fc, 0, days, y[:, 0], level)
    if goals.active(target_day):
        nat.update(goal_block(fc, 0, days, y[:, 0], goals.national_per_day, level))
    targets = goals.targets(target_day)
    offices = []
    for j, code in enumerate(codes, start=1):
        o: dict[str, Any] = {"aor": code, **series_block(fc, j, days, y[:, j], level)}
        t = targets.get(code)
        g = goal_block(fc, j, days, y[:, j], t, level) if t else {}
        o.update({"target_per_day": t, "target_probability": g.get("goal_probability"),
                  "target_spans": g.get("goal_spans"), "target_date": g.get("goal_date"),
                  "target_span": g.get("goal_span"), "target_met": g.get("goal_met"),
                  "recent_break": g.get("recent_break")})
        offices.append(o)
    checked = store_backtest(con, w, fit_days) if backtest else None
    return ForecastAnswer(
        horizon, level, nat, week_rows(fc, 0, level), offices, goals.describe(), uncovered,
        as_of=end, backtest=checked, count=count, scope=scope, window=w, source=w.source,
        method=f"local level (random walk) on log({slices.counted_kind(con)} + 0.5) with "
               f"each series' own "
               f"weekday effects and holiday effects (measured on up to {HOLIDAY_DAYS} days "
               f"before the origin), fitted by maximum likelihood (Kalman filter) on the "
               f"{len(days)} days to {end}, the level shifts the change-point scan finds "
               f"followed at once and not read as random-walk steps; {PATHS} simulated "
               f"paths with shifts ahead at the rate and sizes found in the fit, day noise "
               f"block-resampled from the series' own innovations; the forecast is each "
               f"day's expected count on the paths' median level; intervals are path "
               f"quantiles (the 30-day and weekly ones for the mean over those days); a "
               f"goal is the chance that the mean of the next 30 days, and of each whole "
               f"month ahead, is at or above it")


def store_backtest(con: duckdb.DuckDBPyConnection, w: Window, fit_days: int,
                   origins: int = 12, horizon: int = 30) -> dict[str, Any]:
    """Rolling-origin backtest on the data up to the window's last day: national and
    covered offices, ``origins`` origins, ``horizon`` days ahead (local level and the old
    trend method)."""
    cov, end = w.coverage, w.last
    assert cov is not None and cov.start is not None and end is not None
    uncovered = slices.uncovered_offices(con, cov.start, end)
    codes = [c for c in reference.field_office_codes() if c not in uncovered]
    days, y = _series(con, cov.start, end, w.slice.count, w.slice.scope, codes)
    # short data: a shorter fit window, so that the origins can be at least a week apart
    fit_days = min(fit_days, max(28, len(days) - horizon - 7 * (origins - 1)))
    at = origins_every(len(days), fit_days, horizon, origins)
    if not at:
        return {"origins": 0, "note": f"too little data: a backtest needs {fit_days} days "
                                      f"to fit and {horizon} after each origin"}
    return {"from": days[at[0]], "to": days[at[-1]], "series": len(codes) + 1,
            "origins": len(at), "horizon": horizon, "fit_days": fit_days,
            "methods": {m: rolling_origin(days, y, at, horizon, fit_days, m, paths=500)
                        for m in ("local_level", "trend")}}
