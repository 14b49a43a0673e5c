"""What the independent review of issue 22 found, each pinned by a test: the surge scan
with one office's own release loaded, the removal goal, files mixing two kinds' headers,
the kind-named exports, the report's and the dashboard's pipeline."""

from __future__ import annotations

import csv
import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from conftest import dashboard, release_db, run

SEATTLE_ARRESTS = ["Arrest Date", "Date of Birth", "Gender", "Country of Citizenship",
                   "Event Number", "Apprehension Landmark", "Arrest Method",
                   "Most Serious Conviction"]


def _scanned(output: str) -> int:
    found = re.search(r"\((\d+) offices scanned\)", output)
    assert found, output
    return int(found.group(1))


def test_one_office_release_does_not_shrink_the_surge_scan(tmp_path: Path) -> None:
    """A Seattle workbook (office from its title line) covering days before a release of
    every office: the scan still covers every office with records in that release."""
    db = release_db(tmp_path)
    with open(tmp_path / "base.csv", newline="") as f:  # the offices with records, by name
        rows = list(csv.reader(f))[1:]  # (after the SYNTHETIC banner line)
    col = rows[0].index("TOA Current Duty AOR")
    offices = len({r[col] for r in rows[1:] if r[col].endswith(" Area of Responsibility")
                   and not r[col].startswith("HQ")})
    before = run("surges", "--db", db)
    assert before.exit_code == 0, before.output
    rows = [["FY2025 ERO Administrative Arrests for the Seattle Area of Responsibility"],
            SEATTLE_ARRESTS]
    rows += [[(date(2025, 1, 1) + timedelta(days=i)).isoformat(), "", "Male", "MEXICO",
              f"e{i}", "x", "Located", ""] for i in range(59)]  # 2025-01-01..02-28
    with open(tmp_path / "sea.csv", "w", newline="") as f:
        csv.writer(f).writerows(rows)
    assert run("ingest", tmp_path / "sea.csv", "--db", db).exit_code == 0
    after = run("surges", "--db", db)
    assert after.exit_code == 0, after.output
    assert _scanned(after.output) == _scanned(before.output) == offices
    assert "Surges, 2025-03-01 to" in after.output  # the days scanned, not Seattle's own


def _removals_db(tmp: Path, days: int = 60, start: date = date(2025, 3, 1),
                 db: Path | None = None) -> Path:
    """Removals in a DDP-like layout: 3 a day in Chicago, 1 a day in Houston."""
    rows = [["Departed Date", "Docket AOR", "Case Status"]]
    for i in range(days):
        d = (start + timedelta(days=i)).isoformat()
        rows += [[d, "CHI", "x"]] * 3 + [[d, "HOU", "x"]]
    with open(tmp / "removals.csv", "w", newline="") as f:
        csv.writer(f).writerows(rows)
    db = db or tmp / "r.duckdb"
    assert run("ingest", tmp / "removals.csv", "--db", db).exit_code == 0
    return db


def test_goal_over_removals_is_the_removal_goal_from_its_day(tmp_path: Path) -> None:
    """One million a year is 1,000,000 / 365 a day, stated for the term from 2025-01-20;
    an as-of day before it says so; a goal given applies to every day."""
    db = _removals_db(tmp_path, days=100, start=date(2024, 11, 1))
    out = json.loads(run("goal", "--kind", "removals", "--as-of", "2024-12-01", "--db", db,
                         "--json").stdout)
    assert out["goal_per_day"] == 1_000_000 / 365
    assert out["goal_from"] == "2025-01-20"
    assert "applies from 2025-01-20; 2024-12-01 is before it" in out["goal_note"]
    assert out["windows"][0]["mean_per_day"] == 4  # 3 + 1 a day
    assert out["windows"][0]["percent_of_goal"] == 100 * 4 / (1_000_000 / 365)
    text = run("goal", "--kind", "removals", "--as-of", "2024-12-01", "--db", db).stdout
    assert "against a goal of 2,739.7 a day" in text and "removals/day per 30 days" in text
    later = json.loads(run("goal", "--kind", "removals", "--db", db, "--json").stdout)
    assert later["as_of"] >= "2025-01-20" and later["goal_note"] is None
    given = json.loads(run("goal", "--kind", "removals", "--goal", "10", "--as-of",
                           "2024-12-01", "--db", db, "--json").stdout)
    assert (given["goal_per_day"], given["goal_from"], given["goal_note"]) == (10, None, None)
    none = run("goal", "--kind", "encounters", "--db", db)
    assert none.exit_code == 2  # (no encounters: refused before any goal is needed)


