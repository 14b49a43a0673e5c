"""Hostile sizes (issue 16 item 4): blank rows skipped before anything is stored, rejects
stored capped per file, an xlsx whose last row is absurd for its bytes refused at once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import xlsxwriter

import icestats
from icestats.errors import InputError
from icestats.ingest import rows
from test_bad_input import HEADER_2023, good_rows, snapshot


def test_a_sparse_sheet_reaching_row_1048576_is_refused_without_reading_it(
        tmp_path: Path) -> None:
    path = tmp_path / "sparse.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Arrests")
    for r, row in enumerate([HEADER_2023, *good_rows(20)]):
        ws.write_row(r, 0, row)
    ws.write_string(1_048_575, 3, "stray")
    wb.close()
    assert path.stat().st_size < 10_000
    db = tmp_path / "db.duckdb"
    with icestats.connect(db, write=True) as ice:
        ice.ingest([icestats_release(tmp_path)])
    before = snapshot(db)
    with pytest.raises(InputError) as info, icestats.connect(db, write=True) as ice:
        ice.ingest([path])
    message = str(info.value)
    assert message.startswith(f"{path}, sheet 'Arrests', cell D1048576: refused")
    assert "only 22 rows hold cells" in message
    assert snapshot(db) == before


def icestats_release(tmp: Path) -> Path:
    from conftest import make_release

    return make_release(tmp / "ok.csv", rows=100)


def test_blank_rows_are_counted_not_stored(tmp_path: Path) -> None:
    path = tmp_path / "blank.xlsx"
    body = good_rows(30)
    data = [HEADER_2023, *body[:10], *([[None] * 5] * 7), *body[10:], [None, "  ", "--"]]
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Arrests")
    for r, row in enumerate(data):
        for c, v in enumerate(row):
            if v is not None:
                ws.write(r, c, v)
    ws.write_string(len(data) + 3, 4, "")  # an empty string far below the data
    wb.close()
    with icestats.connect(tmp_path / "db.duckdb", write=True) as ice:
        r = ice.ingest([path])[0]
        stored = ice.con.execute("SELECT count(*) FROM rejects").fetchall()[0][0]
    assert (r.rows_loaded, r.rows_rejected, stored) == (30, 0, 0)
    assert r.rows_blank == r.rows_read - 30 >= 8


def test_rejects_are_stored_up_to_the_cap_and_all_counted(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    from icestats.ingest import load

    monkeypatch.setattr(load, "REJECTS_STORED", 25)
    assert rows.REJECTS_STORED == 10_000
    t = dt.datetime(2025, 2, 1, 8)
    lines = ["Apprehension Date,Apprehension AOR,Apprehension Method"]
    lines += [f"{t + dt.timedelta(minutes=k)},CHI,Located" for k in range(60)]
    lines += [f"not a date {k},CHI,Located" for k in range(40)]
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n")
    with icestats.connect(tmp_path / "db.duckdb", write=True) as ice:
        r = ice.ingest([path], max_rejects=1.0)[0]
        kept = ice.con.execute("SELECT min(source_row), max(source_row), count(*) "
                               "FROM rejects").fetchall()
    assert (r.rows_loaded, r.rows_rejected, r.rejects_stored) == (60, 40, 25)
    assert kept == [(62, 86, 25)]  # the first 25 bad rows (lines 62-86)


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
def test_a_schema_3_database_is_migrated(tmp_path: Path) -> None:
    """A database written before the registry (schema 3, layouts '2023'/'2025') gains the
    new columns in the order a new database has them; its releases keep their names and
    are marked synthetic (the generator wrote them); loading into it works."""
    import duckdb

    from icestats import store
    from icestats.schema import ADDED_IN_4

    from conftest import make_release

    db = tmp_path / "old.duckdb"
    with icestats.connect(db, write=True) as ice:
        ice.ingest([make_release(tmp_path / "a.csv", rows=120)])
    con = duckdb.connect(str(db))
    for c in ADDED_IN_4:
        con.execute(f"ALTER TABLE arrests DROP COLUMN {c}")
    for c in ("synthetic", "columns_mapped", "columns_unmapped", "rows_blank",
              "rows_implausible", "compression"):
        con.execute(f"ALTER TABLE releases DROP COLUMN {c}")
    con.execute("UPDATE releases SET layout = '2025'")
    con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    con.close()
    con = store.connect(db)
    fresh = store.connect(tmp_path / "new.duckdb")
    for table in ("arrests", "releases"):
        assert con.execute(f"DESCRIBE {table}").fetchall() == \
            fresh.execute(f"DESCRIBE {table}").fetchall()
    assert con.execute("SELECT layout, synthetic, columns_unmapped FROM releases"
                       ).fetchall() == [("2025", True, '["Birth Date"]')]
    assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() == \
        [(str(store.SCHEMA_VERSION),)]
    con.close()
    with icestats.connect(db, write=True) as ice:
        assert ice.ingest([make_release(tmp_path / "b.csv", seed=4, rows=80)])[0].rows_loaded
