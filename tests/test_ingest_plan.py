"""The per-distinct-value plan (plan.make_plan) gives exactly what the normalization rules
give row by row, whichever way it fills a column; parquet dates typed or as text load
the same."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from icestats import store
from icestats.ingest import digest, rows
from icestats.ingest import plan as plan_mod
from icestats.ingest.layout import Layout
from icestats.ingest.sources import Source

from conftest import run

COLUMNS = {"apprehension_date": "Apprehension Date", "aor": "Apprehension AOR",
           "state": "Apprehension State", "county": "Apprehension County",
           "departed_date": "Departed Date", "birth_year": "Birth Year",
           "method": "Apprehension Method", "identifier": "Unique Identifier"}
ROWS = {
    "aor": ["Chicago Area of Responsibility", "CHI", "chicago", None, "", "b(6), b(7)c",
            "Atlantis", "DAL"],
    "state": ["ILLINOIS", "TEXAS", None, "ILLINOIS", "TEXAS", "OHIO", "OHIO", None],
    "county": ["Cook", "  Cook ", "b(6),b(7)(c)", None, "", "Lake  County", "Cook", "X"],
    "departed_date": ["2025-03-01", None, "1900-01-01", "03/04/2025", "junk", "",
                      "2025-03-01 10:00:00", None],
    "birth_year": ["1980", "1980.0", None, "1750", "x", "1999", "", "2001"],
    "method": ["ERO Reprocessed Arrest", " ero reprocessed arrest ", "CAP", None, "",
               "Located", "ERO Reprocessed Arrest", "CAP"],
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
    plan_mod.register_aliases(con)
    source = _relation(con)
    plan = plan_mod.make_plan(con, source)
    # a column normalization leaves alone is read as it is; one it changes is joined
    assert plan.exprs["state"] == "s.state"
    assert plan.exprs["county"] == "d_county.county"
    assert plan.exprs["aor"] == "d_aor.aor"
    assert plan.exprs["reprocessed"].startswith("coalesce(s.method IN (SELECT v FROM")
    names = [name for name, _f, _e in plan_mod.value_columns(lambda f: f)
             if name in plan.exprs]
    planned = con.execute(
        f"SELECT s.__row, {', '.join(f'{plan.exprs[n]} AS {n}' for n in names)} "
        f"FROM src_test s {' '.join(plan.joins.values())} ORDER BY 1").fetchall()
    # the reference: the same rules evaluated on every row, no plan
    rules = {name: expr for name, _f, expr in plan_mod.value_columns(lambda f: f"r.{f}")}
    by_row = con.execute(
        f"SELECT r.__row, {', '.join(f'{rules[n]} AS {n}' for n in names)} FROM src_test r "
        f"LEFT JOIN aor_alias a ON a.key = {plan_mod.reference.aor_key_sql('r.aor')} "
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
    assert [got[i]["reprocessed"] for i in range(2, 10)] == [
        True, True, False, False, False, False, True, False]


def test_plan_grows_with_each_chunk_and_matches_the_rules() -> None:
    """Chunks that arrive with their values (csv) share one plan: a chunk bringing new
    values redoes those columns only, and every chunk comes out as the rules say."""
    from concurrent.futures import ThreadPoolExecutor

    from icestats.ingest.read_csv import encode as _encode

    con = duckdb.connect()
    store.migrate(con)
    plan_mod.register_aliases(con)
    n = len(ROWS["aor"])
    full = pa.table({**ROWS, "apprehension_date": ["2025-03-01 08:00:00"] * n,
                     "identifier": [f"id{i}" for i in range(n)],
                     "__row": pa.array(range(2, n + 2), pa.int32())})
    rules = {name: expr for name, _f, expr in plan_mod.value_columns(lambda f: f"r.{f}")}
    plan = None
    with ThreadPoolExecutor(2) as pool:
        # rows 6-7 first (counties needing no change); then 0-2 (a redaction marker,
        # spaces), then 6-7 again
        for k, (start, stop) in enumerate([(6, 8), (0, 3), (6, 8)]):
            table, values = _encode(full.slice(start, stop - start), pool)
            assert values["county"] == frozenset(ROWS["county"][start:stop])
            con.register(f"chunk_{k}", table)
            source = Source(None, 0, Layout(0, COLUMNS, ()), f"chunk_{k}", len(table), table,
                            values=values)
            before = dict(plan.exprs) if plan else None
            plan = plan_mod.make_plan(con, source, plan)
            if k == 0:
                assert plan.exprs["county"] == "s.county"  # no value needs changing yet
            if k == 1:
                assert plan.exprs["county"] == "d_county.county"  # the marker came
            if k == 2:
                assert plan.exprs == before  # nothing new: nothing redone
            names = [name for name, _f, _e in plan_mod.value_columns(lambda f: f)
                     if name in plan.exprs]
            planned = con.execute(
                f"SELECT s.__row, {', '.join(f'{plan.exprs[c]} AS {c}' for c in names)} "
                f"FROM chunk_{k} s {' '.join(plan.joins.values())} ORDER BY 1").fetchall()
            by_row = con.execute(
                f"SELECT r.__row, {', '.join(f'{rules[c]} AS {c}' for c in names)} "
                f"FROM chunk_{k} r LEFT JOIN aor_alias a ON a.key = "
                f"{plan_mod.reference.aor_key_sql('r.aor')} ORDER BY 1").fetchall()
            assert planned == by_row and len(planned) == stop - start


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
    from icestats.ingest import read_parquet

    from conftest import make_release

    release = make_release(tmp_path / "r.parquet", rows=300, extra=None)
    seen, steps = [], []
    for slice_rows in (5_000_000, 64):
        monkeypatch.setattr(read_parquet, "SLICE_ROWS", slice_rows)
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


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
def test_csv_in_chunks_loads_the_same(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    """A csv read in many small chunks (each bringing values the plan has not seen)
    stores exactly what one chunk stores."""
    import icestats
    from icestats.ingest import read_csv
    from test_counting import edge_records

    from conftest import make_release

    release = make_release(tmp_path / "r.csv", rows=400, extra=edge_records())
    seen = []
    for chunk_rows in (1_000_000, 50):
        monkeypatch.setattr(read_csv, "CHUNK_ROWS", chunk_rows)
        steps: list[tuple] = []
        with icestats.connect(tmp_path / f"c{chunk_rows}.duckdb", write=True) as ice:
            result = ice.ingest([release], progress=lambda *a, s=steps: s.append(a))[0]
            seen.append((result.rows_read, result.rows_loaded, result.rows_rejected,
                         result.episodes,
                         ice.con.execute("SELECT * EXCLUDE (id_hash) FROM arrests "
                                         "ORDER BY source_row").fetchall(),
                         ice.con.execute("SELECT * FROM rejects ORDER BY source_row").fetchall()))
        assert len(steps) == (1 if chunk_rows > 400 else -(-result.rows_read // 50))
    assert seen[0] == seen[1] and seen[0][0] > 400


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
def test_reload_found_late_changes_nothing(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    """The file's digest is computed while it loads (unless a file of the same name is in
    the store: then first); a copy under another name, found to be loaded already only
    when the digest is ready (here: after its last chunk), leaves the store as it was."""
    import shutil

    import icestats
    from icestats.ingest import read_csv

    from conftest import make_release

    release = make_release(tmp_path / "r.csv", rows=300)
    db = tmp_path / "db.duckdb"
    with icestats.connect(db, write=True) as ice:
        first = ice.ingest([release])[0]
    monkeypatch.setattr(read_csv, "CHUNK_ROWS", 64)
    monkeypatch.setattr(digest.Digest, "done", lambda self: False)
    copy = shutil.copyfile(release, tmp_path / "renamed.csv")
    with icestats.connect(db, write=True) as ice:
        again = ice.ingest([copy])[0]
        assert again.already_loaded and again.sha256 == first.sha256
        assert ice.con.execute("SELECT count(*), count(DISTINCT release_id) FROM arrests"
                               ).fetchall() == [(first.rows_loaded, 1)]
        assert ice.con.execute("SELECT count(*) FROM releases").fetchall() == [(1,)]


def test_a_failing_insert_reports_its_own_error(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    """An insert that fails inside _parse_once surfaces DuckDB's error (not a second one
    from resetting the optimizer settings in an aborted transaction), the store is left
    as it was and the settings are back to normal."""
    import pytest

    import icestats

    from conftest import make_release

    release = make_release(tmp_path / "r.csv", rows=50)
    real = rows.arrest_columns
    monkeypatch.setattr(rows, "arrest_columns", lambda source, plan: [
        (name, "error('planted failure')" if name == "county" else expr)
        for name, expr in real(source, plan)])
    with icestats.connect(tmp_path / "db.duckdb", write=True) as ice:
        with pytest.raises(duckdb.Error, match="planted failure"):
            ice.ingest([release])
        assert ice.con.execute("SELECT current_setting('disabled_optimizers'), "
                               "(SELECT count(*) FROM arrests)").fetchall() == [("", 0)]
