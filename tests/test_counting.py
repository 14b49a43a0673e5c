"""Counting is exact: icestats against the independent reference on generated releases."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from conftest import export_aor, make_release, run
from reference_impl import daily_by_aor, read_release

T0 = dt.datetime(2025, 4, 10, 9, 0, 0)
H24 = dt.timedelta(hours=24)


def edge_records() -> list[dict[str, object]]:
    """Hand-made records at the boundaries of the episode rule, appended out of time order."""
    base = {"aor": "Chicago Area of Responsibility", "method": "Located",
            "criminality": "1 Convicted Criminal"}
    def rec(when: dt.datetime, ident: str | None, **kw: object) -> dict[str, object]:
        return {**base, "apprehension_date": when, "identifier": ident, **kw}
    return [
        rec(T0, "EDGE-EXACT"), rec(T0 + H24, "EDGE-EXACT"),                 # joins: 1 arrest
        rec(T0, "EDGE-PLUS1"),
        rec(T0 + H24 + dt.timedelta(seconds=1), "EDGE-PLUS1", aor="DAL"),     # new: 2 arrests
        rec(T0, "EDGE-CHAIN"), rec(T0 + dt.timedelta(hours=20), "EDGE-CHAIN"),
        rec(T0 + dt.timedelta(hours=40), "EDGE-CHAIN"),                       # chain: 1 arrest
        # a reprocessed record listed first at the same time: the arrest counts for Miami
        rec(T0, "EDGE-REPRO", aor="Houston", method="ERO Reprocessed Arrest"),
        rec(T0, "EDGE-REPRO", aor="MIAMI"),
        rec(T0, None), rec(T0, None), rec(T0, "b(6), b(7)c"), rec(T0, "(b)(6)(b)(7)(c)"),
        rec(T0, "EDGE-HQ", aor="HQ Area of Responsibility"), rec(T0, "EDGE-BLANK", aor=None),
        rec(T0, "EDGE-BLANK2", aor="   "),
    ]


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
@pytest.mark.parametrize("layout,suffix", [("2025", ".xlsx"), ("2023", ".xlsx"),
                                           ("2025", ".csv"), ("2023", ".parquet")])
def test_export_matches_reference(tmp_path: Path, layout: str, suffix: str) -> None:
    release = make_release(tmp_path / f"r{suffix}", layout=layout, seed=11, rows=3000,
                           sheet_rows=1200, extra=edge_records())
    db = tmp_path / "db.duckdb"
    assert run("ingest", release, "--db", db).exit_code == 0
    expected = daily_by_aor([read_release(release)])
    assert export_aor(db, tmp_path) == expected
    assert export_aor(db, tmp_path, "records") == daily_by_aor([read_release(release)],
                                                               "records")


def test_edge_cases_counted_by_hand(tmp_path: Path) -> None:
    """The appended edge records alone, counted by hand from the rule's text."""
    release = make_release(tmp_path / "edge.csv", rows=1, extra=edge_records(),
                           start=dt.date(2025, 1, 1), end=dt.date(2025, 1, 1))
    db = tmp_path / "db.duckdb"
    # (the generator's one row, on 2025-01-01, is isolated from the edge records: set
    # aside as a date that cannot be true, 1 of 17 rows, which counts toward
    # --max-rejects)
    assert run("ingest", release, "--db", db, "--max-rejects", "0.1").exit_code == 0
    got = {k: v for k, v in export_aor(db, tmp_path).items() if k[0] != "2025-01-01"}
    day0, day1 = T0.date().isoformat(), (T0 + H24).date().isoformat()
    # CHI on day 0: EXACT, PLUS1, CHAIN, 2 blank ids, 2 redacted ids = 7
    # DAL on day 1: the PLUS1 record 24 h + 1 s later starts a new arrest
    # MIA on day 0: the reprocessed Houston record sorts after the Miami record
    assert got == {(day0, "CHI"): 7, (day1, "DAL"): 1, (day0, "MIA"): 1, (day0, "HQ"): 1,
                   (day0, "UNK"): 2}


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
def test_overlapping_releases_any_order(tmp_path: Path) -> None:
    older = make_release(tmp_path / "older.xlsx", seed=3, rows=2000,
                         start=dt.date(2025, 1, 1), end=dt.date(2025, 3, 31))
    newer = make_release(tmp_path / "newer.csv", seed=4, rows=2000, layout="2023",
                         start=dt.date(2025, 3, 1), end=dt.date(2025, 5, 15))
    results = []
    for order in ([older, newer], [newer, older]):
        db = tmp_path / f"db_{order[0].stem}.duckdb"
        for f in order:
            assert run("ingest", f, "--db", db).exit_code == 0
        results.append(export_aor(db, tmp_path))
    assert results[0] == results[1]
    assert results[0] == daily_by_aor([read_release(older), read_release(newer)])
    march = sum(v for (d, _), v in results[0].items() if d.startswith("2025-03"))
    newer_march = sum(v for (d, _), v in daily_by_aor([read_release(newer)]).items()
                      if d.startswith("2025-03"))
    assert march == newer_march  # the shared month comes from the newer release only


