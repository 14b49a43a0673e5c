"""The protected grid of personal attributes (issue 24): every output is a sum of whole
grid cells (calendar month x office x scope part x count part), each randomly rounded to
a multiple of 5 keyed by the cell, and the attacks of issue 24 recover nothing:

- an office's exact totals (counts by day are public) minus its shown cells;
- the sum over offices against the national total;
- ``--scope all`` minus ``--scope interior`` and ``records`` minus ``arrests``;
- overlapping ranges and periods;
- a cut month (data ending on 2019-09-01) cascading into hidden six-month totals.

An attacker who knows each cell lies within 4 of its published value and the exact total
of every group of cells pins a cell exactly when the total equals the sum of the cells'
lower or upper bounds; these tests play that attacker against the outputs themselves
(the library's answers, which the CLI, the API and the exports render).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path

import duckdb
import pytest

from icestats import privacy

from conftest import release_db, run

Cells = dict[tuple[date, str], int]


def _published(ice: object, by: str, aor: str | None, count: str, scope: str) -> Cells:
    rows = ice.breakdown(by, period="month", aor=aor, count=count,  # type: ignore[attr-defined]
                         scope=scope).rows.to_pylist()
    return {(r["period"], r[by]): r["arrests"] for r in rows}


def _totals(ice: object, aor: str | None, count: str, scope: str) -> dict[date, int]:
    """Exact month totals, from the public daily counts."""
    out: dict[date, int] = defaultdict(int)
    for r in ice.daily(aor=aor, count=count, scope=scope).rows.to_pylist():  # type: ignore
        out[r["date"].replace(day=1)] += r["arrests"]
    return out


def _parts(a_all: dict, a_int: dict, r_all: dict, r_int: dict) -> dict[str, dict]:
    """The four disjoint parts an attacker derives by differencing scopes and count rules."""
    keys = set(a_all) | set(a_int) | set(r_all) | set(r_int)
    g = {k: (a_all.get(k, 0), a_int.get(k, 0), r_all.get(k, 0), r_int.get(k, 0)) for k in keys}
    return {"first/interior": {k: v[1] for k, v in g.items()},
            "first/border": {k: v[0] - v[1] for k, v in g.items()},
            "repeat/interior": {k: v[3] - v[1] for k, v in g.items()},
            "repeat/border": {k: v[2] - v[3] - v[0] + v[1] for k, v in g.items()}}


def pinned(cells: dict[str, int], total: int) -> bool:
    """True when the total and the published cells leave some cell one possible value."""
    if total == 0 or len(cells) < 2:
        return False
    low = sum(max(p - (privacy.BASE - 1), 0) for p in cells.values())
    high = sum(p + privacy.BASE - 1 for p in cells.values())
    assert low <= total <= high, (cells, total)  # the published cells are consistent
    return total in (low, high)


def attack(db: Path, by: str, offices: list[str | None]) -> tuple[int, int]:
    """Groups (office, month, part) attacked and groups pinned, from the outputs alone."""
    import icestats

    tried = found = 0
    with icestats.connect(db) as ice:
        domain = {v for (_, v) in _published(ice, by, None, "records", "all")}
        for aor in offices:
            answers = [_published(ice, by, aor, c, s) for c in ("arrests", "records")
                       for s in ("all", "interior")]
            sums = [_totals(ice, aor, c, s) for c in ("arrests", "records")
                    for s in ("all", "interior")]
            parts = _parts(*answers)
            totals = _parts(*[{(m, ""): n for m, n in t.items()} for t in sums])
            for part, cells in parts.items():
                assert all(p >= 0 and p % privacy.BASE == 0 for p in cells.values()), part
                for (month, _), total in totals[part].items():
                    group = {v: cells.get((month, v), 0) for v in domain}
                    tried += total > 0
                    found += pinned(group, total)
    return tried, found


# --- the rule ---------------------------------------------------------------------------

def test_the_grid_rounds_each_cell_within_four_and_unbiased() -> None:
    con = duckdb.connect()
    con.execute("""CREATE TEMP TABLE _grid_src AS
        SELECT DATE '2025-03-01' AS month, 'CHI' AS aor, true AS interior,
               true AS first_record, i % 4096 AS rkey, 'X' || (i % 7) AS gender, 1 AS n
        FROM range(0, 7 * 3) t(i)""")
    privacy._round_cells(con, "gender")
    rows = con.execute("SELECT n, published FROM _grid_cells").fetchall()
    assert all(p % 5 == 0 and abs(p - n) <= 4 for n, p in rows) and len(rows) == 7
    # unbiased: over many cells of 3, about 3/5 are rounded up to 5
    con.execute("""CREATE OR REPLACE TEMP TABLE _grid_src AS
        SELECT DATE '2025-03-01' AS month, 'O' || (i // 3) AS aor, true AS interior,
               true AS first_record, CAST(hash(i) % 4096 AS BIGINT) AS rkey, 'v' AS gender,
               1 AS n
        FROM range(0, 3 * 5000) t(i)""")
    privacy._round_cells(con, "gender")
    up = con.execute("SELECT avg(CAST(published = 5 AS INTEGER)) FROM _grid_cells").fetchall()
    assert 0.57 < up[0][0] < 0.63


def test_the_audit_unpins_a_group() -> None:
    """One arrest in a month whose cell was rounded up to 5: total 1 = the cells' lower
    bounds (1 + 0), so the cell is pinned; the audit rounds it down."""
    con = duckdb.connect()
    con.execute("""CREATE TEMP TABLE _grid_cells AS
        SELECT * FROM (VALUES (DATE '2025-03-01', 'CHI', true, true, 'Male', 1, 5),
                              (DATE '2025-03-01', 'CHI', true, true, 'Female', 0, 0))
        t(month, aor, interior, first_record, value, n, published)""")
    assert privacy._fix_pinned(con) == 1
    assert con.execute("SELECT value, published FROM _grid_cells ORDER BY 1").fetchall() == \
        [("Female", 0), ("Male", 0)]
    assert not pinned({"Male": 0, "Female": 0}, 1)


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
def test_the_grid_follows_every_load_and_skips_a_load_of_nothing(tmp_path: Path) -> None:
    """Each writer rebuilds the grid for what it switches in; a re-run that loaded
    nothing keeps it (the releases and day owners it was built from are unchanged)."""
    from conftest import make_release

    db = tmp_path / "db.duckdb"
    a = make_release(tmp_path / "a.csv", rows=400, start=date(2025, 3, 1),
                     end=date(2025, 3, 31))
    b = make_release(tmp_path / "b.csv", rows=400, seed=2, start=date(2025, 4, 1),
                     end=date(2025, 4, 30))

    def months() -> set[date]:
        con = duckdb.connect(str(db), read_only=True)
        try:
            return {m for (m,) in con.execute("SELECT DISTINCT month FROM personal_grid")
                    .fetchall()}
        finally:
            con.close()

    assert run("ingest", a, "--db", db).exit_code == 0
    assert months() == {date(2025, 3, 1)}
    assert run("ingest", b, "--db", db).exit_code == 0
    assert months() == {date(2025, 3, 1), date(2025, 4, 1)}
    con = duckdb.connect(str(db))
    assert privacy.build_grid(con) == 0  # nothing changed: not rebuilt
    con.execute("DELETE FROM personal_grid")
    assert privacy.build_grid(con) == 0 and not con.execute(
        "SELECT count(*) FROM personal_grid").fetchall()[0][0]  # (skipped: still empty)
    privacy.build_grid(con, ["arrests"])  # a kind asked for by name is rebuilt
    assert con.execute("SELECT count(DISTINCT month) FROM personal_grid").fetchall() == [(2,)]
    con.close()


# --- the attacks on a generated database with many small cells -------------------------

@pytest.fixture(scope="module")
def attacked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return release_db(tmp_path_factory.mktemp("attack"), "r.csv", rows=24_000, seed=11,
                      start=date(2025, 3, 1), end=date(2025, 6, 30))


def test_without_the_audit_rounding_alone_pins_cells(attacked: Path) -> None:
    """The attack is real: rounding alone (no audit) leaves groups whose total pins them."""
    con = duckdb.connect(str(attacked), read_only=True)
    con.execute(f"CREATE TEMP TABLE _grid_src AS {privacy.grid_source('arrests')}")
    found = 0
    for by in privacy.PERSONAL:
        privacy._round_cells(con, by)
        found += con.execute(f"SELECT count(*) FROM ({privacy._PINNED})").fetchall()[0][0]
    con.close()
    print(f"\nrounding alone: {found} groups pinned")
    assert found > 0


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
@pytest.mark.parametrize("by", ["gender", "age_group", "citizenship"])
def test_office_totals_scopes_and_count_rules_pin_nothing(attacked: Path, by: str) -> None:
    """Per office: exact totals minus the shown cells, across scopes and count rules
    (their differences are the four parts). (A national cell is a sum of office cells, so
    it lies within 4 of the truth per office summed: a national group is pinned only when
    every office group in it is.)"""
    from icestats import reference

    offices: list[str | None] = [*reference.field_office_codes()[:12], reference.UNKNOWN]
    tried, found = attack(attacked, by, offices)
    print(f"\n{by}: {tried} groups attacked, {found} pinned")
    assert tried > 100 and found == 0


def test_the_nation_is_the_sum_of_its_offices(attacked: Path) -> None:
    import icestats

    with icestats.connect(attacked) as ice:
        offices = [o for (o,) in ice.con.execute("SELECT DISTINCT aor FROM arrests").fetchall()]
        nation = _published(ice, "gender", None, "arrests", "all")
        summed: dict[tuple[date, str], int] = defaultdict(int)
        for o in offices:
            for k, v in _published(ice, "gender", o, "arrests", "all").items():
                summed[k] += v
    assert {k: v for k, v in summed.items() if v} == {k: v for k, v in nation.items() if v}


def test_every_range_and_period_is_made_of_the_same_month_cells(attacked: Path) -> None:
    """Overlapping ranges and periods (days, weeks, quarters, one-day ranges) are all
    answered from whole month cells: each is a sum of the base months, so no combination
    tells more than the months themselves."""
    import icestats
    from icestats.breakdowns import whole_periods

    with icestats.connect(attacked) as ice:
        months = _published(ice, "citizenship", None, "arrests", "all")
        for period, lo, hi in (("day", date(2025, 4, 2), date(2025, 4, 2)),
                               ("week", date(2025, 4, 1), date(2025, 4, 29)),
                               ("month", date(2025, 4, 4), date(2025, 5, 20)),
                               ("quarter", date(2025, 4, 1), date(2025, 4, 30)),
                               ("year", date(2025, 3, 3), date(2025, 3, 3))):
            b = ice.breakdown("citizenship", period=period, start=lo, end=hi)
            assert b.protection is not None and b.period != "day" and b.period != "week"
            lo2, hi2 = b.protection.answered
            assert lo2.day == 1 and lo2 <= lo and hi2 >= hi
            for r in b.rows.to_pylist():
                first, last = whole_periods(b.period, r["period"], r["period"])
                want = sum(v for (m, c), v in months.items()
                           if c == r["citizenship"] and first <= m <= last)
                assert r["arrests"] == want, (period, r)
            d = ice.daily("citizenship", start=lo, end=hi)
            assert d.protection is not None and d.start.day == 1
            assert all(x is None for x in d.series["arrests"].to_pylist())


def test_the_cli_and_the_api_show_the_grid(attacked: Path) -> None:
    """Issue 16's one-day-week attack through the CLI and the API: a month of cells, the
    same as the library's, and it says so."""
    import json

    from fastapi.testclient import TestClient

    import icestats
    from icestats.web.app import create_app

    with icestats.connect(attacked) as ice:
        want = _published(ice, "citizenship", "CHI", "arrests", "all")
    client = TestClient(create_app(attacked), base_url="http://127.0.0.1")
    out = run("breakdown", "--by", "citizenship", "--period", "week", "--from", "2025-04-02",
              "--to", "2025-04-02", "--aor", "CHI", "--db", attacked, "--json")
    assert out.exit_code == 0, out.output
    cli = json.loads(out.stdout)
    api = client.get("/api/breakdown?by=citizenship&period=week&from=2025-04-02"
                     "&to=2025-04-02&aor=CHI").json()
    for answer in (cli, api):
        assert answer["period"] == "month" and answer["protection"]["grain"] == "month"
        assert answer["protection"]["answered"] == {"from": "2025-04-01", "to": "2025-04-30"}
        got = {r["citizenship"]: r["arrests"] for r in answer["rows"]}
        assert got == {c: v for (m, c), v in want.items() if m == date(2025, 4, 1) and v}


def test_offices_days_and_categories_are_not_rounded(attacked: Path) -> None:
    import icestats

    with icestats.connect(attacked) as ice:
        crim = ice.breakdown("criminality", period="day", start=date(2025, 3, 5),
                             end=date(2025, 3, 5))
        assert crim.protection is None and crim.period == "day"
        assert any(r["arrests"] % 5 for r in crim.rows.to_pylist())


def test_a_landmark_is_published_through_the_grid(attacked: Path) -> None:
    """A landmark can determine a personal attribute (a women's prison): asked by day, it
    is answered by whole months of grid cells rounded to multiples of 5, each within 4 of
    the count straight from the records (before: exact counts by day)."""
    import icestats
    from icestats.counting import INTERIOR_SQL

    con = duckdb.connect(str(attacked), read_only=True)
    true = dict(((m, lm), n) for m, lm, n in con.execute(
        "SELECT CAST(date_trunc('month', apprehension_date) AS DATE), "
        "coalesce(site_landmark, '(blank)'), count(*) FROM arrests WHERE owned "
        f"AND aor = 'CHI' AND episode_start AND NOT ({INTERIOR_SQL}) GROUP BY ALL").fetchall())
    con.close()
    with icestats.connect(attacked) as ice:
        everything = ice.breakdown("landmark", period="day", aor="CHI", scope="all")
        interior = ice.breakdown("landmark", period="day", aor="CHI", scope="interior")
    assert everything.period == "month" and everything.protection is not None
    assert everything.protection.attribute == "landmark"
    got = {(r["period"], r["landmark"]): r["arrests"] for r in everything.rows.to_pylist()}
    inner = {(r["period"], r["landmark"]): r["arrests"] for r in interior.rows.to_pylist()}
    assert got and all(v % privacy.BASE == 0 for v in [*got.values(), *inner.values()])
    # the border-related part (all minus interior) is one grid cell: within 4 of the truth
    border = {k: got.get(k, 0) - inner.get(k, 0) for k in set(got) | set(inner) | set(true)}
    assert all(abs(border[k] - true.get(k, 0)) <= privacy.BASE - 1 for k in border)
    assert sum(true.values()) > 0


# --- the real FY2016-19 data ----------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("by", ["gender", "age_group", "citizenship"])
def test_real_data_attacks_pin_nothing(real_full_db: Path, by: str) -> None:
    import icestats

    with icestats.connect(real_full_db) as ice:
        offices = [o for (o,) in ice.con.execute("SELECT DISTINCT aor FROM arrests").fetchall()]
    tried, found = attack(real_full_db, by, offices)
    print(f"\nreal {by}: {tried} groups attacked, {found} pinned")
    assert tried == 1595 and found == 0  # 2 scope parts x 48 months x the offices


@pytest.mark.slow
def test_real_2019_six_months_and_fiscal_year_are_shown(real_full_db: Path) -> None:
    """The cut last day (2019-09-01, 4 arrests) hides nothing: every gender over
    January-June 2019 (true: 7,470 women of 73,440) and every gender and citizenship over
    FY2019 are shown, within 4 a cell of the truth; September 2019 pins nothing."""
    from fastapi.testclient import TestClient

    import icestats
    from icestats.web.app import create_app

    client = TestClient(create_app(real_full_db), base_url="http://127.0.0.1")
    half = client.get("/api/daily?by=gender&from=2019-01-01&to=2019-06-30").json()
    women = next(r for r in half["totals"] if r["key"] == "Female")
    cells = half["protection"]["months"] * 28 * 2  # months x offices x scope parts, at most
    assert half["total"]["arrests"] == 73_440 and abs(women["arrests"] - 7_470) <= 4 * cells
    assert all(r["arrests"] is not None for r in half["totals"])
    with icestats.connect(real_full_db) as ice:
        for by in ("gender", "citizenship"):
            fy = ice.breakdown(by, period="fy", start=date(2018, 10, 1),
                               end=date(2019, 9, 1)).rows.to_pylist()
            assert fy and all(r["arrests"] is not None for r in fy)
        sept = _published(ice, "gender", None, "arrests", "all")
    group = {v: p for (m, v), p in sept.items() if m == date(2019, 9, 1)}
    assert not pinned({**{"Male": 0, "Female": 0}, **group}, 4)


@pytest.mark.slow
def test_real_womens_prisons_pin_no_gender_cell(real_full_db: Path) -> None:
    """The red team's landmark attack: a landmark holding only women (FCI WASECA...)
    bounds a group's Female cell from below by its landmark count; with landmarks counted
    exactly by day, 3 gender cells were pinned (St. Paul, January 2016, border-related:
    Female 1). Landmarks from the grid (a published P is P-4..P+4) pin none."""
    con = duckdb.connect(str(real_full_db), read_only=True)
    con.execute(f"CREATE TEMP TABLE src AS {privacy.SOURCES['arrests']}")
    con.execute("""CREATE TEMP TABLE women AS SELECT landmark FROM src
                   WHERE landmark ILIKE '%women%' OR landmark ILIKE '%female%'
                      OR landmark ILIKE '%WASECA%'
                   GROUP BY 1 HAVING count(DISTINCT gender) = 1 AND min(gender) = 'Female'""")
    exact = """SELECT month, aor, interior, first_record, count(*) AS lb FROM src
               JOIN women USING (landmark) GROUP BY ALL"""
    grid = """SELECT month, aor, interior, first_record, sum(greatest(published - 4, 0)) AS lb
              FROM personal_grid JOIN women ON value = landmark
              WHERE kind = 'arrests' AND attribute = 'landmark' GROUP BY ALL"""
    found = []
    for bound in (exact, grid):
        found.append(con.execute(f"""
            WITH g AS (SELECT * FROM personal_grid
                       WHERE kind = 'arrests' AND attribute = 'gender'),
                 t AS (SELECT month, aor, interior, first_record, count(*) AS total
                       FROM src GROUP BY ALL),
                 b AS (SELECT g.*, t.total, greatest(g.published - 4, 0,
                              CASE WHEN g.value = 'Female' THEN coalesce(l.lb, 0) END) AS lo,
                              g.published + 4 AS hi
                       FROM g JOIN t USING (month, aor, interior, first_record)
                       LEFT JOIN ({bound}) l USING (month, aor, interior, first_record)),
                 f AS (SELECT *, greatest(lo, total - (sum(hi) OVER w - hi)) AS flo,
                              least(hi, total - (sum(lo) OVER w - lo)) AS fhi
                       FROM b WINDOW w AS (PARTITION BY month, aor, interior, first_record))
            SELECT count(*) FROM f WHERE flo = fhi AND published <> total""").fetchall()[0][0])
    con.close()
    assert found == [3, 0]
