"""The next workbook is parsed while the current file loads: what is loaded is the same as
without it; a file changed after it was prepared is read again; a FIFO or a csv is never
prepared."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import icestats
from icestats import prefetch

from conftest import make_release


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
def test_a_prepared_workbook_is_taken_and_loads_the_same(tmp_path: Path) -> None:
    a = make_release(tmp_path / "a.xlsx", seed=1, rows=400, sheet_rows=150)
    b = make_release(tmp_path / "b.xlsx", seed=2, rows=300, sheet_rows=150)
    with icestats.connect(tmp_path / "one.duckdb", write=True) as ice:
        plain = [r.to_dict() for r in ice.ingest([a]) + ice.ingest([b])]
    with icestats.connect(tmp_path / "two.duckdb", write=True) as ice:
        piped = [r.to_dict() for r in ice.ingest([a], upcoming=[b])]
        assert str(b.resolve()) in prefetch._prepared  # b parses while a loads
        piped += [r.to_dict() for r in ice.ingest([b])]
    assert prefetch._prepared == {}
    for r in (*plain, *piped):
        r.pop("release_id")
    assert piped == plain


def test_a_file_changed_after_it_was_prepared_is_read_again(tmp_path: Path) -> None:
    a = make_release(tmp_path / "a.xlsx", seed=1, rows=200)
    assert prefetch.prepare(a)
    os.utime(a, ns=(1, 1))  # its time changes: it may have been rewritten
    assert prefetch.take(a) is None


def test_only_regular_xlsx_files_are_prepared(tmp_path: Path) -> None:
    csv = make_release(tmp_path / "a.csv", rows=50)
    fifo = tmp_path / "pipe.xlsx"
    os.mkfifo(fifo)
    assert not prefetch.prepare(csv)
    assert not prefetch.prepare(fifo)  # opening it would block
    assert not prefetch.prepare(tmp_path / "missing.xlsx")
    prefetch.start_from_argv(["icestats", "ingest", "--db", str(csv), str(fifo)])
    assert prefetch._prepared == {}


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
def test_the_next_gzip_csv_is_inflated_while_the_current_file_loads(tmp_path: Path) -> None:
    import gzip
    import shutil

    a = make_release(tmp_path / "a.csv", seed=1, rows=300)
    b = make_release(tmp_path / "b.csv", seed=2, rows=300)
    for f in (a, b):
        with f.open("rb") as src, gzip.open(f"{f}.gz", "wb") as dst:
            shutil.copyfileobj(src, dst)
    a_gz, b_gz = Path(f"{a}.gz"), Path(f"{b}.gz")
    with icestats.connect(tmp_path / "one.duckdb", write=True) as ice:
        plain = [r.rows_loaded for r in ice.ingest([a, b])]
    with icestats.connect(tmp_path / "two.duckdb", write=True) as ice:
        first = ice.ingest([a_gz], upcoming=[b_gz])
        assert str(b_gz.resolve()) in prefetch._inflated
        piped = [r.rows_loaded for r in first + ice.ingest([b_gz])]
    assert prefetch._inflated == {} and piped == plain
    assert prefetch.prepare(a_gz)
    ready = prefetch.take_inflated(a_gz)
    assert ready is not None and ready.read_bytes() == a.read_bytes()
    shutil.rmtree(ready.parent)
    assert prefetch.prepare(b_gz)  # changed after it was inflated: dropped, read again
    _ident, thread, box = prefetch._inflated[str(b_gz.resolve())]
    thread.join()
    with b_gz.open("ab") as fh:
        fh.write(b"\0")
    assert prefetch.take_inflated(b_gz) is None and not box[0].parent.exists()


def test_only_the_mapped_columns_are_parsed_and_checked(tmp_path: Path) -> None:
    """A sheet is parsed for the columns its layout maps (found from its first rows read
    without parsing it), with the same rows loaded as a whole parse; when the head does not
    line up with the parsed range (a cell far below, left of the header), the sheet is
    parsed again whole."""
    import duckdb
    import xlsxwriter

    from icestats.ingest.read_xlsx import choose_columns
    from icestats.xlsx import Workbook

    path = tmp_path / "w.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Arrests")
    ws.write_row(0, 1, ["Apprehension Date", "Notes", "Apprehension AOR", "Gender"])
    for r in range(1, 80):
        ws.write_row(r, 1, [f"2025-03-{1 + r % 28:02d}", "n", "CHI", "Male"])
    ws.write(200, 0, "a stray cell in column A")
    ws.write_row(201, 1, ["2025-03-05", "n", "HOU", "Female"])
    wb.close()
    book = Workbook(path, columns=choose_columns)
    book.sheet(0)
    assert book.selected[0] == [0, 2, 3]  # the head's columns (B, D, E as it reads them)
    book.close()
    with icestats.connect(tmp_path / "db.duckdb", write=True) as ice:
        r = ice.ingest([path])[0]
    con = duckdb.connect(str(tmp_path / "db.duckdb"), read_only=True)
    rows = con.execute("SELECT source_row, aor, gender FROM arrests ORDER BY source_row"
                       ).fetchall()
    con.close()
    assert r.rows_loaded == 80 and rows[0] == (2, "CHI", "Male")
    assert rows[-1] == (202, "HOU", "Female")


def test_closing_a_workbook_with_a_cancelled_parse_says_nothing(
        caplog: pytest.LogCaptureFixture) -> None:
    """A sheet's parse cancelled by ``Workbook.close`` (a refusal while later sheets wait)
    ran the done-callback on a cancelled future, whose ``exception()`` raises: a refused
    multi-sheet workbook printed two tracebacks before its one-line error."""
    from concurrent.futures import Future

    from icestats.xlsx import _close

    future: Future[object] = Future()
    future.cancel()
    future.add_done_callback(_close)  # type: ignore[arg-type]  # (runs now: it is done)
    assert caplog.records == []  # (concurrent.futures logs "exception calling callback")
