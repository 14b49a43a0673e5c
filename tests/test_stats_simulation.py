"""Simulation tests with known truth, from the generator's count model (no files).

Seeds and numbers of runs are stated in each test; sizes are small so the suite stays fast.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from icestats import reference
from icestats.generate import Options, daily_counts
from icestats.stats.fair import Period, evaluate

pytestmark = pytest.mark.slow  # run by `make test` and CI; plain `pytest` skips it

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


def test_event_interval_covers_no_effect_and_a_true_effect() -> None:
    """(c) The synthetic control on 20 simulated trials each (seeds 0..19; stats/event_trials:
    24 offices, AR(1) log-level shocks of sd 0.30, four other offices with operations of
    x1.5-x4 near the event): the 95% interval of the 28-day effect covers 1 with no effect
    and covers 1.8 with a true x1.8 in at least 17 of 20 trials (the bench's 100 trials:
    docs/methods.md); the surge filter takes out most operated donors."""
    from icestats.stats.event_trials import event_trials

    null = event_trials(range(20), 0.30, 1.0)
    assert null["covered_28"] >= 17 / 20, null
    true = event_trials(range(20), 0.30, 1.8)
    assert true["covered_28"] >= 17 / 20, true
    assert true["excludes_1_28"] > null["excludes_1_28"]  # it has some power
    assert null["operated_left_out"] >= 3.5 and null["placebos"] >= 40


def test_nowcast_on_simulated_releases() -> None:
    """(d) 8 seeds each (0..7): a complete release is left alone (no day moved more than 3%,
    every interval holds the reported value); one release with the default lag is found
    depressed and corrected, two releases with a slower lag give the triangle's curve; in
    both the 95% intervals hold the truth on at least 90% of days."""
    from icestats.stats.trials import default_lag, nowcast_trials, slow_lag

    complete = nowcast_trials(range(8), 1, None)
    assert complete["within_3pct_of_reported"] == 1.0 and complete["covered"] == 1.0
    assert complete["corrected"] == 0.0
    one = nowcast_trials(range(8), 1, default_lag)
    assert one["depressed_test"] >= 7 / 8 and one["covered"] >= 0.9
    assert abs(one["total_error_pct"]) < abs(one["raw_error_pct"]) / 3
    two = nowcast_trials(range(8), 2, slow_lag)
    assert two["covered"] >= 0.9 and abs(two["total_error_pct"]) < 3
