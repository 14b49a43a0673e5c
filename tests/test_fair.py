"""The fair evaluation's parts and the underperformers answer, checked against numbers
computed here with numpy and scipy from the daily counts; the simulation trials in small.

Seeds are fixed; bench/validate.py part (e) runs the same trials with more seeds (figures
in docs/methods.md).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from scipy import stats as st
from typer.testing import CliRunner

import icestats
from icestats import reference
from icestats.cli import app
from icestats.render.report import build
from icestats.stats import goals as goals_mod
from icestats.stats.fair import Period, evaluate
from icestats.stats.fair_trials import fair_trials
from icestats.stats.weekday import Profiles, office_profiles
from icestats.web.app import create_app

from conftest import release_db, run

MONDAY = date(2025, 1, 6)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return release_db(tmp_path_factory.mktemp("fair"), "r.parquet", seed=43, rows=40_000,
                      start=date(2025, 3, 1), end=date(2025, 10, 15))


def matrix(ice: icestats.Icestats, start: date, end: date, codes: list[str]) -> np.ndarray:
    """days x offices from the daily answer, zeros filled."""
    n = (end - start).days + 1
    out = np.zeros((n, len(codes)))
    for r in ice.daily("aor", start=start, end=end).rows.to_pylist():
        if r["aor"] in codes:
            out[(r["date"] - start).days, codes.index(r["aor"])] = r["arrests"]
    return out


def test_an_exact_weekday_pattern_is_kept() -> None:
    """Counts with no noise: each office's own pattern is exact (no sampling variance), so
    it is kept whole, normalized to mean 1; the national pattern is the totals'."""
    days = [MONDAY + timedelta(days=i) for i in range(8 * 7)]
    patterns = np.array([[10, 10, 10, 10, 10, 2, 2], [5, 6, 7, 8, 9, 10, 11],
                         [4, 4, 4, 4, 4, 4, 4], [1, 3, 1, 3, 1, 3, 1]], dtype=float).T
    counts = patterns[[d.weekday() for d in days]] * 3
    p = office_profiles(days, counts)
    assert p.weeks == 8
    np.testing.assert_allclose(p.factors, patterns / patterns.mean(axis=0), rtol=1e-9)
    np.testing.assert_allclose(p.own_weight, 1.0)
    total = patterns.sum(axis=1)
    np.testing.assert_allclose(p.national, total / total.mean(), rtol=1e-9)


def test_a_noisy_pattern_is_shrunk_toward_the_national_one() -> None:
    """Poisson counts, 5 offices from 1 to 60 a day with their own patterns, 12 weeks: the
    ratio estimator, its variance from the weekly scatter and the method-of-moments
    spread, computed here."""
    rng = np.random.default_rng(3)
    days = [MONDAY + timedelta(days=i) for i in range(12 * 7)]
    level = np.array([1.0, 5.0, 15.0, 30.0, 60.0])
    shape = np.exp(rng.normal(0, 0.3, (7, 5)))
    y = rng.poisson(level[None] * shape[[d.weekday() for d in days]]).astype(float)
    weeks = y.reshape(12, 7, 5)  # MONDAY starts the weeks
    base = weeks.sum(axis=1).sum(axis=0) / 7
    f = weeks.sum(axis=0) / base
    resid = weeks - f[None] * (weeks.sum(axis=1) / 7)[:, None, :]
    var = (resid ** 2).sum(axis=0) / base ** 2 * 12 / 11
    nat = weeks.sum(axis=2)
    g = nat.sum(axis=0) / (nat.sum() / 7)
    g = g / g.mean()
    tau2 = np.maximum((f - g[:, None]).var(axis=1, ddof=1) - var.mean(axis=1), 1e-4)
    w = tau2[:, None] / (tau2[:, None] + var)
    want = g[:, None] + w * (f - g[:, None])
    want = want / want.mean(axis=0)
    p = office_profiles(days, y)
    np.testing.assert_allclose(p.factors, want, rtol=1e-9)
    np.testing.assert_allclose(p.own_weight, w.mean(axis=0), rtol=1e-9)
    assert p.own_weight[0] < p.own_weight[-1]  # the small office trusts its own least