def test_reload_is_a_no_op(tmp_path: Path) -> None:
    release = make_release(tmp_path / "r.csv", rows=500)
    db = tmp_path / "db.duckdb"
    assert run("ingest", release, "--db", db).exit_code == 0
    before = export_aor(db, tmp_path)
    again = run("ingest", release, "--db", db)
    assert again.exit_code == 0 and "already loaded" in again.stdout
    assert export_aor(db, tmp_path) == before


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
def test_every_column_is_the_same_from_xlsx_csv_and_parquet(tmp_path: Path) -> None:
    """Excel sheets and csv chunks (Arrow) and parquet (read by DuckDB, dates typed) give
    the same stored columns. Junk secondary dates are compared by presence: Excel itself
    shows 1900-01-01 (serial 1) as 1899-12-31 (the 1900 leap-year quirk)."""
    import duckdb

    rows = {}
    for suffix in (".xlsx", ".csv", ".parquet"):
        release = make_release(tmp_path / f"same{suffix}", seed=17, rows=2000,
                               extra=edge_records())
        db = tmp_path / f"{suffix[1:]}.duckdb"
        assert run("ingest", release, "--db", db).exit_code == 0
        con = duckdb.connect(str(db), read_only=True)
        cols = [c for (c,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = 'arrests' AND "
            "column_name NOT IN ('release_id', 'sheet', 'sheet_no', 'source_row', 'id_hash')"
        ).fetchall()]
        shown = [f"{c} IS NOT NULL" if c.endswith("date_raw") else c for c in cols]
        rows[suffix] = con.execute(f"SELECT {', '.join(shown)} FROM arrests ORDER BY ALL"
                                   ).fetchall()
    assert rows[".xlsx"] == rows[".csv"] == rows[".parquet"]
    assert len(rows[".csv"]) > 1900


@pytest.mark.parametrize("end_weekday", range(7))
def test_goal_slope_does_not_depend_on_the_weekday_the_window_ends(end_weekday: int) -> None:
    """A weekly pattern plus a rise of exactly 2 a day: the slope is 2 whichever weekday the
    28-day window ends on (a plain least-squares slope swung with it)."""
    from datetime import date, timedelta

    from icestats.metrics import weekday_adjusted_slope

    pattern = [120, 130, 125, 140, 150, 60, 40]  # Monday..Sunday
    end = date(2019, 8, 12) + timedelta(days=end_weekday)
    days = [end - timedelta(days=27 - i) for i in range(28)]
    values = [pattern[d.weekday()] + 2 * i for i, d in enumerate(days)]
    assert weekday_adjusted_slope(days, values) == pytest.approx(2.0, abs=1e-9)


def test_goal_slope_equals_an_independent_within_weekday_regression() -> None:
    """Frisch-Waugh: the slope with one level per weekday is the plain slope of the counts on
    the day number after both are centred within each weekday."""
    import random
    from datetime import date, timedelta

    from icestats.metrics import weekday_adjusted_slope

    rng = random.Random(7)
    days = [date(2017, 3, 1) + timedelta(days=i) for i in range(31)]
    values = [rng.randint(200, 500) for _ in days]
    groups: dict[int, list[int]] = {}
    for i, d in enumerate(days):
        groups.setdefault(d.weekday(), []).append(i)
    t_c, y_c = [0.0] * len(days), [0.0] * len(days)
    for idx in groups.values():
        mt = sum(idx) / len(idx)
        my = sum(values[i] for i in idx) / len(idx)
        for i in idx:
            t_c[i], y_c[i] = i - mt, values[i] - my
    expected = sum(a * b for a, b in zip(t_c, y_c, strict=True)) / sum(a * a for a in t_c)
    assert weekday_adjusted_slope(days, values) == pytest.approx(expected, rel=1e-9)
