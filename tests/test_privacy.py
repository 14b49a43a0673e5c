"""Small-cell suppression: applied by what a cell shows (its days of data, its geography),
never by the name of its period; and the differencing attacks of issue 16 recover no
suppressed cell (one-day ranges under every period, totals minus shown cells, overlapping
ranges)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from icestats import privacy

from conftest import make_release, release_db, run


def table() -> pa.Table:
    return pa.table({"arrests": [3, 9, 10, 250], "share": [1.1, 3.3, 3.7, 91.9]})


def test_citizenship_by_day_is_suppressed_below_ten() -> None:
    out = privacy.suppress(table(), ["citizenship"], 1)
    # the total (272) minus the shown cells leaves 12 for two cells each in [1, 9]: the
    # first can be anything from 3 to 9, so no complementary cell is needed
    assert out["arrests"].to_pylist() == [None, None, 10, 250]
    assert out["share"].to_pylist() == [None, None, 3.7, 91.9]
    assert out["suppressed"].to_pylist() == [True, True, False, False]


def test_one_small_cell_gets_a_complementary_cell() -> None:
    """Alone, total - shown = 4 pins the cell; with 12 also hidden, 16 = a + b where a is
    in [1, 9] and b at least 10 leaves a anywhere in 1..6."""
    t = pa.table({"arrests": [4, 30, 12, 250]})
    out = privacy.suppress(t, ["gender"], 3)
    assert out["arrests"].to_pylist() == [None, 30, None, 250]


def test_gender_by_county_is_suppressed_even_monthly() -> None:
    out = privacy.suppress(table(), ["gender", "county"], 30, period="month")
    assert out["arrests"].to_pylist() == [None, None, 10, 250]


def test_span_not_name_decides() -> None:
    """A period called 'month' that shows 1 day of data is a day."""
    t = pa.table({"period": [date(2025, 3, 1)] * 4, "arrests": [3, 9, 10, 250],
                  "_days": [1] * 4})
    out = privacy.suppress(t, ["citizenship"], "_days", period="month", period_column="period")
    assert out["arrests"].to_pylist() == [None, None, 10, 250]
    assert "_days" not in out.column_names


def test_a_cut_period_and_weeks_are_suppressed_entirely() -> None:
    t = pa.table({"period": [date(2025, 3, 1)] * 2, "arrests": [300, 250],
                  "_days": [31, 31], "_shown": [30, 30]})
    out = privacy.suppress(t, ["citizenship"], "_days", days_shown="_shown", period="month",
                           period_column="period")
    assert out["arrests"].to_pylist() == [None, None]
    out = privacy.suppress(t.drop_columns(["_shown"]), ["age_group"], "_days", period="week",
                           period_column="period")
    assert out["arrests"].to_pylist() == [None, None]


def test_not_applied_to_offices_days_or_categories() -> None:
    for dims, days in ((["criminality"], 1), (["aor"], 1), (["method", "state"], 1)):
        out = privacy.suppress(table(), dims, days)
        assert out.equals(table()), (dims, days)
    out = privacy.suppress(table(), ["citizenship"], 31, period="month")
    assert out["arrests"].to_pylist() == [3, 9, 10, 250]
    assert out["suppressed"].to_pylist() == [False] * 4


def test_daily_citizenship_through_the_library(tmp_path: Path) -> None:
    import icestats

    db = tmp_path / "db.duckdb"
    assert run("ingest", make_release(tmp_path / "r.csv", rows=1500), "--db", db).exit_code == 0
    with icestats.connect(db) as ice:
        rows = ice.daily("citizenship").rows.to_pylist()
        assert all(r["arrests"] is None or r["arrests"] >= 10 for r in rows)
        assert any(r["suppressed"] for r in rows)
        crim = ice.daily("criminality").rows.to_pylist()
        assert any(r["arrests"] < 10 for r in crim) and "suppressed" not in crim[0]


# --- the attacks ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def attacked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return release_db(tmp_path_factory.mktemp("attack"), "r.csv", rows=24_000, seed=11,
                      start=date(2025, 3, 1), end=date(2025, 6, 30))


def _truth(db: Path, by: str) -> dict[tuple[date, str], int]:
    """The unsuppressed daily cells, straight from the store (what must stay hidden)."""
    import icestats.metrics as m

    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute(f"SELECT apprehension_date, {by}, n FROM ("
                       f"{m.by_day_sql(by, 'true', 'arrests')})").fetchall()
    con.close()
    return {(d, v): int(n) for d, v, n in rows}


def _recovered(groups: dict[object, tuple[int, list[int | None]]]) -> int:
    """Cells an attacker pins: a group (known total, its cells) with exactly one hidden."""
    return sum(1 for total, cells in groups.values() if cells.count(None) == 1)


@pytest.mark.parametrize("by", ["citizenship", "gender", "age_group"])
def test_one_day_range_under_every_period_shows_no_small_cell(attacked: Path, by: str) -> None:
    import icestats

    truth = _truth(attacked, by)
    hidden_in_daily = 0
    with icestats.connect(attacked) as ice:
        daily = {(r["date"], r[by]): r["arrests"] for r in ice.daily(by).rows.to_pylist()}
        for day in (date(2025, 3, 5), date(2025, 4, 1), date(2025, 6, 30)):
            for period in ("week", "month", "quarter", "year"):
                rows = ice.breakdown(by, period=period, start=day, end=day).rows.to_pylist()
                assert rows and all(r["arrests"] is None for r in rows), (period, day)
            hidden_in_daily += sum(1 for (d, _), v in daily.items() if d == day and v is None)
    assert hidden_in_daily > 0 and any(v < 10 for v in truth.values())


@pytest.mark.parametrize("by", ["citizenship", "age_group"])
def test_totals_minus_shown_cells_recover_nothing(attacked: Path, by: str) -> None:
    """National daily totals, and a category's month/quarter total, minus the cells shown:
    never exactly one hidden cell left in a group (that cell would be recovered)."""
    import icestats

    truth = _truth(attacked, by)
    with icestats.connect(attacked) as ice:
        national = {r["date"]: r["arrests"] for r in ice.daily().rows.to_pylist()}
        daily = ice.daily(by).rows.to_pylist()
        months = {(r["period"], r[by]): r["arrests"]
                  for r in ice.breakdown(by, period="month").rows.to_pylist()}
        quarters = {(r["period"], r[by]): r["arrests"]
                    for r in ice.breakdown(by, period="quarter").rows.to_pylist()}
    by_day: dict[object, tuple[int, list[int | None]]] = {}
    by_month: dict[object, tuple[int, list[int | None]]] = {}
    by_quarter: dict[object, tuple[int, list[int | None]]] = {}
    for r in daily:
        d, v = r["date"], r[by]
        by_day.setdefault(d, (national[d], []))[1].append(r["arrests"])
        m = d.replace(day=1)
        by_month.setdefault((m, v), (months[(m, v)], []))[1].append(r["arrests"])
        q = date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)
        by_quarter.setdefault((q, v), (quarters[(q, v)], []))[1].append(r["arrests"])
        assert r["arrests"] is None or r["arrests"] == truth[(d, v)]
    suppressed = sum(r["arrests"] is None for r in daily)
    small = sum(1 for n in truth.values() if n < 10)
    assert suppressed >= small > 0
    assert all(total is not None for total, _ in by_month.values())  # margins are public
    assert _recovered(by_day) == 0
    assert _recovered(by_month) == 0
    assert _recovered(by_quarter) == 0


def test_the_attack_would_work_without_complementary_suppression(attacked: Path) -> None:
    """The same differencing against primary suppression alone pins cells (a day's gender
    cells against the national total; a country's days against its month): the attack
    in the tests above is a real one."""
    pinned = 0
    for by, key in (("gender", lambda d, v: d), ("citizenship", lambda d, v: (d.month, v))):
        groups: dict[object, list[int | None]] = defaultdict(list)
        for (d, v), n in _truth(attacked, by).items():
            groups[key(d, v)].append(None if n < 10 else n)
        found = sum(1 for cells in groups.values() if cells.count(None) == 1)
        assert found > 0, by
        pinned += found
    print(f"\nprimary suppression alone: {pinned} cells recoverable by differencing")


def test_overlapping_ranges_show_the_same_cells(attacked: Path) -> None:
    """Two ranges differing by one day: a cut period is suppressed entirely, and days shown
    in both ranges are suppressed the same way in both."""
    import icestats

    with icestats.connect(attacked) as ice:
        full = ice.breakdown("citizenship", period="month", start=date(2025, 4, 1),
                             end=date(2025, 4, 30)).rows.to_pylist()
        cut = ice.breakdown("citizenship", period="month", start=date(2025, 4, 1),
                            end=date(2025, 4, 29)).rows.to_pylist()
        assert any(r["arrests"] is not None for r in full)
        assert all(r["arrests"] is None for r in cut)
        everything = {(r["date"], r["citizenship"]): r["arrests"]
                      for r in ice.daily("citizenship").rows.to_pylist()}
        for start, end in ((date(2025, 4, 3), date(2025, 4, 9)),
                           (date(2025, 4, 4), date(2025, 5, 20))):
            part = ice.daily("citizenship", start=start, end=end).rows.to_pylist()
            assert part and all(everything[(r["date"], r["citizenship"])] == r["arrests"]
                                for r in part)
            assert {r["date"] for r in part} == {start + timedelta(days=i) for i in
                                                 range((end - start).days + 1)}


def test_weeks_are_never_shown_with_a_personal_attribute(attacked: Path) -> None:
    import icestats

    with icestats.connect(attacked) as ice:
        rows = ice.breakdown("gender", period="week").rows.to_pylist()
        assert rows and all(r["arrests"] is None and r["suppressed"] for r in rows)
        crim = ice.breakdown("criminality", period="week", start=date(2025, 3, 5),
                             end=date(2025, 3, 5)).rows.to_pylist()
        assert crim and all(r["arrests"] is not None for r in crim)


def test_the_one_day_week_attack_through_the_cli_and_the_api(attacked: Path) -> None:
    """Issue 16's exact attack: `--period week --from D --to D`, with and without --aor."""
    import json

    from fastapi.testclient import TestClient

    from icestats.web.app import create_app

    client = TestClient(create_app(attacked), base_url="http://127.0.0.1")
    for extra in ([], ["--aor", "CHI"]):
        out = run("breakdown", "--by", "citizenship", "--period", "week", "--from",
                  "2025-04-02", "--to", "2025-04-02", "--db", attacked, "--json", *extra)
        assert out.exit_code == 0, out.output
        rows = json.loads(out.stdout)["rows"]
        assert rows and all(r["arrests"] is None for r in rows)
        query = "&aor=CHI" if extra else ""
        api = client.get(f"/api/breakdown?by=citizenship&period=week&from=2025-04-02"
                         f"&to=2025-04-02{query}").json()["rows"]
        assert api and all(r["arrests"] is None for r in api)
