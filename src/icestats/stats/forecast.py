"""Forecast daily arrests with a local-level model on log counts, per office and national.

Model, for each series separately: z_t = log(arrests_t + 0.5) - s_{weekday(t)} is a local
level mu_t observed with noise, mu_t = mu_{t-1} + eta_t (a random walk: the level moves and
stays where it moved, so an operation or a collapse is followed within days instead of
being averaged into a trend). The weekday effects s are the series' own (medians of the
log counts around their centred 7-day mean, over the fit window). The two variances are
estimated by maximum likelihood (concentrated over the noise variance, on a grid of 22
signal-to-noise ratios), with a Kalman filter written here and vectorized over series and
grid: 6 ms for 25 series of 182 days, where statsmodels' UnobservedComponents (local level
and a weekday seasonal) took 0.11 s a series, about 3 s a forecast and over a minute for
a 24-origin backtest (measured on the real FY2016-19 series). Innovations beyond 3.5
robust sd (holidays, data glitches) are clipped in the filter's update, so one empty day
does not drag the level.

Forecasts are simulated paths (default 1,000): the level's filtered distribution at the
origin, random-walk steps ahead, and day noise resampled from the series' own
standardized innovations (heavy tails and holidays included, not a normal curve).
If the paths' spread of the 30-day mean is below the filter's own in-sample error for it
(the mean squared log error of the filtered level as a forecast of the next 30 days'
mean), every path gets a constant level offset making up the difference. Daily
intervals are path quantiles; the 30-day interval is the quantile of each path's
30-day mean (not an average of daily bounds); the chance of reaching a goal is the share
of paths whose expected level reaches it on some day within the horizon.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from icestats.stats.calendar import kinds
from icestats.stats.levels import (
    holiday_effects,
    holiday_offsets,
    log_counts,
    weekday_effects,
)
from icestats.stats.surges import MIN_RATIO, adjusted, segments

FIT_DAYS = 182
HOLIDAY_DAYS = 730  # holiday effects are measured on up to two years before the origin
Q_GRID = np.logspace(-3.5, 0, 22)  # level variance / noise variance
CLIP = 3.5
BURN = 7
PATHS = 1000
BLOCK = 14
DIFFUSE = 1e3  # a level shift's variance (noise variance units): the filter starts afresh


@dataclass
class Fit:
    """A local-level fit of k series (arrays of length k unless said)."""

    weekday: np.ndarray  # 7 x k, log effects, mean zero
    level: np.ndarray  # filtered log level at the last day
    level_var: np.ndarray  # its variance
    step_var: np.ndarray  # variance of the level's daily step
    noise: np.ndarray  # m x k standardized innovations x noise sd (resampled for paths)
    q: np.ndarray  # the chosen signal-to-noise ratio
    noise_dow: int  # weekday of the first noise row
    day_factor: np.ndarray  # mean of exp(weekday + noise) over ordinary days: level -> count
    month_error_var: np.ndarray  # in-sample squared log error of the level for 30 days
    holidays: dict[str, float]  # log effect of each kind of holiday (levels.holiday_effects)
    breaks: list[list[date]]  # each series' level shifts in the fit window
    shift_rate: float = 0.0  # level shifts per series-day, pooled over the series
    shift_sizes: np.ndarray = field(default_factory=lambda: np.zeros(0))  # |log| sizes
    shift_exposure: float = 0.0  # series-days the shifts were counted over
    baseline: np.ndarray = field(default_factory=lambda: np.zeros(0))  # k: usual log level


def _robust_sd(z: np.ndarray) -> np.ndarray:
    d = np.diff(z, axis=0)
    mad = np.median(np.abs(d - np.median(d, axis=0)), axis=0)
    return np.asarray(np.maximum(1.4826 * mad / np.sqrt(2), 0.02))


def _filter(z: np.ndarray, skip: np.ndarray, shift: np.ndarray) -> tuple[np.ndarray, ...]:
    """Kalman filter of the local level for every series (columns) and every ratio in
    Q_GRID at once; P and F are in units of the noise variance. ``skip`` (n): days not
    used (holidays: their count says nothing about the level); ``shift`` (n x k): the
    first day of a level shift found by the change-point scan, where the level's variance
    is made diffuse so the shift is followed at once and is not read as random-walk
    steps (the step variance is then the drift between shifts, not the shift itself)."""
    n, k = z.shape
    q = Q_GRID[None, :]
    a = np.repeat(np.median(z[:BURN], axis=0)[:, None], len(Q_GRID), axis=1)
    p = np.full((k, len(Q_GRID)), 1.0)
    clip = CLIP * _robust_sd(z)[:, None]
    sum_log_f, sum_v2 = np.zeros_like(a), np.zeros_like(a)
    counted = np.zeros((k, 1))
    std_innov = np.zeros((n, k, len(Q_GRID)))
    history = np.zeros((n, k, len(Q_GRID)))
    for t in range(n):
        if skip[t]:
            history[t] = a
            p = p + q
            continue
        p = p + DIFFUSE * shift[t][:, None]
        f = p + 1.0
        v = z[t][:, None] - a
        root_f = np.sqrt(f)
        vc = np.clip(v, -clip * root_f, clip * root_f)
        gain = p / f
        a = a + gain * vc
        p = p * (1 - gain) + q
        std_innov[t] = np.where(shift[t][:, None], 0.0, vc / root_f)
        history[t] = a
        use = (t >= BURN) & ~shift[t][:, None]
        sum_log_f += np.where(use, np.log(f), 0.0)
        sum_v2 += np.where(use, vc ** 2 / f, 0.0)
        counted += use
    return a, p, sum_log_f, sum_v2, std_innov, history, np.maximum(counted, 1)


def find_shifts(days: list[date], y: np.ndarray) -> tuple[np.ndarray, list[float]]:
    """(days x k: True on the first day of each level shift the change-point scan finds
    in each series (``surges.segments``, the surge scan's threshold) of at least the
    surge scan's minimum ratio (x1.3 up, or down by as much); every such shift's size,
    |log ratio| of the mean level after it to the mean level before it). Smaller breaks
    are left to the random walk: persistent shocks make them, and they are its drift."""
    mask = np.zeros(y.shape, dtype=bool)
    sizes: list[float] = []
    for j in range(y.shape[1]):
        if y[:, j].sum() == 0 or len(days) < 4 * BURN:
            continue
        z, sd = adjusted(days, y[:, j])
        segs = segments(z, sd)
        levels = [float(z[a:b].mean()) for a, b in segs]
        for (a, _), before, after in zip(segs[1:], levels, levels[1:], strict=False):
            if abs(after - before) >= np.log(MIN_RATIO):
                mask[a, j] = True
                sizes.append(abs(after - before))
    return mask, sizes


def fit_local_level(days: list[date], y: np.ndarray,
                    history: tuple[list[date], np.ndarray] | None = None) -> Fit:
    """Fit each column of ``y`` (days x k counts) on its own; ``history`` (days and the
    same columns, ending where ``days`` end, usually longer): where the holiday effects
    are measured (default: ``days`` and ``y``)."""
    ly = log_counts(y)
    wk = weekday_effects(days, ly)
    dow = np.array([d.weekday() for d in days])
    z = ly - wk[dow]
    skip = np.array([k is not None for k in kinds(days)])
    shift, sizes = find_shifts(days, y)
    a, p, sum_log_f, sum_v2, innov, hist, m = _filter(z, skip, shift)
    sigma2 = sum_v2 / m
    loglik = -0.5 * (m * np.log(np.maximum(sigma2, 1e-12)) + sum_log_f)
    best = loglik.argmax(axis=1)
    cols = np.arange(z.shape[1])
    s2 = sigma2[cols, best]
    noise = innov[BURN:, cols, best] if len(days) > BURN else np.zeros((1, z.shape[1]))
    first = days[min(BURN, len(days) - 1)].weekday()
    rows_dow = (first + np.arange(noise.shape[0])) % 7
    ordinary = ~skip[BURN:] if len(days) > BURN else np.ones(1, dtype=bool)
    factor = np.exp(wk[rows_dow] + noise)[ordinary].mean(axis=0)
    hd, hy = history if history is not None else (days, y)
    effects = holiday_effects(hd, hy.sum(axis=1))
    offsets = holiday_offsets(days, effects)
    return Fit(wk, a[cols, best], p[cols, best] * s2, Q_GRID[best] * s2, noise, Q_GRID[best],
               first, factor, _month_error_var(y, hist[:, cols, best], wk[dow] + offsets[:, None],
                                               np.exp(noise[ordinary]).mean(axis=0)),
               effects, [[days[i] for i in np.flatnonzero(shift[:, j])]
                         for j in range(y.shape[1])],
               len(sizes) / (y.shape[1] * len(days)), np.array(sizes),
               float(y.shape[1] * len(days)), _baseline(hist[:, cols, best], skip))


def _baseline(levels: np.ndarray, skip: np.ndarray) -> np.ndarray:
    """k: each series' usual log level, the median of its filtered level over the fit
    window's ordinary days (after the burn-in): an operation or a collapse that holds
    less than half the window does not move it."""
    use = ~skip
    use[:min(BURN, len(use) - 1)] = False
    return np.asarray(np.median(levels[use], axis=0) if use.any() else levels[-1])


def _month_error_var(y: np.ndarray, levels: np.ndarray, day_log: np.ndarray,
                     noise_factor: np.ndarray) -> np.ndarray:
    """k: mean squared log error of the filter's level as a forecast of the next 30 days'
    mean (each day's weekday and holiday effects applied), over every day of the fit with
    30 days after it (in-sample, one-sided)."""
    n = y.shape[0]
    if n < BURN + 31:
        return np.zeros(y.shape[1])
    c = np.vstack([np.zeros((1, y.shape[1])), np.cumsum(y, axis=0)])
    e = np.vstack([np.zeros((1, y.shape[1])), np.cumsum(np.exp(day_log), axis=0)])
    t = np.arange(BURN, n - 30)
    ahead = (c[t + 31] - c[t + 1]) / 30
    pred = np.exp(levels[t]) * noise_factor[None, :] * (e[t + 31] - e[t + 1]) / 30 - 0.5
    return np.asarray(np.mean((np.log(ahead + 0.5) - np.log(np.maximum(pred, 0) + 0.5)) ** 2,
                              axis=0))


def level_paths(fit: Fit, horizon: int, rng: np.random.Generator, paths: int = PATHS
                ) -> np.ndarray:
    """paths x horizon x k simulated log levels: the random walk plus level shifts."""
    k = len(fit.level)
    start = fit.level + np.sqrt(fit.level_var) * rng.standard_normal((paths, 1, k))
    steps = np.sqrt(fit.step_var) * rng.standard_normal((paths, horizon, k))
    walk = start + np.cumsum(steps, axis=1)
    if fit.shift_rate > 0 and len(fit.shift_sizes):
        walk = walk + _shifts(fit, walk, rng)
    return np.asarray(walk)


def _shifts(fit: Fit, walk: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """paths x horizon x k: the level shifts ahead, as a running offset. Each path draws
    its shift rate from the rate's posterior (Gamma(shifts + 1/2, series-days), Jeffreys'
    prior: a fit window that saw one or two shifts does not know the rate). On a shift day
    the level moves up or down alike by a size drawn from the shifts found, except that a
    path already as far above the series' usual level (``baseline``, the median filtered
    level) as the largest shift found does not rise further (nor one as far below fall
    further): no x8 rise drawn on top of a x10 surge, while a smaller operation can still
    grow into a larger one (Minnesota, December 2025 to January 2026).
    (Tried and not kept: shifts from anywhere, which after the Metro Surge drew x5-10
    rises on top of it, the paths' mean 3.7 times the level; every shift landing within
    the largest shift of the usual level, a path away from it returning to it, or moving
    to it plus a drawn size: all three made the January growth of an operation a 0-4%
    event, the 2025-26 states' stated 5% or less happening 27-28% of the time; shifting
    back to one of the series' earlier levels, or reversing its last shift, which after a
    collapse brought the surge's level back.)"""
    paths, horizon, k = walk.shape
    count = fit.shift_rate * fit.shift_exposure
    rate = rng.gamma(count + 0.5, 1 / max(fit.shift_exposure, 1.0), (paths, k))
    size = rng.choice(fit.shift_sizes, walk.shape) * np.where(
        rng.random(walk.shape) < 0.5, -1.0, 1.0)
    jump = rng.random(walk.shape) < rate[:, None, :]
    off = np.zeros((paths, k))
    out = np.empty_like(walk)
    most = float(fit.shift_sizes.max())
    for t in range(horizon):
        base = walk[:, t] - fit.baseline[None, :]
        away = base + off
        held = (size[:, t] > 0) & (away >= most) | (size[:, t] < 0) & (away <= -most)
        off = np.where(jump[:, t] & ~held, off + size[:, t], off)
        out[:, t] = off
    return out


def count_paths(fit: Fit, future: list[date], levels: np.ndarray,
                rng: np.random.Generator) -> np.ndarray:
    """paths x horizon x k simulated daily counts (whole numbers)."""
    paths, horizon, k = levels.shape
    dow = np.array([d.weekday() for d in future])
    offset = (future[0].weekday() - fit.noise_dow) % 7
    pick = block_indices(fit.noise.shape[0], horizon, paths * k, rng, offset)
    pick = pick.reshape(paths, k, horizon)
    pick = pick.transpose(0, 2, 1)
    noise = fit.noise[pick, np.arange(k)[None, None, :]]
    hol = holiday_offsets(future, fit.holidays)
    y = levels + fit.weekday[dow][None, :, :] + hol[None, :, None] + noise
    return np.asarray(np.maximum(np.rint(np.exp(y) - 0.5), 0.0))


def block_indices(m: int, horizon: int, draws: int, rng: np.random.Generator,
                  offset: int = 0, block: int = BLOCK) -> np.ndarray:
    """draws x horizon indices into m days of noise, in blocks of ``block`` consecutive days
    starting on the weekday of the first day ahead (``offset``: the first noise row on that
    weekday). A block bootstrap keeps the noise's own autocorrelation (runs of busy or
    quiet days that an independent resample would average away over 30 days); keeping the
    weekday keeps each weekday's own noise (weekend counts are small and noisier in logs)."""
    if m < block + offset:
        return rng.integers(0, m, (draws, horizon))
    n_blocks = -(-horizon // block)
    starts = offset + 7 * rng.integers(0, (m - block - offset) // 7 + 1, (draws, n_blocks))
    idx = (starts[:, :, None] + np.arange(block)[None, None, :]).reshape(draws, -1)
    return idx[:, :horizon]


@dataclass
class Forecast:
    future: list[date]
    mean: np.ndarray  # horizon x k: the daily forecasts (``_point``)
    bands: dict[str, np.ndarray]  # lo80, hi80, lo95, hi95: horizon x k
    mean30: np.ndarray  # k: the forecast of the first (up to) 30 days' mean (path median)
    mean30_interval: np.ndarray  # 2 x k at ``level``
    weeks: np.ndarray  # blocks x 3 x k: forecast per day of each 7 days ahead, low, high
    expected: np.ndarray  # paths x horizon x k expected counts on each path's level
    fit: Fit
    m30_paths: np.ndarray | None = None  # paths x k: each path's mean of the first 30 days
    counts: np.ndarray | None = None  # paths x horizon x k simulated counts
    spread: np.ndarray | None = None  # k: the factor the 30-day mean's spread was widened by


def forecast_counts(days: list[date], y: np.ndarray, horizon: int, level: float = 0.95,
                    seed: int = 0, paths: int = PATHS,
                    history: tuple[list[date], np.ndarray] | None = None,
                    spread: np.ndarray | None = None) -> Forecast:
    """Forecast every column of ``y`` ``horizon`` days past ``days[-1]``; ``history``: see
    ``fit_local_level``; ``spread`` (k, at least 1): widen each series' spread of the
    30-day mean by it (``widen``; the factor comes from ``recalibrate``)."""
    fit = fit_local_level(days, y, history)
    rng = np.random.default_rng(seed)
    future = [days[-1] + timedelta(days=h) for h in range(1, horizon + 1)]
    levels = level_paths(fit, horizon, rng, paths)
    counts = count_paths(fit, future, levels, rng)
    model_var = np.log(counts[:, :30, :].mean(axis=1) + 0.5).var(axis=0)
    extra = np.maximum(fit.month_error_var - model_var, 0.0)
    if extra.any():  # the level drifts more than its random walk says: widen it to match
        levels = levels + np.sqrt(extra) * rng.standard_normal((paths, 1, len(extra)))
        counts = count_paths(fit, future, levels, rng)
    if spread is not None and bool(np.any(spread > 1)):
        counts, levels = widen(counts, levels, spread)
    bands = {"lo80": np.quantile(counts, 0.10, axis=0, method="lower"),
             "hi80": np.quantile(counts, 0.90, axis=0, method="higher"),
             "lo95": np.quantile(counts, 0.025, axis=0, method="lower"),
             "hi95": np.quantile(counts, 0.975, axis=0, method="higher")}
    tail = (1 - level) / 2
    bands["low"] = np.quantile(counts, tail, axis=0, method="lower")
    bands["high"] = np.quantile(counts, 1 - tail, axis=0, method="higher")
    m30 = counts[:, :30, :].mean(axis=1)
    interval = np.quantile(m30, [tail, 1 - tail], axis=0)
    expected = expected_counts(fit, future, levels)
    point = _point(expected, m30)
    weeks = np.stack([_summary(counts[:, i:i + 7, :].mean(axis=1), tail)
                      for i in range(0, horizon, 7)])
    return Forecast(future, point, bands, np.median(m30, axis=0), interval,
                    weeks, expected, fit, m30, counts, spread)


def widen(counts: np.ndarray, levels: np.ndarray, spread: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray]:
    """(counts, levels) with each path's log deviation of its 30-day mean (log of the mean
    + 0.5) from the paths' median multiplied by ``spread`` (k): every day of a path moves
    by the same factor, so the median path, and with it the forecast, stays where it was,
    and the months after the first 30 days widen with it."""
    lm = np.log(counts[:, :30, :].mean(axis=1) + 0.5)
    shift = (spread - 1)[None, :] * (lm - np.median(lm, axis=0))
    moved = (counts + 0.5) * np.exp(shift)[:, None, :] - 0.5
    return np.maximum(np.rint(moved), 0.0), levels + shift[:, None, :]


def _point(expected: np.ndarray, m30: np.ndarray) -> np.ndarray:
    """horizon x k daily forecasts: the count expected on the paths' median level (the
    day's weekday and holiday effects in it), scaled so that the first 30 days average
    to the median of the paths' 30-day means (the 30-day forecast: half the paths above
    it, half below). Unscaled, the small offices' forecasts run about 5% above that
    median (FY2016-19 backtest origins): day noise comes in runs (14-day blocks), so a
    30-day mean keeps some of its right skew."""
    level = np.median(expected, axis=0)
    first = level[:30].mean(axis=0)
    return np.asarray(level * np.where(first > 0, np.median(m30, axis=0) / np.maximum(first, 1e-9),
                                       1.0))


def expected_counts(fit: Fit, future: list[date], levels: np.ndarray) -> np.ndarray:
    """paths x horizon x k: each day's expected count on each path's level (weekday and
    holiday effects and the mean of the day noise's exp applied). Their median over the
    paths is the forecast: the count expected on the median level, which a skewed spread
    of levels does not pull up as the mean of the paths is (exp of a wide spread)."""
    dow = np.array([d.weekday() for d in future])
    hol = holiday_offsets(future, fit.holidays)
    noise = np.exp(fit.noise).mean(axis=0)
    return np.asarray(np.maximum(np.exp(levels + fit.weekday[dow][None] + hol[None, :, None])
                                 * noise[None, None, :] - 0.5, 0.0))


def _summary(means: np.ndarray, tail: float) -> np.ndarray:
    """3 x k: the median of the paths' means over these days (the forecast) and their
    (tail, 1 - tail) quantiles."""
    lo, mid, hi = np.quantile(means, [tail, 0.5, 1 - tail], axis=0)
    return np.stack([mid, lo, hi])
