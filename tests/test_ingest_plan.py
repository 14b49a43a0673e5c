"""The per-distinct-value plan (load._plan) gives exactly what the normalization rules
give row by row, whichever way it fills a column; parquet dates typed or as text load
the same."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from icestats import store
from icestats.ingest import load
from icestats.ingest.layout import Layout
from icestats.ingest.read import Source

from conftest import run

COLUMNS = {"apprehension_date": "Apprehension Date", "aor": "Apprehension AOR",
           "state": "Apprehension State", "county": "Apprehension County",
           "departed_date": "Departed Date", "birth_year": "Birth Year",
           "identifier": "Unique Identifier"}
ROWS = {
    "aor": ["Chicago Area of Responsibility", "CHI", "chicago", None, "", "b(6), b(7)c",
            "Atlantis", "DAL"],
    "state": ["ILLINOIS", "TEXAS", None, "ILLINOIS", "TEXAS", "OHIO", "OHIO", None],
    "county": ["Cook", "  Cook ", "b(6),b(7)(c)", None, "", "Lake  County", "Cook", "X"],
    "departed_date": ["2025-03-01", None, "1900-01-01", "03/04/2025", "junk", "",
                      "2025-03-01 10:00:00", None],
    "birth_year": ["1980", "1980.0", None, "1750", "x", "1999", "", "2001"],
}


def _relation(con: duckdb.DuckDBPyConnection) -> Source:
    n = len(ROWS["aor"])
    table = pa.table({**ROWS, "apprehension_date": ["2025-03-01 08:00:00"] * n,
                      "identifier": [f"id{i}" for i in range(n)],
                      "__row": pa.array(range(2, n + 2), pa.int32())})
    con.register("src_test", table)
    return Source("s", 0, Layout(0, COLUMNS, ()), "src_test", n, table)


def test_plan_matches_the_rules_row_by_row() -> None:
    con = duckdb.connect()
    store.migrate(con)
    load._register_aliases(con)
    source = _relation(con)
    plan = load._plan(con, source)
    # a column normalization leaves alone is read as it is; one it changes is joined
    assert plan.exprs["state"] == "s.state"
    assert plan.exprs["county"] == "d_county.county"
    assert plan.exprs["aor"] == "d_aor.aor"
    names = [name for name, _f, _e in load._value_columns(lambda f: f)
             if name in plan.exprs]
    planned = con.execute(
        f"SELECT s.__row, {', '.join(f'{plan.exprs[n]} AS {n}' for n in names)} "
        f"FROM src_test s {' '.join(plan.joins)} ORDER BY 1").fetchall()
    # the reference: the same rules evaluated on every row, no plan
    rules = {name: expr for name, _f, expr in load._value_columns(lambda f: f"r.{f}")}
    by_row = con.execute(
        f"SELECT r.__row, {', '.join(f'{rules[n]} AS {n}' for n in names)} FROM src_test r "
        f"LEFT JOIN aor_alias a ON a.key = {load.reference.aor_key_sql('r.aor')} "
        f"ORDER BY 1").fetchall()
    assert planned == by_row
    # and by hand, for a few cells
    got = {r[0]: dict(zip(["row", *names], r, strict=True)) for r in planned}
    assert [got[i]["aor"] for i in range(2, 10)] == [
        "CHI", "CHI", "CHI", "UNK", "UNK", "UNK", "UNK", "DAL"]
    assert got[7]["aor_status"] == "redacted" and got[8]["aor_raw"] == "Atlantis"
    assert [got[i]["county"] for i in range(2, 10)] == [
        "Cook", "Cook", "[redacted]", None, None, "Lake County", "Cook", "X"]
    assert got[5]["departed_date"] == dt.date(2025, 3, 4)
    assert got[4]["departed_date"] is None and got[4]["departed_date_raw"] == "1900-01-01"
    assert got[3]["birth_year"] == 1980 and got[5]["birth_year_raw"] == "1750"


def _parquet(path: Path, dates: list[object]) -> Path:
    n = len(dates)
    pq.write_table(pa.table({
        "Apprehension Date": dates,
        "Apprehension AOR": ["Chicago Area of Responsibility", "DAL"] * (n // 2),
        "Apprehension State": ["ILLINOIS", "TEXAS"] * (n // 2),
        "Apprehension Criminality": ["1 Convicted Criminal"] * n,
        "Unique Identifier": ["A", "A", "B", "C", "D", "E"][:n],
    }), path)
    return path


def test_parquet_with_typed_or_text_dates_loads_the_same(tmp_path: Path) -> None:
    when = [dt.datetime(2025, 3, 1, 8), dt.datetime(2025, 3, 1, 20), None,
            dt.datetime(1990, 1, 1), dt.datetime(2025, 3, 2, 9), dt.datetime(2025, 3, 3)]
    typed = _parquet(tmp_path / "typed.parquet", when)
    text = _parquet(tmp_path / "text.parquet",
                    [None if w is None else w.isoformat(sep=" ") for w in when])
    seen = []
    for path in (typed, text):
        db = tmp_path / f"{path.stem}.duckdb"
        result = run("ingest", path, "--db", db, "--max-rejects", "0.5")
        assert result.exit_code == 0, result.stdout
        con = duckdb.connect(str(db), read_only=True)
        seen.append((
            con.execute("SELECT source_row, apprehension_at, aor, episode_start FROM arrests "
                        "ORDER BY 1").fetchall(),
            con.execute("SELECT source_row, reason FROM rejects ORDER BY 1").fetchall()))
        con.close()
    assert seen[0] == seen[1]
    arrests, rejects = seen[0]
    # rows 2 and 3 are one identifier 12 hours apart: one arrest
    assert [(r[0], r[2], r[3]) for r in arrests] == [
        (1, "CHI", True), (2, "DAL", False), (5, "CHI", True), (6, "DAL", True)]
    assert rejects == [(3, "missing apprehension date"), (4, "apprehension date out of range")]


def test_parquet_in_slices_loads_the_same_and_reports_progress(tmp_path: Path,
                                                               monkeypatch) -> None:  # noqa: ANN001
    import icestats
    from icestats.ingest import read

    from conftest import make_release

    release = make_release(tmp_path / "r.parquet", rows=300, extra=None)
    seen, steps = [], []
    for slice_rows in (5_000_000, 64):
        monkeypatch.setattr(read, "SLICE_ROWS", slice_rows)
        with icestats.connect(tmp_path / f"s{slice_rows}.duckdb", write=True) as ice:
            result = ice.ingest([release], progress=lambda *a: steps.append(a))[0]
            seen.append((result.rows_read, result.rows_loaded, result.episodes,
                         ice.con.execute("SELECT * EXCLUDE (id_hash) FROM arrests "
                                         "ORDER BY source_row").fetchall()))
    assert seen[0] == seen[1] and seen[0][0] > 256
    n = seen[0][0]
    parts = -(-n // 64)
    assert steps[0] == (f"rows 1-{n:,}", 1, 1)
    assert steps[1:] == [(f"rows {k * 64 + 1:,}-{min(n, (k + 1) * 64):,}", k + 1, parts)
                         for k in range(parts)]