def test_the_arrest_goal_before_2025_05_28_says_so(tmp_path: Path) -> None:
    db = release_db(tmp_path)
    out = json.loads(run("goal", "--as-of", "2025-05-01", "--db", db, "--json").stdout)
    assert (out["goal_per_day"], out["goal_from"]) == (3000, "2025-05-28")
    assert "applies from 2025-05-28; 2025-05-01 is before it" in out["goal_note"]
    assert json.loads(run("goal", "--as-of", "2025-06-01", "--db", db, "--json").stdout
                      )["goal_note"] is None


def test_forecast_and_pipeline_over_removals_use_the_removal_goal(tmp_path: Path) -> None:
    db = _removals_db(tmp_path, db=release_db(tmp_path))  # (pipeline: arrests too)
    fc = json.loads(run("forecast", "--kind", "removals", "--db", db, "--json").stdout)
    assert fc["goals"]["national_per_day"] == 1_000_000 / 365
    assert fc["goals"]["from"] == "2025-01-20"
    assert "log(removals + 0.5)" in fc["method"]
    p = json.loads(run("pipeline", "--db", db, "--json").stdout)["removal_goal"]
    assert (p["goal_per_day"], p["goal_from"], p["goal_note"]) == \
        (1_000_000 / 365, "2025-01-20", None)  # exact: the surfaces round it to 2,739.7
    assert p["per_day"] == 4  # 3 + 1 a day; 4 / (1,000,000 / 365) = 0.146%
    title = (f"Removals against a goal of 1,000,000 a year (2,739.7 a day): 4.0 a day over "
             f"28 days to {p['end']} (0.1% of the goal)")
    assert p["percent_of_goal"] == 100 * 4 / (1_000_000 / 365)
    shown = json.loads(run("pipeline", "--db", db, "--json").stdout)["display"]["removals_by"]
    assert shown["title"] == title
    text = " ".join(run("pipeline", "--db", db).stdout.split())  # (the terminal wraps)
    assert title in text and "Goal: 1,000,000 removals a year, 1,000,000 / 365 = 2,739.7" in text


