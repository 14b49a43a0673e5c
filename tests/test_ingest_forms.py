"""Compressed and wrapped files (issue 12 item 2): the same release gives the same stored
rows whether it comes as plain csv, gzip, zstd or inside a zip, named anything; csv
delimiters, quoted newlines and banner lines; the real layouts of the registry."""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from pathlib import Path

import duckdb
import pytest
import zstandard

import icestats
from icestats.errors import InputError
from icestats.ingest import registry

from conftest import make_release


def _stored(con: duckdb.DuckDBPyConnection, rid: int) -> tuple[list[tuple], list[tuple]]:
    # (owned says which release counts for a day: the one loaded last, not the content)
    arrests = con.execute("SELECT * EXCLUDE (release_id, owned) FROM arrests "
                          "WHERE release_id = ? "
                          "ORDER BY sheet_no, source_row", [rid]).fetchall()
    rejects = con.execute("SELECT * EXCLUDE (release_id, file_name) FROM rejects "
                          "WHERE release_id = ? ORDER BY sheet, source_row", [rid]).fetchall()
    return arrests, rejects


def _zip(path: Path, member: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(member, member.name)
    return path


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
def test_wrappers_store_the_same_rows(tmp_path: Path) -> None:
    from test_counting import edge_records

    plain = make_release(tmp_path / "r.csv", rows=600, extra=edge_records())
    last = next(csv.reader([plain.read_text().splitlines()[-1]]))
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(["not a date", *last[1:]])
    plain.write_text(plain.read_text() + buf.getvalue())  # one row to reject
    data = plain.read_bytes()
    forms = {
        "gzip": tmp_path / "r.csv.gz", "zstd": tmp_path / "r.csv.zst",
        "zip": tmp_path / "r.zip", "gzip, no suffix": tmp_path / "release-copy",
    }
    forms["gzip"].write_bytes(gzip.compress(data))
    forms["zstd"].write_bytes(zstandard.ZstdCompressor().compress(data))
    _zip(forms["zip"], plain)
    forms["gzip, no suffix"].write_bytes(gzip.compress(data, mtime=1))
    with icestats.connect(tmp_path / "db.duckdb", write=True) as ice:
        results = ice.ingest([plain, *forms.values()])
        assert [r.compression for r in results] == ["none", "gzip", "zstd", "zip", "gzip"]
        assert all(not r.already_loaded for r in results)
        first = _stored(ice.con, 1)
        assert first[0] and first[1]  # rows and rejects both compared
        for rid in range(2, 6):
            assert _stored(ice.con, rid) == first, rid


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
def test_xlsx_inside_a_zip_is_the_same_workbook(tmp_path: Path) -> None:
    book = make_release(tmp_path / "r.xlsx", rows=300, sheet_rows=120)
    wrapped = _zip(tmp_path / "r.zip", book)
    with icestats.connect(tmp_path / "db.duckdb", write=True) as ice:
        a, b = ice.ingest([book, wrapped])
        assert (a.file_format, b.file_format, b.compression) == ("xlsx", "xlsx", "zip")
        assert a.sheets == b.sheets and len(a.sheets) == 3
        assert _stored(ice.con, 1) == _stored(ice.con, 2)


def test_a_zip_of_two_files_is_refused(tmp_path: Path) -> None:
    one = make_release(tmp_path / "a.csv", rows=50)
    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.write(one, "a.csv")
        z.write(one, "b.csv")
    with icestats.connect(tmp_path / "db.duckdb", write=True) as ice:
        with pytest.raises(InputError, match="exactly one csv or xlsx file; this one holds 2"):
            ice.ingest([path])


ROWS = [
    ["2025-03-01 10:00:00", "Chicago Area of Responsibility", "Located", "ILLINOIS",
     "ID1"],
    ["2025-03-01 11:00:00", "HOUSTON", "CAP Local\nIncarceration", "TEXAS", "ID2"],
    ["2025-03-02 09:30:00", "MIA", 'say "hi"; then | go\tnow', "FLORIDA", "ID3"],
    ["2025-03-03 08:00:00", "--", "Located", "--", "ID4"],
]
HEADER = ["Apprehension Date", "Apprehension AOR", "Apprehension Method",
          "Apprehension State", "Unique Identifier"]


def _delimited(path: Path, delim: str) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delim, lineterminator="\n")
    w.writerows([["Title of the release"], ["Prepared 2025-04-01"], [], HEADER, *ROWS])
    path.write_text(buf.getvalue())
    return path


def test_delimiters_quoted_newlines_and_banners(tmp_path: Path) -> None:
    files = [_delimited(tmp_path / f"d{k}.csv", d) for k, d in enumerate([",", "|", "\t", ";"])]
    with icestats.connect(tmp_path / "db.duckdb", write=True) as ice:
        results = ice.ingest(files)
        assert [r.rows_loaded for r in results] == [4, 4, 4, 4]
        first = _stored(ice.con, 1)
        for rid in (2, 3, 4):
            assert _stored(ice.con, rid) == first
        rows = ice.con.execute("SELECT source_row, aor, aor_status, method, state FROM arrests "
                               "WHERE release_id = 1 ORDER BY source_row").fetchall()
    assert rows == [(5, "CHI", "ok", "Located", "ILLINOIS"),
                    (6, "HOU", "ok", "CAP Local Incarceration", "TEXAS"),
                    (7, "MIA", "ok", 'say "hi"; then | go now', "FLORIDA"),
                    (8, "UNK", "blank", "Located", None)]


