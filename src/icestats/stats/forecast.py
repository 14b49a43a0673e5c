"""Forecast daily arrests with prediction intervals, and when the goal would be met.

Model: log(arrests + 0.5) = level + trend x day + weekday effects, fitted by least squares
on the last ``fit_days`` complete days (national, and each office). Forecasts come back on
the count scale (log-normal mean); prediction intervals include the parameter
uncertainty. The goal is met on the first day the weekday-averaged expected count reaches
it; with a flat or falling trend, or later than the horizon, it is "not within the
horizon".
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import duckdb
import numpy as np
from scipy import stats as st

from icestats import metrics, reference
from icestats.answers import ForecastAnswer
from icestats.stats import office_matrix, window_bounds
from icestats.stats.goals import Goals

MAX_EXTRAPOLATION_DAYS = 3650


def _design(t: np.ndarray, dow: np.ndarray) -> np.ndarray:
    X = np.zeros((len(t), 8))
    X[:, 0], X[:, 1] = 1.0, t
    for k in range(1, 7):
        X[:, k + 1] = dow == k
    return X


def fit_forecast(days: list[date], y: np.ndarray, horizon: int, goal: float | None,
                 level: float = 0.95) -> dict[str, Any]:
    t = np.arange(len(days), dtype=float)
    dow = np.array([d.weekday() for d in days])
    X = _design(t, dow)
    ly = np.log(y + 0.5)
    beta, *_ = np.linalg.lstsq(X, ly, rcond=None)
    resid = ly - X @ beta
    df = max(len(days) - X.shape[1], 1)
    s2 = float(resid @ resid / df)
    xtx_inv = np.linalg.pinv(X.T @ X)
    q = st.t.ppf(0.5 + level / 2, df)
    future = [days[-1] + timedelta(days=h) for h in range(1, horizon + 1)]
    tf = np.arange(len(days), len(days) + horizon, dtype=float)
    Xf = _design(tf, np.array([d.weekday() for d in future]))
    mean_log = Xf @ beta
    se = np.sqrt(s2 * (1 + np.einsum("ij,jk,ik->i", Xf, xtx_inv, Xf)))
    rows = [{"date": d, "mean": float(np.exp(m + s2 / 2) - 0.5),
             "low": float(max(np.exp(m - q * s) - 0.5, 0.0)),
             "high": float(np.exp(m + q * s) - 0.5)}
            for d, m, s in zip(future, mean_log, se, strict=True)]
    week = beta[2:].sum() / 7.0  # average weekday effect (Monday = 0)
    level_now = float(np.exp(beta[0] + beta[1] * (len(days) - 1) + week + s2 / 2) - 0.5)
    out: dict[str, Any] = {
        "fit": [days[0], days[-1]], "fit_days": len(days), "level_per_day_now": level_now,
        "trend_percent_per_30_days": float(100 * (np.exp(30 * beta[1]) - 1)),
        "residual_sd_log": float(np.sqrt(s2)), "days": rows}
    if goal is not None:
        out.update(goal_per_day=goal, **_goal_date(beta, s2, len(days), days[-1], goal,
                                                   horizon, week))
    return out


def _goal_date(beta: np.ndarray, s2: float, n: int, last: date, goal: float, horizon: int,
               week: float) -> dict[str, object]:
    def expected(h: float) -> float:
        return float(np.exp(beta[0] + beta[1] * (n - 1 + h) + week + s2 / 2) - 0.5)
    if expected(0) >= goal:
        return {"goal_met": "already at or above the goal", "goal_met_date": last}
    if beta[1] <= 0:
        return {"goal_met": "not within the horizon (the trend is flat or falling)",
                "goal_met_date": None}
    h = (np.log(goal + 0.5) - beta[0] - week - s2 / 2) / beta[1] - (n - 1)
    if h > MAX_EXTRAPOLATION_DAYS:  # a nearly flat trend: a date would be meaningless
        return {"goal_met": f"not within the horizon ({horizon} days), nor within "
                            f"{MAX_EXTRAPOLATION_DAYS // 365} years at the current trend",
                "goal_met_date": None}
    when = last + timedelta(days=int(np.ceil(h)))
    if h > horizon:
        return {"goal_met": f"not within the horizon ({horizon} days); at the current trend "
                            f"on {when}", "goal_met_date": None, "extrapolated_date": when}
    return {"goal_met": f"on {when} at the current trend", "goal_met_date": when}


def weekly_means(days: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The daily forecast averaged over each 7 days from its first day: the mean and the
    means of the daily interval bounds (a summary of the daily intervals, not an interval
    for the weekly mean)."""
    out = []
    for i in range(0, len(days), 7):
        wk = days[i:i + 7]
        out.append({"week_from": wk[0]["date"], "days": len(wk),
                    "mean": float(np.mean([d["mean"] for d in wk])),
                    "mean_of_daily_low": float(np.mean([d["low"] for d in wk])),
                    "mean_of_daily_high": float(np.mean([d["high"] for d in wk]))})
    return out


def store_forecast(con: duckdb.DuckDBPyConnection, goals: Goals, horizon: int = 90,
                   fit_days: int = 90, count: str = "arrests", level: float = 0.95,
                   scope: str = "all") -> ForecastAnswer:
    start, end = window_bounds(con, fit_days, None, False)
    uncovered = metrics.uncovered_offices(con, start, end)
    codes = [c for c in reference.field_office_codes() if c not in uncovered]
    days, _, counts = office_matrix(con, start, end, count, codes, scope)
    national = np.array(metrics.daily_table(con, start=start, end=end, count=count,
                                            scope=scope)["arrests"].to_pylist(), dtype=float)
    target_day = end + timedelta(days=1)
    nat_goal = goals.national_per_day if goals.active(target_day) else None
    out = fit_forecast(days, national, horizon, nat_goal, level)
    targets = goals.targets(target_day)
    offices = []
    for j, code in enumerate(codes):
        f = fit_forecast(days, counts[:, j], horizon, targets.get(code), level)
        next30 = f["days"][:30]
        offices.append({"aor": code, "level_per_day_now": f["level_per_day_now"],
                        "trend_percent_per_30_days": f["trend_percent_per_30_days"],
                        "next_30_days_mean": float(np.mean([d["mean"] for d in next30])),
                        "next_30_days_low": float(np.mean([d["low"] for d in next30])),
                        "next_30_days_high": float(np.mean([d["high"] for d in next30])),
                        "target_per_day": targets.get(code),
                        "target_met": f.get("goal_met"), "target_met_date":
                            f.get("goal_met_date")})
    return ForecastAnswer(
        horizon, level, out, weekly_means(out["days"]),
        offices, goals.describe(), uncovered, count=count, scope=scope,
        source=metrics.source(con, start, end),
        method="log-linear trend with weekday effects fitted by least squares on the last "
               f"{len(days)} complete days; prediction intervals include parameter "
               "uncertainty; goal date where the weekday-averaged expected count reaches the "
               "goal")
