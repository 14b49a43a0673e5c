"""The nowcast's single-release rule (no correction without the power to see a realistic
lag) and the completeness curve from a reporting triangle of monthly vintages, checked
against independent computations, and on the real data: the 2025-26 five-state series
cut at 2025-11-23 (after Chicago's operation ended: a real fall) and the 130 vintages of
ICE's detention workbooks (bench/realseries.py reads them)."""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as st

from icestats.stats.nowcast import P_DEPRESSED, REALISTIC_LAG, choose_curve, lag_power, nowcast
from icestats.stats.triangle import AgeCurve, curve, realtime_check

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import realseries


def test_lag_power_is_the_chance_the_test_sees_the_lag() -> None:
    """A lag 1 - 0.5 exp(-a/4) lowers the last 7 days by the mean of 0.5 exp(-a/4) over
    a < 7; with a null scatter of sd 0.1 the one-sided test at 1% rejects that often
    (200,000 normal draws, seed 3)."""
    w7 = np.mean([REALISTIC_LAG * np.exp(-a / 4) for a in range(7)])
    for sd in (0.05, 0.1, 0.27):
        obs = np.log(1 - w7) + sd * np.random.default_rng(3).standard_normal(200_000)
        seen = np.mean(st.norm.cdf(obs / sd) < P_DEPRESSED)
        assert lag_power(sd) == pytest.approx(seen, abs=0.005)
    assert lag_power(0.27) < 0.2 < 0.99 < lag_power(0.05)


def test_triangle_curve_and_interval_by_hand() -> None:
    """Three months, four vintages: month m's value at age a is final x c(a) with c =
    (0.5, 0.9, 1.0) by age; the curve's centre is the median log ratio over the months seen
    at that age, and its interval is centre +- t(n-1) sd sqrt(1 + 1/n)."""
    final = np.array([100.0, 200.0, 400.0, np.nan])
    values = np.full((4, 4), np.nan)
    newest = np.array([0, 1, 2, 3])
    noise = {0: 1.02, 1: 0.97, 2: 1.01, 3: 1.0}
    for v in range(4):
        for m in range(v + 1):
            a = v - m
            c = (0.5, 0.9, 1.0, 1.0)[a] * (noise[m] if a == 0 else 1.0)
            values[m, v] = (final[m] if m < 3 else 800.0) * c
    got = curve(values, newest, final, np.isfinite(final), range(0, 1))[0]
    want = np.log(1 / (0.5 * np.array([1.02, 0.97, 1.01])))
    assert got.months == 3 and got.log_mean == pytest.approx(np.median(want))
    assert got.log_sd == pytest.approx(want.std(ddof=1))
    now, lo, hi = got.nowcast(400.0, 0.9)
    half = st.t.ppf(0.95, 2) * want.std(ddof=1) * np.sqrt(1 + 1 / 3)
    assert now == pytest.approx(400 * np.exp(np.median(want)))
    assert (lo, hi) == pytest.approx((now * np.exp(-half), now * np.exp(half)))
    assert AgeCurve(1, 5, 0.0, 0.0).nowcast(10.0) == (10.0, 10.0, 10.0)


@pytest.mark.slow
def test_a_real_fall_is_not_corrected() -> None:
    """The five states' daily arrests cut at 2025-11-23 (a complete release: the data run
    to 2026-03-10) whose last week fell after Chicago's operation ended: the tail test
    has 4 earlier weeks, too few to see a realistic lag, so the reported counts stand
    (every day within 3%: exactly) and the interval's upper end is what a lag of
    1 - 0.5 exp(-a/4) would add (the last day: 190 reported, at most 190 / 0.5 + noise)."""
    s = realseries.five_states()
    end = date(2025, 11, 23)
    total = {d: float(v) for d, v in zip(s.days, s.counts.sum(axis=1), strict=True)
             if d <= end}
    curve_, test = choose_curve([(1, end, total)])
    assert test is not None and test["null_weeks"] == 4 and test["power"] < 0.8
    assert "cannot show its own lag" in curve_.source
    rows = nowcast(total, end, curve_, phi=1.5)
    assert all(r["nowcast"] == r["reported"] for r in rows)
    last = rows[-1]
    assert last["date"] == end and last["reported"] == 190 and last["low"] == 190
    assert 380 * 0.9 < last["high"] < 380 * 1.1


@pytest.mark.slow
def test_workbook_vintages_reporting_triangle() -> None:
    """The 130 vintages of ICE's book-ins: June 2025 as each vintage reported it, the
    vintages left out and why, and the nowcast fitted on earlier finals only covering
    at least 90% of the final values 1 to 8 months after the newest month (the month in
    progress, age 0, is reported beside them)."""
    t = realseries.vintages()
    june = t.months.index(date(2025, 6, 1))
    seen = [int(x) for x in t.values[june] if np.isfinite(x)]
    assert seen == [9, 19165, 35202, 36737, 36722, 36713, 36709, 36700, 36704]
    assert t.final[june] == 36704 and len(t.vintages) == 95
    assert sum(t.left_out.values()) == 15 and t.left_out["repeat of the vintage before"] == 11
    check = realtime_check(t.values, t.newest, t.final, t.final_vintage, range(0, 9))
    assert all(check[a]["covered"] >= 0.9 for a in range(1, 9)), check
    assert check[1]["months"] == 71 and 0.85 < check[0]["covered"] < 0.95
    assert max(abs(check[a]["nowcast_signed_error"]) for a in range(1, 9)) < 0.01
    assert date(2025, 9, 1) - timedelta(days=1) < t.vintages[-1][0]
