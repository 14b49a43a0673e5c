"""The event kinds besides arrests, on small hand-made files: every registered layout of
every kind is detected as its kind and named; each kind's counting rule (duplicates,
stays) against counts made by hand; several kinds in one workbook load whole or not at
all; the office from a title line, the --aor option or a facility code."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import xlsxwriter

import icestats
from icestats import kind_counts
from icestats.errors import InputError
from icestats.ingest import registry

from conftest import run

VALUES = {
    "Event Date": "2025-03-01", "Detainer Prepare Date": "2025-03-01",
    "Detainer Prepared Date": "2025-03-01", "detainer_prepare_date": "2025-03-01",
    "Book In Date Time": "2025-03-01 10:00:00", "Detention Book In Date Time":
    "2025-03-01 10:00:00", "Detention Book In Date And Time": "2025-03-01 10:00:00",
    "Detention Book In Date": "2025-03-01", "Book In Date": "2025-03-01",
    "Stay Book In Date Time": "2025-03-01 10:00:00", "Stay Book In Date": "2025-03-01",
    "Removal Date": "3/1/2025", "Departed Date": "2025-03-01", "Departure Date": "2025-03-01",
    "Arrest Date": "2025-02-20", "Apprehension Date": "2025-02-20",
    "Event Area of Responsibility": "Chicago Area of Responsibility",
    "Responsible AOR": "Chicago Area of Responsibility", "Facility AOR": "CHICAGO",
    "facility_aor": "Chicago", "AOR": "CHI", "Book In AOR": "Chicago Area of Responsibility",
    "Area of Responsibility": "Chicago Area of Responsibility", "Docket AOR": "CHI",
    "Case AOR": "Chicago", "Detention Facility Code": "AAORDMD",
    "Birth Year": "1990", "Gender": "Male",
}


def _csv(path: Path, rows: list[list[str]]) -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue())
    return path


def _layouts() -> list[tuple[str, str]]:
    return [(k, n) for k in ("encounters", "detainers", "book_ins", "removals")
            for n in registry.KIND_LAYOUTS[k]]


@pytest.mark.parametrize("kind,name", _layouts(), ids=lambda x: str(x))
def test_every_registered_layout_of_every_kind(tmp_path: Path, kind: str, name: str) -> None:
    headers = registry.KIND_LAYOUTS[kind][name]
    row = [VALUES.get(h, f"value of {h}") for h in headers]
    title = [["ICE Removals for the Chicago Area of Responsibility"]] \
        if name == "UW-v-DHS-ICE-Productions" else []  # the office is in the title line
    path = _csv(tmp_path / "r.csv", [*title, list(headers), row, row])
    dated = any(h in VALUES and "Date" in h.title() and h not in (
        "Apprehension Date", "Arrest Date") for h in headers) or kind == "removals" and \
        {"Departed Date", "Departure Date", "Removal Date"} & set(headers)
    with icestats.connect(tmp_path / "db.duckdb", write=True) as ice:
        if not dated:  # the Seattle CAP sheets: encounters undated, removals by arrest only
            with pytest.raises(InputError, match="has no date column"):
                ice.ingest([path])
            return
        if name == "2023-ICFO-42034" and kind == "removals":  # no office, no facility
            with pytest.raises(InputError, match="no office column"):
                ice.ingest([path])
            return
        # (two rows of 3/1/2025 read both ways: refused in any layout unless the order is
        # said, ingest.dates.date_order)
        r = ice.ingest([path], date_order="mdy")[0]
        stored = ice.con.execute("SELECT DISTINCT kind, aor, event_date FROM events").fetchall()
    assert (list(r.kinds), r.layout, r.rows_loaded) == ([kind], name, 2)
    assert set(r.columns_mapped) | set(r.columns_unmapped) == set(headers) - {""}
    office = "BAL" if r.kinds[kind].office_from == "facility code" else "CHI"
    assert [(k, a) for k, a, _d in stored] == [(kind, office)]
    assert str(stored[0][2]) == "2025-03-01"
    for personal in ("Alien File Number", "EID Case ID", "EID Subject ID"):
        assert personal not in r.columns_mapped


def _load(tmp: Path, rows: list[list[str]], name: str = "r.csv") -> Path:
    db = tmp / "db.duckdb"
    with icestats.connect(db, write=True) as ice:
        ice.ingest([_csv(tmp / name, rows)])
    return db


def _counts(db: Path, kind: str, count: str = "events") -> dict[str, int]:
    with icestats.connect(db) as ice:
        return {str(d): n for d, _a, n in kind_counts.daily_by_office(ice.con, kind,
                                                                       count=count)}


@pytest.mark.parametrize("kind,header", [
    ("encounters", ["Event Date", "Responsible AOR", "Event Type", "Unique Identifier"]),
    ("detainers", ["Detainer Prepare Date", "Facility AOR", "Detainer Type",
                   "Unique Identifier"]),
    ("removals", ["Departed Date", "Docket AOR", "Case Status", "Unique Identifier"]),
])
def test_one_identifier_on_one_day_is_one_event(tmp_path: Path, kind: str,
                                                header: list[str]) -> None:
    rows = [header,
            ["2025-03-01", "CHI", "a", "id1"], ["2025-03-01", "CHI", "b", "id1"],  # one
            ["2025-03-02", "CHI", "a", "id1"],  # the next day: another
            ["2025-03-01", "CHI", "a", ""], ["2025-03-01", "CHI", "a", ""],  # no id: each
            ["2025-03-01", "CHI", "a", "b(6), b(7)c"]]  # redacted id: its own
    db = _load(tmp_path, rows)
    assert _counts(db, kind) == {"2025-03-01": 4, "2025-03-02": 1}
    assert _counts(db, kind, "records") == {"2025-03-01": 5, "2025-03-02": 1}


def test_a_book_in_is_a_stay_and_its_stints_are_records(tmp_path: Path) -> None:
    header = ["Stay Book In Date Time", "Book In Date Time", "Detention Facility Code",
              "Book In AOR", "Unique Identifier"]
    rows = [header,
            # one stay of id1 across three facilities (and a duplicate stint row)
            ["2025-03-01 08:00", "2025-03-01 08:00", "F1", "CHI", "id1"],
            ["2025-03-01 08:00", "2025-03-01 08:00", "F1", "CHI", "id1"],
            ["2025-03-01 08:00", "2025-03-03 09:00", "F2", "CHI", "id1"],
            ["2025-03-01 08:00", "2025-03-05 09:00", "F3", "CHI", "id1"],
            # a second stay of id1
            ["2025-03-10 12:00", "2025-03-10 12:00", "F1", "CHI", "id1"],
            # a stay begun before the release: its later stint starts nothing
            ["2025-02-20 12:00", "2025-03-02 12:00", "F1", "CHI", "id2"],
            # no identifier: a stint that starts its stay counts, the next does not
            ["2025-03-04 07:00", "2025-03-04 07:00", "F1", "CHI", ""],
            ["2025-03-04 07:00", "2025-03-06 07:00", "F2", "CHI", ""]]
    db = _load(tmp_path, rows)
    assert _counts(db, "book_ins") == {"2025-03-01": 1, "2025-03-04": 1, "2025-03-10": 1}
    assert sum(_counts(db, "book_ins", "records").values()) == 8


def _workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            ws.write_row(r, 0, row)
    wb.close()
    return path


ARRESTS = [["Apprehension Date", "Apprehension AOR", "Apprehension Method"],
           ["2025-03-01", "CHI", "Located"], ["2025-03-02", "HOU", "Located"]]


def test_several_kinds_in_one_workbook_load_together(tmp_path: Path) -> None:
    removals = [["Departed Date", "Docket AOR", "Case Status"], ["2025-03-05", "CHI", "x"]]
    notes = [["Footnotes"], ["Removals are counted by departure."]]
    path = _workbook(tmp_path / "r.xlsx", {"Arrests": ARRESTS, "Removals": removals,
                                           "Notes": notes})
    result = run("ingest", path, "--db", tmp_path / "db.duckdb")
    assert result.exit_code == 0, result.output
    assert "arrests: loaded 2 rows" in result.output
    assert "removals: loaded 1 rows" in result.output
    assert "sheets not loaded (empty, or notes with no header): Notes" in result.output


def test_one_bad_kind_refuses_the_whole_file(tmp_path: Path) -> None:
    removals = [["Departed Date", "Docket AOR", "Case Status"], ["soon", "CHI", "x"],
                ["2025-03-05", "CHI", "x"]]
    path = _workbook(tmp_path / "r.xlsx", {"Arrests": ARRESTS, "Removals": removals})
    db = tmp_path / "db.duckdb"
    result = run("ingest", path, "--db", db)
    assert result.exit_code == 1
    assert "sheet 'Removals', row 2" in result.output and "removal date" in result.output
    assert not db.exists()  # nothing of the file: not its arrests either


def test_office_from_the_title_line_or_the_option(tmp_path: Path) -> None:
    title = [["ERO-LESA Statistical Tracking Unit"],
             ["FY2016 ICE Removals for the Seattle Area of Responsibility"],
             ["Departed Date", "Gender", "Case Category"], ["2016-03-01", "Male", "x"]]
    db = _load(tmp_path, title, "title.csv")
    with icestats.connect(db) as ice:
        assert kind_counts.daily_by_office(ice.con, "removals")[0][1] == "SEA"
    bare = [["Departed Date", "Gender", "Case Category"], ["2016-03-01", "Male", "x"]]
    path = _csv(tmp_path / "bare.csv", bare)
    refused = run("ingest", path, "--db", tmp_path / "b.duckdb")
    assert refused.exit_code == 1 and "no office column" in refused.output
    assert "--aor" in refused.output
    loaded = run("ingest", path, "--db", tmp_path / "b.duckdb", "--aor", "Portland")
    assert loaded.exit_code == 2 and "unknown office 'Portland'" in loaded.output
    loaded = run("ingest", path, "--db", tmp_path / "b.duckdb", "--aor", "SEA")
    assert loaded.exit_code == 0, loaded.output
    assert "office from the --aor option (--aor SEA)" in loaded.output


def test_the_newest_release_of_a_kind_owns_its_days(tmp_path: Path) -> None:
    header = ["Departed Date", "Docket AOR", "Unique Identifier"]
    old = [header] + [[f"2025-03-0{d}", "CHI", f"a{d}"] for d in range(1, 6)]
    new = [header] + [[f"2025-03-0{d}", "CHI", f"b{d}"] for d in range(3, 9)] + \
        [["2025-03-03", "CHI", "b3x"]]
    db = tmp_path / "db.duckdb"
    with icestats.connect(db, write=True) as ice:
        ice.ingest([_csv(tmp_path / "old.csv", old), _csv(tmp_path / "new.csv", new)])
    got = _counts(db, "removals")
    assert got == {"2025-03-01": 1, "2025-03-02": 1, "2025-03-03": 2, "2025-03-04": 1,
                   "2025-03-05": 1, "2025-03-06": 1, "2025-03-07": 1, "2025-03-08": 1}


def test_a_sheet_without_a_date_column_is_rejected_row_by_row(tmp_path: Path) -> None:
    """Beside a sheet of arrests, a sheet of encounters with no date column: the arrests
    load, each encounter is recorded as rejected with the reason (not counted against
    --max-rejects); a file of such sheets alone loads nothing and is refused."""
    undated = [["Event Area of Responsibility", "Landmark", "Processing Disposition"],
               ["CHI", "x", "Detainer"], [None, None, None], ["HOU", "y", "Other"]]
    path = _workbook(tmp_path / "r.xlsx", {"Arrests": ARRESTS, "Encounters": undated})
    with icestats.connect(tmp_path / "db.duckdb", write=True) as ice:
        r = ice.ingest([path])[0]
        rejects = ice.con.execute("SELECT sheet, source_row, kind, reason FROM rejects "
                                  "ORDER BY source_row").fetchall()
    enc = r.kinds["encounters"]
    assert (enc.rows_read, enc.rows_rejected, enc.rows_blank, enc.rows_loaded) == (3, 2, 1, 0)
    assert [(s, n, k) for s, n, k, _ in rejects] == [("Encounters", 2, "encounters"),
                                                     ("Encounters", 4, "encounters")]
    assert "no date column" in rejects[0][3]
    alone = _workbook(tmp_path / "alone.xlsx", {"Encounters": undated})
    with icestats.connect(tmp_path / "db.duckdb", write=True) as ice:
        with pytest.raises(InputError, match="no loadable rows"):
            ice.ingest([alone])


def test_a_rows_only_worksheet_dimension_is_read(tmp_path: Path) -> None:
    """`<dimension ref="1:3"/>` (no columns: the Seattle CAP workbook's): calamine refuses
    it, icestats reads the workbook from a copy without it."""
    import re
    import zipfile

    path = _workbook(tmp_path / "w.xlsx", {"Arrests": ARRESTS})
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="1:3"/>', data)
            dst.writestr(info, data)
    with icestats.connect(tmp_path / "db.duckdb", write=True) as ice:
        assert ice.ingest([bad])[0].rows_loaded == 2


def test_a_schema_4_database_is_upgraded_in_place(tmp_path: Path) -> None:
    """A database of arrests written before the event kinds: its releases get their
    release_kinds rows, the days it owns do not change, and other kinds load beside it."""
    import duckdb

    from icestats import store

    from conftest import make_release

    db = tmp_path / "old.duckdb"
    with icestats.connect(db, write=True) as ice:
        ice.ingest([make_release(tmp_path / "a.csv", rows=200)])
        before = ice.con.execute("SELECT * FROM day_owner ORDER BY date").fetchall()
    con = duckdb.connect(str(db))
    for table in ("events", "release_kinds", "kind_day_owner"):
        con.execute(f"DROP TABLE {table}")
    con.execute("ALTER TABLE rejects DROP COLUMN kind")
    con.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    con.close()
    with icestats.connect(db, write=True) as ice:
        kinds = ice.con.execute("SELECT release_id, kind, rows_loaded, one_office "
                                "FROM release_kinds").fetchall()
        assert ice.con.execute("SELECT * FROM day_owner ORDER BY date").fetchall() == before
        header = ["Departed Date", "Docket AOR", "Case Status"]
        ice.ingest([_csv(tmp_path / "r.csv", [header, ["2025-03-05", "CHI", "x"]])])
        version = ice.con.execute("SELECT value FROM meta WHERE key = 'schema_version'"
                                  ).fetchall()
    assert [(r, k) for r, k, _n, _o in kinds] == [(1, "arrests")] and kinds[0][3] is None
    assert version == [(str(store.SCHEMA_VERSION),)] == [("7",)]


# Arrests headers of many optional columns that matched part of a small layout of another
# kind (the Seattle removals, an encounters layout) better than any arrests layout, and
# were refused or read as that kind (found by test_properties' random header test).
ARRESTS_HEADERS = [
    ["Apprehension DateTime", "Area of Responsibility", "Unique Identifier", "Gender",
     "Apprehension Final Program", "Departure Country", "Apprehension County",
     "Apprehension Method", "Apprehension Site Landmark", "Case Threat Level", "Operation",
     "Country of Citizenship", "Apprehension Threat Level", "Apprehension Type",
     "Date of Birth", "Departed Date", "Removal Threat Level", "Arresting Agency",
     "Birth Year", "Final Order Date", "Processing Disposition", "Final Program Group",
     "TOA Current Duty Site"],
    ["Arrest Date", "Apprehension AOR", "Date of Birth", "Birth Year", "Final Program",
     "Country of Citizenship", "Case Category", "Departed Date", "Processing Disposition",
     "Final Order Date", "Apprehension State", "Unique Identifier", "Gender", "Operation"],
    ["Apprehension Date Time", "Apprehension AOR", "Departed Date", "Operation",
     "Case Status", "Final Order", "Birth Year", "Case Category", "Gender",
     "Date of Birth", "Country of Citizenship", "Case Threat Level"],
    ["Apprehension Date", "Area of Responsibility", "Arresting Agency", "Country of Citizenship",
     "Departed Date", "Case Category", "Date of Birth", "Gender", "Apprehension Type"],
]


@pytest.mark.parametrize("header", ARRESTS_HEADERS, ids=lambda h: h[0])
def test_arrests_header_of_many_optional_columns_is_arrests(tmp_path: Path,
                                                            header: list[str]) -> None:
    row = [{"Apprehension DateTime": "2025-01-02", "Arrest Date": "2025-01-02",
            "Apprehension Date Time": "2025-01-02", "Apprehension Date": "2025-01-02",
            "Area of Responsibility": "Chicago Area of Responsibility",
            "Apprehension AOR": "Chicago Area of Responsibility"}.get(h, "") for h in header]
    path = _csv(tmp_path / "a.csv", [header, row])
    with icestats.connect(tmp_path / "db.duckdb", write=True) as ice:
        r = ice.ingest([path])[0]
        stored = ice.con.execute("SELECT aor, apprehension_date FROM arrests").fetchall()
    assert (list(r.kinds), r.rows_loaded) == (["arrests"], 1)
    assert [(a, str(d)) for a, d in stored] == [("CHI", "2025-01-02")]


def test_two_spellings_of_one_field_take_the_first_listed(tmp_path: Path) -> None:
    """The 2022-ICFO-22955 arrests carry the lead event's `Event Landmark` before
    `Apprehension Landmark`: both spell the landmark, and the file was refused ("column
    appears twice"). The arrest's own landmark feeds the field, the other is not mapped."""
    header = ["Event Landmark", "Apprehension AOR", "Apprehension Landmark",
              "Apprehension Date And Time", "Gender", "Citizenship Country"]
    row = ["LEAD PLACE", "Chicago Area of Responsibility", "ARREST PLACE", "2024-03-01",
           "Male", "MEXICO"]
    path = _csv(tmp_path / "a.csv", [header, row])
    with icestats.connect(tmp_path / "db.duckdb", write=True) as ice:
        r = ice.ingest([path])[0]
        stored = ice.con.execute("SELECT aor, site_landmark FROM arrests").fetchall()
    assert (r.rows_loaded, stored) == (1, [("CHI", "ARREST PLACE")])
    assert "Event Landmark" in r.columns_unmapped
    assert r.columns_mapped["Apprehension Landmark"] == "site_landmark"


@pytest.mark.parametrize("extra,said", [
    ("Area of Responsibility", "two office columns, 'Apprehension AOR' and 'Area of "
                               "Responsibility'"),
    ("Arrest Date", "two date columns, 'Apprehension Date And Time' and 'Arrest Date'"),
    ("Gender", "column appears twice in the header")])
def test_a_second_date_or_office_column_is_refused(tmp_path: Path, extra: str,
                                                   said: str) -> None:
    header = ["Apprehension AOR", "Apprehension Date And Time", "Gender", extra]
    path = _csv(tmp_path / "a.csv", [header, ["Chicago", "2024-03-01", "Male", "x"]])
    db = tmp_path / "db.duckdb"
    r = run("ingest", path, "--db", db)
    assert r.exit_code == 1 and said in r.output and "\n" not in r.output.strip()


@pytest.mark.parametrize("header,said", [
    (["Removal Date", "Departed Date", "Area of Responsibility", "Docket AOR", "Gender"],
     "two office columns, 'Area of Responsibility' and 'Docket AOR'"),
    (["Event Date", "Event Area of Responsibility", "Responsible AOR", "Gender"],
     "two office columns, 'Event Area of Responsibility' and 'Responsible AOR'")])
def test_another_kinds_second_office_column_is_refused(tmp_path: Path, header: list[str],
                                                       said: str) -> None:
    """Arrests refused two office columns; removals and encounters took the first silently."""
    path = _csv(tmp_path / "k.csv", [header, ["2024-03-01"] * 2 + ["CHI", "CHI", "Male"][
        :len(header) - 2]])
    r = run("ingest", path, "--db", tmp_path / "db.duckdb")
    assert r.exit_code == 1 and said in r.output and "\n" not in r.output.strip()
    assert not (tmp_path / "db.duckdb").exists()
