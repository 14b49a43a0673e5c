"""Simulation trials of the event estimate with known truth, shared by bench/validate.py
(many seeds) and the tests (a few). Every trial is fixed by its seed.

A trial: 24 simulated offices over 640 days (``simulate``: AR(1) log-level shocks with
coefficient 0.97, weekday patterns, holidays, negative binomial noise); office 0 has the
event on day 560 (a step of x``factor`` from that day, none for 1.0); ``operations``
other offices get an operation of x1.5 to x4 lasting 2 to 10 weeks that starts within
eight weeks of the event, which the surge filter should take out of the donors.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np

from icestats.stats import event_effects as fx
from icestats.stats import synth
from icestats.stats.simulate import Operation, simulate

N_DAYS, EVENT_DAY = 640, 560


def event_trial(seed: int, shock_sd: float, factor: float, operations: int = 4,
                window_weeks: int = 4) -> dict[str, Any]:
    rng = np.random.default_rng(30_000 + seed)
    ops = [] if factor == 1.0 else [Operation(0, EVENT_DAY, None, factor)]
    operated = sorted(int(j) for j in rng.choice(np.arange(1, 24), operations, replace=False))
    for j in operated:
        ops.append(Operation(j, EVENT_DAY + int(rng.integers(-56, 56)),
                             int(rng.integers(14, 71)), float(rng.uniform(1.5, 4.0))))
    s = simulate(seed, n_days=N_DAYS, offices=24, shock_sd=shock_sd, fixed=tuple(ops))
    codes = [f"X{j}" for j in range(24)]
    su = fx.Setup(s.days, codes, s.counts, s.days[EVENT_DAY], 26, window_weeks)
    g = synth.grid(s.days, s.counts, su.when)
    _, surges, r = fx.core(su, g, "X0", set(), (2, 4, 8))
    left = {x["office"] for x in surges if not x.get("taken_back")}
    assert r is not None
    out: dict[str, Any] = {"operated_left_out": sum(codes[j] in left for j in operated),
                           "operated": len(operated),
                           "clean_left_out": len(left - {codes[j] for j in operated}),
                           "placebos": len(r[1]) + len(r[2])}
    for h, e in r[3].items():
        low = 0.0 if e["low"] is None else e["low"]
        high = np.inf if e["high"] is None else e["high"]
        out[f"covered_{7 * h}"] = float(low <= factor <= high)
        out[f"excludes_1_{7 * h}"] = float(not low <= 1.0 <= high)
        out[f"width_{7 * h}"] = float(np.log(high / low)) if low > 0 else np.inf
    return out


def real_dates(days: list[date], codes: list[str], counts: np.ndarray, when: list[date],
               pre_weeks: int = 26, window_weeks: int = 4) -> dict[str, Any]:
    """Every office on real series at dates with no known event: the share of 95%
    intervals (of the ``window_weeks`` effect) that exclude no effect. Real series have
    real operations at unknown dates, so this bounds the false alarm rate from above."""
    n = excl = 0
    widths: list[float] = []
    for t in when:
        for office in codes:
            su = fx.Setup(days, codes, counts, t, pre_weeks, window_weeks)
            g = synth.grid(days, counts, t)
            r = fx.core(su, g, office, set(), (window_weeks,))[2]
            if r is None or window_weeks not in r[3] or r[3][window_weeks]["low"] is None:
                continue
            e = r[3][window_weeks]
            n += 1
            excl += not e["low"] <= 1 <= e["high"]
            widths.append(e["high"] / e["low"])
    w = np.array(widths)
    return {"intervals": n, "exclude_1": excl / max(n, 1),
            "narrowest": float(w.min()), "widest": float(w.max()),
            "under_1_1": int((w < 1.1).sum()), "over_100": int((w > 100).sum())}


def event_trials(seeds: range, shock_sd: float, factor: float, operations: int = 4
                 ) -> dict[str, float]:
    runs = [event_trial(s, shock_sd, factor, operations) for s in seeds]
    return {k: float(np.mean([r[k] for r in runs])) for k in runs[0]} | {"trials": len(runs)}


def short_trial(seed: int, shock_sd: float, factor: float, units: int = 5,
                pre_days: int = 35, window_weeks: int = 4) -> dict[str, Any]:
    """A few units (``units``, as the five states of 2025-26) with a short pre-period
    (``pre_days`` before the event, placebos in space only): the event in unit 0 (a step
    of x``factor``), no other operations. Whether the 95% interval covers the truth and
    excludes 1."""
    n_days = pre_days + 7 * 8
    ops = () if factor == 1.0 else (Operation(0, pre_days, None, factor),)
    s = simulate(40_000 + seed, n_days=n_days, offices=units, shock_sd=shock_sd, fixed=ops)
    codes = [f"X{j}" for j in range(units)]
    su = fx.Setup(s.days, codes, s.counts, s.days[pre_days], pre_days // 7, window_weeks,
                  min_donors=2, space_only=True, offices=False)
    g = synth.grid(s.days, s.counts, su.when)
    r = fx.core(su, g, "X0", set(), (window_weeks,))[2]
    assert r is not None
    e = r[3][window_weeks]
    low = 0.0 if e["low"] is None else e["low"]
    high = np.inf if e["high"] is None else e["high"]
    return {"covered": float(low <= factor <= high), "excludes_1": float(not low <= 1 <= high),
            "width": float(np.log(high / low)) if low > 0 else np.inf,
            "placebos": float(e["placebos"])}


def short_trials(seeds: range, shock_sd: float, factor: float, units: int = 5,
                 pre_days: int = 35) -> dict[str, float]:
    runs = [short_trial(s, shock_sd, factor, units, pre_days) for s in seeds]
    return {k: float(np.mean([r[k] for r in runs])) for k in runs[0]} | {"trials": len(runs)}
