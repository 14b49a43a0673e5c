"""Count tables that are not among the known forms: declared by options, or refused in one
line with the database unchanged; csv, parquet and xlsx alike."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import duckdb
import pytest

from conftest import run


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _digest(db: Path) -> str:
    return hashlib.sha256(db.read_bytes()).hexdigest()


def _query(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_a_declared_daily_state_table_loads(tmp_path: Path) -> None:
    f = _write(tmp_path / "mine.csv", "day,where,n\n2025-01-01,Texas,5\n2025-01-02,TX,NA\n"
                                      "2025-01-02,Oregon,3\n")
    db = tmp_path / "db.duckdb"
    out = run("ingest", f, "--grain", "day", "--geo", "state", "--kind", "arrests", "--db", db)
    assert out.exit_code == 1 and "cannot tell what column 'where' holds" in out.stderr
    f = _write(tmp_path / "mine.csv", "day,state,n\n2025-01-01,Texas,5\n2025-01-02,TX,NA\n"
                                      "2025-01-02,Oregon,3\n")
    out = run("ingest", f, "--grain", "day", "--kind", "arrests", "--db", db)
    assert out.exit_code == 0, out.output
    assert "arrests by day, state" in out.stdout and "1 not reported" in out.stdout
    got = _query(db, "SELECT geo, period_start, value FROM count_values ORDER BY 2, 1")
    assert got == [("TX", date(2025, 1, 1), 5.0), ("OR", date(2025, 1, 2), 3.0),
                   ("TX", date(2025, 1, 2), None)]


def test_na_zero_declares_na_as_zero(tmp_path: Path) -> None:
    f = _write(tmp_path / "weekly.csv", "week_start,arrests\n2025-01-05,10\n2025-01-12,NA\n")
    db = tmp_path / "db.duckdb"
    assert run("ingest", f, "--na-zero", "--db", db).exit_code == 0
    assert _query(db, "SELECT value FROM count_values ORDER BY period_start") == \
        [(10.0,), (0.0,)]


def test_a_one_period_table_needs_its_period(tmp_path: Path) -> None:
    f = _write(tmp_path / "totals.csv", "state_name,arrests\nTexas,10\nOhio,2\n")
    db = tmp_path / "db.duckdb"
    out = run("ingest", f, "--db", db)
    assert out.exit_code == 1 and not db.exists()
    assert "give --from and --to" in out.stderr and len(out.stderr.strip().splitlines()) == 1
    out = run("ingest", f, "--from", "2025-01-20", "--to", "2025-12-31", "--db", db)
    assert out.exit_code == 0, out.output
    assert _query(db, "SELECT DISTINCT grain, period_start, period_end FROM count_values") == \
        [("period", date(2025, 1, 20), date(2025, 12, 31))]


@pytest.mark.parametrize(("body", "message"), [
    ("week_start,count\n2025-01-05,10\n2025-01-12,x\n", "row 3, column 'count': 'x' is not a"),
    ("week_start,count\n2025-01-05,10\n2025-01-12,2.5\n", "'2.5' is not a count"),
    ("week_start,count\n2025-01-05,10\n2025-01-12,-1\n", "'-1' is not a count"),
    ("week_start,count\n2025-01-05,10\n2025-01-13,3\n", "starts on another weekday"),
    ("week_start,count\n2025-01-05,10\nJan 12,3\n", "'Jan 12' is not a week's first day"),
    ("week_start,count\n2025-01-05,10\n2025-01-05,3\n", "row 3, column 'count': the same"),
])
def test_bad_values_refuse_the_file_in_one_line(tmp_path: Path, body: str,
                                                message: str) -> None:
    db = tmp_path / "db.duckdb"
    assert run("ingest", _write(tmp_path / "ok.csv", "week_start,count\n2025-01-05,1\n"),
               "--kind", "removals", "--db", db).exit_code == 0
    before = _digest(db)
    out = run("ingest", _write(tmp_path / "arrests_by_week.csv", body), "--db", db)
    assert out.exit_code == 1, out.output
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "arrests_by_week.csv" in lines[0]
    assert _digest(db) == before


def test_bad_options_are_usage_errors(tmp_path: Path) -> None:
    f = _write(tmp_path / "t.csv", "week_start,count\n2025-01-05,1\n")
    for args, message in ((("--grain", "year"), "--grain year: expected one of"),
                          (("--geo", "county"), "--geo county"),
                          (("--from", "2025-01-01"), "--from and --to go together"),
                          (("--area", "Atlantis", "--geo", "state"), "--area Atlantis"),
                          (("--kind", "stops"), "--kind stops")):
        out = run("ingest", f, *args, "--db", tmp_path / "db.duckdb")
        assert out.exit_code == 2 and message in out.stderr, (args, out.stderr)


def test_a_table_without_kind_asks_for_it(tmp_path: Path) -> None:
    f = _write(tmp_path / "weekly.csv", "week_start,count\n2025-01-05,1\n")
    out = run("ingest", f, "--db", tmp_path / "db.duckdb")
    assert out.exit_code == 1 and "give --kind" in out.stderr


def test_refused_tables_say_why(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    cases = {"arrests_by_year.csv": ("year,count\n2024,5\n", "load the matching *_by_week"),
             "by_country.csv": (',citizenship_country,count\n1,Mexico,4\n',
                                "personal attribute"),
             "rolling_avg.csv": ("date,arrests\n2025-01-01,1.5\n", "rolling means")}
    for name, (body, message) in cases.items():
        out = run("ingest", _write(tmp_path / name, body), "--db", db)
        assert out.exit_code == 1 and message in out.stderr, (name, out.stderr)
    assert not db.exists()


def test_reloading_is_a_no_op_and_vintage_column_keeps_every_vintage(tmp_path: Path) -> None:
    f = _write(tmp_path / "monthly.csv",
               "month,pulled,count\n2025-01,2025-02-05,90\n2025-01,2025-03-05,100\n"
               "2025-02,2025-03-05,40\n")
    db = tmp_path / "db.duckdb"
    out = run("ingest", f, "--kind", "book_ins", "--vintage-column", "pulled", "--db", db)
    assert out.exit_code == 0, out.output
    assert _query(db, "SELECT period_start, vintage, value FROM count_values ORDER BY 1, 2") \
        == [(date(2025, 1, 1), 1, 90.0), (date(2025, 1, 1), 2, 100.0),
            (date(2025, 2, 1), 2, 40.0)]
    before = _digest(db)
    out = run("ingest", f, "--kind", "book_ins", "--vintage-column", "pulled", "--db", db)
    assert "already loaded" in out.stdout and _digest(db) == before


def test_parquet_and_xlsx_count_tables(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq
    import xlsxwriter

    pq.write_table(pa.table({"week_start": [date(2025, 1, 5), date(2025, 1, 12)],
                             "count": [7, 9]}), tmp_path / "encounters_by_week.parquet")
    book = xlsxwriter.Workbook(str(tmp_path / "offices.xlsx"))
    sheet = book.add_worksheet("counts")
    for r, row in enumerate([["Arrests per office, 2025"], ["office", "arrests"],
                             ["Chicago", 12], ["St. Paul", 4]]):
        sheet.write_row(r, 0, row)
    book.close()
    db = tmp_path / "db.duckdb"
    out = run("ingest", tmp_path / "encounters_by_week.parquet", tmp_path / "offices.xlsx",
              "--from", "2025-01-01", "--to", "2025-06-30", "--db", db)
    assert out.exit_code == 0, out.output
    got = _query(db, "SELECT kind, grain, geo, value, source_row FROM count_values "
                     "ORDER BY table_id, source_row")
    assert got == [("encounters", "week", "US", 7.0, 1), ("encounters", "week", "US", 9.0, 2),
                   ("arrests", "period", "CHI", 12.0, 3), ("arrests", "period", "SPM", 4.0, 4)]


@pytest.mark.parametrize("notes", [0, 12])
def test_a_count_table_below_long_notes_is_recognized(tmp_path: Path, notes: int) -> None:
    """Twelve note lines of 30 KB above the header: the first rows lie past the 256 KB head
    the check reads first (found by review: it said "unknown layout" instead of asking
    for the table's period); the same table without them."""
    line = "note: " + "x" * 30_000 + "\n"
    f = _write(tmp_path / "totals.csv",
               line * notes + "state_name,arrests\nTexas,10\nOhio,2\n" * 1)
    out = run("ingest", f, "--db", tmp_path / "db.duckdb")
    assert out.exit_code == 1
    assert "give --from and --to" in out.stderr, out.stderr
