"""What the fresh-clone review of issue 22 found (labels and messages), each pinned by a
test that fails without its fix: refusals that named arrests' columns for another kind,
the unknown-layout message, the kind in every question's labels, status over a store of
another kind only, the unit of fair's rate, surges that start where a release starts."""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

import icestats
from icestats.errors import InputError
from icestats.ingest.registry import KIND_LAYOUTS

from conftest import dashboard, run


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def _refusal(tmp: Path, header: list[str], name: str = "f.csv") -> str:
    path = _csv(tmp / name, [header, ["2024-03-01"] * len(header)])
    out = run("ingest", path, "--db", tmp / "db.duckdb")
    assert out.exit_code == 1, out.output
    assert "Traceback" not in out.output
    return " ".join(out.output.split())


# A. refusals name the kind's own columns, and say truthfully why a header is refused

def test_removals_without_an_office_name_removals_office_columns(tmp_path: Path) -> None:
    header = list(KIND_LAYOUTS["removals"]["2023-ICFO-42034"])
    said = _refusal(tmp_path, header)
    assert ("f.csv, row 1, column 'Area of Responsibility': this removals release has no "
            "office column ('Area of Responsibility' or 'Docket AOR' or 'Case AOR') and no "
            "title line naming an office") in said
    assert "Apprehension AOR" not in said


def test_book_ins_without_an_office_name_the_office_and_the_facility_code(
        tmp_path: Path) -> None:
    header = [h for h in KIND_LAYOUTS["book_ins"]["2024-ICFO-39357-feb2025"]
              if h != "Detention Facility Code"]
    said = _refusal(tmp_path, header)
    assert ("f.csv, row 1, column 'Book In AOR': this book-ins release has no office column "
            "('Book In AOR' or 'Area of Responsibility'), no facility code ('Detention "
            "Facility Code' or 'Detainer Facility Code') and no title line naming an "
            "office") in said
    assert "Apprehension AOR" not in said


@pytest.mark.parametrize("header,kind", [
    (["Departed Date", "Docket AOR", "Prior Deport Yes No"], "removals"),
    (["Book In Date Time", "Book In AOR", "Offense INA 236C Yes No"], "book_ins"),
])
def test_a_kind_s_own_date_and_office_are_a_header(tmp_path: Path, header: list[str],
                                                   kind: str) -> None:
    """Two known columns, the kind's date and office, and an unknown one: loaded (they
    were refused as an unknown layout 'with no date and office'), the unknown column
    listed as not mapped."""
    rows = [["2024-03-01", "Chicago", "Y"]] * 2 + [["2024-03-02", "HOU", "N"]]
    path = _csv(tmp_path / "two.csv", [header, *rows])
    with icestats.connect(tmp_path / "db.duckdb", write=True) as ice:
        r = ice.ingest([path])[0]
        got = ice.con.execute("SELECT aor, strftime(event_date, '%Y-%m-%d'), count(*) "
                              "FROM events WHERE kind = ? GROUP BY ALL ORDER BY ALL",
                              [kind]).fetchall()
    assert got == [("CHI", "2024-03-01", 2), ("HOU", "2024-03-02", 1)]
    assert list(r.kinds) == [kind] and r.rows_loaded == 3
    assert r.columns_unmapped == [header[2]]


def test_arrests_date_and_office_alone_are_refused_saying_why(tmp_path: Path) -> None:
    said = _refusal(tmp_path, ["Apprehension Date", "Area of Responsibility", "Prior"])
    assert ("f.csv, row 1: unknown layout: the row most like a header names only "
            "'Apprehension Date' and 'Area of Responsibility' (a header names three known "
            "columns of one kind, or the date and office columns of a kind other than "
            "arrests, e.g. 'Departed Date' and 'Docket AOR')") in said


def test_a_date_office_and_counts_header_is_not_taken_for_records(tmp_path: Path) -> None:
    said = _refusal(tmp_path, ["Departed Date", "Docket AOR", "Removals"])
    assert ("f.csv, row 1: unknown layout: the row most like a header names 'Departed Date' "
            "and 'Docket AOR' beside 'Removals', a column of counts") in said


def test_no_known_column_says_so(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"unknown layout: no row names a known column"):
        with icestats.connect(tmp_path / "db.duckdb", write=True) as ice:
            ice.ingest([_csv(tmp_path / "x.csv", [["name", "value"], ["a", "1"]])])


def test_known_columns_of_two_kinds_say_which_the_kind_reads(tmp_path: Path) -> None:
    said = _refusal(tmp_path, ["Event Date", "Docket AOR", "Prior Deport Yes No"])
    assert ("unknown layout: the row most like a header names 'Event Date' and 'Docket AOR', "
            "of which an encounters header reads only 'Event Date'") in said


