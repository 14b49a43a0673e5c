"""The views of every event kind (`events_daily`, `events_monthly_personal`) in `icestats
sql` and the Datasette export, against counts made here without icestats: the generated
linked release's csv files read with Python's csv (the kind's date, office and duplicate
rule), and the real FY2016 removals read with gzip and csv (ICE's published 240,255)."""

from __future__ import annotations

import csv
import gzip
import io
import json
import sqlite3
from collections import Counter
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path

import duckdb
import pytest

import icestats
from icestats.generate import Options
from icestats.reference import aor_aliases, aor_key
from icestats.schema import SYNTHETIC_MARK

from conftest import linked_db, run

OPTS = Options(start=date(2025, 1, 1), end=date(2025, 4, 30), rows=1500, seed=5,
               layout="2026-ICLI-00005")
# (date column, office column) of the kinds counted one per identifier and day
BY_DAY = {"encounters": ("Event Date", "Responsible AOR"),
          "removals": ("Departed Date", "Case AOR")}
REMOVALS_FY2016 = Path(str(resources.files("icestats") / "data" / "extra"
                           / "ICERemovals_FY2016.csv.gz"))


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Path]]:
    return linked_db(tmp_path_factory.mktemp("views_kinds"), OPTS)


def ok(*args: object) -> str:
    result = run(*[str(a) for a in args])
    assert result.exit_code == 0, result.output
    return str(result.stdout)


def query(db: Path, sql: str) -> list[dict[str, str]]:
    text = ok("sql", sql, "--db", db, "--format", "csv")
    return list(csv.DictReader(io.StringIO("".join(
        line for line in io.StringIO(text) if not line.startswith("# ")))))


def _office(name: str) -> str:
    return aor_aliases().get(aor_key(name), "UNK")


def _per_office_day(path: Path, date_col: str, office_col: str
                    ) -> tuple[Counter[tuple[date, str]], set[date], set[str]]:
    """(day, office) -> events, one per identifier and day (each row without one), with
    the days and offices the file holds."""
    seen: set[tuple[str, date]] = set()
    out: Counter[tuple[date, str]] = Counter()
    days, offices = set(), set()
    with path.open(newline="") as fh:
        assert SYNTHETIC_MARK in fh.readline()
        for r in csv.DictReader(fh):
            day, office = datetime.fromisoformat(r[date_col]).date(), _office(r[office_col])
            days.add(day)
            offices.add(office)
            ident = r["Anonymized Identifier"]
            if ident:
                if (ident, day) in seen:
                    continue
                seen.add((ident, day))
            out[(day, office)] += 1
    return out, days, offices