def test_the_below_target_test_uses_the_variance_at_the_target() -> None:
    """6 offices, 28 days of negative binomial counts, no weekday pattern (factors 1): the
    Pearson dispersion, the pooled 1/k, the dispersion at the target and the one-sided
    p-value, computed here; P(attainment < 1) from the empirical Bayes posterior."""
    rng = np.random.default_rng(11)
    days = [MONDAY + timedelta(days=i) for i in range(28)]
    mean = np.array([3.0, 8.0, 15.0, 25.0, 40.0, 60.0])
    y = rng.negative_binomial(5, 5 / (5 + mean[None].repeat(28, 0))).astype(float)
    flat = Profiles(np.ones((7, 6)), np.ones(6), np.ones(7), 4)
    target = mean * np.array([1.0, 1.2, 0.9, 1.3, 1.0, 1.1])
    res = evaluate(Period(days, y), [f"O{i}" for i in range(6)], target, profiles=flat,
                   populations={})
    mbar = y.mean(axis=0)
    own = ((y - mbar) ** 2 / mbar).sum(axis=0) / 27
    inv_k = max(float(np.median((own - 1) / mbar)), 0.0)
    nb = 1 + mbar * inv_k
    beyond = own > nb * st.chi2.ppf(0.99, 27) / 27
    phi = np.maximum(np.where(beyond, own, nb), 1.0)
    phi0 = np.maximum(np.where(beyond, own, 1 + target * inv_k), 1.0)
    total, e = y.sum(axis=0), target * 28
    p = st.t.cdf((total - e) / np.sqrt(phi0 * e), 27)
    ys, es = total / phi, e / phi
    m = ys.sum() / es.sum()
    tau2 = max((ys / es).var(ddof=1) - (m / es).mean(), 1e-6 * m * m)
    below = st.gamma.cdf(1.0, m * m / tau2 + ys, scale=1 / (m / tau2 + es))
    for i, r in enumerate(res.rows):
        assert r["dispersion"] == pytest.approx(phi[i], rel=1e-9)
        assert r["dispersion_at_target"] == pytest.approx(phi0[i], rel=1e-9)
        assert r["p_below"] == pytest.approx(p[i], rel=1e-9)
        assert r["p_attainment_below_1"] == pytest.approx(below[i], rel=1e-9)
    assert not beyond.all() and inv_k > 0
    # an office under a target above its mean: the variance at the target is larger, so
    # the evidence against it is weaker than the observed-mean variance said
    i = 3
    old = st.t.cdf((total[i] - e[i]) / np.sqrt(phi[i] * e[i]), 27)
    assert res.rows[i]["p_below"] > old


