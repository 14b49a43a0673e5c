"""Bad input: one line naming file, sheet, row and column; exit 1; database unchanged."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import xlsxwriter

from conftest import make_release, run

HEADER_2023 = ["Apprehension Date", "Apprehension State", "Apprehension AOR",
               "Apprehension Method", "Unique Identifier"]


def snapshot(db: Path) -> list[tuple]:
    """Every table's full content, to prove a failed load changed nothing."""
    con = duckdb.connect(str(db), read_only=True)
    out = []
    for (table,) in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall():
        out.append((table, con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()))
    con.close()
    return out


def workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is not None:
                    ws.write(r, c, v)
    wb.close()
    return path


def good_rows(n: int = 50) -> list[list[object]]:
    t = dt.datetime(2025, 2, 1, 10)
    return [[(t + dt.timedelta(hours=i)).strftime("%Y-%m-%d %H:%M:%S"), "TEXAS", "DALLAS",
             "Located", f"ID{i}"] for i in range(n)]


@pytest.fixture
def loaded_db(tmp_path: Path) -> Path:
    db = tmp_path / "db.duckdb"
    assert run("ingest", make_release(tmp_path / "good.csv", rows=300), "--db", db).exit_code == 0
    return db


def bad_files(tmp: Path) -> dict[str, tuple[Path, list[str]]]:
    """name -> (file, fragments the one-line message must contain)."""
    xlsx_like = tmp / "not_excel.xlsx"
    xlsx_like.write_text("this is a note, not a workbook\n")
    good = make_release(tmp / "whole.xlsx", rows=400)
    truncated = tmp / "truncated.xlsx"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    missing = [["ICE arrests"], ["Apprehension Date", "Apprehension State",
                                 "Apprehension Method", "Unique Identifier"], *good_rows(3)]
    bad_dates = [["Banner"], [], HEADER_2023, *good_rows(20)]
    bad_dates[7][0] = "next tuesday"
    for r in bad_dates[8:]:
        r[0] = "31/31/2025"
    return {
        "not excel": (xlsx_like, ["not_excel.xlsx", "not an Excel workbook"]),
        "truncated": (truncated, ["truncated.xlsx", "not a readable Excel workbook"]),
        "unknown layout": (workbook(tmp / "unknown.xlsx", {"Data": [["name", "value"], ["a", 1]]}),
                           ["unknown.xlsx", "sheet 'Data'", "unknown layout"]),
        "empty sheet": (workbook(tmp / "empty.xlsx", {"Sheet1": []}),
                        ["empty.xlsx", "every sheet is empty"]),
        "missing column": (workbook(tmp / "missing.xlsx", {"Arrests": missing}),
                           ["missing.xlsx", "sheet 'Arrests'", "row 2",
                            "column 'Apprehension AOR'"]),
        "bad dates": (workbook(tmp / "dates.xlsx", {"Arrests": bad_dates}),
                      ["dates.xlsx", "sheet 'Arrests'", "row 8", "column 'Apprehension Date'",
                       "'next tuesday'", "unparseable apprehension date"]),
        "bad csv layout": (_text(tmp / "bad.csv", "a,b,c\n1,2,3\n"),
                           ["bad.csv", "unknown layout"]),
    }


def _text(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.mark.parametrize("case", ["not excel", "truncated", "unknown layout", "empty sheet",
                                  "missing column", "bad dates", "bad csv layout"])
def test_bad_input_is_one_clear_line(tmp_path: Path, loaded_db: Path, case: str) -> None:
    path, fragments = bad_files(tmp_path)[case]
    before = snapshot(loaded_db)
    result = run("ingest", path, "--db", loaded_db)
    assert result.exit_code == 1
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1, message
    assert message.startswith("error: ")
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    assert snapshot(loaded_db) == before


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
def test_no_traceback_from_the_real_command(tmp_path: Path, loaded_db: Path) -> None:
    path, _ = bad_files(tmp_path)["truncated"]
    proc = subprocess.run([sys.executable, "-m", "icestats.cli", "ingest", str(path), "--db",
                           str(loaded_db)], capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1


def test_a_few_bad_dates_are_rejected_not_fatal(tmp_path: Path) -> None:
    rows = [HEADER_2023, *good_rows(300)]
    rows[5][0] = "garbage"
    rows[9][0] = None
    rows[12] = [None] * 5
    db = tmp_path / "db.duckdb"
    result = run("ingest", workbook(tmp_path / "few.xlsx", {"Arrests": rows}), "--db", db)
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(db), read_only=True)
    rejects = con.execute("SELECT sheet, source_row, reason FROM rejects ORDER BY 2").fetchall()
    assert rejects == [("Arrests", 6, "unparseable apprehension date"),
                       ("Arrests", 10, "missing apprehension date")]
    assert con.execute("SELECT count(*) FROM arrests").fetchall() == [(297,)]
    # nothing lost: every data row is loaded, rejected, or blank (counted, not stored)
    assert con.execute("SELECT rows_read, rows_loaded, rows_rejected, rows_blank FROM releases"
                       ).fetchall() == [(300, 297, 2, 1)]


def test_a_second_file_failing_keeps_the_first(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    good = make_release(tmp_path / "ok.csv", rows=200)
    bad = _text(tmp_path / "bad.csv", "a,b\n1,2\n")
    result = run("ingest", good, bad, "--db", db)
    assert result.exit_code == 1
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT file_name FROM releases").fetchall() == [("ok.csv",)]


def test_query_without_database(tmp_path: Path) -> None:
    result = run("goal", "--db", tmp_path / "none.duckdb")
    assert result.exit_code == 1 and "no database at" in result.stderr


def test_bad_options_are_usage_errors(loaded_db: Path) -> None:
    assert run("breakdown", "--by", "shoe_size", "--db", loaded_db).exit_code == 2
    r = run("export", "daily", "--aor", "XYZ", "-o", "x.csv", "--db", loaded_db)
    assert r.exit_code == 2 and "unknown office 'XYZ'" in r.stderr
    r = run("goal", "--as-of", "2025-13-01", "--db", loaded_db)
    assert r.exit_code == 2 and "not a date" in r.stderr
