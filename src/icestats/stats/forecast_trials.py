"""Backtest records of the forecast and of its goal chances, shared by bench/validate.py
(real FY2016-19 and 2025-26 series, simulations) and the tests (small versions).

For every series and origin: the forecast of the next 30 days' mean (the median of the
paths' 30-day means: half the paths above it, half below) against what happened, signed
and absolute, its 80% interval, the daily 80% and 95% bands; and for goals set at
multiples of the series' observed mean of the 28 days before the origin (0.5 to 2 times:
goals near and far), the stated chance that the mean of the next 30 days is at or above
the goal against whether it was. A reliability curve bins the stated chances and counts
how often the event happened in each bin. Every figure is fixed by its seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from icestats.stats.recalibrate import Cache, calibrated_forecast
from icestats.stats.surges import last_break

GOAL_MULTIPLES = (0.5, 0.7, 0.8, 0.9, 0.95, 1.0, 1.05, 1.1, 1.2, 1.4, 2.0)
BINS = (0.0, 0.05, 0.2, 0.4, 0.6, 0.8, 0.95, 1.0)
SPAN = 30


@dataclass
class Records:
    """One row per (origin, series) unless said."""

    actual: list[float] = field(default_factory=list)  # the next 30 days' mean
    point: list[float] = field(default_factory=list)  # the forecast of it (path median)
    path_mean: list[float] = field(default_factory=list)  # the mean of the paths' means
    level: list[float] = field(default_factory=list)  # the model's level at the origin
    inside80: list[bool] = field(default_factory=list)  # actual inside its 80% interval
    daily80: list[float] = field(default_factory=list)  # share of days inside the band
    daily95: list[float] = field(default_factory=list)
    after_break: list[bool] = field(default_factory=list)  # a level shift in 28 days
    spread: list[float] = field(default_factory=list)  # the recalibration's factor
    stated: list[float] = field(default_factory=list)  # one per (origin, series, goal)
    happened: list[bool] = field(default_factory=list)
    case: list[int] = field(default_factory=list)  # per goal: its (origin, series) row
    dates: list[dict[str, Any]] = field(default_factory=list)  # goal dates given

    def extend(self, other: Records) -> None:
        rows = len(self.actual)
        for name in self.__dataclass_fields__:
            add = getattr(other, name)
            getattr(self, name).extend([rows + c for c in add] if name == "case" else add)


def backtest(days: list[date], y: np.ndarray, origins: list[int], fit_days: int = 182,
             seed: int = 0, paths: int = 1000, goals: bool = True,
             recalibrate: bool = False) -> Records:
    """Records of every column of ``y`` from every origin (index of the last day fitted,
    the fit window shortened to the data before it); each origin needs 30 days after.
    The forecast is the product's: its spread recalibrated on the forecasts of the
    earlier origins resolved by this one (``recalibrate``; off: the model alone)."""
    out = Records()
    cache: Cache = {}
    for i, o in enumerate(origins):
        lo = max(o - fit_days + 1, 0)
        d, past = days[lo:o + 1], y[lo:o + 1]
        fc, sp = calibrated_forecast(days, y, o, SPAN, fit_days, level=0.8, seed=seed + i,
                                     paths=paths, cache=cache, recalibrate=recalibrate)
        assert fc.m30_paths is not None
        out.spread.extend(float(f) for f in sp.factor)
        actual = y[o + 1:o + 1 + SPAN]
        a30 = actual.mean(axis=0)
        for j in range(y.shape[1]):
            _one(out, fc, j, a30[j], actual[:, j], d, past[:, j], goals)
    return out


def _one(out: Records, fc: Any, j: int, a30: float, actual: np.ndarray, days: list[date],
         past: np.ndarray, goals: bool) -> None:
    m30 = fc.m30_paths[:, j]
    b = fc.bands
    out.actual.append(float(a30))
    out.point.append(float(np.median(m30)))
    out.path_mean.append(float(m30.mean()))
    out.level.append(float(np.exp(fc.fit.level[j]) * fc.fit.day_factor[j] - 0.5))
    out.inside80.append(bool(fc.mean30_interval[0, j] <= a30 <= fc.mean30_interval[1, j]))
    out.daily80.append(float(np.mean((actual >= b["lo80"][:, j]) & (actual <= b["hi80"][:, j]))))
    out.daily95.append(float(np.mean((actual >= b["lo95"][:, j]) & (actual <= b["hi95"][:, j]))))
    brk = last_break(days, past)
    out.after_break.append(brk is not None and (days[-1] - brk).days < 28)
    if not goals:
        return
    base = float(np.mean(past[-28:]))
    for g in (base * m for m in GOAL_MULTIPLES if base > 0):
        out.stated.append(float(np.mean(m30 >= g)))
        out.happened.append(bool(a30 >= g))
        out.case.append(len(out.actual) - 1)


def signed_errors(r: Records) -> np.ndarray:
    """(forecast - actual) / actual of the 30-day mean (the actual at least 1 a day)."""
    a = np.maximum(np.array(r.actual), 1.0)
    return np.asarray((np.array(r.point) - np.array(r.actual)) / a)


def summary(r: Records) -> dict[str, float]:
    e = signed_errors(r)
    after = np.array(r.after_break, dtype=bool)
    ratio = np.array(r.path_mean) / np.maximum(np.array(r.point), 0.5)
    return {"cases": len(r.actual),
            "median_signed_error_pct": float(100 * np.median(e)),
            "median_abs_error_pct": float(100 * np.median(np.abs(e))),
            "coverage_30_day_mean_80": float(np.mean(r.inside80)),
            "coverage_80": float(np.mean(r.daily80)), "coverage_95": float(np.mean(r.daily95)),
            "after_break_cases": int(after.sum()),
            "after_break_mean_over_median_max": float(ratio[after].max()) if after.any()
            else float("nan"),
            "after_break_mean_over_level_max": float(
                (np.array(r.path_mean) / np.maximum(np.array(r.level), 0.5))[after].max())
            if after.any() else float("nan")}


def reliability(stated: list[float], happened: list[bool], bins: tuple[float, ...] = BINS,
                cases: list[int] | None = None) -> list[dict[str, float]]:
    """For each bin of stated chances: how many, their mean, and how often it happened.
    The first bin holds exactly its bounds (0 to 0.05 inclusive), the others (lo, hi].
    ``cases`` (``Records.case``): also how many forecasts (origin and series) the bin's
    goals come from; the goals of one forecast are one episode, not independent trials."""
    s, h = np.array(stated), np.array(happened, dtype=float)
    out = []
    for lo, hi in zip(bins, bins[1:], strict=False):
        m = (s >= lo) & (s <= hi) if lo == 0 else (s > lo) & (s <= hi)
        if m.any():
            row = {"low": lo, "high": hi, "n": int(m.sum()),
                   "stated": float(s[m].mean()), "happened": float(h[m].mean())}
            if cases is not None:
                row["forecasts"] = len(set(np.array(cases)[m].tolist()))
            out.append(row)
    return out
