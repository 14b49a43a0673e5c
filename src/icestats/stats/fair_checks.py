"""Checks of the fair evaluation on real series, shared by bench/validate.py and the
tests: does its noise model hold inside a window, and do its rank intervals say where an
office will rank next?

- **Split halves.** Within each 28-day window, each office's first 14 days against its
  last 14 (``persistence.split_half_z``, with the dispersion the evaluation uses). If the
  variance model holds, |z| > 1.96 in 5% of office-windows; day-to-day autocorrelation
  (runs of busy or quiet days) makes it more.
- **Next window's rank.** The share of offices whose rank (by arrests a day) in the next
  28 days falls inside the rank interval given now: the interval for the underlying rate
  in the window (``rank_low/high``) and the predictive one for the next window
  (``next_rank_low/high``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np

from icestats.defaults import WINDOW_DAYS as WINDOW
from icestats.stats.fair import Period, evaluate
from icestats.stats.persistence import persistence, split_half_z
from icestats.stats.ranks import point_ranks
from icestats.stats.weekday import office_profiles

PROFILE = 364


def real_windows(days: list[date], codes: list[str], counts: np.ndarray, step: int = WINDOW,
                 long_run: bool = True) -> dict[str, Any]:
    """Every 28-day window with a year of data before it and 28 days after it, ``step``
    days apart: the split-half rate and the next-window rank coverage (``long_run``
    False: the day-to-day model alone, as before issue 21)."""
    z_all: list[np.ndarray] = []
    inside: list[np.ndarray] = []
    inside_next: list[np.ndarray] = []
    ends = range(PROFILE - 1, len(days) - WINDOW, step)
    for end in ends:
        lo = end - WINDOW + 1
        window = Period(days[lo:end + 1], counts[lo:end + 1])
        prof = office_profiles(days[end - PROFILE + 1:end + 1], counts[end - PROFILE + 1:end + 1])
        pers = persistence(days[end - PROFILE + 1:lo], counts[end - PROFILE + 1:lo],
                           prof.factors) if long_run else None
        res = evaluate(window, codes, None, profiles=prof, populations={}, persistence=pers)
        phi = np.array([r["dispersion"] for r in res.rows])
        z_all.append(split_half_z(window, phi, prof.factors))
        nxt = point_ranks(counts[end + 1:end + 1 + WINDOW].sum(axis=0))
        lo_r = np.array([r["rank_low"] for r in res.rows])
        hi_r = np.array([r["rank_high"] for r in res.rows])
        inside.append((lo_r <= nxt) & (nxt <= hi_r))
        if "next_rank_low" in res.rows[0]:
            lo_n = np.array([r["next_rank_low"] for r in res.rows])
            hi_n = np.array([r["next_rank_high"] for r in res.rows])
            inside_next.append((lo_n <= nxt) & (nxt <= hi_n))
    z = np.concatenate(z_all)
    return {"windows": len(ends), "office_windows": int(z.size),
            "split_half_beyond_1_96": float(np.mean(np.abs(z) > 1.96)),
            "rank_interval_holds_next_rank": float(np.mean(np.concatenate(inside))),
            "next_rank_interval_holds_next_rank": float(np.mean(np.concatenate(inside_next)))
            if inside_next else float("nan")}