def _banner_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """A pipe-separated file in the 2019-ICFO-53623 form (banner lines, then the header)."""
    lines = ['"ERO-LESA Statistical Tracking Unit"', '"2019-ICFO-53623"', "",
             "|".join(f'"{h}"' for h in header), *("|".join(r) for r in rows)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _tables(db: Path) -> tuple[object, ...]:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return tuple(con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
                     for t in ("releases", "arrests", "events", "rejects"))


def test_a_sheet_with_another_kinds_defining_column_is_refused(tmp_path: Path) -> None:
    """An arrests file with a removal's `Removal Date` (and `Departed Date`, which real
    arrests layouts carry), an encounters file with `Removal Date`: refused in one line
    naming the file and the column, exit 1, the database unchanged. A real layout's shared
    columns still load: `Departed Date` in arrests, a detainer's columns in 22955 arrests."""
    db = release_db(tmp_path)
    before = _tables(db)
    arrests = ["Area of Responsibility", "Apprehension Date", "Apprehension Method",
               "Apprehension Landmark", "Operation", "Processing Disposition", "Birth Date",
               "Citizenship", "Gender"]
    row = ["Chicago Area of Responsibility", "10/13/2015", "Located", "x", "", "x", "",
           "MEXICO", "Male"]
    mixed = _banner_csv(tmp_path / "arrests_mixed.csv", [*arrests, "Departed Date",
                                                          "Removal Date"],
                        [[*row, "10/20/2015", "10/20/2015"]])
    encounters = ["Event Area of Responsibility", "Event Date", "Landmark", "Operation",
                  "Processing Disposition", "Birth Date", "Citizenship", "Gender",
                  "Removal Date"]
    enc = _banner_csv(tmp_path / "encounters_mixed.csv", encounters,
                      [["Chicago Area of Responsibility", "10/13/2015", "x", "", "x", "",
                        "MEXICO", "Male", "10/20/2015"]])
    for path in (mixed, enc):
        r = run("ingest", path, "--db", db)
        assert r.exit_code == 1, r.output
        line = r.output.strip()
        assert "\n" not in line and path.name in line and "'Removal Date'" in line
        assert "another kind's defining column" in line and "of removals" in line
        assert _tables(db) == before
    shared = _banner_csv(tmp_path / "arrests_departed.csv", [*arrests, "Departed Date"],
                         [[*row, "10/20/2015"]])
    assert run("ingest", shared, "--db", db).exit_code == 0
    detainer_cols = _banner_csv(
        tmp_path / "arrests_22955.csv",
        ["Apprehension Date And Time", "Apprehension AOR", "Apprehension Method",
         "Detainer Prepare Date", "Detainer Type", "Detainer Lift Reason", "Gender"],
        [["2016-01-05 10:00:00", "CHI", "Located", "2016-01-05", "x", "", "Male"]])
    loaded = run("ingest", detainer_cols, "--db", db)
    assert loaded.exit_code == 0 and "arrests" in loaded.output, loaded.output


def test_export_daily_of_a_kind_is_zero_filled_named_and_sourced(tmp_path: Path) -> None:
    """Encounters on 2015-10-01..10-05 (Chicago on days 1, 2 and 5, Houston on day 3 only):
    every office with records x every day covered, zeros included, the count column named
    `encounters`, and the source beside the csv as every export writes it."""
    header = ["Event Area of Responsibility", "Event Date", "Landmark", "Operation",
              "Processing Disposition", "Birth Date", "Citizenship", "Gender"]
    events = [("CHI", "10/1/2015"), ("CHI", "10/1/2015"), ("CHI", "10/2/2015"),
              ("HOU", "10/3/2015"), ("CHI", "10/5/2015"), ("CHI", "10/13/2015")]
    names = {"CHI": "Chicago Area of Responsibility", "HOU": "Houston Area of Responsibility"}
    path = _banner_csv(tmp_path / "EROEncounters.csv", header,
                       [[names[a], d, "x", "", "x", "", "MEXICO", "Male"] for a, d in events])
    db = tmp_path / "e.duckdb"
    assert run("ingest", path, "--db", db).exit_code == 0
    out = tmp_path / "enc.csv"
    r = run("export", "daily", "--by", "aor", "--kind", "encounters", "--format", "csv",
            "-o", out, "--db", db)
    assert r.exit_code == 0, r.output
    with out.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["date", "aor", "encounters", "source_file", "synthetic"]
    days = [(date(2015, 10, 1) + timedelta(days=i)).isoformat() for i in range(13)]
    want = {(d, a): 0 for d in days for a in ("CHI", "HOU")}
    for a, d in events:
        m, day, y = (int(x) for x in d.split("/"))
        want[(date(y, m, day).isoformat(), a)] += 1
    assert {(x["date"], x["aor"]): int(x["encounters"]) for x in rows} == want
    assert len(rows) == 26
    meta = json.loads((tmp_path / "enc.csv.source.json").read_text())
    assert (meta["kind"], meta["grain"], meta["data"]) == ("encounters", "day x aor", "REAL")
    assert [c["name"] for c in meta["columns"]] == list(rows[0])
    assert meta["releases"] == [{"file": "EROEncounters.csv", "synthetic": False}]
    assert "its source in enc.csv.source.json" in r.output


def test_report_pipeline_section_by_year_and_month_with_the_goal(tmp_path: Path) -> None:
    """Arrests 2025-03..06 and removals 2024-09-01..10-30 (3 a day in Chicago, 1 in
    Houston): a table of every office for each fiscal year loaded (FY2024 and FY2025),
    the nation month by month and each office's months, the removal goal with its window
    and the day it applies from, the blank note matching the cells' dash, and the cue for
    narrow screens."""
    import re as _re

    import icestats
    from icestats.render import report, report_pipeline

    db = _removals_db(tmp_path, days=60, start=date(2024, 9, 1), db=release_db(tmp_path))
    data: dict[str, object] = {}
    with icestats.connect(db) as ice:
        html = report_pipeline.section(ice, data)
    for table in ("pipeline-nation", "pipeline-offices-fy2024", "pipeline-offices-fy2025",
                  "pipeline-nation-months", "pipeline-months-chi", "pipeline-months-hou",
                  "removal-goal"):
        assert f"id='{table}'" in html, table
    sep = html.split("id='pipeline-nation-months'")[1].split("</table>")[0]
    row = _re.search(r"<tr><td[^>]*>2024-09</td><td[^>]*>all</td>(.*?)</tr>", sep)
    assert row, sep[:400]
    cells = _re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))
    assert cells[4] == "4.0"  # removals a day in September 2024: (3 + 1) x 30 / 30
    assert cells[:4] == ["–", "–", "–", "–"]  # no encounters, detainers, arrests, book-ins
    assert "A dash (–): the kind is not in the loaded releases" in html
    assert "–: the kind is not covered in that period" in html and "—:" not in html
    goal = data["pipeline"]["removal_goal"]  # type: ignore[index]
    assert (f"Goal: 1,000,000 removals a year, 1,000,000 / 365 = 2,739.7 a day, for the "
            f"term that began 2025-01-20; measured over the 28 complete days of removals "
            f"{goal['start']} to {goal['end']}.") in html
    assert "The goal applies from 2025-01-20; 2024-10-16 is before it" in html
    assert "class='note narrow-only'" in html and ".narrow-only{display:none}" in report.css()
    assert "no-repeat local" in report.css()  # the shadow where a table continues


