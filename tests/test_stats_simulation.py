"""Simulation tests with known truth, from the generator's count model (no files).

Seeds and numbers of runs are stated in each test; sizes are small so the suite stays fast.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from icestats import reference
from icestats.generate import Options, completeness, daily_counts
from icestats.stats.events import Event, with_placebos
from icestats.stats.fair import Period, evaluate
from icestats.stats.nowcast import Curve, default_curve, estimate_curve, nowcast

CODES = reference.field_office_codes()
W0, W1 = date(2025, 8, 1), date(2025, 8, 28)  # a 28-day evaluation window


def window(seed: int, effects: tuple = ()) -> tuple[Period, np.ndarray]:
    """Counts in the window and the true expected arrests per day per office (no effect)."""
    opts = Options(start=W0, end=W1, seed=seed, events=False, tail_days=0, effects=effects)
    days, codes, counts, _ = daily_counts(opts)
    truth = daily_counts(Options(start=W0, end=W1, seed=seed, events=False, tail_days=0))[3]
    cols = [codes.index(c) for c in CODES]
    day_list = [d.astype(object) for d in days]
    return Period(day_list, counts[:, cols].astype(float)), truth[:, cols].mean(axis=0)


def test_no_effect_false_flags_at_most_nominal() -> None:
    """(a) 600 seeds (0..599), every office exactly on its target: with every null true, BH
    at 5% flags anything in at most 5% of seeds (+ two binomial SEs: 40 of 600; measured
    100/2400 on seeds 0..2399 while writing this)."""
    seeds_with_flags, office_flags = 0, 0
    for seed in range(600):
        period, target = window(seed)
        flags = [r["below_target"] for r in evaluate(period, CODES, target).rows]
        seeds_with_flags += any(flags)
        office_flags += sum(flags)
    assert seeds_with_flags <= 40, seeds_with_flags
    assert office_flags / (600 * len(CODES)) <= 0.05


def test_forty_percent_shortfall_is_flagged() -> None:
    """(b) 40 seeds (100..139): Buffalo, the smallest office, at 60% of its target from the
    window's first day; flagged in at least 90% of seeds, and nobody else in most."""
    flagged, others = 0, 0
    for seed in range(100, 140):
        period, target = window(seed, effects=(("BUF", W0, 0.6),))
        rows = {r["aor"]: r for r in evaluate(period, CODES, target).rows}
        flagged += rows["BUF"]["below_target"]
        others += any(r["below_target"] for c, r in rows.items() if c != "BUF")
        assert 0.45 < rows["BUF"]["attainment"] < 0.75
        # shrinkage pulls a lone outlier toward the others, but not past the evidence
        assert rows["BUF"]["attainment"] < rows["BUF"]["shrunk_attainment"] < 0.9
    assert flagged >= 36, flagged
    assert others <= 4, others


def test_event_effect_interval_covers_truth() -> None:
    """(c) 60 seeds (200..259): Phoenix x1.8 from 2025-08-15; the 95% interval covers 1.8 in
    at least 90% of seeds; placebo offices show no effect (about 5% of their intervals
    exclude 1, at most 10%)."""
    t0 = date(2025, 8, 15)
    covered, placebo_hits, placebo_total = 0, 0, 0
    for seed in range(200, 260):
        opts = Options(start=t0 - timedelta(days=28), end=t0 + timedelta(days=27), seed=seed,
                       events=False, tail_days=0, effects=(("PHO", t0, 1.8),))
        days, codes, counts, _ = daily_counts(opts)
        cols = [codes.index(c) for c in CODES]
        r = with_placebos([d.astype(object) for d in days], CODES, counts[:, cols].astype(float),
                          Event(t0, "PHO", "test"))
        assert r is not None
        covered += r["low"] <= 1.8 <= r["high"]
        placebo_hits += r["placebos_with_an_effect"]
        placebo_total += r["placebo_offices"]
    assert covered >= 54, covered
    assert placebo_hits / placebo_total <= 0.10


def _national(seed: int, start: date, end: date) -> dict[date, float]:
    days, _, counts, _ = daily_counts(Options(start=start, end=end, seed=seed, events=False,
                                              tail_days=0))
    return {d.astype(object): float(n) for d, n in zip(days, counts.sum(axis=1), strict=True)}


def _truncate(full: dict[date, float], end: date, curve, rng: np.random.Generator  # noqa: ANN001
              ) -> dict[date, float]:
    """What a release ending at ``end`` would have shown: recent days thinned."""
    return {d: float(rng.binomial(int(n), curve(np.array((end - d).days))))
            for d, n in full.items() if d <= end}


def test_nowcast_is_closer_to_the_full_release_than_raw_counts() -> None:
    """(d) 20 seeds (300..319). One release: default curve. Two overlapping releases: the
    curve is estimated from them (here a slower lag than the default)."""
    slow = lambda a: np.where(a < 14, 1 - 0.6 * np.exp(-a / 6.0), 1.0)  # noqa: E731
    better_one = better_two = 0
    for seed in range(300, 320):
        rng = np.random.default_rng(seed)
        end_full = date(2025, 9, 30)
        full = _national(seed, date(2025, 5, 1), end_full)
        t = end_full - timedelta(days=40)
        tail = [t - timedelta(days=a) for a in range(14)]
        # one release, lag as the default assumes
        trunc = _truncate(full, t, lambda a: completeness(a, 14), rng)
        nc = {r["date"]: r["nowcast"] for r in nowcast(trunc, t, Curve(default_curve(
            np.arange(28)), "default"))}
        err_raw = sum(abs(trunc[d] - full[d]) for d in tail)
        better_one += sum(abs(nc[d] - full[d]) for d in tail) < err_raw
        # two releases with a slower lag: estimate the curve from their difference
        older = _truncate(full, t - timedelta(days=30), slow, rng)
        newer = _truncate(full, t, slow, rng)
        curve = estimate_curve([(older, t - timedelta(days=30), newer, t)])
        assert curve is not None and curve.pairs == 1
        nc2 = {r["date"]: r["nowcast"] for r in nowcast(newer, t, curve)}
        err_raw2 = sum(abs(newer[d] - full[d]) for d in tail)
        better_two += sum(abs(nc2[d] - full[d]) for d in tail) < err_raw2
    assert better_one == 20 and better_two >= 19, (better_one, better_two)
