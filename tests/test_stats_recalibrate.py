"""The prequential recalibration of the 30-day mean's spread (tried for issue 21, not in
the product: docs/methods.md): which past origins it scores, the factor it takes from
their errors, when it pools the series, and the widening of the paths."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from icestats.stats import recalibrate as rc
from icestats.stats.forecast import widen


def test_past_origins_are_resolved_by_the_origin() -> None:
    """Every 7 days back from the origin minus 30 (its 30 days end on the origin), the 12
    latest, none with fewer than 28 days to fit (index 27)."""
    assert rc.past_origins(200) == [170, 163, 156, 149, 142, 135, 128, 121, 114, 107, 100, 93]
    assert rc.past_origins(64) == [34, 27]
    assert rc.past_origins(56) == []


def test_the_factor_covers_each_level_as_often_as_it_says() -> None:
    """Ten past errors needing factors 0 (inside) .. 4.5: the 50% interval must hold 5 of
    them (the 5th smallest at 50%: 2.0), the 90% one 9 (the 9th smallest at 90%: 4.0)."""
    r = np.column_stack([np.arange(10) / 2.0, np.arange(10) / 2.0])  # 0, 0.5, ..., 4.5
    assert rc._factor(r) == 4.0
    assert rc._factor(np.zeros((10, 2))) == 1.0  # never narrower than the model
    assert rc._factor(np.full((10, 2), 50.0)) == rc.MAX_FACTOR


def _cache(at: list[int], values: list[np.ndarray], fit: int = 182) -> rc.Cache:
    return {(s, fit): v for s, v in zip(at, values, strict=True)}


def test_a_series_with_few_past_origins_is_pooled_and_with_fewer_not_widened() -> None:
    days = [date(2025, 1, 1) + timedelta(days=i) for i in range(300)]
    y = np.ones((300, 3))
    # origin 64: past origins 34 and 27, 3 series: 6 errors pooled, under 8: no widening
    two = _cache([34, 27], [np.full((3, 2), 3.0)] * 2)
    sp = rc.spread(days, y, 64, 182, two)
    assert sp.errors == 6 and sp.pooled and list(sp.factor) == [1.0, 1.0, 1.0]
    assert "not recalibrated" in sp.describe(0)["text"]
    # origin 71: past origins 41, 34, 27: 9 errors pooled; needed 0 on two series, 3 on the
    # third: the 50% level wants the 5th smallest of 9 (0), the 90% one the 9th (3.0)
    at = [41, 34, 27]
    three = _cache(at, [np.array([[0.0, 0.0], [0.0, 0.0], [3.0, 3.0]])] * 3)
    sp = rc.spread(days, y, 71, 182, three)
    assert sp.errors == 9 and sp.pooled and list(sp.factor) == [3.0, 3.0, 3.0]
    assert sp.origins == [days[s] for s in at]


def test_a_series_with_enough_past_origins_has_its_own_factor() -> None:
    days = [date(2025, 1, 1) + timedelta(days=i) for i in range(300)]
    y = np.ones((300, 2))
    at = rc.past_origins(200)
    calm, wild = np.zeros(2), np.array([2.5, 2.5])
    sp = rc.spread(days, y, 200, 182, _cache(at, [np.stack([calm, wild])] * 12))
    assert not sp.pooled and sp.errors == 12 and list(sp.factor) == [1.0, 2.5]


def test_widening_scales_each_paths_log_deviation_and_keeps_the_median() -> None:
    """Paths with constant daily counts c: the 30-day mean is c, its log deviation
    log(c + 0.5) - median; widened x2, each path's becomes twice that (up to rounding)."""
    c = np.array([5.0, 10.0, 20.0, 40.0, 80.0])
    counts = np.repeat(c[:, None], 45, axis=1)[:, :, None]  # 5 paths x 45 days x 1
    out, levels = widen(counts, np.zeros_like(counts), np.array([2.0]))
    lm = np.log(c + 0.5)
    want = np.exp(np.median(lm) + 2 * (lm - np.median(lm))) - 0.5
    assert np.allclose(out[:, 0, 0], np.rint(want)) and out[2, 0, 0] == 20.0
    assert np.allclose(out[:, 44, 0], out[:, 0, 0])  # every day of a path alike
    assert np.allclose(levels[:, 0, 0], lm - np.median(lm))


def test_reliability_counts_the_forecasts_a_bin_comes_from() -> None:
    """Goals of one forecast (origin and series) are one episode: the harness says how
    many forecasts each bin's goals come from, beside how many goals."""
    from icestats.stats.forecast_trials import Records, reliability

    a, b = Records(), Records()
    a.actual, a.stated, a.happened, a.case = [1.0], [0.01, 0.02], [True, False], [0, 0]
    b.actual, b.stated, b.happened, b.case = [2.0], [0.03, 0.5], [True, True], [0, 0]
    a.extend(b)
    assert a.case == [0, 0, 1, 1]  # b's row is the second row once pooled
    low, mid = reliability(a.stated, a.happened, cases=a.case)
    assert (low["n"], low["forecasts"], low["happened"]) == (3, 2, 2 / 3)
    assert (mid["low"], mid["n"], mid["forecasts"]) == (0.4, 1, 1)