@pytest.mark.parametrize("kind", list(BY_DAY))
def test_events_daily_is_the_csv_count_zero_filled(linked: tuple[Path, dict[str, Path]],
                                                    kind: str) -> None:
    """Every office-day with an event holds the csv's count; every other office-day of
    the kind's coverage (its release's days times the offices it names) is a 0 row; no
    office-day is there twice."""
    db, files = linked
    expected, days, offices = _per_office_day(files[kind], *BY_DAY[kind])
    rows = query(db, f"SELECT date, aor, count, records FROM events_daily "
                     f"WHERE kind = '{kind}'")
    got = Counter({(date.fromisoformat(r["date"]), r["aor"]): int(r["count"]) for r in rows})
    assert +got == expected
    span = (max(days) - min(days)).days + 1
    assert len(rows) == len(got) == span * len(offices) == 120 * 27
    assert sum(int(r["records"]) for r in rows) >= sum(expected.values())


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
def test_every_kind_equals_its_daily_export(linked: tuple[Path, dict[str, Path]],
                                            tmp_path: Path) -> None:
    """For each of the five kinds: the view's non-zero office-days are `icestats export
    daily --by aor --kind K`'s, and its rows are unique per kind and office-day."""
    db, _ = linked
    kinds = [r["kind"] for r in query(db, "SELECT DISTINCT kind FROM events_daily")]
    assert sorted(kinds) == sorted(["encounters", "detainers", "arrests", "book_ins",
                                    "removals"])
    for kind in kinds:
        out = tmp_path / f"{kind}.csv"
        ok("export", "daily", "--by", "aor", "--kind", kind, "--format", "csv", "-o", out,
           "--db", db)
        with out.open(newline="") as fh:
            export = {(r["date"], r["aor"]): int(r[kind]) for r in csv.DictReader(fh)
                      if int(r[kind])}
        rows = query(db, f"SELECT date, aor, count FROM events_daily WHERE kind = '{kind}' "
                         f"AND count > 0")
        assert {(r["date"], r["aor"]): int(r["count"]) for r in rows} == export, kind
    dup = query(db, "SELECT kind, date, aor FROM events_daily GROUP BY ALL "
                    "HAVING count(*) > 1")
    assert dup == []
    arrests = query(db, "SELECT sum(arrests) AS a, sum(records) AS r FROM arrests_daily")
    mine = query(db, "SELECT sum(count) AS a, sum(records) AS r FROM events_daily "
                     "WHERE kind = 'arrests'")
    assert arrests == mine


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
def test_average_is_offices_per_day_for_every_kind(linked: tuple[Path, dict[str, Path]]
                                                   ) -> None:
    """AVG(count) over the 28 days ending at `offices --kind K`'s as_of is each covered
    office's events a day there."""
    db, _ = linked
    for kind in ("encounters", "detainers", "book_ins", "removals"):
        answer = json.loads(ok("offices", "--kind", kind, "--db", db, "--json"))
        end = answer["as_of"]
        rows = query(db, f"SELECT aor, avg(count) AS a, count(*) AS days FROM events_daily "
                         f"WHERE kind = '{kind}' AND date > DATE '{end}' - 28 "
                         f"AND date <= DATE '{end}' GROUP BY aor")
        got = {r["aor"]: (float(r["a"]), int(r["days"])) for r in rows}
        covered = [o for o in answer["offices"] if o["covered"] and o["aor"] in got]
        assert len(covered) >= 20, kind
        for o in covered:
            assert got[o["aor"]] == (pytest.approx(o["arrests"] / 28, abs=1e-12), 28), o


def test_personal_attributes_only_from_the_grid(linked: tuple[Path, dict[str, Path]]
                                                ) -> None:
    """events_monthly_personal is the protected grid's published cells (summed here with
    DuckDB over `personal_grid`): office cells multiples of 5, national rows their sums;
    events_daily has no personal attribute."""
    db, _ = linked
    with duckdb.connect(str(db), read_only=True) as con:
        grid = {(k, str(m), a, v, o): int(n) for k, m, a, v, o, n in con.execute("""
            SELECT kind, month, attribute, value, aor, sum(published) FROM personal_grid
            WHERE first_record AND attribute IN ('citizenship', 'gender', 'age_group')
            GROUP BY ALL HAVING sum(published) > 0""").fetchall()}  # (not the landmark)
    rows = query(db, "SELECT * FROM events_monthly_personal")
    cells = {(r["kind"], r["month"], r["dimension"], r["value"], r["aor"]): int(r["count"])
             for r in rows}
    offices = {k: n for k, n in cells.items() if k[4] != "(national)"}
    assert offices == grid and all(n % 5 == 0 for n in offices.values())
    national: Counter[tuple[str, ...]] = Counter()
    for k, n in offices.items():
        national[k[:4]] += n
    assert {k[:4]: n for k, n in cells.items() if k[4] == "(national)"} == dict(national)
    assert {k[0] for k in cells} == {"encounters", "detainers", "arrests", "book_ins",
                                     "removals"}
    head = query(db, "SELECT * FROM events_daily LIMIT 1")[0]
    assert not set(head) & {"citizenship", "gender", "age_group", "birth_year", "id_hash"}


def test_sql_and_datasette_name_every_kind_and_its_files(linked: tuple[Path, dict[str, Path]],
                                                          tmp_path: Path) -> None:
    db, files = linked
    answer = json.loads(ok("sql", "SELECT kind, sum(count) AS n FROM events_daily "
                                  "GROUP BY kind", "--db", db, "--json"))
    assert {f["file"] for f in answer["source"]["releases"]} == {p.name for p in
                                                                  files.values()}
    assert answer["synthetic"] is True
    assert "GENERATED (synthetic) encounter, detainer, arrest, book-in and removal records" \
        in answer["source"]["text"]
    sums = {r["kind"]: r["n"] for r in answer["rows"]}
    ok("export", "datasette", tmp_path / "ds", "--db", db)
    with sqlite3.connect(tmp_path / "ds" / "icestats.db") as con:
        assert dict(con.execute("SELECT kind, sum(count) FROM events_daily GROUP BY kind")
                    .fetchall()) == sums
    meta = json.loads((tmp_path / "ds" / "metadata.json").read_text())
    table = meta["databases"]["icestats"]["tables"]["events_daily"]
    assert table["data"] == "GENERATED" and "zeros included" in table["description"]
    assert "Unit: events of the row's kind a day" in table["description"]
    assert "one per identifier and day" in table["columns"]["count"]
    assert all(p.name in table["description"] for p in files.values())
    assert table["facets"] == ["kind", "aor", "incomplete"]
    assert "events_monthly_personal" in meta["databases"]["icestats"]["tables"]