def _layout_csv(path: Path, headers: tuple[str, ...]) -> Path:
    values = {"Apprehension Date": "2025-03-01 10:00:00", "Arrest Date": "3/1/2025",
              "Apprehension Date And Time": "45717.4166666667",
              "Area of Responsibility": "Chicago Area of Responsibility",
              "Apprehension AOR": "CHI", "TOA Current Duty AOR": "Chicago", "AOR": "CHI",
              "State": "ILLINOIS", "Apprehension State": "ILLINOIS",
              "Birth Date": "3/4/1990", "Birth Year": "1990",
              "TOA Current Duty Site": "BROADVIEW, IL", "Case Criminality": "Convicted",
              "Apprehension Type": "Targeted"}
    row = [values.get(h, f"value of {h}") for h in headers]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([list(headers), row, row])
    path.write_text(buf.getvalue())
    return path


@pytest.mark.parametrize("name", sorted(registry.LAYOUTS))
def test_every_registered_layout_loads_with_each_column_accounted_for(tmp_path: Path,
                                                                      name: str) -> None:
    headers = registry.LAYOUTS[name]
    path = _layout_csv(tmp_path / f"{name}.csv", headers)
    if not {"Area of Responsibility", "Apprehension AOR", "TOA Current Duty AOR",
            "AOR"} & set(headers):  # 2023-ICFO-42034, the Seattle workbook's arrests
        with icestats.connect(tmp_path / "db.duckdb", write=True) as ice:
            with pytest.raises(InputError, match="no office column"):
                ice.ingest([path])
        return
    # (two rows of 3/1/2025 read both ways: refused in any layout unless the order is said)
    order = "mdy" if "Arrest Date" in headers else None
    with icestats.connect(tmp_path / "db.duckdb", write=True) as ice:
        r = ice.ingest([path], date_order=order)[0]
        row = ice.con.execute("SELECT aor, apprehension_date, birth_year, state_from_site, "
                              "case_criminality FROM arrests LIMIT 1").fetchall()[0]
    assert r.layout == name and r.rows_loaded == 2
    assert set(r.columns_mapped) | set(r.columns_unmapped) == set(headers)
    assert row[0] == "CHI" and str(row[1]) == "2025-03-01"
    if "Birth Date" in headers or "Birth Year" in headers:
        assert row[2] == 1990
    if name == "2026-ICLI-00005":
        assert row[3:] == ("ILLINOIS", "1 Convicted Criminal")
        assert r.columns_mapped["State"] == "state"
        assert r.columns_mapped["Case Criminality"] == "case_criminality"
    for personal in ("Alien File Number", "EID Case ID", "EID Subject ID"):
        assert personal not in r.columns_mapped


def test_a_release_without_an_office_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "2023-ICFO-42034.csv"
    path.write_text("Apprehension Date,Apprehension State,Apprehension County,"
                    "Apprehension Method\n2023-01-05,TEXAS,DALLAS,Located\n")
    with icestats.connect(tmp_path / "db.duckdb", write=True) as ice:
        with pytest.raises(InputError, match="no office column"):
            ice.ingest([path])


def test_the_file_s_own_date_format_first_and_every_other_still_read(tmp_path: Path) -> None:
    """The format most first rows use is tried first (M/D/YYYY here); rows written another
    way further down are still read."""
    lines = ["Apprehension Date|Area of Responsibility|Apprehension Method"]
    lines += [f"3/{d}/2025|Chicago Area of Responsibility|Located" for d in range(1, 29)]
    lines += ["2025-03-29 23:10:00|HOUSTON|Located", "03/30/2025 11:15 PM|MIAMI|Located",
              "45746|DAL|Located"]
    path = tmp_path / "m.csv"
    path.write_text("\n".join(lines) + "\n")
    with icestats.connect(tmp_path / "db.duckdb", write=True) as ice:
        r = ice.ingest([path])[0]
        got = ice.con.execute("SELECT CAST(apprehension_at AS VARCHAR) FROM arrests "
                              "WHERE source_row > 29 ORDER BY source_row").fetchall()
    assert r.rows_loaded == 31 and r.rows_rejected == 0
    assert got == [("2025-03-29 23:10:00",), ("2025-03-30 23:15:00",), ("2025-03-30 00:00:00",)]


def test_quoted_newlines_far_down_a_large_csv(tmp_path: Path) -> None:
    """The first quoted newline comes after the 256 KB the sniffer reads: DuckDB's parallel
    reader refuses it, and the file is read again by one thread, giving every row."""
    lines = ["Apprehension Date,Apprehension AOR,Apprehension Method,Apprehension Site Landmark"]
    lines += [f"2025-03-01 10:{k % 60:02d}:00,CHI,Located,SITE NUMBER {k:06d} SOMEWHERE"
              for k in range(9000)]
    lines += ['2025-03-02 10:00:00,HOU,Located,"TWO\nLINES"', "2025-03-02 11:00:00,HOU,,"]
    path = tmp_path / "late.csv"
    path.write_text("\n".join(lines) + "\n")
    assert path.stat().st_size > 300_000
    with icestats.connect(tmp_path / "db.duckdb", write=True) as ice:
        r = ice.ingest([path])[0]
        got = ice.con.execute("SELECT site_landmark FROM arrests WHERE aor = 'HOU' "
                              "ORDER BY source_row").fetchall()
        assert ice.con.execute("SELECT count(*) FROM releases").fetchall() == [(1,)]
    assert (r.rows_read, r.rows_loaded) == (9002, 9002)
    assert got == [("TWO LINES",), (None,)]
