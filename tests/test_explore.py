"""Exploration: `icestats sql` over the read-only views (hostile SQL refused, the records
never reachable), `icestats export NAME` for every answer (csv, tsv, json, parquet, xlsx)
and `icestats export datasette` served by Datasette itself."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import duckdb
import pytest

from conftest import run, small_db

HOSTILE = [
    ("DELETE FROM releases", "only a read-only SELECT or WITH query"),
    ("DROP TABLE arrests", "only a read-only SELECT or WITH query"),
    ("INSERT INTO releases VALUES (1)", "only a read-only SELECT or WITH query"),
    ("UPDATE arrests SET aor = 'X'", "only a read-only SELECT or WITH query"),
    ("CREATE TABLE x AS SELECT * FROM arrests_daily", "only a read-only SELECT or WITH"),
    ("ATTACH 'other.duckdb' AS o", "only a read-only SELECT or WITH query"),
    ("COPY (SELECT * FROM arrests_daily) TO 'out.csv'", "only a read-only SELECT or WITH"),
    ("PRAGMA database_list", "only a read-only SELECT or WITH query"),
    ("SET enable_external_access = true", "only a read-only SELECT or WITH query"),
    ("INSTALL httpfs", "only a read-only SELECT or WITH query"),
    ("SELECT 1 FROM releases; DROP TABLE arrests", "one statement only"),
    ("SELECT * FROM read_csv('/etc/passwd') JOIN releases ON true", "never files"),
    ("SELECT * FROM releases, glob('/*')", "never files"),
    ("SELECT id_hash FROM arrests", "names no view"),
    ("SELECT r.* FROM releases r, arrests a", "Table with name arrests does not exist"),
    ("SELECT * FROM releases r JOIN rejects USING (raw_value)", "the query failed"),
    ("SELEC * FROM releases", "does not parse"),
]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_db(tmp_path_factory.mktemp("explore"))


def ok(*args: object) -> str:
    result = run(*[str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.stdout


def query(db: Path, sql: str) -> list[dict[str, str]]:
    text = ok("sql", sql, "--db", db, "--format", "csv")
    return list(csv.DictReader(io.StringIO("".join(
        line for line in io.StringIO(text) if not line.startswith("# ")))))


def test_sql_counts_equal_the_stored_records(db: Path) -> None:
    """Per office: the arrests_daily view against a count of the stored rows made here;
    arrests and records are columns of one row (a sum over the view never mixes them)."""
    with duckdb.connect(str(db), read_only=True) as con:
        expected = dict(con.execute(
            "SELECT aor, count(*) FILTER (WHERE episode_start) FROM arrests WHERE owned "
            "GROUP BY aor").fetchall())
        records = con.execute("SELECT count(*) FROM arrests WHERE owned").fetchone()
    rows = query(db, "SELECT aor, sum(arrests) AS n FROM arrests_daily GROUP BY aor")
    assert {r["aor"]: int(r["n"]) for r in rows} == expected
    total = query(db, "SELECT sum(records) AS n, sum(arrests) AS a FROM arrests_daily")
    assert records is not None and int(total[0]["n"]) == records[0] > 0
    assert int(total[0]["a"]) == sum(expected.values()) < records[0]


def test_arrests_daily_holds_every_covered_office_day(db: Path) -> None:
    """Zero days are rows: AVG(arrests) over the latest 28 days is each office's arrests
    a day as `icestats offices` gives it (a view without its zero days overstates the
    small offices)."""
    with duckdb.connect(str(db), read_only=True) as con:
        days, offices = con.execute(
            "SELECT (SELECT count(*) FROM day_owner), (SELECT count(DISTINCT aor) FROM "
            "arrests)").fetchone()
    assert int(query(db, "SELECT count(*) AS n FROM arrests_daily")[0]["n"]) == days * offices
    answer = json.loads(ok("offices", "--db", db, "--json"))
    end = answer["as_of"]
    rows = query(db, f"SELECT aor, avg(arrests) AS a, count(*) AS days FROM arrests_daily "
                     f"WHERE date > DATE '{end}' - 28 AND date <= DATE '{end}' GROUP BY aor")
    got = {r["aor"]: (float(r["a"]), int(r["days"])) for r in rows}
    for o in answer["offices"]:
        if o["covered"] and o["aor"] in got:
            assert got[o["aor"]] == (pytest.approx(o["arrests"] / 28, abs=1e-12), 28), o
    assert sum(1 for o in answer["offices"] if o["rank"]) == sum(
        1 for a in got if a not in ("HQ", "UNK"))


def test_views_say_their_unit_and_counting_rule(db: Path, tmp_path: Path) -> None:
    from icestats.views import VIEWS

    for name in ("arrests_daily", "arrests_daily_by_category", "arrests_monthly_personal"):
        v = VIEWS[name]
        assert "24-hour episode" in v.description and "Unit: arrests" in v.description
        assert "unit: arrests" in v.described_columns()["arrests"]
    ok("export", "datasette", tmp_path / "ds", "--db", db)
    meta = json.loads((tmp_path / "ds" / "metadata.json").read_text())
    daily = meta["databases"]["icestats"]["tables"]["arrests_daily"]
    assert "zeros included" in daily["description"]
    assert "24-hour episode" in daily["columns"]["arrests"]


def test_sql_json_is_the_answer_with_its_source(db: Path) -> None:
    out = json.loads(ok("sql", "SELECT count(*) AS n FROM releases", "--db", db, "--json"))
    assert out["rows"] == [{"n": 1}] and out["views"] == ["releases"]
    assert out["synthetic"] is True and "GENERATED" in out["source"]["text"]


@pytest.mark.parametrize("sql,message", HOSTILE, ids=[h[0][:30] for h in HOSTILE])
def test_hostile_sql_is_refused_in_one_line(db: Path, sql: str, message: str) -> None:
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    result = run("sql", sql, "--db", db)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert not list(db.parent.glob("out.csv")) and not list(db.parent.glob("other.duckdb"))


def test_a_query_that_runs_too_long_is_stopped_in_one_line(db: Path) -> None:
    """DuckDB has no statement timeout: a cross join that would run for hours is stopped
    by the timer and reported as a timeout, not as a Ctrl-C (exit 2, not 130)."""
    joined = ", ".join(f"arrests_daily t{i}" for i in range(6))
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    result = run("sql", f"SELECT count(*) FROM {joined}", "--db", db, "--timeout", "0.5")
    assert result.exit_code == 2
    assert result.stderr == ("error: the query ran longer than 0.5 s and was stopped; "
                             "aggregate sooner or narrow it (--timeout SECONDS to wait "
                             "longer)\n")
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
def test_no_view_exposes_a_record_or_a_personal_attribute_by_office(db: Path) -> None:
    from icestats import views

    forbidden = {"id_hash", "source_row", "raw_value", "birth_year", "citizenship", "gender",
                 "sheet", "id_status"}
    for name, view in views.VIEWS.items():
        head = query(db, f"SELECT * FROM {name} LIMIT 1")
        columns = set(head[0]) if head else set()
        assert not columns & forbidden, name
        assert set(view.columns) <= columns | set(view.columns) and view.title
    personal = query(db, "SELECT DISTINCT dimension FROM arrests_monthly_personal")
    assert {r["dimension"] for r in personal} == {"citizenship", "gender", "age_group"}
    # personal attributes by office only as the protected grid's cells: whole months,
    # rounded to multiples of 5 (sums of them nationally)
    cells = query(db, "SELECT aor, arrests FROM arrests_monthly_personal")
    assert cells and all(int(r["arrests"]) % 5 == 0 for r in cells)
    assert {r["aor"] for r in cells} > {"(national)"}


def test_personal_view_is_the_breakdowns_grid(tmp_path: Path) -> None:
    """Data ending 3 days into May: the view's national cells are the breakdown's (the
    same grid cells summed over offices), May included, each office cell a multiple of 5."""
    from datetime import date

    import icestats

    from conftest import make_release

    db = tmp_path / "short.duckdb"
    f = make_release(tmp_path / "short.csv", rows=400, start=date(2025, 3, 10),
                     end=date(2025, 5, 3))
    assert run("ingest", f, "--db", db).exit_code == 0
    rows = query(db, "SELECT month, value, arrests FROM arrests_monthly_personal "
                     "WHERE dimension = 'gender' AND aor = '(national)' ORDER BY 1, 2")
    with icestats.connect(db) as ice:
        b = ice.breakdown("gender", period="month").rows.to_pylist()
    expected = sorted((str(r["period"]), r["gender"], r["arrests"]) for r in b
                      if r["arrests"])
    got = [(r["month"], r["value"], int(r["arrests"])) for r in rows]
    assert got == expected and any(g[0] == "2025-05-01" for g in got)
    offices = query(db, "SELECT arrests FROM arrests_monthly_personal "
                        "WHERE aor <> '(national)'")
    assert offices and all(int(r["arrests"]) % 5 == 0 for r in offices)


NAMES = [("status", []), ("goal", []), ("offices", []), ("fair", []),
         ("breakdown", ["--by", "custody"]), ("fiscal-years", []), ("nowcast", []),
         ("events", ["--event", "2025-05-01,CHI,test"]), ("forecast", ["--horizon", "14"]),
         ("surges", [])]


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
@pytest.mark.parametrize("name,args", NAMES, ids=[n for n, _ in NAMES])
def test_export_every_answer_to_every_format(db: Path, tmp_path: Path, name: str,
                                             args: list[str]) -> None:
    import openpyxl
    import pyarrow.parquet as pq

    from icestats.answer_tables import MAIN

    question = {"fair": ["offices", "--fair"]}.get(name, [name])
    answer = json.loads(ok(*question, *args, "--db", db, "--json"))
    for fmt in ("csv", "tsv", "json", "parquet", "xlsx"):
        ok("export", name, *args, "--db", db, "-o", tmp_path / f"{name}.{fmt}")
    assert json.loads((tmp_path / f"{name}.json").read_text()) == answer
    lines = (tmp_path / f"{name}.csv").read_text().splitlines()
    parsed = list(csv.DictReader(lines))  # the table alone: no line before or after
    assert all(None not in r for r in parsed)
    side = json.loads((tmp_path / f"{name}.csv.source.json").read_text())
    assert side["data"] == "GENERATED" and side["releases"] == [
        {"file": "base.csv", "synthetic": True}]
    assert side["columns"] and {c["name"] for c in side["columns"]} <= set(parsed[0]) | {
        c["name"] for c in side["columns"]}
    book = openpyxl.load_workbook(tmp_path / f"{name}.xlsx")
    for sheet in book.worksheets:  # flat: one value a cell, never a JSON list or object
        for row in sheet.iter_rows(min_row=2, values_only=True):
            assert not any(isinstance(v, str) and v and v[0] in "[{" and v[-1] in "]}"
                           for v in row), (sheet.title, row)
    source = {r[0].value: r[1].value for r in book["source"].iter_rows()}
    assert source["data"] == "GENERATED" and source["release file"] == "base.csv (GENERATED)"
    parquet = pq.read_table(tmp_path / f"{name}.parquet")
    assert parquet.schema.metadata[b"icestats.data"] == b"GENERATED"
    main = MAIN[answer["question"]][0]
    assert parquet.num_rows == len(parsed) == book[main].max_row - 1
    assert parquet.column_names == list(parsed[0]) == [c.value for c in book[main][1]]
    assert not list(tmp_path.glob(".*partial*"))


def test_exported_offices_are_the_answer_numbers(db: Path, tmp_path: Path) -> None:
    import openpyxl

    answer = json.loads(ok("offices", "--db", db, "--json"))
    ok("export", "offices", "--db", db, "-o", tmp_path / "o.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "o.xlsx")["offices"]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    got = [(r[header.index("aor")], r[header.index("arrests")], r[header.index("per_day")])
           for r in rows[1:]]
    # (Excel keeps 15 significant digits of the exact value)
    assert got == [(o["aor"], o["arrests"], pytest.approx(o["per_day"], rel=1e-14))
                   for o in answer["offices"]]


def test_xlsx_cells_that_could_run_are_neutralized(tmp_path: Path) -> None:
    import openpyxl
    import pyarrow as pa

    from icestats.export_answer import write_answer
    from icestats.sql import SqlAnswer

    values = ["=HYPERLINK(1)", "+1", "-2", "@SUM(A1)", "|calc", ";=1", "\uff1d1", "ok"]
    write_answer(SqlAnswer("q", pa.table({"x": values})), tmp_path / "x.xlsx", "xlsx", "db")
    sheet = openpyxl.load_workbook(tmp_path / "x.xlsx")["rows"]
    cells = [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert cells == ["'" + v for v in values[:-1]] + ["ok"]


def test_export_bad_names_are_one_line(db: Path, tmp_path: Path) -> None:
    for args, message in ((["offices", "-o", tmp_path / "x.txt"], "unknown format 'txt'"),
                          (["offices", "-o", tmp_path / "x.csv", "--part", "nope"],
                           "unknown --part 'nope' (this answer has: summary, offices)")):
        result = run("export", *[str(a) for a in args], "--db", str(db))
        assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.stderr
        assert message in result.stderr
    assert not list(tmp_path.iterdir())


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
def test_datasette_serves_the_export(db: Path, tmp_path: Path) -> None:
    datasette_app = pytest.importorskip("datasette.app")
    import asyncio

    result = run("export", "datasette", str(tmp_path / "ds"), "--db", str(db))
    assert result.exit_code == 0, result.output
    meta = json.loads((tmp_path / "ds" / "metadata.json").read_text())
    ds = datasette_app.Datasette([str(tmp_path / "ds" / "icestats.db")], metadata=meta)
    with duckdb.connect(str(db), read_only=True) as con:
        chi = con.execute("SELECT count(*) FROM arrests WHERE owned AND episode_start "
                          "AND aor = 'CHI'").fetchone()

    async def ask() -> tuple[list[dict], dict, str]:
        rows = await ds.client.get("/icestats/arrests_daily.json?_shape=array&aor=CHI"
                                   "&_size=max")
        served = await ds.client.get("/-/metadata.json")
        page = await ds.client.get("/icestats/arrests_daily")
        assert rows.status_code == served.status_code == page.status_code == 200
        return rows.json(), served.json(), page.text

    rows, served, page = asyncio.run(ask())
    assert chi is not None and sum(r["arrests"] for r in rows) == chi[0]
    tables = served["databases"]["icestats"]["tables"]
    assert set(tables) >= {"arrests_daily", "arrests_monthly_personal", "releases"}
    assert tables["arrests_daily"]["data"] == "GENERATED"
    assert "GENERATED" in tables["arrests_daily"]["description"]
    assert tables["arrests_daily"]["columns"]["arrests"].startswith("one per 24-hour")
    assert "Arrests a day by field office" in page


def test_a_huge_answer_is_refused_without_computing_it(db: Path) -> None:
    result = run("sql", "SELECT r.release_id, x.range FROM releases r, range(1000000000000) x",
                 "--db", db)
    assert result.exit_code == 2
    assert "has more than 100,000 rows; aggregate it or add a LIMIT" in result.stderr


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
def test_datasette_serves_export_o_file_over_loopback(db: Path, tmp_path: Path) -> None:
    """`export datasette -o FILE.db`, then `datasette FILE.db -m FILE.metadata.json` as a
    user runs it: a real server on loopback answers with the stored counts and the labels."""
    pytest.importorskip("datasette")
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    out = tmp_path / "ice.db"
    result = run("export", "datasette", "-o", str(out), "--db", str(db))
    assert result.exit_code == 0, result.output
    meta = tmp_path / "ice.metadata.json"
    assert json.loads(meta.read_text())["databases"]["ice"]["tables"]["arrests_daily"][
        "data"] == "GENERATED"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = Path(sys.executable).with_name("datasette")
    server = subprocess.Popen([str(exe), "serve", str(out), "-m", str(meta), "--port",
                               str(port), "--host", "127.0.0.1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/ice/releases.json?_shape=array"
        for _ in range(150):
            try:
                with urllib.request.urlopen(url, timeout=5) as r:
                    rows = json.loads(r.read())
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError("datasette did not answer")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/metadata.json") as r:
            served = json.loads(r.read())
    finally:
        server.terminate()
        server.wait(10)
    with duckdb.connect(str(db), read_only=True) as con:
        stored = con.execute("SELECT file_name, rows_loaded FROM releases").fetchall()
    assert sorted((r["file_name"], r["rows_loaded"]) for r in rows) == sorted(stored)
    assert "arrests_daily" in served["databases"]["ice"]["tables"]
