"""Rolling-origin backtests of the forecast: fit on the ``fit_days`` up to an origin, forecast
``horizon`` days, score against what happened. Used by ``icestats forecast --backtest``
(the user's own data), bench/validate.py (real FY2016-19 series and simulations) and the
tests (small versions).

Scores, pooled over every series, origin and day ahead: the share of actual days inside
the 80% and 95% daily intervals, the share of 30-day means inside the 30-day-mean
interval, the median absolute error of a day as a share of the series' 30-day mean, and
the median absolute and signed percentage errors of the 30-day mean (signed: forecast
minus actual, so a positive median is a forecast that runs high). The previous method (a
log-linear trend with weekday effects by least squares, normal prediction intervals on
the log scale) is scored beside it as ``trend``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from scipy import stats as st

from icestats.stats.forecast import HOLIDAY_DAYS, forecast_counts
from icestats.stats.levels import log_counts


@dataclass
class Bands:
    mean: np.ndarray  # horizon x k
    lo80: np.ndarray
    hi80: np.ndarray
    lo95: np.ndarray
    hi95: np.ndarray
    mean30: np.ndarray  # k
    mean30_lo: np.ndarray
    mean30_hi: np.ndarray


def local_level_bands(days: list[date], y: np.ndarray, horizon: int, seed: int,
                      paths: int, history: tuple[list[date], np.ndarray] | None = None
                      ) -> Bands:
    fc = forecast_counts(days, y, horizon, level=0.8, seed=seed, paths=paths, history=history)
    b = fc.bands
    return Bands(fc.mean, b["lo80"], b["hi80"], b["lo95"], b["hi95"], fc.mean30,
                 fc.mean30_interval[0], fc.mean30_interval[1])


def trend_bands(days: list[date], y: np.ndarray, horizon: int, seed: int = 0,
                paths: int = 0, history: tuple[list[date], np.ndarray] | None = None
                ) -> Bands:
    """The method icestats used before: log(y + 0.5) = a + b t + weekday, least squares."""
    n = len(days)
    t = np.arange(n + horizon, dtype=float)
    dow = np.array([(days[0].weekday() + i) % 7 for i in range(n + horizon)])
    x = np.column_stack([np.ones_like(t), t] + [dow == k for k in range(1, 7)]).astype(float)
    ly = log_counts(y)
    beta, *_ = np.linalg.lstsq(x[:n], ly, rcond=None)
    resid = ly - x[:n] @ beta
    df = max(n - x.shape[1], 1)
    s2 = (resid ** 2).sum(axis=0) / df
    xf = x[n:]
    lev = np.einsum("ij,jk,ik->i", xf, np.linalg.pinv(x[:n].T @ x[:n]), xf)
    se = np.sqrt(s2[None, :] * (1 + lev[:, None]))
    m = xf @ beta

    def band(p: float) -> np.ndarray:
        return np.asarray(np.maximum(np.exp(m + st.t.ppf(p, df) * se) - 0.5, 0))

    mean = np.exp(m + s2 / 2) - 0.5
    m30 = mean[:30].mean(axis=0)
    # the old output: the mean of daily bounds as the 30-day "interval"
    return Bands(mean, band(0.1), band(0.9), band(0.025), band(0.975), m30,
                 band(0.1)[:30].mean(axis=0), band(0.9)[:30].mean(axis=0))


METHODS = {"local_level": local_level_bands, "trend": trend_bands}


def origins_every(n_days: int, fit_days: int, horizon: int, count: int) -> list[int]:
    """``count`` origin indices spread evenly from the first with a full fit window to the
    last with a full horizon after it (fewer if the data are short)."""
    first, last = fit_days - 1, n_days - horizon - 1
    if last < first:
        return []
    return sorted({int(round(v)) for v in np.linspace(first, last, count)})


def rolling_origin(days: list[date], y: np.ndarray, origins: list[int], horizon: int = 30,
                   fit_days: int = 182, method: str = "local_level", seed: int = 0,
                   paths: int = 1000) -> dict[str, float | int]:
    """Score ``method`` on every column of ``y`` from every origin (index of the last
    day fitted)."""
    inside80: list[np.ndarray] = []
    inside95: list[np.ndarray] = []
    inside30: list[np.ndarray] = []
    err_day: list[np.ndarray] = []
    err30: list[np.ndarray] = []
    for i, o in enumerate(origins):
        lo = o - fit_days + 1
        h = max(o - HOLIDAY_DAYS + 1, 0)
        b = METHODS[method](days[lo:o + 1], y[lo:o + 1], horizon, seed + i, paths,
                            (days[h:o + 1], y[h:o + 1]))
        actual = y[o + 1:o + 1 + horizon]
        inside80.append((actual >= b.lo80) & (actual <= b.hi80))
        inside95.append((actual >= b.lo95) & (actual <= b.hi95))
        a30 = actual[:30].mean(axis=0)
        inside30.append((a30 >= b.mean30_lo) & (a30 <= b.mean30_hi))
        scale = np.maximum(a30, 1.0)
        err_day.append(np.abs(b.mean - actual) / scale[None, :])
        err30.append((b.mean30 - a30) / scale)
    if not origins:
        return {"origins": 0}
    return {"origins": len(origins), "series": int(y.shape[1]), "horizon": horizon,
            "fit_days": fit_days,
            "days_scored": int(sum(x.size for x in inside80)),
            "coverage_80": float(np.mean(np.concatenate([x.ravel() for x in inside80]))),
            "coverage_95": float(np.mean(np.concatenate([x.ravel() for x in inside95]))),
            "coverage_30_day_mean_80": float(np.mean(np.concatenate(inside30))),
            "median_abs_error_day_share": float(np.median(np.concatenate(
                [x.ravel() for x in err_day]))),
            "median_abs_pct_error_30_day_mean": float(100 * np.median(np.abs(
                np.concatenate(err30)))),
            "median_signed_pct_error_30_day_mean": float(100 * np.median(
                np.concatenate(err30)))}
