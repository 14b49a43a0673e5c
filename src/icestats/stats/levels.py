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


HOLIDAY_WEEKS = (-2, -1, 1, 2)  # a holiday is measured against its weekday these weeks away


def holiday_effects(days: list[date], total: np.ndarray) -> dict[str, float]:
    """Log effect of each kind of holiday (``calendar.kinds``) on the series ``total``
    (the sum of the series forecast together: they share the calendar): for each
    occurrence, log((count + 0.5) / (mean count of the same weekday 1 and 2 weeks before
    and after, holidays left out, + 0.5)), the median over a kind's occurrences. A kind
    that does not occur in ``days`` takes the median of the federal holidays that do
    (bridge days half of it, in logs); with none at all, no effect ("default" 0)."""
    from datetime import timedelta

    from icestats.stats.calendar import BRIDGE, kinds

    kind = kinds(days)
    index = {d: i for i, d in enumerate(days)}
    seen: dict[str, list[float]] = {}
    for i, k in enumerate(kind):
        if k is None:
            continue
        near = (index.get(days[i] + timedelta(days=7 * w)) for w in HOLIDAY_WEEKS)
        ref = [r for r in near if r is not None and kind[r] is None]
        if len(ref) >= 2:
            seen.setdefault(k, []).append(
                float(np.log((total[i] + 0.5) / (np.mean(total[ref]) + 0.5))))
    out = {k: float(np.median(v)) for k, v in seen.items()}
    federal = [v for k, v in out.items() if k != BRIDGE]
    out["default"] = float(np.median(federal)) if federal else 0.0
    out.setdefault(BRIDGE, out["default"] / 2)
    return out


def holiday_offsets(days: list[date], effects: dict[str, float]) -> np.ndarray:
    """Each day's log holiday effect (0 on ordinary days)."""
    from icestats.stats.calendar import kinds

    return np.array([0.0 if k is None else effects.get(k, effects["default"])
                     for k in kinds(days)])