# B. every question over --kind says the kind asked for, never 'arrests'

REMOVALS_FROM = date(2024, 1, 1)
OFFICES = ("CHI", "NYC", "LOS", "HOU", "MIA", "ATL", "DAL", "PHO", "SEA", "DEN")


def _daily_removals() -> dict[tuple[date, str], int]:
    """Removals a day per office, 420 days from 2024-01-01 (seeded Poisson, 2 to 11 a day)."""
    rng = np.random.default_rng(22)
    return {(REMOVALS_FROM + timedelta(days=d), aor): int(rng.poisson(2 + k))
            for d in range(420) for k, aor in enumerate(OFFICES)}


@pytest.fixture(scope="module")
def removals_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("removals")
    rows = [["Departed Date", "Docket AOR", "Case Status"]]
    for (day, aor), n in _daily_removals().items():
        rows += [[day.isoformat(), aor, "x"]] * n
    db = tmp / "db.duckdb"
    assert run("ingest", _csv(tmp / "removals.csv", rows), "--db", db).exit_code == 0
    return db


EVENT = "2024-11-05,CHI,operation"
KIND_QUESTIONS = [["daily"], ["offices"], ["breakdown", "--by", "criminality"], ["goal"],
                  ["forecast"], ["surges"], ["fair"], ["underperformers"],
                  ["events", "--event", EVENT]]


