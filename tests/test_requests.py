"""Requests that went wrong at the edges (issue 20, item 5), each checked against what was
wrong: impossible requests exit non-zero with one line; a closed pipe ends quietly; a goal
the user gives applies to any period; surges do not move with --from/--to; the report
works whatever the latest window holds, with nothing on stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from datetime import date
from pathlib import Path

import pytest

import icestats
from icestats import reference
from icestats.generate import Options, records, write
from icestats.render.report import build

from conftest import loaded_db, run

# the command in a child process sees the same package as the tests (and nothing else)
ENV = {"PATH": "/usr/bin:/bin", **{k: v for k, v in os.environ.items() if k == "PYTHONPATH"}}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated arrests 2025-03-01..10-15 and ICE's FY25 workbook."""
    return loaded_db(tmp_path_factory.mktemp("requests"), seed=5, rows=5_000)


def release(tmp: Path, name: str, start: date, end: date, rows: int,
            offices: tuple[str, ...] | None = None,
            effects: tuple[tuple[str, date, float], ...] = ()) -> Path:
    """A database holding one generated csv release with these offices and effects."""
    opts = Options(start=start, end=end, rows=rows, seed=9, layout="2025", events=False,
                   effects=effects, **({"offices": offices} if offices is not None else {}))
    path = tmp / f"{name}.duckdb"
    write(records(opts), tmp / f"{name}.csv", "csv", opts, 1_000_000)
    assert run("ingest", tmp / f"{name}.csv", "--db", path).exit_code == 0
    return path


@pytest.mark.parametrize("args,message", [
    (["events", "--event", "2019-02-25,SFR,before the data"],
     "error: event 2019-02-25 SFR 'before the data' is outside the data (2025-03-01 to "
     "2025-10-01, the last complete day): nothing to measure; give --event"),
    (["revisions", "--table", "foo"], "error: unknown --table 'foo' (the loaded workbooks "
                                      "have: book_ins_by_agency,"),
    (["fair", "--fdr", "2"], "error: --fdr must be a finite number above 0 and below 1, "
                             "not 2"),
    (["offices", "--fair", "--fdr", "2"], "error: --fdr must be a finite number above 0 and "
                                          "below 1, not 2"),
])
def test_impossible_requests_exit_non_zero_with_one_line(db: Path, args: list[str],
                                                         message: str) -> None:
    r = run(*args, "--db", db)
    assert r.exit_code == 2 and r.stderr.startswith(message) and r.stderr.count("\n") == 1, \
        (r.exit_code, r.stderr)


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
@pytest.mark.parametrize("args", [["daily", "--by", "aor", "--json"], ["fiscal-years"]],
                         ids=" ".join)
