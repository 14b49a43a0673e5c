"""Uncertainty of ranks: posterior draws of every office's underlying daily rate, and the
interval each office's rank falls in.

An office's arrests in a window are an overdispersed count around its underlying daily
rate (what it would produce on average with the same conditions). With dispersion phi
the count carries the information of y/phi Poisson arrests over n/phi days, so the rate's
posterior under a Jeffreys prior is Gamma(0.5 + y/phi, rate = n/phi). Every office is
drawn independently (no pooling: offices are ranked on their own evidence), with a fixed
seed, so the same data give the same intervals.
"""

from __future__ import annotations

import numpy as np

DRAWS = 4000
SEED = 20250528


def rate_draws(y: np.ndarray, days: float, phi: np.ndarray, draws: int = DRAWS,
               seed: int = SEED) -> np.ndarray:
    """draws x offices: the underlying arrests a day of each office."""
    rng = np.random.default_rng(seed)
    shape = 0.5 + np.asarray(y, dtype=float) / phi
    scale = np.broadcast_to(np.asarray(phi, dtype=float) / days, shape.shape)
    return rng.gamma(shape, scale, (draws, len(shape)))


def next_window_draws(rates: np.ndarray, days: float, phi: np.ndarray, drift_var: float,
                      seed: int = SEED + 2) -> np.ndarray:
    """draws x offices: each office's arrests a day in the *next* window of ``days`` days,
    as it will be counted: its underlying rate now (``rates``, draws x offices), moved by
    the window-to-window drift (log-normal with variance ``drift_var``, mean kept), then
    counted with the dispersion ``phi`` (gamma-Poisson: variance phi x mean). Their ranks
    say where an office will rank next: a predictive interval, which the next window's
    real rank can check."""
    rng = np.random.default_rng(seed)
    drift = np.exp(np.sqrt(drift_var) * rng.standard_normal(rates.shape) - drift_var / 2)
    mean = np.maximum(rates * drift * days, 1e-9)
    extra = np.maximum(np.asarray(phi, dtype=float) - 1, 1e-6)
    lam = rng.gamma(mean / extra, extra)
    return np.asarray(rng.poisson(lam) / days)


def ranks(values: np.ndarray) -> np.ndarray:
    """Rank of each column in each row, 1 = the highest value (ties by order)."""
    order = np.argsort(-values, axis=1, kind="stable")
    out = np.empty_like(order)
    rows = np.arange(values.shape[0])[:, None]
    out[rows, order] = np.arange(1, values.shape[1] + 1)[None, :]
    return out


def point_ranks(values: np.ndarray) -> np.ndarray:
    return np.asarray(ranks(np.asarray(values, dtype=float)[None, :])[0])


def rank_interval(draws: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Per office, the central ``level`` interval of its rank over the draws."""
    r = ranks(draws)
    lo = np.quantile(r, 0.5 - level / 2, axis=0, method="inverted_cdf")
    hi = np.quantile(r, 0.5 + level / 2, axis=0, method="inverted_cdf")
    return lo.astype(int), hi.astype(int)


def bottom_probability(draws: np.ndarray, n: int) -> np.ndarray:
    """Per office, the share of draws in which it is among the ``n`` lowest."""
    r = ranks(draws)
    return np.asarray((r > draws.shape[1] - n).mean(axis=0))
