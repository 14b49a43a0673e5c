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
    assert out["window_days"] == 28 and out["window"][1] == "2025-10-01"
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


def test_events_file_and_inline(db: Path) -> None:
    example = run("events", "--example").stdout
    assert "CHI" in example and "2025-09-08" in example
    out = json.loads(run("events", "--event", "2025-09-08,CHI,Midway Blitz", "--db", db,
                         "--json").stdout)
    (ev,) = out["events"]
    assert ev["effect"] > 1.5 and ev["low"] > 1 and ev["placebo_p"] < 0.1
    assert "difference in differences" in out["method"] and out["window_days"] == 28
    bad = run("events", "--event", "2025-13-01,CHI,x", "--db", db)
    assert bad.exit_code == 2 and "not a date" in bad.stderr


def test_forecast(db: Path) -> None:
    out = json.loads(run("forecast", "--db", db, "--json", "--horizon", "30").stdout)
    assert len(out["days"]) == 30 and out["fit_days"] == 90
    assert all(d["low"] <= d["mean"] <= d["high"] for d in out["days"])
    assert out["goal_met"].startswith("not within the horizon")
    low = json.loads(run("forecast", "--db", db, "--json", "--goal", "100").stdout)
    assert low["goal_met"] == "already at or above the goal"
    assert len(low["offices"]) == 25


def test_a_nearly_flat_trend_gives_no_date() -> None:
    """Found by the load test: a tiny positive slope once overflowed the date."""
    from icestats.stats.forecast import fit_forecast

    days = [date(2025, 1, 1) + (date(2025, 1, 2) - date(2025, 1, 1)) * i for i in range(60)]
    y = np.array([5.0 + 1e-9 * i for i in range(60)])
    out = fit_forecast(days, y, 30, 1000.0)
    assert out["goal_met_date"] is None and "10 years" in out["goal_met"]
