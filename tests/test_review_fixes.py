"""What an independent review of issues 20 and 21 found at the edges, each checked against
the exact output that was wrong: a database whose records name no office, a forecast on
too few days, impossible event requests, captions, export columns, labels, reject
reasons, date formats."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from test_requests import release

from conftest import loaded_db, make_release, run


@pytest.fixture(scope="module")
def no_office(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Records that name no office (a blank office column), 2024-01-01..06-30."""
    return release(tmp_path_factory.mktemp("no_office"), "none", date(2024, 1, 1),
                   date(2024, 6, 30), 3000, ())


def test_surges_with_no_office_covered_says_so(no_office: Path) -> None:
    """Was exit 70 (KeyError 'surges'); csv printed the name/value summary instead."""
    r = run("surges", "--db", no_office)
    assert r.exit_code == 0, r.output
    assert "Surges, 2024-01-01 to 2024-06-16: no office covered by the releases, none " \
           "scanned." in " ".join(r.stdout.split())
    assert "No surge found" not in r.stdout
    csv = run("surges", "--db", no_office, "--format", "csv")
    assert csv.exit_code == 0
    assert csv.stdout == ("office,start,end,ongoing,days,per_day_before,per_day_during,"
                          "ratio,low,high,note\n")


def test_forecast_with_no_office_covered_gives_the_national_one(no_office: Path) -> None:
    """Was exit 70 (KeyError 'offices')."""
    r = run("forecast", "--db", no_office)
    assert r.exit_code == 0, r.output
    assert "No office covered by the releases fitted: the national forecast only." in \
        " ".join(r.stdout.split())
    got = json.loads(run("forecast", "--db", no_office, "--json").stdout)
    assert got["offices"] == [] and len(got["weeks"]) == 13


def test_forecast_refuses_fewer_days_than_it_may_be_fitted_on(no_office: Path) -> None:
    """--fit-days has a minimum of 28; --as-of 10 days after the data's start fitted on 10
    days and labelled their mean 'over the last 28'."""
    r = run("forecast", "--as-of", "2024-01-27", "--db", no_office)
    assert (r.exit_code, r.stderr) == (2, "error: forecast needs 28 days of data up to "
                                          "--as-of; the data start 2024-01-01 (--as-of "
                                          "2024-01-27)\n")
    assert run("forecast", "--as-of", "2024-01-28", "--db", no_office).exit_code == 0


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated arrests 2025-03-01..10-15 (complete to 2025-10-01) and ICE's FY25
    workbook."""
    return loaded_db(tmp_path_factory.mktemp("generated"), seed=5, rows=5_000)


@pytest.mark.parametrize("event,tail", [
    ("2025-03-10,CHI,x", "(9 days before, 206 from it)"),
    ("2025-09-20,CHI,x", "(203 days before, 12 from it)"),
])
def test_an_event_the_data_cannot_measure_is_refused(generated: Path, event: str,
                                                     tail: str) -> None:
    """Was exit 0 with the note; the note named the last complete day as the data's end."""
    r = run("events", "--event", event, "--db", generated)
    day = event.split(",")[0]
    assert (r.exit_code, r.stderr) == (2, (
        f"error: event {day} CHI 'x': needs 21 days before {day} and 28 complete days from "
        f"it; the data run from 2025-03-01 to 2025-10-15, complete to 2025-10-01 {tail}\n"))


def test_a_narrowed_window_counts_its_own_days_with_data(generated: Path) -> None:
    """events' JSON window said "days": 61, "days_with_data": 1418 (the whole data's): the
    answers that narrow their window (events, nowcast, a personal breakdown) count again."""
    got = json.loads(run("events", "--db", generated, "--json").stdout)["window"]
    assert got["days_with_data"] == got["days"] == (
        date.fromisoformat(got["to"]) - date.fromisoformat(got["from"])).days + 1
    gender = json.loads(run("daily", "--by", "gender", "--from", "2025-04-03", "--to",
                            "2025-05-20", "--db", generated, "--json").stdout)["window"]
    assert (gender["from"], gender["to"], gender["days_with_data"]) == (
        "2025-04-01", "2025-05-31", 61)
    now = json.loads(run("nowcast", "--db", generated, "--json").stdout)["window"]
    assert (now["days"], now["days_with_data"]) == (14, 14)


def test_goal_caption_says_an_as_of_day_was_asked(generated: Path) -> None:
    """Was 'as of 2018-06-30 (last complete day; newer days are incomplete)' for any
    --as-of."""
    asked = run("goal", "--as-of", "2025-06-30", "--db", generated).stdout
    assert "as of 2025-06-30 (asked)" in asked and "last complete day" not in asked
    default = run("goal", "--db", generated).stdout
    assert "as of 2025-10-01 (last complete day; newer days are incomplete)" in default


def _csv(*args: object) -> list[dict[str, str]]:
    import csv
    import io

    r = run(*args, "--format", "csv")
    assert r.exit_code == 0, r.output
    return list(csv.DictReader(io.StringIO(r.stdout)))


def test_fair_csv_says_covered_true_or_false(generated: Path) -> None:
    """covered was empty for covered offices (pandas read it as float NaN)."""
    import io

    import pandas as pd

    r = run("fair", "--db", generated, "--format", "csv")
    frame = pd.read_csv(io.StringIO(r.stdout))
    got = json.loads(run("fair", "--db", generated, "--json").stdout)
    assert str(frame["covered"].dtype) == "bool"
    assert dict(zip(frame["aor"], frame["covered"], strict=True)) == {
        o["aor"]: o["aor"] not in got["not_covered"] for o in got["offices"]}


