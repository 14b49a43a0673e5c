"""Prequential (online) recalibration of the spread of the forecast's 30-day mean: tried
for issue 21 and NOT used by the product (``icestats forecast``), only by ``python
bench/validate.py --recalibrate`` (and ``forecast_trials.backtest(recalibrate=True)``), so
that the figures in docs/methods.md can be re-run. Measured (quick origins): the goal's
middle chances on the 2025-26 states still happened about 26% of the time (the misses are
operations ending, a bias that a wider spread does not move), the 5% bin still failed, and
after a level shift the paths' mean went from at most 1.6 to 4.7 times the level on
FY2016-19 (and to hundreds of times on the 2025-26 series): a log-scale widening of paths
that already hold shifts ahead blows up their upper tail.

The model's paths are well calibrated on calm series (FY2016-19, both simulations) but too
narrow on series with operations: a random walk with shifts at the rate seen in the fit
cannot know that an operation starts, grows or ends. So, at an origin, the forecasts the
same method made at earlier origins of the same series whose 30 days have already ended
(every ``STEP`` days back from the origin minus 30, the ``PAST`` most recent, each fitted
on the data up to its own origin: everything used is known at the origin, nothing from
the future) are scored: for each, the smallest factor on the log deviations of its paths'
30-day means (log of the mean + 0.5) around their median that puts what happened inside
the central 50% interval, and the same for the 90% interval (the 50% interval is what the
goal's middle chances rest on, the 90% one its 5% tails). The factor is the smallest that
would have made both intervals cover at least their nominal share of those past errors,
never below 1 (never narrower than the model) and at most ``MAX_FACTOR``; the forecast's
paths are then widened by it (``forecast.widen``): the median and the forecast stay, the
intervals and the goal's chances widen.

A series with fewer than ``MIN_ERRORS`` resolved past origins (the first months of a
short series) is pooled with the other series of the same data at the same origin (the
five states and their sum; the offices and the national series), each past origin of
each series one error; with fewer than ``MIN_ERRORS`` errors even pooled, no
recalibration (factor 1), and the answer says so. The past 30-day windows overlap (7 days
apart), so 12 past origins hold about 3 independent months: the factor is rough, which is
why it only ever widens.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from icestats.stats.forecast import HOLIDAY_DAYS, Forecast, forecast_counts

SPAN = 30
STEP = 7
PAST = 12
MIN_ERRORS = 8
MIN_FIT = 28  # the forecast's shortest fit (``forecast --fit-days``)
LEVELS = (0.5, 0.9)
MAX_FACTOR = 5.0
PAST_PATHS = 400

Cache = dict[tuple[int, int], np.ndarray]


@dataclass
class Spread:
    factor: np.ndarray  # k, in [1, MAX_FACTOR]
    origins: list[date]  # the resolved past origins scored
    errors: int  # past errors each factor rests on (own, or pooled over the series)
    pooled: bool

    def describe(self, j: int) -> dict[str, Any]:
        f = float(self.factor[j])
        if self.errors < MIN_ERRORS:
            text = (f"not recalibrated: {len(self.origins)} earlier forecasts with 30 days "
                    f"resolved, {MIN_ERRORS} needed")
        else:
            text = (f"the 30-day mean's spread (log scale) widened x{f:.2f} so that the "
                    f"{len(self.origins)} forecasts from {self.origins[-1]} to "
                    f"{self.origins[0]} (every {STEP} days, 30 days resolved by the origin)"
                    + (", pooled over the series," if self.pooled else "")
                    + " would have covered what happened as often as their 50% and 90% "
                    "intervals say")
        return {"factor": f, "past_origins": len(self.origins), "errors": self.errors,
                "pooled": self.pooled, "text": text}


def past_origins(o: int, first: int = MIN_FIT - 1) -> list[int]:
    """The resolved past origins of origin ``o`` (indices), latest first."""
    return list(range(o - SPAN, first - 1, -STEP))[:PAST]


def needed(days: list[date], y: np.ndarray, s: int, fit_days: int) -> np.ndarray:
    """k x len(LEVELS): for each series, the smallest factor on its paths' log deviations
    of the 30-day mean from origin ``s`` that puts the actual mean of days s+1..s+30 inside
    the central interval at each level."""
    lo, h = max(s - fit_days + 1, 0), max(s - HOLIDAY_DAYS + 1, 0)
    fc = forecast_counts(days[lo:s + 1], y[lo:s + 1], SPAN, seed=s, paths=PAST_PATHS,
                         history=(days[h:s + 1], y[h:s + 1]))
    assert fc.m30_paths is not None
    lm = np.log(fc.m30_paths + 0.5)
    med = np.median(lm, axis=0)
    err = np.log(y[s + 1:s + 1 + SPAN].mean(axis=0) + 0.5) - med
    out = np.empty((y.shape[1], len(LEVELS)))
    for i, level in enumerate(LEVELS):
        low, high = np.quantile(lm - med, [(1 - level) / 2, (1 + level) / 2], axis=0)
        bound = np.where(err >= 0, high, -low)
        out[:, i] = np.where(np.abs(err) <= bound, 0.0,
                             np.abs(err) / np.maximum(bound, 1e-9))
    return np.minimum(out, MAX_FACTOR)


def _factor(r: np.ndarray) -> float:
    """n x len(LEVELS) needed factors -> the smallest covering each level's share."""
    out = 1.0
    for i, level in enumerate(LEVELS):
        k = math.ceil(level * len(r)) - 1
        out = max(out, float(np.sort(r[:, i])[k]))
    return min(out, MAX_FACTOR)