def _prose(value: object, path: str = "") -> list[tuple[str, str]]:
    """(path, text) of every string of a JSON answer but column keys and the --count
    option's value ('arrests': one per event under the kind's rule)."""
    if isinstance(value, dict):
        return [p for k, v in value.items() if k not in ("key", "count")
                for p in _prose(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for v in value for p in _prose(v, f"{path}[]")]
    return [(path, value)] if isinstance(value, str) else []


@pytest.mark.parametrize("question", KIND_QUESTIONS, ids=lambda q: q[0])
def test_every_kind_question_says_removals(removals_db: Path, question: list[str]) -> None:
    """Terminal and --json (the API's answer) of each question taking --kind: no
    'arrest' anywhere in their words (they said 'arrests a day', 'weekly log arrests',
    'arrests over the synthetic control's', 'attainment = arrests / ...')."""
    out = run(*question, "--kind", "removals", "--db", removals_db)
    assert out.exit_code == 0, out.output
    assert "arrest" not in out.output.lower(), out.output
    got = run(*question, "--kind", "removals", "--db", removals_db, "--json")
    assert got.exit_code == 0, got.output
    said = [(p, s) for p, s in _prose(json.loads(got.stdout)) if "arrest" in s.lower()]
    assert said == []


def test_events_over_removals_say_removals_a_day(removals_db: Path) -> None:
    daily = _daily_removals()
    day = date(2024, 11, 5)
    before = sum(daily[(day - timedelta(days=i), "CHI")] for i in range(1, 29)) / 28
    out = run("events", "--event", EVENT, "--kind", "removals", "--db", removals_db)
    said = " ".join(out.output.split())
    assert f"CHI 2024-11-05: {before:.1f} removals a day in the 28 days before" in said
    assert "(removals over the synthetic control's)" in said
    assert "synthetic control on weekly log removals" in said
    assert "Weekly, removals over the synthetic's" in said


def test_fair_over_removals_says_what_the_rate_is_per(removals_db: Path) -> None:
    out = run("fair", "--kind", "removals", "--db", removals_db)
    said = " ".join(out.output.split())
    assert "per 100k noncit./yr: removals per 100,000 noncitizen residents a year" in said
    assert "attainment = removals / (target x days)" in said
    got = json.loads(run("fair", "--kind", "removals", "--db", removals_db, "--json").stdout)
    labels = {c["key"]: (c["label"], c["unit"]) for c in got["display"]["offices"]["columns"]}
    assert labels["per_100k_noncitizens_yr"] == (
        "per 100k noncit./yr", "removals per 100,000 noncitizen residents a year")


def test_api_answers_and_charts_say_the_kind(removals_db: Path, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from icestats.web.app import create_app

    client = TestClient(create_app(removals_db), base_url="http://127.0.0.1")
    for route, params in (("/api/events", {"event": EVENT}), ("/api/fair", {}),
                          ("/api/underperformers", {}), ("/api/offices", {})):
        body = client.get(route, params={"kind": "removals", **params})
        assert body.status_code == 200, body.text
        assert [s for _, s in _prose(body.json()) if "arrest" in s.lower()] == []
    weeks = _csv(tmp_path / "removals_by_week.csv",
                 [["week_start", "removals"], ["2025-01-05", "700"], ["2025-01-12", "770"]])
    db = tmp_path / "counts.duckdb"
    assert run("ingest", weeks, "--db", db).exit_code == 0
    counted = TestClient(create_app(db), base_url="http://127.0.0.1")
    charts = counted.get("/api/charts/daily", params={"kind": "removals"}).json()
    assert charts["title"] == "Removals a day by week"  # (it said "Arrests a day by week")


@pytest.mark.slow  # (a real browser: make test runs it)
def test_dashboard_view_menu_follows_the_kind(removals_db: Path) -> None:
    """With Kind = removals the View menu said "Daily arrests (chart and totals)"."""
    with dashboard(removals_db) as (url, b):
        page = b.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"{url}/?kind=removals")
        page.wait_for_selector("body[data-ready='1']")
        assert page.text_content("#view option[value='']") == \
            "Daily removals (chart and totals)"
        # the kinds the store holds no records of are offered disabled
        assert page.eval_on_selector_all("#kind option", "os => os.map(o => o.disabled)") \
            == [True, True, True, True, False]  # arrests .. removals: removals only
        assert page.text_content("#page-title") == "ICE removals per day"
        # a store of removals only opens on them (it asked for arrests' offices and
        # never drew: "Daily arrests" over an error)
        page.goto(url)
        page.wait_for_selector("body[data-ready='1']")
        assert page.url.endswith("/?kind=removals")
        assert page.text_content("#page-title") == "ICE removals per day"
        assert (page.text_content("#message") or "") == ""
        assert page.text_content("#chart-title") == "Daily removals, national"


# C. status over a store of another kind only

def test_status_of_a_store_of_removals_only(removals_db: Path) -> None:
    """It said 'Data: no data loaded', 'Coverage: None to None', 0 days counted, and
    --json had source.text 'no data loaded' and synthetic null."""
    out = run("status", "--db", removals_db)
    said = " ".join(out.output.split())
    assert "Coverage: removals 2024-01-01 to 2025-02-23, complete through 2025-02-09." in said
    assert "REAL data: REAL removal records from removals.csv" in said
    assert "no data loaded" not in said and "None" not in said
    got = json.loads(run("status", "--db", removals_db, "--json").stdout)
    assert got["source"]["text"] == "REAL removal records from removals.csv"
    assert got["synthetic"] is False and got["source"]["synthetic"] is False
    assert got["source"]["releases"] == [{"file": "removals.csv", "synthetic": False,
                                          "records": "removal records"}]
    assert [r["days_counted"] for r in got["releases"]] == [420]
    total = sum(_daily_removals().values())  # (one record each: no identifier, no merging)
    assert (f"Rows loaded {total:,}: {total:,} removals counted (after merging duplicate "
            "records); rejected 0.") in said  # (it led with "0 arrests")


@pytest.mark.parametrize("question", [["goal"], ["daily"], ["offices"], ["fair"],
                                      ["breakdown", "--by", "gender"]])
def test_a_question_over_a_kind_not_loaded_says_what_is(removals_db: Path,
                                                        question: list[str]) -> None:
    """Over a store of removals only, every arrests question said "the database holds no
    releases yet"; it names what the store holds and how to ask it."""
    out = run(*question, "--db", removals_db)
    assert out.exit_code == 2, out.output
    assert " ".join(out.output.split()) == (
        "error: no arrest records are loaded; this database holds removals (2024-01-01 "
        "to 2025-02-23): ask with --kind removals")


def test_status_data_line_names_each_kind_s_files(tmp_path: Path) -> None:
    arrests = _csv(tmp_path / "arrests.csv",
                   [["Apprehension Date", "Apprehension AOR", "Apprehension Method"],
                    ["2024-03-01", "CHI", "Located"], ["2024-03-02", "HOU", "Located"]])
    removals = _csv(tmp_path / "removals.csv", [["Departed Date", "Docket AOR", "x"],
                                                ["2024-03-01", "CHI", "y"]])
    db = tmp_path / "db.duckdb"
    assert run("ingest", arrests, removals, "--db", db).exit_code == 0
    got = json.loads(run("status", "--db", db, "--json").stdout)
    assert got["source"]["text"] == ("REAL arrest records from arrests.csv; REAL removal "
                                     "records from removals.csv")


# D. a surge that starts where a release starts says so

def test_a_surge_starting_at_a_release_boundary_says_so(tmp_path: Path) -> None:
    """Two removals files: CHI doubles where the second starts (a difference between
    releases, as FY2016's and FY2017's removals files per office); HOU rises in the middle
    of the first (no note)."""
    rng = np.random.default_rng(5)
    cut = date(2024, 7, 1)
    files = {"a.csv": (date(2024, 1, 1), cut), "b.csv": (cut, date(2024, 12, 31))}
    db = tmp_path / "db.duckdb"
    for name, (first, end) in files.items():
        rows = [["Departed Date", "Docket AOR", "Case Status"]]
        day = first
        while day < end:
            chi = 12 if day >= cut else 5
            hou = 15 if date(2024, 3, 1) <= day < date(2024, 4, 15) else 5
            for aor, lam in (("CHI", chi), ("HOU", hou), ("NYC", 5)):
                rows += [[day.isoformat(), aor, "x"]] * int(rng.poisson(lam))
            day += timedelta(days=1)
        assert run("ingest", _csv(tmp_path / name, rows), "--db", db).exit_code == 0
    got = json.loads(run("surges", "--kind", "removals", "--db", db, "--json").stdout)
    notes = {(s["office"], s["start"]): s["note"] for s in got["surges"]}
    assert notes[("HOU", "2024-03-01")] is None
    # (the scan places CHI's step a day early: the running median of the clipped days)
    assert notes[("CHI", "2024-06-30")] == (
        "starts 1 day before release b.csv starts (2024-07-01); may be a difference "
        "between releases")
    out = " ".join(run("surges", "--kind", "removals", "--db", db).output.split())
    assert ("* CHI 2024-06-30: starts 1 day before release b.csv starts (2024-07-01); may "
            "be a difference between releases.") in out
    assert "2024-06-30*" in out and "2024-03-01*" not in out


# D. why removals are dated by 'Removal Date' where a release has it (docs/methods.md)

def _raw_removals(fy: int) -> list[tuple[date, date]]:
    """(departed, removal) of every row of the shipped FY file, read by DuckDB alone."""
    from importlib import resources

    import duckdb

    path = resources.files("icestats") / "data" / "extra" / f"ICERemovals_FY{fy}.csv.gz"
    return duckdb.connect().execute(
        "SELECT strptime(\"Departed Date\", '%m/%d/%Y')::DATE, "
        "strptime(\"Removal Date\", '%m/%d/%Y')::DATE "
        "FROM read_csv(?, skip=5, delim='|', header=true, all_varchar=true)",
        [str(path)]).fetchall()


@pytest.mark.slow  # (the real FY2017 removals: 226,119 rows)
def test_removal_date_is_the_departure_moved_into_the_fiscal_year_of_record(
        tmp_path: Path) -> None:
    """The facts methods.md gives for the rule: a Removal Date is never before its
    departure, differs from it on 5,470 FY2017 rows, all departed in FY2016, and 2,911 of
    them sit in October 2016; icestats counts those on their Removal Date and keeps the
    departure as the second date."""
    rows = _raw_removals(2017)
    moved = [(d, r) for d, r in rows if d != r]
    assert (len(rows), len(moved)) == (226_119, 5_470)
    assert all(d < r and d < date(2016, 10, 1) <= r for d, r in moved)
    assert sum(r < date(2016, 11, 1) for _, r in moved) == 2_911
    from importlib import resources

    path = Path(str(resources.files("icestats") / "data" / "extra" /
                    "ICERemovals_FY2017.csv.gz"))
    db = tmp_path / "db.duckdb"
    assert run("ingest", path, "--db", db).exit_code == 0
    with icestats.connect(db) as ice:
        got = ice.con.execute(
            "SELECT count(*) FILTER (WHERE departed_date <> event_date), "
            "count(*) FILTER (WHERE event_date = DATE '2016-10-03') FROM events "
            "WHERE kind = 'removals'").fetchall()[0]
    assert got == (5_470, sum(r == date(2016, 10, 3) for _, r in rows))


def test_json_states_another_kinds_count_as_events(removals_db: Path) -> None:
    """`--kind removals --json` said "count": "arrests" (the counting rule's name for
    arrests' episodes) at the top and in its window: read as "arrests were counted"."""
    got = json.loads(run("goal", "--kind", "removals", "--db", removals_db, "--json").stdout)
    assert (got["count"], got["window"]["count"], got["window"]["kind"]) == \
        ("events", "events", "removals")


def test_events_reads_a_neighbours_loss_only_beside_a_gain(removals_db: Path) -> None:
    """The key "a neighbour ... lost removals while the event office gained: removals moved
    rather than added" was printed under an event office that fell (SNA, x0.86)."""
    got = json.loads(run("events", "--kind", "removals", "--event", EVENT, "--db",
                         removals_db, "--json").stdout)
    gained = got["events"][0]["added_per_day"] > 0
    shown = " ".join(run("events", "--kind", "removals", "--event", EVENT, "--db",
                         removals_db).output.split())
    assert "* not a donor (a surge or an event of its own)." in shown
    assert ("removals moved rather than added" in shown) == gained
