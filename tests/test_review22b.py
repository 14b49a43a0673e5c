"""What the fresh-clone review of issue 22 found (labels and messages), each pinned by a
test that fails without its fix: refusals that named arrests' columns for another kind,
the unknown-layout message, the kind in every question's labels, status over a store of
another kind only, the unit of fair's rate, surges that start where a release starts."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import icestats
from icestats.errors import InputError
from icestats.ingest.registry import KIND_LAYOUTS

from conftest import run


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
