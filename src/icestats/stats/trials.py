"""Repeated simulation trials of the nowcast and the surge scan with known truth, shared by
bench/validate.py (many seeds) and the tests (a few). Every trial is fixed by its seed.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np

from icestats.stats.nowcast import choose_curve, nowcast
from icestats.stats.simulate import Operation, simulate
from icestats.stats.surges import scan


def default_lag(age: np.ndarray) -> np.ndarray:
    return np.where(age < 14, 1 - 0.5 * np.exp(-age / 4.0), 1.0)


def slow_lag(age: np.ndarray) -> np.ndarray:
    return np.where(age < 14, 1 - 0.6 * np.exp(-age / 6.0), 1.0)


def national(seed: int, n_days: int = 400, shock_sd: float = 0.15) -> dict[date, float]:
    s = simulate(seed, n_days=n_days, offices=24, shock_sd=shock_sd)
    return {d: float(n) for d, n in zip(s.days, s.counts.sum(axis=1), strict=True)}


def thinned(full: dict[date, float], end: date, lag: Any, rng: np.random.Generator
            ) -> dict[date, float]:
    """What a release ending at ``end`` would show: recent days binomially thinned."""
    return {d: float(rng.binomial(int(n), float(lag(np.array((end - d).days)))))
            for d, n in full.items() if d <= end}


def nowcast_trial(seed: int, releases: int, lag: Any | None) -> dict[str, float]:
    """One trial: the newest release ends 40 days before the simulated data do; ``lag``
    None: a complete release. Returns the tail's share within 3% of the reported, the
    share of days whose interval covers the truth, and the total's relative error."""
    rng = np.random.default_rng(seed)
    full = national(seed)
    end = max(full) - timedelta(days=40)
    if lag is None:
        newest = {d: n for d, n in full.items() if d <= end}
        vintages = [(1, end, newest)]
    else:
        newest = thinned(full, end, lag, rng)
        vintages = [(2, end, newest)]
        if releases > 1:
            older_end = end - timedelta(days=30)
            vintages.insert(0, (1, older_end, thinned(full, older_end, lag, rng)))
    curve, test = choose_curve(vintages)
    rows = nowcast(newest, end, curve, phi=1.5, seed=seed)
    truth = np.array([full[r["date"]] for r in rows])
    reported = np.array([r["reported"] for r in rows], dtype=float)
    est = np.array([r["nowcast"] for r in rows])
    covered = [r["low"] <= t <= r["high"] for r, t in zip(rows, truth, strict=True)]
    return {"within_3pct_of_reported": float(np.mean(np.abs(est - reported)
                                                      <= 0.03 * np.maximum(reported, 1))),
            "covered": float(np.mean(covered)),
            "total_error_pct": float(100 * (est.sum() - truth.sum()) / truth.sum()),
            "raw_error_pct": float(100 * (reported.sum() - truth.sum()) / truth.sum()),
            "corrected": float((curve.completeness[:14] < 1).any()),
            "depressed_test": float(bool(test and test.get("depressed")))}


def nowcast_trials(seeds: range, releases: int, lag: Any | None) -> dict[str, float]:
    runs = [nowcast_trial(s, releases, lag) for s in seeds]
    return {k: float(np.mean([r[k] for r in runs])) for k in runs[0]} | {"trials": len(runs)}


def surge_trial(seed: int, shock_sd: float, factor: float = 2.0) -> dict[str, float]:
    """One office-year with a x``factor`` hump of 14 to 70 days starting on a random day:
    found (a surge starting within 5 days of it) or not."""
    rng = np.random.default_rng(10_000 + seed)
    start, length = int(rng.integers(100, 250)), int(rng.integers(14, 71))
    s = simulate(seed, n_days=365, offices=1, shock_sd=shock_sd,
                 fixed=(Operation(0, start, length, factor),))
    rows = scan(s.days, s.counts, ["X"])
    hits = [r for r in rows if abs((r["start"] - s.days[start]).days) <= 5]
    return {"found": float(bool(hits)), "others": float(len(rows) - len(hits))}


def null_surges(seeds: range, shock_sd: float, offices: int = 24) -> dict[str, float]:
    """False surges per office-year on series without any operation."""
    n = 0
    for seed in seeds:
        s = simulate(seed, n_days=365, offices=offices, shock_sd=shock_sd)
        n += len(scan(s.days, s.counts, [str(j) for j in range(offices)]))
    return {"office_years": len(seeds) * offices,
            "false_per_office_year": n / (len(seeds) * offices)}


def surge_trial_alt(seed: int, shock_sd: float, factor: float = 2.0) -> dict[str, float]:
    """The same question on the independent simulation (``simulate_alt``: real office
    sizes, a national factor, moving holidays, ramped operations): one office drawn
    among the 25 gets a x``factor`` hump of 14 to 70 days; found (a surge of that office
    starting within 5 days of the hump's first day) or not."""
    from icestats.stats.simulate_alt import Hump, simulate_alt

    rng = np.random.default_rng(20_000 + seed)
    office = int(rng.integers(0, 25))
    start, length = int(rng.integers(100, 250)), int(rng.integers(14, 71))
    s = simulate_alt(seed, 365, shock_sd, (Hump(office, start, length, factor),))
    rows = scan(s.days, s.counts[:, [office]], ["X"])
    hits = [r for r in rows if abs((r["start"] - s.days[start]).days) <= 5]
    return {"found": float(bool(hits)), "others": float(len(rows) - len(hits))}


def null_surges_alt(seeds: range, shock_sd: float) -> dict[str, float]:
    """False surges per office-year on the independent simulation without operations
    (the national factor and the holidays are in every office)."""
    from icestats.stats.simulate_alt import simulate_alt

    n = 0
    for seed in seeds:
        s = simulate_alt(seed, 365, shock_sd)
        n += len(scan(s.days, s.counts, [str(j) for j in range(s.counts.shape[1])]))
    return {"office_years": len(seeds) * 25, "false_per_office_year": n / (len(seeds) * 25)}


def real_cut(days: list[date], counts: np.ndarray, end: date, lag: Any | None,
             seed: int = 0) -> dict[str, Any]:
    """A real daily series cut at ``end`` as if a release ended there: complete (``lag``
    None: the truth is what it holds) or with its last 14 days thinned by ``lag`` (the
    truth is the series). The nowcast's choice, the error of its 14-day total and the
    share of days whose 95% interval holds the truth."""
    rng = np.random.default_rng(seed)
    full = {d: float(n) for d, n in zip(days, counts, strict=True)}
    release = {d: n for d, n in full.items() if d <= end} if lag is None else \
        thinned(full, end, lag, rng)
    curve, test = choose_curve([(1, end, release)])
    rows = nowcast(release, end, curve, phi=1.5, seed=seed)
    truth = np.array([full[r["date"]] for r in rows])
    est = np.array([r["nowcast"] for r in rows])
    reported = np.array([r["reported"] for r in rows], dtype=float)
    return {"end": end, "corrected": bool((curve.completeness[:14] < 1).any()),
            "power": None if test is None else test.get("power"),
            "error_pct": float(100 * (est.sum() - truth.sum()) / truth.sum()),
            "raw_error_pct": float(100 * (reported.sum() - truth.sum()) / truth.sum()),
            "covered": float(np.mean([r["low"] <= t <= r["high"]
                                      for r, t in zip(rows, truth, strict=True)])),
            "within_3pct_of_reported": float(np.mean(np.abs(est - reported)
                                                     <= 0.03 * np.maximum(reported, 1)))}
