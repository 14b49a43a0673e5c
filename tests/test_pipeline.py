"""The pipeline side by side (kinds a day per office and period, ratios), removals against
a removal goal, and book-ins by arresting agency, on small hand-made releases whose
numbers are counted here by hand."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

import pytest

import icestats
from icestats.pipeline import book_ins_by_agency, removal_goal, side_by_side


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([header, *rows])
    path.write_text(buf.getvalue())
    return path


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(k) for k in range((last - first).days + 1)]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("pipeline")
    q1 = _days(date(2025, 1, 1), date(2025, 3, 31))
    files = [
        _csv(tmp / "arrests.csv", ["Apprehension Date", "Apprehension AOR", "Apprehension Method"],
             [[d.isoformat(), "CHI", "Located"] for d in q1 for _ in range(2)]
             + [["2025-03-31", "NYC", "Located"]]),  # (two offices: a national release)
        _csv(tmp / "encounters.csv", ["Event Date", "Responsible AOR", "Event Type"],
             [[d.isoformat(), "CHI", "x"] for d in q1 for _ in range(5)]
             + [["2025-03-31", "NYC", "x"]]),
        _csv(tmp / "removals.csv", ["Departed Date", "Docket AOR", "Case Threat Level",
                                    "Case Criminality"],
             [[d.isoformat(), "HOU", "1" if d.day % 2 else "3", "1 Convicted Criminal"]
              for d in _days(date(2025, 1, 1), date(2025, 2, 28))]
             + [["2025-02-28", "NYC", "1", "1 Convicted Criminal"]]),
        _csv(tmp / "stays.csv", ["Stay Book In Date Time", "Book In Date Time", "Book In AOR",
                                 "Apprehension Final Program", "Anonymized Identifier"],
             [[f"{d} 10:00", f"{d} 10:00", "CHI",
               "Border Patrol" if d.day <= 10 else "Fugitive Operations", f"id{d}"]
              for d in q1] + [["2025-03-31 10:00", "2025-03-31 10:00", "NYC",
                               "Fugitive Operations", "idNYC"]]),
    ]
    path = tmp / "db.duckdb"
    with icestats.connect(path, write=True) as ice:
        ice.ingest(files)
    return path


def test_kinds_a_day_side_by_side(db: Path) -> None:
    with icestats.connect(db) as ice:
        rows = side_by_side(ice.con, "month", include_incomplete=True)
    by = {(r["period"], r["aor"]): r for r in rows}
    jan = by[(date(2025, 1, 1), "all")]
    assert (jan["arrests"], jan["arrests_days"], jan["arrests_per_day"]) == (62, 31, 2.0)
    assert (jan["encounters_per_day"], jan["removals_per_day"]) == (5.0, 1.0)
    assert (jan["arrests_per_encounter"], jan["removals_per_arrest"]) == (0.4, 0.5)
    assert jan["book_ins_per_arrest"] == 0.5 and jan["detainers"] is None  # not loaded
    hou = by[(date(2025, 1, 1), "HOU")]
    assert (hou["removals"], hou["arrests"], hou["removals_per_arrest"]) == (31, 0, None)
    march = by[(date(2025, 3, 1), "all")]
    assert march["removals"] is None and march["removals_days"] == 0  # not covered


def test_the_incomplete_tail_is_left_out_unless_asked(db: Path) -> None:
    with icestats.connect(db) as ice:
        rows = side_by_side(ice.con, "month")
    march = next(r for r in rows if r["period"] == date(2025, 3, 1) and r["aor"] == "all")
    assert (march["arrests_days"], march["arrests"]) == (31 - 14, 2 * 17)
    feb = next(r for r in rows if r["period"] == date(2025, 2, 1) and r["aor"] == "all")
    assert (feb["removals_days"], feb["removals"]) == (28 - 14, 14)


def test_removals_against_the_goal(db: Path) -> None:
    with icestats.connect(db) as ice:
        r = removal_goal(ice.con, goal_per_year=1_000_000, window=10,
                         as_of=date(2025, 1, 10))
    assert (r["start"], r["end"], r["days"], r["removals"]) == \
        (date(2025, 1, 1), date(2025, 1, 10), 10, 10)
    assert (r["goal_per_day"], r["per_day"]) == (1_000_000 / 365, 1.0)  # exact, not 2739.7
    assert r["percent_of_goal"] == pytest.approx(100 / (1_000_000 / 365))  # exact, unrounded
    assert r["by"]["threat_level"] == [
        {"threat_level": "1", "removals": 5, "per_day": 0.5,
         "percent_of_goal": pytest.approx(100 * 0.5 / (1_000_000 / 365))},
        {"threat_level": "3", "removals": 5, "per_day": 0.5,
         "percent_of_goal": pytest.approx(100 * 0.5 / (1_000_000 / 365))}]
    assert r["by"]["aor"][0]["aor"] == "HOU"


def test_book_ins_by_arresting_agency(db: Path) -> None:
    with icestats.connect(db) as ice:
        r = book_ins_by_agency(ice.con)
    jan = next(x for x in r["rows"] if x["month"] == date(2025, 1, 1) and x["aor"] == "CHI")
    assert (jan["cbp"], jan["ice"], jan["book_ins"], jan["cbp_share_percent"]) == \
        (10, 21, 31, pytest.approx(100 * 10 / 31))
    # the book-ins cover 2025-01-01..03-31, its last 14 days incomplete: March is partial
    months = {(x["month"], x["aor"]): x["partial"] for x in r["rows"]}
    assert months[(date(2025, 1, 1), "CHI")] is False
    assert months[(date(2025, 3, 1), "CHI")] is True
    assert r["workbooks"] == []  # no detention statistics workbook loaded


def test_one_office_releases_give_no_national_figure(tmp_path: Path) -> None:
    """A kind counted from a release of one office (its records all name it) has no
    figure for the nation or the other offices: blank, never a partial sum."""
    q1 = _days(date(2025, 1, 1), date(2025, 1, 31))
    files = [_csv(tmp_path / "arrests.csv", ["Apprehension Date", "Apprehension AOR",
                                             "Apprehension Method"],
                  [[d.isoformat(), "SEA", "Located"] for d in q1]),
             _csv(tmp_path / "removals.csv", ["Departed Date", "Docket AOR",
                                              "Case Threat Level"],
                  [[d.isoformat(), a, "1"] for d in q1 for a in ("SEA", "HOU")])]
    with icestats.connect(tmp_path / "db.duckdb", write=True) as ice:
        ice.ingest(files)
    with icestats.connect(tmp_path / "db.duckdb") as ice:
        rows = side_by_side(ice.con, "month", include_incomplete=True)
    by = {r["aor"]: r for r in rows}
    assert (by["SEA"]["arrests"], by["SEA"]["removals"], by["SEA"]["removals_per_arrest"]) \
        == (31, 31, 1.0)
    assert (by["all"]["arrests"], by["all"]["removals"], by["all"]["removals_per_arrest"]) \
        == (None, 62, None)
    assert by["HOU"]["arrests"] is None and by["HOU"]["removals"] == 31