def test_goal_csv_rows_carry_their_label_and_as_of_day(generated: Path) -> None:
    rows = _csv("goal", "--as-of", "2025-06-30", "--db", generated)
    assert list(rows[0])[:4] == ["label", "as_of", "days", "days_with_data"]
    assert [(r["label"], r["as_of"], r["days"]) for r in rows] == [
        ("7-day mean", "2025-06-30", "7"), ("28-day mean", "2025-06-30", "28"),
        ("90-day mean", "2025-06-30", "90")]


def test_daily_csv_heads_its_category_as_the_terminal_does(generated: Path) -> None:
    """The office column was headed 'key'."""
    assert list(_csv("daily", "--by", "aor", "--db", generated)[0])[0] == "aor"
    assert list(_csv("daily", "--db", generated)[0])[0] == "month"


def test_agency_csv_has_the_column_a_narrow_terminal_points_to(generated: Path,
                                                               tmp_path: Path) -> None:
    """At 80 columns 'arrests/day' is left out '(--format csv or --json has every
    column)': the csv lacked it; the xlsx sheet of it was headed 'date', 'value'."""
    import openpyxl

    got = json.loads(run("agency", "--db", generated, "--json").stdout)
    rows = _csv("agency", "--db", generated)
    per_day = {r["month"]: r["arrests_per_day"] for r in rows}
    assert {k: float(v) for k, v in per_day.items() if v} == pytest.approx(
        {k: v for k, v in got["arrests_per_day_by_month"].items()})
    assert len([v for v in per_day.values() if v]) == 7  # (2025-03 to 2025-09)
    out = tmp_path / "agency.xlsx"
    assert run("export", "agency", "--db", generated, "-o", out).exit_code == 0
    sheet = openpyxl.load_workbook(out)["arrests_per_day_by_month"]
    assert [c.value for c in sheet[1]] == ["month", "arrests_per_day"]


def test_a_generated_release_s_example_event_says_so(generated: Path) -> None:
    """A real operation's name was printed beside a generated effect."""
    got = json.loads(run("events", "--db", generated, "--json").stdout)
    assert [e["label"] for e in got["events"]] == [
        "Los Angeles enforcement operations (June 2025) (generated release's example event)",
        "Operation Midway Blitz, Chicago (from September 2025) (generated release's example "
        "event)"]
    named = json.loads(run("events", "--event", "2025-06-06,LOS,LA", "--db", generated,
                           "--json").stdout)
    assert [e["label"] for e in named["events"]] == ["LA"]  # (the user's own words)


def test_ingest_of_a_generated_file_says_generated_on_its_line(tmp_path: Path) -> None:
    """A generated file under another name (an xlsx renamed .csv, a parquet) is found
    generated by its content; its load line said nothing."""
    rel = make_release(tmp_path / "renamed.parquet", seed=3, rows=500,
                       start=date(2025, 3, 1), end=date(2025, 4, 30))
    r = run("ingest", rel, "--db", tmp_path / "g.duckdb")
    assert r.exit_code == 0 and r.stdout.startswith(
        f"{rel}: GENERATED (synthetic) release, not real data: loaded ")


def test_a_file_with_every_row_rejected_says_why(tmp_path: Path) -> None:
    """Dates all after the day of loading: 'no loadable rows (every row was rejected)' did
    not say why."""
    rel = make_release(tmp_path / "future.csv", seed=3, rows=300,
                       start=date(2031, 10, 1), end=date(2031, 11, 30))
    import csv

    with rel.open(encoding="utf-8") as fh:
        lines = list(csv.reader(fh))
    at = next(i for i, r in enumerate(lines) if "Apprehension Date" in r)
    first = lines[at + 1][lines[at].index("Apprehension Date")]
    db = tmp_path / "f.duckdb"
    r = run("ingest", rel, "--db", db, "--max-rejects", "1")
    assert (r.exit_code, r.stderr) == (1, (
        f"error: {rel}, row {at + 2}, column 'Apprehension Date': no loadable rows: every "
        f"row was rejected (the first: apprehension date after the day of loading, "
        f"'{first}')\n"))
    assert not db.exists()


@pytest.mark.parametrize("day", ["20250601", "2025-W22-7", "2025-6-1"])
def test_only_iso_dates_are_read_on_the_command_line_and_the_api(generated: Path,
                                                                 day: str) -> None:
    """--as-of 20190101 was read as 2019-01-01 although every message says YYYY-MM-DD."""
    from fastapi.testclient import TestClient

    from icestats.web.app import create_app

    message = f"--as-of '{day}' is not a date (expected YYYY-MM-DD)"
    r = run("goal", "--as-of", day, "--db", generated)
    assert (r.exit_code, r.stderr) == (2, f"error: {message}\n")
    api = TestClient(create_app(generated), base_url="http://127.0.0.1").get(
        "/api/goal", params={"as_of": day})
    assert (api.status_code, api.json()["detail"]) == (422, message)
    e = run("events", "--event", f"{day},CHI,x", "--db", generated)
    assert (e.exit_code, e.stderr) == (
        2, f"error: --event: '{day}' is not a date (expected YYYY-MM-DD)\n")


def test_underperformers_with_one_office_prints_only_the_note(tmp_path: Path) -> None:
    """Was 'Offices in the 0 lowest of 1' over an empty table and 'bottom 0' lists."""
    db = release(tmp_path, "one", date(2024, 1, 1), date(2024, 6, 30), 3000, ("CHI",))
    r = run("underperformers", "--db", db)
    assert r.exit_code == 0
    lines = " ".join(r.stdout.split())
    assert lines.startswith("1 office ranked in this window: there is nothing to compare, "
                            "so no office is listed Not covered by the releases counted for "
                            "this window (not ranked): ATL, BAL,")
    assert "lowest of" not in lines and "bottom 0" not in lines and "┏" not in r.stdout
    assert run("offices", "--underperformers", "--db", db).stdout == r.stdout
