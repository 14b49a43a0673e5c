"""Events by synthetic control: the weights, the weekly grid, the test inversion, and the
command end to end against an independent refit (pandas weekly sums, scipy's SLSQP)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize

from icestats import reference
from icestats.stats import synth

from conftest import export_aor, release_db, run


def test_weights_recover_a_convex_combination() -> None:
    rng = np.random.default_rng(5)
    donors = rng.normal(size=(30, 6))
    donors -= donors.mean(axis=0)
    target = donors @ np.array([0.5, 0, 0.3, 0, 0.2, 0])
    w = synth.weights(target, donors)
    assert w == pytest.approx([0.5, 0, 0.3, 0, 0.2, 0], abs=1e-6)
    assert w.min() >= 0 and w.sum() == pytest.approx(1)


def test_weekly_grid_is_aligned_to_the_event_day() -> None:
    days = [date(2025, 1, 1) + timedelta(days=i) for i in range(90)]
    counts = np.arange(90 * 2, dtype=float).reshape(90, 2)
    g = synth.grid(days, counts, date(2025, 2, 12))
    assert g.starts[g.event] == date(2025, 2, 12)
    assert {d.weekday() for d in g.starts} == {date(2025, 2, 12).weekday()}
    i = days.index(g.starts[0])
    assert g.counts[0].tolist() == counts[i:i + 7].sum(axis=0).tolist()
    assert (days[-1] - g.starts[-1]).days >= 6  # only complete weeks


def test_critical_value_and_minimum_p() -> None:
    # p = 1/(n + 1) must be at most 0.05 to exclude anything: n = 18 cannot, n = 19 can
    assert synth.critical([float(x) for x in range(18)]) is None
    assert synth.critical([float(x) for x in range(19)]) == 18
    assert synth.critical([float(x) for x in range(1, 21)]) == 20  # n=20: the largest
    assert synth.critical([float(x) for x in range(1, 40)]) == 38  # n=39: the second
    assert synth.p_value(100.0, [1.0] * 20) == 1 / 21


def test_interval_is_every_effect_whose_p_exceeds_005() -> None:
    """Inverting by brute force (a fine grid of hypothesised effects, the p of each from
    the placebos) gives the interval ``effect`` states."""
    rng = np.random.default_rng(9)

    def fake(post_mean: float) -> synth.Fit:
        gap = np.concatenate([rng.normal(0, 0.1, 26), rng.normal(post_mean, 0.1, 4)])
        return synth.Fit(gap, np.ones(1), float(np.sqrt(np.mean(gap[:26] ** 2))), 26,
                         np.ones(30), np.ones(30))

    main, others = fake(0.6), [fake(0.0) for _ in range(59)]
    e = synth.effect(main, others, 4)
    m = float(main.gap[26:].mean())
    stats = [abs(float(o.gap[26:].mean())) / o.rmspe for o in others]
    grid = np.exp(np.linspace(m - 2, m + 2, 40_001))
    kept = [d for d in grid
            if synth.p_value(abs(m - np.log(d)) / main.rmspe, stats) > 0.05]
    assert e["low"] == pytest.approx(min(kept), rel=2e-4)
    assert e["high"] == pytest.approx(max(kept), rel=2e-4)
    assert e["min_p"] == 1 / 60 and e["placebos"] == 59


def test_office_distances() -> None:
    assert reference.distance_km("NYC", "NEW") == pytest.approx(14, abs=3)
    assert reference.distance_km("LOS", "SND") == pytest.approx(179, abs=5)
    assert set(reference.office_locations()) == set(reference.field_office_codes())


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated release 2025-03-01..10-15 (the generator doubles LOS from 2025-06-06
    to 07-31)."""
    return release_db(tmp_path_factory.mktemp("events"), "r.parquet", seed=31, rows=60_000,
                      start=date(2025, 3, 1), end=date(2025, 10, 15))


