"""Trials of the fair evaluation with known truth, shared by bench/validate.py (many seeds)
and the tests (a few): offices with their own weekday patterns and AR(1) persistent shocks
(``stats.simulate``), every office exactly at its target.

The truth of an office is its underlying daily rate in the window: the mean of its true
expected counts over the window's days (the persistent shock included: a shock is a real
change in what the office does that month). Every trial is fixed by its seed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from icestats.defaults import WINDOW_DAYS
from icestats.stats.fair import (
    Period,
    below_target_pvalues,
    benjamini_hochberg,
    dispersion,
    evaluate,
    weekday_profile,
)
from icestats.stats.persistence import persistence
from icestats.stats.ranks import point_ranks, rank_interval
from icestats.stats.simulate import simulate
from icestats.stats.weekday import office_profiles

WINDOW = WINDOW_DAYS
PROFILE = 364


def fair_trial(seed: int, shock_sd: float, offices: int = 24, alpha: float = 0.05
               ) -> dict[str, Any]:
    """One simulated month for ``offices`` offices, each exactly at target. Returns the
    offices whose one-sided test is below ``alpha`` (now, and with the previous method:
    national weekday pattern, variance at the observed mean), whether BH flags any, and
    how many true ranks fall inside their 95% rank intervals; and, with every target a
    quarter above the truth (attainment 0.8), how many are found below it."""
    s = simulate(seed, n_days=PROFILE + WINDOW, offices=offices, shock_sd=shock_sd)
    days, counts = s.days[-WINDOW:], s.counts[-WINDOW:]
    truth = s.expected[-WINDOW:].mean(axis=0)
    window = Period(days, counts)
    codes = [f"O{i}" for i in range(offices)]
    prof = office_profiles(s.days[-PROFILE:], s.counts[-PROFILE:])
    pers = persistence(s.days[:-WINDOW], s.counts[:-WINDOW], prof.factors)
    result = evaluate(window, codes, truth, profiles=prof, populations={}, persistence=pers)
    p = np.array([r["p_below"] for r in result.rows])
    y = counts.sum(axis=0)
    old_phi = dispersion(window, weekday_profile(window))
    old_p = below_target_pvalues(y, truth * WINDOW, old_phi, WINDOW - 1)
    short = evaluate(window, codes, truth / 0.8, profiles=prof, populations={},
                     persistence=pers)  # every office at 80% of a higher target
    p80 = np.array([r["p_below"] for r in short.rows])
    old80 = below_target_pvalues(y, truth / 0.8 * WINDOW, old_phi, WINDOW - 1)
    lo, hi = rank_interval(result.draws)
    true_rank = point_ranks(truth)
    return {"false_flags": int((p < alpha).sum()),
            "false_flags_old": int((old_p < alpha).sum()),
            "bh_any": bool(benjamini_hochberg(p).any()),
            "bh_any_old": bool(benjamini_hochberg(old_p).any()),
            "found_at_80pct": int((p80 < alpha).sum()),
            "found_at_80pct_old": int((old80 < alpha).sum()),
            "ranks_covered": int(((lo <= true_rank) & (true_rank <= hi)).sum()),
            "offices": offices}


def fair_trials(seeds: range, shock_sd: float, offices: int = 24) -> dict[str, float]:
    runs = [fair_trial(seed, shock_sd, offices) for seed in seeds]
    tests = len(runs) * offices
    return {"false_flag_rate": sum(r["false_flags"] for r in runs) / tests,
            "false_flag_rate_old": sum(r["false_flags_old"] for r in runs) / tests,
            "bh_any_rate": float(np.mean([r["bh_any"] for r in runs])),
            "bh_any_rate_old": float(np.mean([r["bh_any_old"] for r in runs])),
            "found_at_80pct": sum(r["found_at_80pct"] for r in runs) / tests,
            "found_at_80pct_old": sum(r["found_at_80pct_old"] for r in runs) / tests,
            "rank_coverage": sum(r["ranks_covered"] for r in runs) / tests,
            "trials": len(runs), "tests": tests}
