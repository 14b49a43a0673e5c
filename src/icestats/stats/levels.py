"""Shared by the forecast and the surge scan: log counts and each series' own weekday
effects."""

from __future__ import annotations

from datetime import date

import numpy as np


def log_counts(y: np.ndarray) -> np.ndarray:
    return np.asarray(np.log(np.maximum(y, 0.0) + 0.5))


def weekday_effects(days: list[date], ly: np.ndarray) -> np.ndarray:
    """7 x k: median deviation of each weekday from the centred 7-day mean, centred."""
    n = len(days)
    dow = np.array([d.weekday() for d in days])
    out = np.zeros((7, ly.shape[1]))
    if n < 14:
        return out
    kernel = np.ones(7) / 7
    smooth = np.apply_along_axis(lambda c: np.convolve(c, kernel, mode="valid"), 0, ly)
    dev = ly[3:n - 3] - smooth
    wd = dow[3:n - 3]
    for k in range(7):
        if (wd == k).any():
            out[k] = np.median(dev[wd == k], axis=0)
    return np.asarray(out - out.mean(axis=0))
