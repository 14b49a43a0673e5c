"""ICE detention statistics workbooks: published figures, totals, variants, errors."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from pathlib import Path

import duckdb
import pytest
import xlsxwriter

import icestats
from icestats.workbooks.blocks import is_number
from icestats.workbooks.load import read_grids

from conftest import run

DATA = resources.files("icestats") / "data"
FY25 = Path(str(DATA / "FY25_detentionStats_final.xlsx"))
FY26 = Path(str(DATA / "FY26_detentionStats_02122026.xlsx"))
NAMED = {"book_ins_by_agency", "detained_by_criminality_agency", "book_ins_by_criminality",
         "book_outs_by_reason", "removals", "detained_by_disposition", "atd_by_aor",
         "facilities"}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("wb") / "db.duckdb"
    assert run("ingest", FY25, FY26, "--db", path).exit_code == 0
    return path


def value(con: duckdb.DuckDBPyConnection, wb: int, table: str, dims: list[str],
          column: str) -> float | None:
    rows = con.execute("SELECT value FROM wb_values WHERE workbook_id = ? AND table_key = ? "
                       "AND dims = ? AND column_label = ?", [wb, table, dims, column]).fetchall()
    assert len(rows) == 1, (table, dims, column, rows)
    return rows[0][0]


def test_published_fy2025_book_ins(db: Path) -> None:
    con = duckdb.connect(str(db), read_only=True)
    assert value(con, 1, "book_ins_by_agency", ["Total"], "Total") == 310_181
    assert value(con, 1, "book_ins_by_agency", ["CBP"], "Total") == 87_349
    assert value(con, 1, "book_ins_by_agency", ["ICE"], "Total") == 222_832
    assert value(con, 1, "book_ins_by_agency", ["Total"], "Jun") == 36_704
    assert value(con, 1, "book_ins_by_agency", ["Total"], "Oct") == 23_613  # final figure
    assert value(con, 1, "book_ins_by_agency", ["Total"], "Apr") == 22_817


def test_fiscal_months_become_calendar_months(db: Path) -> None:
    with icestats.connect(db) as ice:
        months = {r["month"]: r for r in ice.book_ins().to_pylist()}
    assert months[date(2025, 6, 1)]["total"] == 36_704
    assert months[date(2025, 6, 1)]["per_day"] == 36_704 / 30  # about 1,223 a day (exact)
    # FY2026 October-January, from the FY2026 workbook (ICE, CBP, total)
    expected = {date(2025, 10, 1): (36_627, 4_991, 41_618), date(2025, 11, 1): (34_487, 3_925,
                38_412), date(2025, 12, 1): (37_840, 4_290, 42_130),
                date(2026, 1, 1): (36_099, 3_595, 39_694)}
    for month, (ice_n, cbp, total) in expected.items():
        r = months[month]
        assert (r["ice"], r["cbp"], r["total"]) == (ice_n, cbp, total)
        assert r["cbp_share_percent"] == 100 * cbp / total
    feb = months[date(2026, 2, 1)]  # data through 2026-02-07: a partial month of 7 days
    assert feb["partial"] and feb["days"] == 7 and feb["per_day"] == 7_940 / 7
    assert date(2026, 3, 1) not in months  # later months are not reported yet


def test_data_through_and_named_tables(db: Path) -> None:
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT fiscal_year, data_through FROM workbooks ORDER BY 1").fetchall() \
        == [(2025, date(2025, 9, 20)), (2026, date(2026, 2, 7))]
    for wb in (1, 2):
        keys = {k for (k,) in con.execute("SELECT table_key FROM wb_tables WHERE named AND "
                                          "workbook_id = ?", [wb]).fetchall()}
        assert keys == NAMED, wb
    raw = con.execute("SELECT count(*) FROM wb_raw").fetchall()[0][0]
    assert raw > 1000  # unknown tables are kept as raw cells, never dropped


def test_every_total_equals_its_parts(db: Path) -> None:
    """Recomputed here independently for the named tables, and none reported."""
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM wb_tables WHERE named AND total_mismatches <> '[]'"
                       ).fetchall() == [(0,)]
    rows = con.execute("SELECT workbook_id, dims[1], column_label, value FROM wb_values "
                       "WHERE table_key = 'book_ins_by_agency'").fetchall()
    cells = {(w, d, c): v for w, d, c, v in rows}
    months = ["Oct", "Nov", "Dec", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep"]
    for w in (1, 2):
        for m in months:
            if (w, "Total", m) in cells and (w, "ICE", m) in cells:
                assert cells[(w, "Total", m)] == cells[(w, "ICE", m)] + cells[(w, "CBP", m)]
        for agency in ("ICE", "CBP", "Total"):
            assert cells[(w, agency, "Total")] == sum(cells.get((w, agency, m), 0)
                                                      for m in months)
    crim = con.execute("SELECT dims[1], column_label, value FROM wb_values WHERE workbook_id = 1 "
                       "AND table_key = 'detained_by_criminality_agency'").fetchall()
    c = {(d, col): v for d, col, v in crim}
    parts = ("Convicted Criminal", "Pending Criminal Charges", "Other Immigration Violator")
    assert c[("Total", "ICE")] == sum(c[(p, "ICE")] for p in parts) == 46_015
    assert c[("Total", "Total")] == c[("Total", "ICE")] + c[("Total", "CBP")]


def write_grids(path: Path, grids: list[tuple[str, list[list[str | None]]]]) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    for name, grid in grids:
        ws = wb.add_worksheet(name[:31])
        for r, row in enumerate(grid):
            for c, v in enumerate(row):
                if v is not None:
                    if is_number(v):
                        ws.write_number(r, c, float(v))
                    else:
                        ws.write_string(r, c, v)
    wb.close()
    return path


def named_values(db: Path, wb: int = 1) -> set[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("SELECT v.table_key, v.dims, v.column_label, v.month, v.value FROM "
                       "wb_values v JOIN wb_tables t USING (workbook_id, table_key) "
                       "WHERE t.named AND workbook_id = ?", [wb]).fetchall()
    return {(k, tuple(d), c, m, v) for k, d, c, m, v in rows}


def variant(grids: list, *, shift: tuple[int, int] = (0, 0), suffix: str | None = None,
            rename: dict[str, str] | None = None, extra: bool = False) -> list:
    out = []
    for name, grid in grids:
        g = [list(r) for r in grid]
        if name.startswith("Detention"):
            dr, dc = shift
            g = [[None] * (len(g[0]) + dc) for _ in range(dr)] + [[None] * dc + r for r in g]
            if suffix:
                g = [[v.replace("FY2025", suffix) if isinstance(v, str) else v for v in r]
                     for r in g]
            if extra:
                g += [[None], ["ICE Mystery Counts by Colour: FY2025", None],
                      ["Colour", "Count"], ["Blue", "3"], ["Total", "3"]]
        out.append(((rename or {}).get(name, name), g))
    return out


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
@pytest.mark.parametrize("change", ["moved", "suffix", "renamed", "extra"])
def test_variants_give_the_same_numbers(tmp_path: Path, db: Path, change: str) -> None:
    grids = read_grids(FY25)
    kwargs = {"moved": {"shift": (5, 3)}, "suffix": {"suffix": "EOFY2025"},
              "renamed": {"rename": {"Detention FY25": "Detention FY 2025 final"}},
              "extra": {"extra": True}}[change]
    path = write_grids(tmp_path / f"{change}.xlsx", variant(grids, **kwargs))
    other = tmp_path / "v.duckdb"
    assert run("ingest", path, "--db", other).exit_code == 0
    assert named_values(other) == named_values(db)
    if change == "extra":
        con = duckdb.connect(str(other), read_only=True)
        assert con.execute("SELECT count(*) FROM wb_tables WHERE title LIKE 'ICE Mystery%'"
                           ).fetchall() == [(1,)]
        status = json.loads(run("status", "--db", other, "--json").stdout)
        assert any(t["title"].startswith("ICE Mystery") for t in status["tables"])


def _edit(grids: list, sheet: str, cell: tuple[int, int], text: str | None) -> list:
    out = []
    for name, grid in grids:
        g = [list(r) for r in grid]
        if name == sheet:
            g[cell[0]][cell[1]] = text
        out.append((name, g))
    return out


def test_text_in_a_number_cell(tmp_path: Path, db: Path) -> None:
    bad = write_grids(tmp_path / "text.xlsx",
                      _edit(read_grids(FY25), "Detention FY25", (21, 12), "n/a"))
    before = named_values(db)
    r = run("ingest", bad, "--db", db)
    assert r.exit_code == 1
    msg = r.stderr.strip()
    assert len(msg.splitlines()) == 1
    for part in ("sheet 'Detention FY25'", "cell M22", "ICE Initial Book-Ins by Arresting "
                 "Agency and Month", "'n/a'", "not a number"):
        assert part in msg, (part, msg)
    assert named_values(db) == before
    assert duckdb.connect(str(db), read_only=True).execute(
        "SELECT count(*) FROM workbooks").fetchall() == [(2,)]


def test_table_cut_off(tmp_path: Path, db: Path) -> None:
    grids = read_grids(FY25)
    for r in (19, 20, 21):
        for c in range(8, 22):
            grids = _edit(grids, "Detention FY25", (r, c), None)
    r = run("ingest", write_grids(tmp_path / "cut.xlsx", grids), "--db", db)
    assert r.exit_code == 1
    assert "cut off" in r.stderr and "cell I19" in r.stderr and "Book-Ins by Arresting" in \
        r.stderr


def book_ins_mismatch(path: Path, db: Path) -> str:
    """Load a workbook whose book-ins totals do not add up: it loads, says so, and the
    mismatch is kept for status."""
    r = run("ingest", path, "--db", db)
    assert r.exit_code == 0 and "total mismatches" in r.stdout
    con = duckdb.connect(str(db), read_only=True)
    try:
        (mismatch,) = con.execute("SELECT total_mismatches FROM wb_tables WHERE table_key = "
                                  "'book_ins_by_agency'").fetchall()[0]
    finally:
        con.close()
    return str(mismatch)


def test_wrong_total_is_reported_not_used(tmp_path: Path) -> None:
    grids = _edit(read_grids(FY25), "Detention FY25", (19, 17), "36705")  # Total row, June
    path = write_grids(tmp_path / "total.xlsx", grids)
    assert "R20: Total 36705 but its rows sum to 36704" in book_ins_mismatch(
        path, tmp_path / "t.duckdb")


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
def test_newer_workbook_wins_and_revisions_are_measured(tmp_path: Path) -> None:
    """An earlier FY2025 workbook gave October 23,616 and April 22,822; the final one
    23,613 and 22,817 (published figures)."""
    grids = read_grids(FY25)
    grids = _edit(grids, "Detention FY25", (19, 9), "23616")
    grids = _edit(grids, "Detention FY25", (19, 15), "22822")
    grids = [(n, [[v.replace("09/20/2025", "04/22/2025") if isinstance(v, str) else v
                   for v in r] for r in g]) for n, g in grids]
    early = write_grids(tmp_path / "early.xlsx", grids)
    other = tmp_path / "r.duckdb"
    for f in (FY25, early):  # the older one loaded last must not win
        assert run("ingest", f, "--db", other).exit_code == 0
    with icestats.connect(other) as ice:
        months = {r["month"]: r["total"] for r in ice.book_ins().to_pylist()}
        assert months[date(2024, 10, 1)] == 23_613 and months[date(2025, 4, 1)] == 22_817
        rev = [r for r in ice.revisions().rows.to_pylist() if r["row_label"] == "Total"]
    october = [r for r in rev if r["month"] == date(2024, 10, 1)]
    assert [(r["value"], r["change_from_first"]) for r in october] == [(23_616, 0), (23_613, -3)]
    april = [r for r in rev if r["month"] == date(2025, 4, 1)]
    # (the early workbook was pulled 2025-04-22, before April ended: filling, and the
    # revision is measured from the first workbook pulled after the month: the final one)
    assert [(r["value"], r["filling"], r["change_from_first"]) for r in april] == \
        [(22_822, True, None), (22_817, False, 0)]
    assert "Revisions between workbooks: book-ins by agency" in \
        run("revisions", "--db", other).stdout


def test_agency_command(db: Path) -> None:
    out = run("agency", "--db", db).stdout
    assert "REAL data: ICE detention statistics" in out and "36,704" in out and "CBP share" in out
    js = json.loads(run("agency", "--db", db, "--json").stdout)
    june = next(r for r in js["book_ins_by_month"] if r["month"] == "2025-06-01")
    assert june["cbp"] == 5_114 and june["ice"] == 31_590


def test_reload_is_a_no_op(db: Path) -> None:
    r = run("ingest", FY25, "--db", db)
    assert r.exit_code == 0 and "already loaded" in r.stdout