def test_underperformers_from_the_daily_counts(db: Path) -> None:
    """Every yardstick's bottom 12, the rank intervals (the seeded gamma draws redone
    here), the sets under every / some yardsticks and the BH flags, from the daily
    counts."""
    with icestats.connect(db) as ice:
        a = ice.underperformers(n=12)
        codes = [o["aor"] for o in sorted(a.offices, key=lambda o: o["aor"])]
        codes = [c for c in reference.field_office_codes() if c in codes]
        y = matrix(ice, *a.window, codes)
        base_from, base_to = (date.fromisoformat(d) for d in a.details["baseline"])
        yb = matrix(ice, base_from, base_to, codes)
        fair = {o["aor"]: o for o in ice.fair_offices().ranked}
    assert tuple(a.window) == (date(2025, 9, 4), date(2025, 10, 1)) and len(codes) == 25
    assert (base_from, base_to) == (date(2025, 3, 1), date(2025, 9, 3))
    pops = reference.populations()
    per_day = y.sum(axis=0) / 28
    g = goals_mod.load(None)
    targets = np.array([g.targets(date(2025, 9, 10))[c] for c in codes])
    values = {"per_day": per_day,
              "per_resident": per_day * 365e5 / np.array([pops[c]["population"] for c in codes]),
              "per_noncitizen": per_day * 365e5 / np.array([pops[c]["noncitizen"]
                                                           for c in codes]),
              "attainment": per_day / targets,
              "vs_baseline": per_day / (yb.sum(axis=0) / len(yb))}
    phi = np.array([fair[c]["dispersion"] for c in codes])
    draws = np.random.default_rng(20250528).gamma(0.5 + y.sum(axis=0) / phi, phi / 28,
                                                  (4000, 25))
    ranks = 25 - np.argsort(np.argsort(draws, axis=1), axis=1)
    bottoms = {}
    for m in a.measures:
        order = np.argsort(values[m["key"]])[:12]
        bottoms[m["key"]] = {codes[i] for i in order}
        assert [e["aor"] for e in m["bottom"]] == [codes[i] for i in order], m["key"]
        for e in m["bottom"]:
            assert e["value"] == pytest.approx(values[m["key"]][codes.index(e["aor"])])
        if m["key"] == "per_day":
            for e in m["bottom"]:
                r = ranks[:, codes.index(e["aor"])]
                assert e["rank_low"] == int(np.quantile(r, 0.025, method="inverted_cdf"))
                assert e["rank_high"] == int(np.quantile(r, 0.975, method="inverted_cdf"))
                assert e["p_bottom"] == pytest.approx(float((r > 13).mean()))
    assert [m["key"] for m in a.measures] == list(values)
    assert set(a.every_measure) == set.intersection(*bottoms.values())
    assert {s["aor"] for s in a.some_measures} == set.union(*bottoms.values()) - \
        set(a.every_measure)
    assert a.below_target == [o["aor"] for o in a.offices if fair[o["aor"]]["below_target"]]
    assert a.note.startswith("The list depends on the yardstick and on noise")


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
def test_underperformers_cli_table_and_errors(db: Path) -> None:
    out = json.loads(run("offices", "--underperformers", "--n", "5", "--db", db,
                         "--json").stdout)
    assert out["question"] == "underperformers" and out["n"] == 5
    assert all(len(m["bottom"]) == 5 for m in out["measures"])
    assert "underlying daily rate" in out["intervals_for"]["rank_low/high"]
    fair = json.loads(run("offices", "--fair", "--db", db, "--json").stdout)
    assert "underlying daily rate" in fair["intervals_for"]["attainment_low/high"]
    for args in (["--underperformers"], ["--fair"]):
        text = CliRunner().invoke(app, ["offices", *args, "--db", str(db)],
                                  env={"COLUMNS": "100"}).stdout
        assert "…" not in text  # nothing cut at 100 columns
        assert max(len(line) for line in text.splitlines()) <= 100
        assert ("P(<1)" in text) == (args == ["--fair"])
    bad = run("offices", "--underperformers", "--n", "25", "--db", db)
    assert bad.exit_code == 2 and bad.stderr.strip() == \
        "error: --n must be a whole number from 1 to 24, not 25"


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
def test_report_and_api(db: Path) -> None:
    with icestats.connect(db) as ice:
        html = build(ice)
        u = ice.underperformers()
    lowest = u.measures[0]["bottom"][0]
    table = html[html.index("<table id='underperformers'>"):]
    table = table[:table.index("</table>")]
    # the header, then each office in the 12 lowest under at least one yardstick
    assert table.count("<tr") == 1 + sum(1 for o in u.offices if o["bottom_under"])
    assert f"<td class=t>{lowest['aor']}</td>" in table
    assert (f"<td>▼{lowest['rank']} {lowest['rank_low']}–{lowest['rank_high']}</td>"
            in table and "The list depends on the yardstick" in html)
    client = TestClient(create_app(db), base_url="http://127.0.0.1")
    assert client.get("/api/underperformers?n=0").status_code == 422
    assert client.get("/api/underperformers?n=3").json()["n"] == 3


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
def test_fair_trials_false_flags_and_rank_coverage() -> None:
    """30 simulated months x 24 offices (seeds 0..29), own weekday patterns, AR(1) shocks of
    sd 0.15 and 0.30, every office exactly at target, the long-run factor measured on the
    year before: measured false flags 1.9% and 0.0% of 720 one-sided tests at 5%, true
    rank inside its 95% interval 99.7% and 100%."""
    for shock in (0.15, 0.30):
        r = fair_trials(range(30), shock)
        assert r["tests"] == 720
        assert r["false_flag_rate"] <= 0.05 + 2 * np.sqrt(0.05 * 0.95 / 720)
        assert r["rank_coverage"] >= 0.95 and r["bh_any_rate"] <= 0.1


