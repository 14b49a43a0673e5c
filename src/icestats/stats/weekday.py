"""Each office's own weekday pattern, shrunk toward the national one where the office is
small (empirical Bayes).

An office's factor for a weekday is a ratio estimator over whole weeks: its arrests on
that weekday over a seventh of the same weeks' arrests, so a slow shock or an operation
(which moves a whole week) does not bias it; its sampling variance comes from the
week-to-week scatter of that ratio. The offices' spread around the national factor
(method of moments, per weekday) sets how far each office is trusted: an office whose
own factors are noisy (few arrests) is pulled toward the national pattern.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np


@dataclass
class Profiles:
    factors: np.ndarray  # 7 x offices, each column of mean 1 (Monday = 0)
    own_weight: np.ndarray  # offices: mean weight of the office's own factors (0 to 1)
    national: np.ndarray  # 7, the national pattern (mean 1)
    weeks: int  # whole weeks used

    def of_days(self, days: list[date]) -> np.ndarray:
        """days x offices: each day's factor for each office."""
        return self.factors[[d.weekday() for d in days]]


def _weeks(days: list[date], counts: np.ndarray) -> np.ndarray:
    """weeks x 7 (weekday) x offices, whole runs of 7 consecutive days from the end."""
    blocks = []
    i = len(days)
    while i >= 7:
        span = days[i - 7:i]
        if (span[-1] - span[0]).days == 6:
            block = np.zeros((7, counts.shape[1]))
            block[[d.weekday() for d in span]] = counts[i - 7:i]
            blocks.append(block)
            i -= 7
        else:
            i -= 1
    return np.array(blocks) if blocks else np.zeros((0, 7, counts.shape[1]))


def _ratio(blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weekday factors (7 x k) and their sampling variances from whole weeks."""
    per_day = blocks.sum(axis=1) / 7  # weeks x k
    base = per_day.sum(axis=0)  # k
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.where(base > 0, blocks.sum(axis=0) / base, 1.0)  # 7 x k
        resid = blocks - f[None] * per_day[:, None, :]
        w = blocks.shape[0]
        var = np.where(base > 0, (resid ** 2).sum(axis=0) / base ** 2 * w / max(w - 1, 1),
                       np.inf)
    return f, var


def office_profiles(days: list[date], counts: np.ndarray) -> Profiles:
    """Per-office weekday factors from ``counts`` (days x offices), shrunk toward the
    national pattern. With fewer than two whole weeks every office gets the national one."""
    k = counts.shape[1]
    blocks = _weeks(days, counts)
    nat_blocks = blocks.sum(axis=2, keepdims=True)
    if blocks.shape[0] < 2 or nat_blocks.sum() <= 0:
        return Profiles(np.ones((7, k)), np.zeros(k), np.ones(7), int(blocks.shape[0]))
    g, _ = _ratio(nat_blocks)
    g = g[:, 0] / g[:, 0].mean()
    f, var = _ratio(blocks)
    active = np.isfinite(var).all(axis=0) & (blocks.sum(axis=(0, 1)) > 0)
    if active.sum() >= 3:
        dev = f[:, active] - g[:, None]
        tau2 = np.maximum(dev.var(axis=1, ddof=1) - var[:, active].mean(axis=1), 1e-4)
    else:
        tau2 = np.full(7, 1e-4)
    with np.errstate(invalid="ignore"):
        weight = np.where(active[None, :], tau2[:, None] / (tau2[:, None] + var), 0.0)
    shrunk = g[:, None] + weight * (f - g[:, None])
    shrunk = np.maximum(shrunk, 0.02)
    shrunk /= shrunk.mean(axis=0, keepdims=True)
    return Profiles(shrunk, weight.mean(axis=0), g, int(blocks.shape[0]))