# --- the real FY2016 removals, as shipped -------------------------------------------------

@pytest.fixture(scope="module")
def removals_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("removals16") / "r.duckdb"
    with icestats.connect(db, write=True) as ice:
        ice.ingest([REMOVALS_FY2016])
    return db


def _removals_by_office_day() -> Counter[tuple[date, str]]:
    """ICE's FY2016 removals file read with gzip and csv: every row is a removal (the
    release has no identifier), on its Removal Date, in its Area of Responsibility."""
    with gzip.open(REMOVALS_FY2016, "rt", encoding="utf-8", newline="") as fh:
        for _ in range(5):  # ICE's banner lines
            fh.readline()
        reader = csv.DictReader(fh, delimiter="|")
        return Counter((datetime.strptime(r["Removal Date"], "%m/%d/%Y").date(),
                        _office(r["Area of Responsibility"])) for r in reader)


@pytest.mark.slow
def test_real_removals_fy2016(removals_db: Path, tmp_path: Path) -> None:
    """240,255 removals (ICE's published FY2016 figure), each office-day the file's own
    count, unique office-days, and the Datasette export holds the same."""
    db = removals_db
    expected = _removals_by_office_day()
    total = query(db, "SELECT sum(count) AS n FROM events_daily WHERE kind = 'removals' "
                      "AND date BETWEEN '2015-10-01' AND '2016-09-30'")
    assert int(total[0]["n"]) == sum(expected.values()) == 240_255
    rows = query(db, "SELECT date, aor, count FROM events_daily WHERE kind = 'removals'")
    got = Counter({(date.fromisoformat(r["date"]), r["aor"]): int(r["count"]) for r in rows})
    assert +got == expected and len(got) == len(rows)
    offices = {a for _, a in expected}
    assert len(rows) == 366 * len(offices)  # FY2016: a leap year, zeros included
    ok("export", "datasette", tmp_path / "ds", "--db", db)
    with sqlite3.connect(tmp_path / "ds" / "icestats.db") as con:
        assert con.execute("SELECT sum(count), count(*) FROM events_daily WHERE kind = "
                           "'removals'").fetchone() == (240_255, len(rows))
    meta = json.loads((tmp_path / "ds" / "metadata.json").read_text())
    table = meta["databases"]["icestats"]["tables"]["events_daily"]
    assert table["data"] == "REAL" and "ICERemovals_FY2016.csv.gz" in table["description"]


@pytest.mark.slow
def test_real_removals_average_is_offices_per_day(removals_db: Path) -> None:
    """AVG(count) over 28 days per office is `icestats offices --kind removals`'s per day,
    and both are the file's own count over those days divided by 28."""
    db = removals_db
    answer = json.loads(ok("offices", "--kind", "removals", "--db", db, "--json"))
    end = date.fromisoformat(answer["as_of"])
    expected = _removals_by_office_day()
    rows = query(db, f"SELECT aor, avg(count) AS a, count(*) AS days FROM events_daily "
                     f"WHERE kind = 'removals' AND date > DATE '{end}' - 28 "
                     f"AND date <= DATE '{end}' GROUP BY aor")
    got = {r["aor"]: (float(r["a"]), int(r["days"])) for r in rows}
    checked = 0
    for o in answer["offices"]:
        if o["covered"] and o["aor"] in got:
            mine = sum(n for (d, a), n in expected.items()
                       if a == o["aor"] and end - timedelta(days=28) < d <= end)
            assert got[o["aor"]] == (pytest.approx(o["arrests"] / 28, abs=1e-12), 28), o
            assert o["arrests"] == mine, o
            checked += 1
    assert checked >= 24