def test_a_closed_pipe_ends_quietly(db: Path, tmp_path: Path, args: list[str]) -> None:
    """`icestats ... | head`: the reader is gone; no crash line, no traceback file."""
    env = {**ENV, "TMPDIR": str(tmp_path), "COLUMNS": "80"}
    p = subprocess.Popen([sys.executable, "-m", "icestats.cli", *args, "--db", str(db)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert p.stdout is not None and p.stderr is not None
    p.stdout.close()  # (the reader went away before the answer was written)
    err = p.stderr.read().decode()
    assert p.wait() == 141 and "error" not in err and "Traceback" not in err, err
    assert err == ""
    assert not list(tmp_path.glob("icestats-error-*"))


@pytest.fixture(scope="module")
def historic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every office, 2023-01-02..2023-08-31: before the default goal (2025-05-28) and its
    baseline year (2024)."""
    return release(tmp_path_factory.mktemp("historic"), "historic", date(2023, 1, 2),
                   date(2023, 8, 31), 25_000)


def test_a_goal_given_applies_to_historic_data_and_says_it_is_yours(historic: Path) -> None:
    got = json.loads(run("fair", "--goal", "3000", "--db", historic, "--json").stdout)
    assert got["targets_in_force"] and got["goals"]["user"] is True
    assert "your goal: 3,000 a day (--goal), applied to every day" in got["goals"]["source"]
    ranked = [o for o in got["offices"] if o["rank"] is not None]
    pops = reference.populations()
    share = {c: pops[c]["noncitizen"] for c in reference.field_office_codes()}
    total = sum(share.values())
    assert len(ranked) == 25
    for o in ranked:  # the goal shared by noncitizen population, every office
        assert o["target_per_day"] == pytest.approx(3000 * share[o["aor"]] / total, abs=0.05)
        assert o["attainment"] == pytest.approx(o["per_day"] / o["target_per_day"], abs=0.01)
    alias = json.loads(run("offices", "--fair", "--goal", "3000", "--db", historic,
                           "--json").stdout)
    assert alias["offices"] == got["offices"]


def test_without_a_goal_historic_offices_still_have_their_own_baseline(historic: Path
                                                                       ) -> None:
    """No target in force: the table is not all dashes; each office against the 52 weeks
    before the window (the 2024 baseline holds no data), said so."""
    got = json.loads(run("fair", "--db", historic, "--json").stdout)
    assert not got["targets_in_force"] and got["goals"]["user"] is False
    ranked = [o for o in got["offices"] if o["rank"] is not None]
    assert all(o["baseline_ratio"] is not None for o in ranked)
    assert "the baseline is the" in got["baseline_note"]


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
def test_the_reports_office_table_applies_the_goal_given(historic: Path) -> None:
    """(The report's HTML without drawing its charts: the one-office report below draws.)"""
    from icestats.render.figures import Figures
    from icestats.render.report import _build

    with icestats.connect(historic) as ice:
        html = _build(ice, 3000, Figures(svg=False))
    table = html[html.index("<table id='office-table'>"):]
    table = table[:table.index("</table>")]
    rows = table.split("<tr>")[2:]
    targets = [r.split("<td>")[3].split("</td>")[0] for r in rows]
    assert len(rows) >= 25 and sum(t not in ("–", "") for t in targets) >= 25


@pytest.fixture(scope="module")
def surged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A year of arrests with Chicago doubled from 2024-06-03 to the end of the data."""
    return release(tmp_path_factory.mktemp("surged"), "surged", date(2024, 1, 1),
                   date(2024, 12, 31), 40_000, effects=(("CHI", date(2024, 6, 3), 2.0),))


def test_surges_do_not_move_with_the_dates_asked_for(surged: Path) -> None:
    """Scanned on the whole series, then listed for the range: each range lists exactly
    the whole scan's surges that overlap it, with the same dates; a surge that runs past
    --to is not 'ongoing' unless it reaches the end of the data."""
    whole = json.loads(run("surges", "--db", surged, "--json").stdout)["surges"]
    chi = [s for s in whole if s["office"] == "CHI" and s["ratio"] > 1.6]
    assert chi and chi[0]["ongoing"] and abs(
        (date.fromisoformat(chi[0]["start"]) - date(2024, 6, 3)).days) <= 7
    for first, last in (("2024-05-01", "2024-07-31"), ("2024-06-10", "2024-09-30"),
                        ("2024-03-01", "2024-06-20")):
        got = json.loads(run("surges", "--from", first, "--to", last, "--db", surged,
                             "--json").stdout)["surges"]
        expected = [s for s in whole if s["start"] <= last and s["end"] >= first]
        assert got == expected, (first, last)


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
@pytest.mark.parametrize("offices", [("CHI",), ()], ids=["one office", "no office"])
def test_the_report_works_whatever_the_latest_window_holds(
        tmp_path: Path, offices: tuple[str, ...]) -> None:
    """One office, or only records without an office: the report is written; the
    underperformers section says there is nothing to compare; no warning (numpy's
    RuntimeWarnings went to stderr)."""
    db = release(tmp_path, "few", date(2024, 1, 1), date(2024, 6, 30), 3000, offices)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with icestats.connect(db) as ice:
            html = build(ice)
            low = ice.underperformers()
    assert "id='office-table'" in html and low.measures == []
    assert f"{len(offices)} office" in low.note and "nothing to compare" in low.note
