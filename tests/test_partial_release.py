"""A release that covers only some offices (a state-level FOIA answer): the others are
'not covered' in every answer, never scored as 0% of target."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest

from conftest import make_release, run
from reference_impl import aor_code

KEEP = {"CHI", "LOS", "NYC", "MIA", "HOU"}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("partial")
    full = make_release(tmp / "full.csv", rows=20_000, start=date(2025, 3, 1),
                        end=date(2025, 6, 30))
    part = tmp / "part.csv"
    with full.open(newline="") as src, part.open("w", newline="") as out:
        rows = list(csv.reader(src))
        head = next(i for i, r in enumerate(rows) if "Apprehension Date" in r)
        col = next(i for i, name in enumerate(rows[head]) if "AOR" in name)
        w = csv.writer(out)
        w.writerows(rows[:head + 1])
        w.writerows(r for r in rows[head + 1:] if aor_code(r[col]) in KEEP)
    path = tmp / "db.duckdb"
    assert run("ingest", part, "--db", path).exit_code == 0
    return path


def test_offices_not_covered_are_not_ranked(db: Path) -> None:
    out = json.loads(run("offices", "--db", db, "--json").stdout)
    ranked = {o["aor"] for o in out["offices"] if o["rank"] is not None}
    assert ranked == KEEP
    assert len(out["not_covered"]) == 20 and not set(out["not_covered"]) & KEEP
    assert "Not covered by the releases" in run("offices", "--db", db).stdout


def test_fair_flags_only_covered_offices(db: Path) -> None:
    out = json.loads(run("offices", "--fair", "--db", db, "--json").stdout)
    flagged = set(out["below_target"])
    rows = {o["aor"]: o for o in out["offices"]}
    for code in out["not_covered"]:
        r = rows[code]
        assert r["rank"] is None and r["covered"] is False and not r.get("below_target")
        assert r["name"] not in flagged
    assert {o["aor"] for o in out["offices"] if o["rank"] is not None} == KEEP


def test_forecast_leaves_them_out(db: Path) -> None:
    out = json.loads(run("forecast", "--db", db, "--json", "--horizon", "14").stdout)
    assert {o["aor"] for o in out["offices"]} == KEEP
    assert len(out["not_covered"]) == 20
