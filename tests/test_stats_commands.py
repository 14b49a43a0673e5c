"""The statistics commands end to end: goals files, --fair, nowcast with two releases,
events, forecast; every --json answer carries its method and window."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from icestats import reference
from icestats.stats import goals as goals_mod

from conftest import make_release, run


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("stats")
    older = make_release(tmp / "older.parquet", seed=21, rows=30_000,
                         start=date(2025, 4, 1), end=date(2025, 8, 31))
    newer = make_release(tmp / "newer.parquet", seed=22, rows=40_000,
                         start=date(2025, 4, 1), end=date(2025, 10, 15))
    path = tmp / "db.duckdb"
    assert run("ingest", older, newer, "--db", path).exit_code == 0
    return path


def test_default_goals_allocate_3000_by_noncitizens() -> None:
    g = goals_mod.load(None)
    t = g.targets(date(2025, 7, 1))
    pops = reference.populations()
    total = sum(pops[c]["noncitizen"] for c in t)
    assert round(sum(t.values()), 6) == 3000
    assert t["CHI"] == pytest.approx(3000 * pops["CHI"]["noncitizen"] / total)
    assert g.targets(date(2025, 5, 27)) == {}  # before the goal took effect


def test_goals_file_with_office_targets(tmp_path: Path) -> None:
    f = tmp_path / "goals.toml"
    f.write_text('[national]\nper_day = 2000\nallocation = "population"\n'
                 '[[office]]\naor = "chi"\nper_day = 500\nfrom = 2025-09-01\n')
    g = goals_mod.load(f)
    before, after = g.targets(date(2025, 8, 1)), g.targets(date(2025, 9, 2))
    assert round(sum(before.values()), 6) == 2000 and after["CHI"] == 500
    assert round(sum(v for c, v in after.items() if c != "CHI"), 6) == 1500
    f.write_text('[[office]]\naor = "XYZ"\nper_day = 5\n')
    r = run("offices", "--fair", "--goals", f, "--db", "nowhere.duckdb")
    assert r.exit_code == 2 and "unknown office 'XYZ'" in r.stderr


def test_fair_json(db: Path) -> None:
    out = json.loads(run("offices", "--fair", "--db", db, "--json").stdout)
    assert out["window_days"] == 28 and out["window"]["to"] == "2025-10-01"
    assert "negative binomial" in out["method"] and "Benjamini-Hochberg" in out["method"]
    ranked = [o for o in out["offices"] if o["rank"] is not None]
    assert len(ranked) == 25 and {o["aor"] for o in out["offices"]} >= {"HQ", "UNK"}
    for o in ranked:
        assert o["attainment_low"] <= o["attainment"] <= o["attainment_high"]
        assert o["arrests"] == round(o["per_day"] * 28)
    text = run("offices", "--fair", "--db", db).stdout
    assert "Fair office evaluation" in text and "attainment" in text


def test_nowcast_uses_the_overlap(db: Path) -> None:
    out = json.loads(run("nowcast", "--db", db, "--json").stdout)
    assert out["curve_source"].startswith("estimated from 1 pair")
    assert out["release_end"] == "2025-10-15" and len(out["days"]) == 14
    for d in out["days"]:
        assert d["low"] <= d["nowcast"] <= d["high"] and d["nowcast"] >= d["reported"]
    assert out["nowcast_total"] > out["reported_total"]
    # the triangle's curve comes with its standard error, carried into the intervals
    assert out["corrected"] is True and out["tail_test"] is None
    assert len(out["curve_sd"]) == 28 and out["curve_sd"][0] > 0


def test_events_file_and_inline(db: Path) -> None:
    example = run("events", "--example").stdout
    assert "CHI" in example and "2025-09-08" in example
    out = json.loads(run("events", "--event", "2025-09-08,CHI,Midway Blitz", "--db", db,
                         "--json", "--window", "21").stdout)
    (ev,) = out["events"]
    # the generator's x2.5 from 2025-09-08 (data complete through 2025-10-01: three weeks)
    assert ev["effect"] > 1.8 and ev["low"] > 1 and ev["p"] < 0.05
    assert ev["effects"][1] == {"days": 28, "ratio": None, "note": "beyond the data"}
    assert "synthetic control" in out["method"] and out["window_days"] == 21
    short = run("events", "--event", "2025-09-08,CHI,x", "--db", db, "--json")
    assert short.exit_code == 2 and "28 complete days" in short.stderr  # (refused)
    bad = run("events", "--event", "2025-13-01,CHI,x", "--db", db)
    assert bad.exit_code == 2 and "not a date" in bad.stderr


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
def test_forecast(db: Path) -> None:
    out = json.loads(run("forecast", "--db", db, "--json", "--horizon", "30").stdout)
    assert len(out["days"]) == 30 and out["fit_days"] == 182 and out["as_of"] == "2025-10-01"
    for d in out["days"]:
        assert set(d) == {"date", "mean", "lo80", "hi80", "lo95", "hi95", "low", "high"}
        assert d["lo95"] <= d["lo80"] <= d["mean"] <= d["hi80"] <= d["hi95"]
    m30 = out["next_30_days_mean_interval"]
    assert m30["low"] <= out["next_30_days_mean"] <= m30["high"] and m30["level"] == 0.95
    assert 0 <= out["goal_probability"] <= 1 and "chance" in out["goal_met"]
    assert out["goal_date"] is None  # 3,000 a day is far above a generated 2025 release
    low = json.loads(run("forecast", "--db", db, "--json", "--goal", "100").stdout)
    assert low["goal_probability"] > 0.99
    # a goal the next 30 days are expected to meet gets no date: it is met now
    assert low["goal_date"] is None and "met now" in low["goal_met"]
    spans = low["goal_spans"]
    assert [s["span"] for s in spans] == ["next 30 days", "November 2025"]  # to 2025-12-30
    for s in spans:
        assert s["low"] <= s["forecast_per_day"] <= s["high"] and s["probability"] > 0.97
    assert len(low["offices"]) == 25
    assert all(len(o["days"]) == 90 and "target_probability" in o for o in low["offices"])


def test_forecast_summary_names_its_span(db: Path) -> None:
    """With a horizon under 30 days the "next 30 days" summary is of the horizon, and says
    so: the mean of exactly those days, labelled with their number."""
    import numpy as np

    out = json.loads(run("forecast", "--db", db, "--json", "--horizon", "7").stdout)
    assert out["next_30_days_span"] == 7
    assert out["next_30_days_mean"] == pytest.approx(np.mean([d["mean"] for d in out["days"]]),
                                                     rel=0.02)
    text = run("forecast", "--db", db, "--horizon", "7").stdout
    assert "Next 7 days:" in text and "interval for the 7-day mean" in text
    assert "Next 30 days" not in text


def test_forecast_observed_means_are_the_data(db: Path) -> None:
    """The observed 14- and 28-day means printed beside the model equal the daily counts."""
    out = json.loads(run("forecast", "--db", db, "--json", "--horizon", "7").stdout)
    daily = json.loads(run("daily", "--db", db, "--json", "--from", "2025-09-04", "--to",
                           "2025-10-01").stdout)["rows"]
    counts = [r["arrests"] for r in daily]
    assert len(counts) == 28
    assert out["observed_mean_last_28_days"] == pytest.approx(np.mean(counts))
    assert out["observed_mean_last_14_days"] == pytest.approx(np.mean(counts[-14:]))


def test_forecast_as_of_uses_only_data_up_to_it(db: Path) -> None:
    out = json.loads(run("forecast", "--db", db, "--json", "--horizon", "14", "--as-of",
                         "2025-08-01", "--level", "0.8").stdout)
    assert out["as_of"] == "2025-08-01" and out["fit"][1] == "2025-08-01"
    assert out["days"][0]["date"] == "2025-08-02" and out["level"] == 0.8
    assert out["weeks"][0]["level"] == 0.8 and len(out["weeks"]) == 2
    bad = run("forecast", "--db", db, "--level", "1.5")
    assert bad.exit_code == 2 and "--level" in bad.stderr


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
def test_forecast_backtest_on_own_data(db: Path) -> None:
    out = json.loads(run("forecast", "--db", db, "--json", "--horizon", "7",
                         "--backtest").stdout)
    b = out["backtest"]
    assert b["origins"] == 12 and b["horizon"] == 30 and b["series"] == 26
    for m in b["methods"].values():
        assert 0 <= m["coverage_80"] <= m["coverage_95"] <= 1
        assert m["days_scored"] == 12 * 26 * 30
    text = run("forecast", "--db", db, "--horizon", "7", "--backtest").stdout
    assert "Backtest on this data" in text and "local level" in text