def test_no_ratio_beside_a_kind_shown_as_zero() -> None:
    """HQ in FY2019: 0.04 arrests a day and 0.09 removals a day are shown as 0.0 and 0.1;
    a removals-per-arrest ratio of 2.25 beside them says nothing."""
    from icestats.pipeline import _ratios

    r = _ratios({"encounters": 11.1, "arrests": 0.04, "removals": 0.09, "detainers": None,
                 "book_ins": None})
    assert r["removals_per_arrest"] is None and r["arrests_per_encounter"] is None
    assert _ratios({"arrests": 0.05, "removals": 0.1})["removals_per_arrest"] == 2.0


def test_api_says_the_kind_in_charts_status_and_pipeline(tmp_path: Path) -> None:
    """/api/status gives each kind's words and days (the dashboard's title, coverage and
    footer), the removals chart's axes say removals, the pipeline answer carries book-ins
    by agency among its tables."""
    from fastapi.testclient import TestClient

    from icestats.web.app import create_app

    db = _removals_db(tmp_path, db=release_db(tmp_path))
    client = TestClient(create_app(db), base_url="http://127.0.0.1")  # (the allowed host)
    rules = client.get("/api/status").json()["kind_rules"]
    assert set(rules) == {"arrests", "removals"}
    assert rules["removals"]["one"] == "a removal"
    assert (rules["removals"]["start"], rules["removals"]["end"]) == ("2025-03-01",
                                                                       "2025-04-29")
    charts = client.get("/api/charts/daily", params={"kind": "removals"}).text
    assert '"removals a day"' in charts and '"arrests a day"' not in charts
    display = client.get("/api/pipeline").json()["display"]
    assert {"kinds", "removals_by", "linked", "book_ins_by_agency"} <= set(display)