def test_persistence_from_split_halves_by_hand() -> None:
    """Two offices over 56 days (two blocks): the long-run factor is the square of the
    robust scale (median |z| / 0.6745) of the blocks' split-half z under the day model,
    and the drift the median over offices of mean(d^2) - mean(noise)."""
    from icestats.stats.fair import dispersion_model
    from icestats.stats.persistence import persistence, split_half_z

    days = [MONDAY + timedelta(days=i) for i in range(56)]
    rng = np.random.default_rng(8)
    y = np.column_stack([rng.poisson(np.r_[np.full(14, 20), np.full(14, 30),
                                           np.full(28, 25)]),
                         rng.poisson(np.r_[np.full(28, 6), np.full(14, 3), np.full(14, 9)])]
                        ).astype(float)
    factors = np.ones((7, 2))
    got = persistence(days, y, factors)
    zs, sums, phis = [], [], []
    for s in (0, 28):
        block = Period(days[s:s + 28], y[s:s + 28])
        phi = dispersion_model(block, factors).phi
        n1, n2 = block.counts[:14].sum(axis=0), block.counts[14:].sum(axis=0)
        r = (n1 + n2) / 28
        zs.append((n1 - 14 * r) / np.sqrt(phi * r * 14 * 14 / 28))
        sums.append(block.counts.sum(axis=0))
        phis.append(phi)
        assert split_half_z(block, phi, factors) == pytest.approx(zs[-1])
    z = np.abs(np.concatenate(zs))
    factor = max((np.median(z) / 0.6745) ** 2, 1.0)
    assert got.factor == pytest.approx(factor) and got.windows == 2 and factor > 2
    d = np.log(sums[1] + 0.5) - np.log(sums[0] + 0.5)
    noise = factor * (phis[1] / sums[1] + phis[0] / sums[0])
    assert got.drift_var == pytest.approx(max(float(np.median(d ** 2 - noise)), 0.0))


@pytest.mark.slow
def test_split_halves_and_next_ranks_on_the_real_series() -> None:
    """UWCHR's daily arrests per office FY2016-19 (tests/data), every 28-day window with a
    year before it and 28 days after (37 windows x 24 offices): with the long-run factor
    the split-half |z| exceeds 1.96 in at most 7% of office-windows (the day model alone:
    13%), and the predictive rank interval holds the next window's rank at least 85% of
    the time."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    import realseries
    from icestats.stats.fair_checks import real_windows

    u = realseries.uwchr_offices(Path(__file__).parent / "data" /
                                 "enforcement_final_36132af.psv.gz")
    before = real_windows(u.days, u.names, u.counts, long_run=False)
    after = real_windows(u.days, u.names, u.counts)
    assert after["office_windows"] == 37 * 24
    assert before["split_half_beyond_1_96"] > 0.1
    assert after["split_half_beyond_1_96"] <= 0.07, after
    assert after["next_rank_interval_holds_next_rank"] >= 0.85, after