def _refit(db: Path, tmp: Path, ev: dict) -> tuple[dict[str, float], float, float]:
    """The fit again from the exported daily counts: pandas weekly sums from the event
    day, log(x + 0.5), demeaned over the pre-period, weights by SLSQP."""
    counts = export_aor(db, tmp)
    s = pd.Series(counts).rename_axis(["date", "aor"]).unstack(fill_value=0)
    s.index = pd.to_datetime(s.index)
    t0, pre = pd.Timestamp(ev["date"]), ev["fit"]["pre_weeks"]
    weeks = s.groupby((s.index - t0).days // 7).sum()
    y = np.log(weeks.loc[-pre:ev["window_days"] // 7 - 1] + 0.5)
    y = y - y.loc[:-1].mean()
    donors = ev["fit"]["donors"]
    a, b = y.loc[:-1, donors].to_numpy(), y.loc[:-1, ev["office"]].to_numpy()
    k = len(donors)
    res = minimize(lambda w: float(np.sum((b - a @ w) ** 2)), np.full(k, 1 / k),
                   method="SLSQP", bounds=[(0, 1)] * k, options={"ftol": 1e-14,
                                                               "maxiter": 1000},
                   constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1}])
    gap = y[ev["office"]].to_numpy() - y[donors].to_numpy() @ res.x
    rmspe = float(np.sqrt(np.mean(gap[:pre] ** 2)))
    return dict(zip(donors, res.x, strict=True)), rmspe, float(np.exp(gap[pre:].mean()))


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
def test_events_against_an_independent_refit(db: Path, tmp_path: Path) -> None:
    out = json.loads(run("events", "--event", "2025-06-06,LOS,Los Angeles", "--db", db,
                         "--json").stdout)
    (ev,) = out["events"]
    weights, rmspe, effect = _refit(db, tmp_path, ev)
    for c, w in weights.items():
        assert ev["fit"]["weights"].get(c, 0.0) == pytest.approx(w, abs=0.01), c
    assert ev["fit"]["rmspe_pre"] == pytest.approx(rmspe, rel=1e-3)
    assert ev["effect"] == pytest.approx(effect, rel=1e-3)
    assert ev["effect"] > 1.5 and ev["low"] > 1 and ev["p"] < 0.05  # the x2 operation
    assert ev["fit"]["pre_weeks"] == 13  # the data start 2025-03-01: fewer than 26 weeks
    p = ev["placebos"]
    assert ev["min_p"] == pytest.approx(1 / (p["space"] + p["time"] + 1))
    for e in ev["effects"]:
        if e.get("low") is not None:
            assert (e["low"] <= 1 <= e["high"]) == (e["p"] > 0.05)
            assert e["text"].startswith(f"x{e['ratio']:.2f} (")
    assert "synthetic control" in out["method"] and out["pre_days"] == 182
    weeks = [w["week"] for w in ev["study"]]
    assert weeks == list(range(weeks[0], weeks[-1] + 1)) and 0 in weeks
    for w in ev["study"]:
        assert set(w) == {"week", "start", "ratio", "low", "high"}
        assert w["start"] == str(date(2025, 6, 6) + timedelta(days=7 * w["week"]))
    dist = [d["distance_km"] for d in ev["displacement"]]
    assert dist == sorted(dist) and ev["displacement"][0]["office"] == "SND"
    assert "LOS" not in {d["office"] for d in ev["displacement"]}


def test_events_refuses_a_window_that_is_not_whole_weeks(db: Path) -> None:
    r = run("events", "--event", "2025-06-06,LOS,x", "--window", "30", "--db", db)
    assert r.exit_code == 2 and "whole number of weeks" in r.stderr


def test_events_table_fits_100_columns(db: Path) -> None:
    from typer.testing import CliRunner

    from icestats.cli import app

    r = CliRunner().invoke(app, ["events", "--event", "2025-06-06,LOS,Los Angeles Surge",
                                 "--db", str(db)], env={"COLUMNS": "100"})
    assert r.exit_code == 0 and "x" in r.output
    assert max(len(line) for line in r.output.splitlines()) <= 100


def test_the_noise_floor_and_the_parametric_interval_by_hand() -> None:
    """The floor is the larger of sqrt(1 / mean weekly count) and the robust sd of the
    weeks' log differences; with few placebos the critical value is t(n) times their
    root mean square standardized effect, never below t(n) x 1."""
    from scipy import stats as st

    weekly = np.array([100.0, 130, 90, 120, 110])
    d = np.diff(np.log(weekly + 0.5))
    robust = 1.4826 * np.median(np.abs(d - np.median(d))) / np.sqrt(2)
    assert synth.noise_floor(weekly) == pytest.approx(max(np.sqrt(1 / 110), robust))
    assert synth.noise_floor(np.array([4.0, 4, 4, 4])) == pytest.approx(0.5)
    crit, p = synth.parametric(3.0, [2.0, -1.0, 1.5])
    scale = np.sqrt((4 + 1 + 2.25) / 3)
    assert crit == pytest.approx(st.t.ppf(0.975, 3) * scale)
    assert p == pytest.approx(2 * st.t.sf(3.0 / scale, 3))
    assert synth.parametric(1.0, [0.1, -0.2])[0] == pytest.approx(st.t.ppf(0.975, 2))


def test_a_copied_donor_does_not_collapse_the_interval() -> None:
    """A treated series that is a donor's copy before the event (RMSPE about 0): the fit
    is flagged and the interval keeps the width of the office's own noise, not zero;
    a placebo fitting 10 times worse than the office is left out (Abadie's rule)."""
    rng = np.random.default_rng(4)
    days = [date(2024, 1, 1) + timedelta(days=i) for i in range(7 * 40)]
    base = rng.poisson(30, (len(days), 8)).astype(float)
    base[:, 0] = base[:, 1]  # office 0 copies office 1
    base[7 * 30:, 0] *= 1.5
    g = synth.grid(days, base, days[7 * 30])
    f = synth.fit(g, 0, list(range(1, 8)), g.event, 26)
    assert f is not None and f.rmspe < 0.01 < f.floor and f.scale == f.floor
    bad = synth.Fit(np.zeros(30), np.ones(1), 10 * f.scale, 26, np.ones(30), np.ones(30))
    kept, dropped = synth.comparable(f, [bad, f])
    assert kept == [f] and dropped == 1
    space, time = synth.placebos(g, 0, list(range(1, 8)), g.event, 26)
    e = synth.effect(f, space + time, 4)
    assert e["high"] / e["low"] > np.exp(2 * f.floor)
    assert 1.3 < e["ratio"] < 1.7