@pytest.mark.slow  # (a real browser: make test runs it)
def test_dashboard_names_the_kind_and_shows_the_pipeline(tmp_path: Path) -> None:
    db = _removals_db(tmp_path, db=release_db(tmp_path))
    with dashboard(db) as (url, b):
        for width in (1400, 390):
            page = b.new_page(viewport={"width": width, "height": 900})
            page.goto(f"{url}/?kind=removals")
            page.wait_for_selector("body[data-ready='1']")
            assert page.text_content("#page-title") == "ICE removals per day"
            cover = page.text_content("#coverage") or ""
            assert cover.startswith("Removal records 2025-03-01 to 2025-04-29;")
            rules = page.text_content("#rules") or ""
            assert "one removal" in rules and "24-hour" not in rules
            page.goto(f"{url}/?view=pipeline")
            page.wait_for_selector("body[data-ready='1']")
            page.wait_for_selector("#more h3")
            more = page.text_content("#more") or ""
            assert "removals per arrest:" in more and "not the share" in more
            assert "Goal: 1,000,000 removals a year, 1,000,000 / 365 = 2,739.7 a day" in more
            assert "Arrests booked in and removed within 30/90/180 days" in more
            assert (page.text_content("#page-title") or "").startswith("The enforcement")
            page.close()


def test_an_event_on_a_day_no_release_of_the_kind_covers_is_refused(tmp_path: Path) -> None:
    """Removals loaded for 2024-09-01..10-30 and 2025-03-01..04-29 (nothing between): an
    event on 2025-01-15 is refused in one line saying what is loaded, exit 2."""
    db = _removals_db(tmp_path, days=60, start=date(2024, 9, 1))
    (tmp_path / "removals.csv").rename(tmp_path / "autumn.csv")
    _removals_db(tmp_path, days=60, start=date(2025, 3, 1), db=db)
    r = run("events", "--kind", "removals", "--event", "2025-01-15,CHI,Test", "--db", db)
    assert r.exit_code == 2, r.output
    assert ("no removals are loaded for 2025-01-15 (the removal releases cover 2024-09-01 "
            "to 2024-10-30, 2025-03-01 to 2025-04-29)") in r.output


def test_pipeline_on_a_store_of_removals_only(tmp_path: Path) -> None:
    """A store holding removals and no arrests answers the pipeline over the removals' days
    (it said "the database holds no releases yet"): Atlanta's FY2019 removals over the
    complete days equal a count of the file's rows."""
    import csv
    import gzip
    from datetime import date, datetime
    from importlib import resources

    import icestats

    src = next((Path(str(resources.files("icestats"))) / "data" / "extra")
               .glob("ICERemovals_FY2019*.csv.gz"))
    db = tmp_path / "r.duckdb"
    with icestats.connect(db, write=True) as ice:
        ice.ingest([src])
    with icestats.connect(db) as ice:
        answer = ice.pipeline().to_dict()
    window = answer["window"]
    assert window["kind"] == "removals" and window["to"] == "2019-08-17"
    atl = next(r for r in answer["kinds"] if r["aor"] == "ATL")
    with gzip.open(src, "rt", encoding="utf-8") as fh:
        rows = list(csv.reader(fh, delimiter="|"))[6:]
    day = [datetime.strptime(r[9], "%m/%d/%Y").date() for r in rows
           if r[0] == "Atlanta Area of Responsibility" and r[9]]
    expected = sum(date(2018, 10, 1) <= d <= date(2019, 8, 17) for d in day)
    assert atl["removals"] == expected == 12606
    assert atl["removals_days"] == 321 and atl["arrests"] is None


def test_removal_goal_title_is_rounded_as_shown() -> None:
    """The answer carries exact numbers; the title (terminal, report, dashboard) shows them
    rounded once, as the table below it does (it printed 653.6428571428571 a day and
    23.857964285714285% of the goal)."""
    from types import SimpleNamespace

    from icestats.render.column_specs_pipeline import _goal_title

    goal = {"removals_loaded": True, "goal_per_year": 1_000_000.0,
            "goal_per_day": 1_000_000 / 365, "per_day": 18_302 / 28, "days": 28,
            "end": "2019-08-17", "percent_of_goal": 100 * 18_302 / 28 / (1_000_000 / 365)}
    assert _goal_title(SimpleNamespace(removal_goal=goal)) == (  # type: ignore[arg-type]
        "Removals against a goal of 1,000,000 a year (2,739.7 a day): 653.6 a day over 28 "
        "days to 2019-08-17 (23.9% of the goal)")