def spread(days: list[date], y: np.ndarray, o: int, fit_days: int,
           cache: Cache | None = None) -> Spread:
    """The widening factor of each column of ``y`` at origin ``o`` (index of the last day
    known; ``days``/``y`` may run past it: nothing after it is read)."""
    at = past_origins(o)
    cache = {} if cache is None else cache
    for s in at:
        if (s, fit_days) not in cache:
            cache[(s, fit_days)] = needed(days, y, s, fit_days)
    k = y.shape[1]
    if not at:
        return Spread(np.ones(k), [], 0, False)
    r = np.stack([cache[(s, fit_days)] for s in at])  # n x k x levels
    when = [days[s] for s in at]
    if len(at) >= MIN_ERRORS:
        return Spread(np.array([_factor(r[:, j]) for j in range(k)]), when, len(at), False)
    pooled = r.reshape(-1, len(LEVELS))
    if len(pooled) < MIN_ERRORS:
        return Spread(np.ones(k), when, len(pooled), k > 1)
    return Spread(np.full(k, _factor(pooled)), when, len(pooled), k > 1)


def calibrated_forecast(days: list[date], y: np.ndarray, o: int, horizon: int,
                        fit_days: int, level: float = 0.95, seed: int = 0,
                        paths: int = 1000, cache: Cache | None = None,
                        recalibrate: bool = True) -> tuple[Forecast, Spread]:
    """The forecast from origin ``o`` fitted on up to ``fit_days`` days before it (the
    holiday effects on up to ``HOLIDAY_DAYS``), its 30-day mean's spread widened by the
    factor its own resolved past forecasts call for (``recalibrate`` off: the model's)."""
    sp = spread(days, y, o, fit_days, cache) if recalibrate else \
        Spread(np.ones(y.shape[1]), [], 0, False)
    lo, h = max(o - fit_days + 1, 0), max(o - HOLIDAY_DAYS + 1, 0)
    fc = forecast_counts(days[lo:o + 1], y[lo:o + 1], horizon, level=level, seed=seed,
                         paths=paths, history=(days[h:o + 1], y[h:o + 1]),
                         spread=sp.factor)
    return fc, sp
