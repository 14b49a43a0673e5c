"""Published count tables as shipped (``src/icestats/data/counts``), loaded with
``icestats ingest``: each figure is asserted as published and computed again here from the
file itself with Python's csv module or pyarrow alone, never through icestats."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from datetime import date, timedelta
from importlib import resources
from pathlib import Path

import duckdb
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import icestats
from icestats import count_metrics
from icestats.counts.vintages import Vintage, decide

from conftest import dashboard, release_db, run

COUNTS = Path(str(resources.files("icestats") / "data" / "counts"))
WEEKLY = COUNTS / "ddp-weekly-event-counts" / "arrests_by_week.csv"
OFFICES = COUNTS / "arrests_by_office_2025-01-20_2026-08-06.csv"
STATES = COUNTS / "arrests_by_state_2025-01-20_2026-08-06.csv"
FIVE = COUNTS / "five-states-daily-2025-26" / "daily_arrests_5_states.csv"
MN_TYPE = COUNTS / "mn-ddp-2026" / "mn_collateral.csv"
BOOK_INS = COUNTS / "ddp-detention-management" / "book-ins-by-arresting-agency.parquet"
FY24 = Path(str(resources.files("icestats") / "data" / "extra")) / \
    "2024-10-01_FY24_detentionStats.xlsx"


@pytest.fixture(scope="module")
def counts_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("counts") / "counts.duckdb"
    result = run("ingest", WEEKLY, OFFICES, STATES, FIVE, MN_TYPE, BOOK_INS, "--db", db)
    assert result.exit_code == 0, result.output
    return db


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def _query(db: Path, sql: str, params: list[object] | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_weeks_of_2025_give_221007_arrests(counts_db: Path) -> None:
    independent = sum(int(r["count"]) for r in _rows(WEEKLY)
                      if "2025-01-19" <= r["week_start"] <= "2025-10-12")
    assert independent == 221_007
    with icestats.connect(counts_db) as ice:
        weeks = count_metrics.series(ice.con, "arrests", "week", date(2025, 1, 19),
                                     date(2025, 10, 18)).to_pylist()
    assert sum(w["value"] for w in weeks) == 221_007
    assert len(weeks) == 39 and {w["source"] for w in weeks} == {"count table"}
    assert all(w["period_start"].weekday() == 6 for w in weeks)  # Sundays
    peak = max(weeks, key=lambda w: w["value"])
    assert (peak["period_start"], peak["value"]) == (date(2025, 6, 1), 8_720)
    assert weeks[-1]["caveat"].startswith("incomplete")  # the partial week of 2025-10-12


def test_the_total_a_day_leaves_out_the_incomplete_week(counts_db: Path) -> None:
    """The newest week (2025-10-12, of which the table counts 4 days) counts in the total
    but not in the total a day, which was the three weeks' sum over 21 days (939.4); the
    weekly goal's span is over complete weeks already and says nothing of it."""
    weeks = {r["week_start"]: int(r["count"]) for r in _rows(WEEKLY)}
    whole = weeks["2025-09-28"] + weeks["2025-10-05"]
    out = run("daily", "--from", "2025-09-28", "--to", "2025-10-18", "--json", "--db",
              counts_db)
    total = json.loads(out.stdout)["total"]
    assert (total["arrests"], total["days"], total["days_complete"]) == \
        (whole + weeks["2025-10-12"], 21, 14) == (19_728, 21, 14)
    assert total["per_day"] == round(whole / 14, 1) == 1107.1
    text = run("daily", "--from", "2025-09-28", "--to", "2025-10-18", "--db", counts_db)
    assert "1,107.1 a day over the 14 days of complete weeks" in " ".join(text.stdout.split())
    goal = " ".join(run("goal", "--window", "91", "--db", counts_db).stdout.split())
    assert "days of complete" not in goal  # (its own span: the complete weeks)
    assert "85,006 arrests, 1,012.0 a day" in goal


def test_zero_weeks_are_gaps_and_old_weeks_say_they_are_stacked(counts_db: Path) -> None:
    zeros = [r["week_start"] for r in _rows(WEEKLY) if r["count"] == "0"]
    got = _query(counts_db, "SELECT strftime(period_start, '%Y-%m-%d') FROM count_values "
                            "WHERE kind = 'arrests' AND grain = 'week' AND value IS NULL "
                            "ORDER BY 1")
    assert [d for (d,) in got] == zeros and len(zeros) == 38
    stacked = _query(counts_db, "SELECT min(period_start), max(period_start), count(*) "
                                "FROM count_values WHERE caveat LIKE 'stacked%'")
    assert stacked[0][1] == date(2024, 8, 4)  # the last week before single counting


def test_office_table_gives_547776_and_miami_61326(counts_db: Path) -> None:
    rows = _rows(OFFICES)
    assert sum(int(r["arrests"]) for r in rows) == 547_776 and len(rows) == 25
    got = dict(_query(counts_db, "SELECT geo, CAST(value AS BIGINT) FROM count_values "
                                 "WHERE geo_level = 'office'"))
    assert len(got) == 25 and sum(got.values()) == 547_776 and got["MIA"] == 61_326
    assert got["BUF"] == 6_334 and "HAL" in got
    period = _query(counts_db, "SELECT DISTINCT period_start, period_end FROM count_values "
                               "WHERE geo_level = 'office'")
    assert period == [(date(2025, 1, 20), date(2026, 8, 6))]
    pops = dict(_query(counts_db, "SELECT geo, value FROM count_populations WHERE "
                                  "measure = 'noncitizen' AND geo_level = 'office'"))
    assert pops["MIA"] == float(next(r for r in rows if r["office"] == "Miami")
                                ["immigrant_noncitizen"])


def test_state_table_gives_530756(counts_db: Path) -> None:
    assert sum(int(r["arrests"]) for r in _rows(STATES)) == 530_756
    got = _query(counts_db, "SELECT CAST(sum(value) AS BIGINT), count(*) FROM count_values "
                            "WHERE geo_level = 'state' AND grain = 'period'")
    assert got == [(530_756, 52)]


def test_minnesota_targeted_and_collateral_equal_the_daily_column(counts_db: Path) -> None:
    mn: dict[str, int] = {}
    for r in _rows(FIVE):
        if r["MINNESOTA"] != "NA":
            mn[r["apprehension_date"]] = int(r["MINNESOTA"])
    typed = {r["apprehension_date"]: int(r["Collateral"]) + int(r["Targeted"])
             for r in _rows(MN_TYPE)}
    days = [str(date(2025, 9, 2) + timedelta(days=i)) for i in range(190)]
    assert days[-1] == "2026-03-10"
    assert all(typed.get(d, 0) == mn.get(d, 0) for d in days)  # independent
    stored = _query(counts_db, """
        SELECT strftime(period_start, '%Y-%m-%d'), table_id, CAST(sum(value) AS BIGINT)
        FROM count_values WHERE geo = 'MN' AND grain = 'day' AND kind = 'arrests'
        GROUP BY ALL""")
    by_table: dict[int, dict[str, int]] = defaultdict(dict)
    for d, t, v in stored:
        by_table[t][d] = v or 0
    five, by_type = sorted(by_table)
    assert all(by_table[by_type].get(d, 0) == by_table[five].get(d, 0) for d in days)
    assert sum(by_table[by_type].get(d, 0) for d in days) == 4_431
    dims = _query(counts_db, "SELECT DISTINCT dims[1] FROM count_values WHERE geo = 'MN' "
                             "AND len(dims) = 1 ORDER BY 1")
    assert dims == [("Collateral",), ("Targeted",)]


def test_na_is_not_reported_and_the_stray_row_is_rejected(counts_db: Path) -> None:
    rows = _rows(FIVE)
    stray = [r for r in rows if r["apprehension_date"] == "2026-09-17"]
    assert len(stray) == 1
    na = sum(v == "NA" for r in rows if r is not stray[0] for k, v in r.items()
             if k not in ("", "apprehension_date"))
    got = _query(counts_db, "SELECT count(*) FROM count_values v JOIN count_tables t "
                            "USING (table_id) WHERE t.file_name = ? AND value IS NULL",
                 [FIVE.name])
    assert got == [(na,)] and na > 0
    rejected = _query(counts_db, "SELECT DISTINCT source_row, reason FROM count_rejects "
                                 "WHERE file_name = ?", [FIVE.name])
    assert len(rejected) == 1 and rejected[0][0] == len(rows) + 1  # its csv line
    assert "191 days after the rest of the table" in rejected[0][1]


def _newest_per_month(fy: int) -> dict[str, dict[str, float]]:
    """Independently: the final workbook of fiscal year ``fy`` in DDP's parse (the vintage
    with the latest file date whose months carry the year's counts)."""
    t = pq.read_table(BOOK_INS)
    mask = pc.and_(pc.equal(t["fiscal_year"], fy), pc.is_valid(t["n_book_ins"]))
    mine = t.filter(mask).to_pylist()
    final = max(r["file_date"] for r in mine if r["arresting_agency"] == "Total"
                and r["date"].month == 9 and (r["n_book_ins"] or 0) > 0)
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for r in mine:
        if r["file_date"] == final:
            out[r["arresting_agency"]][r["date"].isoformat()] = r["n_book_ins"]
    return out


@pytest.mark.parametrize(("fy", "total", "cbp", "ice"), [(2025, 310_181, 87_349, 222_832),
                                                         (2024, 277_913, 187_298, 90_615)])
def test_newest_vintage_book_ins(counts_db: Path, fy: int, total: int, cbp: int,
                                 ice: int) -> None:
    independent = _newest_per_month(fy)
    assert [sum(independent[a].values()) for a in ("Total", "CBP", "ICE")] == [total, cbp, ice]
    with icestats.connect(counts_db) as con:
        months = [m for m in con.agency().book_ins.to_pylist()
                  if date(fy - 1, 10, 1) <= m["month"] <= date(fy, 9, 1)]
    assert len(months) == 12
    assert [sum(m[k] for m in months) for k in ("total", "cbp", "ice")] == [total, cbp, ice]
    if fy == 2025:
        june = next(m for m in months if m["month"] == date(2025, 6, 1))
        assert june["total"] == 36_704 == independent["Total"]["2025-06-01"]
        assert june["per_day"] == 1_223.5


def test_revisions_show_how_june_2025_moved(counts_db: Path) -> None:
    t = pq.read_table(BOOK_INS).to_pylist()
    independent = [r["n_book_ins"] for r in sorted(t, key=lambda r: r["file_date"])
                   if r["arresting_agency"] == "Total" and r["date"] == date(2025, 6, 1)
                   and r["n_book_ins"]]
    assert independent == [9, 19_165, 35_202, 36_737, 36_722, 36_713, 36_709, 36_700, 36_704]
    out = run("revisions", "--db", counts_db, "--json")
    rows = json.loads(out.stdout)["rows"]
    got = [r["value"] for r in rows if r["month"] == "2025-06-01" and r["row_label"] == "Total"]
    assert got == independent


def test_revisions_of_one_month_and_a_bad_month(counts_db: Path) -> None:
    """--month YYYY-MM keeps that month's rows only (June 2025's Total as DDP's vintages
    gave it, read here from the parquet file); a value that is no month, or a month the
    table does not hold, is one line and exit 2, the same message from the API."""
    from fastapi.testclient import TestClient

    from icestats.web.app import create_app

    t = pq.read_table(BOOK_INS).to_pylist()
    june = [r for r in t if r["date"] == date(2025, 6, 1) and r["n_book_ins"]]
    out = json.loads(run("revisions", "--month", "2025-06", "--db", counts_db, "--json").stdout)
    rows = out["rows"]
    assert {r["month"] for r in rows} == {"2025-06-01"} and len(rows) == len(june) == 27
    assert [r["value"] for r in rows if r["row_label"] == "Total"] == \
        [r["n_book_ins"] for r in sorted(june, key=lambda r: r["file_date"])
         if r["arresting_agency"] == "Total"]
    assert (out["window"]["from"], out["window"]["to"]) == ("2025-06-01", "2025-06-30")
    client = TestClient(create_app(counts_db), base_url="http://127.0.0.1")
    assert client.get("/api/revisions", params={"month": "2025-06"}).json()["rows"] == rows
    for bad, message in (("2025-13", "--month '2025-13' is not a month (expected YYYY-MM)"),
                         ("2025-06-01", "--month '2025-06-01' is not a month (expected "
                                        "YYYY-MM)"),
                         ("2030-01", "--month 2030-01: book_ins_by_agency holds no figure "
                                     "for that month (it holds 2018-10 to 2026-04)")):
        r = run("revisions", "--month", bad, "--db", counts_db)
        assert (r.exit_code, r.stderr) == (2, f"error: {message}\n"), bad
        api = client.get("/api/revisions", params={"month": bad})
        assert (api.status_code, api.json()["detail"]) == (422, message), bad


def test_revisions_name_only_the_files_they_read(tmp_path: Path) -> None:
    """Beside a generated release and the weekly table, revisions of book-ins read DDP's
    vintages only: the source names that file, not the release nor the weekly table."""
    db = release_db(tmp_path, rows=300)
    assert run("ingest", WEEKLY, BOOK_INS, "--db", db).exit_code == 0
    out = json.loads(run("revisions", "--month", "2025-06", "--db", db, "--json").stdout)
    assert out["synthetic"] is False and out["source"]["releases"] == []
    assert [c["file"] for c in out["source"]["count_tables"]] == [BOOK_INS.name]


def test_mislabelled_vintages_are_moved_or_rejected(counts_db: Path) -> None:
    got = {(str(f), s): fy for f, s, fy in _query(
        counts_db, "SELECT file_date, status, fiscal_year FROM count_vintages "
                   "WHERE status <> 'used'")}
    assert got == {("2024-11-15", "relabelled"): 2025, ("2022-01-19", "relabelled"): 2022,
                   ("2026-01-08", "rejected"): None, ("2022-12-06", "rejected"): None}
    # the relabelled copy's October 2024 is FY2025's (23,638 in DDP's file, dated 2023-10-01)
    oct24 = _query(counts_db, """SELECT v.value FROM count_values v JOIN count_vintages c
        ON c.table_id = v.table_id AND c.vintage = v.vintage WHERE c.file_date = '2024-11-15'
        AND v.dims[1] = 'Total' AND v.period_start = '2024-10-01'""")
    assert oct24 == [(23_638.0,)]


def test_vintage_rule_on_its_own() -> None:
    final = Vintage(date(2024, 12, 31), date(2024, 10, 7), 2024, 12, date(2023, 10, 1))
    assert decide(final).status == "used" and final.as_of == date(2024, 10, 7)
    wrong_fy = Vintage(date(2024, 11, 15), date(2024, 10, 28), 2024, 2, date(2023, 10, 1))
    assert decide(wrong_fy).status == "relabelled" and wrong_fy.fiscal_year == 2025
    # a pull date typed a year early: the file's date fits the label, which is kept
    typo = Vintage(date(2023, 2, 3), date(2022, 1, 23), 2023, 4, date(2022, 10, 1))
    assert decide(typo).status == "used" and typo.as_of == date(2023, 2, 3)
    copy = Vintage(date(2026, 1, 8), date(2025, 12, 26), 2026, 12, date(2025, 10, 1))
    assert decide(copy).status == "rejected"


def test_the_fy24_workbook_agrees(tmp_path: Path) -> None:
    db = tmp_path / "fy24.duckdb"
    assert run("ingest", FY24, "--db", db).exit_code == 0
    with icestats.connect(db) as ice:
        months = ice.agency().book_ins.to_pylist()
    fy = [m for m in months if date(2023, 10, 1) <= m["month"] <= date(2024, 9, 1)]
    assert [sum(m[k] for m in fy) for k in ("total", "cbp", "ice")] == \
        [277_913, 187_298, 90_615]


def test_status_lists_count_tables_and_labels_them_real(counts_db: Path) -> None:
    out = run("status", "--db", counts_db)
    assert out.exit_code == 0
    text = out.stdout
    assert "Published count tables" in text and "REAL published counts from" in text
    assert "holding 1 of its" in text  # the stray row's reason
    js = json.loads(run("status", "--db", counts_db, "--json").stdout)
    names = [t["file_name"] for t in js["count_tables"]]
    assert names == [p.name for p in (WEEKLY, OFFICES, STATES, FIVE, MN_TYPE, BOOK_INS)]
    assert js["synthetic"] is False and js["count_agreement"] == []  # no records loaded
    # each table with the rows read from its file, 0 included (mn_collateral.csv: 180)
    rows = [len(_rows(p)) for p in (WEEKLY, OFFICES, STATES, FIVE, MN_TYPE)]
    rows.append(pq.read_metadata(BOOK_INS).num_rows)
    assert rows == [772, 25, 52, 222, 180, 4_824]
    shown = js["display"]["count_tables"]
    at = [c["label"] for c in shown["columns"]].index("rows")
    assert [r[at] for r in shown["rows"]] == [f"{n:,}" for n in rows]
    lines = " ".join(text.split())
    for i, (path, n) in enumerate(zip((WEEKLY, OFFICES, STATES, FIVE, MN_TYPE, BOOK_INS), rows,
                                      strict=True), 1):
        rejected = 1 if path == FIVE else 72 if path == BOOK_INS else 0
        assert f"[count table {i}] {path.name} · REAL · " in lines
        assert f"{n:,} rows read, {rejected} rejected; " in lines.split(f"[count table {i}]")[1]


def test_weeks_against_the_goal(counts_db: Path) -> None:
    from icestats import count_answers

    weekly = {r["week_start"]: int(r["count"]) for r in _rows(WEEKLY)}
    with icestats.connect(counts_db) as ice:
        g = count_answers.weekly_goal(ice.con, 3000, start=date(2025, 1, 19),
                                      end=date(2025, 10, 18))
    assert (g.peak["week"], g.peak["arrests"], g.peak["percent_of_goal"]) == \
        (date(2025, 6, 1), 8_720, round(100 * 8_720 / 7 / 3000, 1))
    assert (g.latest["week"], g.latest["arrests"]) == (date(2025, 10, 5), 7_682)
    complete = sum(v for w, v in weekly.items() if "2025-01-19" <= w <= "2025-10-05")
    assert g.span["arrests"] == complete == 221_007 - 4_228  # the partial last week left out
    assert g.span["per_day"] == round(complete / (7 * 38), 1)


def test_offices_under_three_yardsticks(counts_db: Path) -> None:
    from icestats import count_answers

    rows = _rows(OFFICES)
    days = (date(2026, 8, 6) - date(2025, 1, 20)).days + 1
    by = {"per_day": lambda r: int(r["arrests"]) / days,
          "per_100k_residents": lambda r: int(r["arrests"]) / float(r["total_population"]),
          "per_100k_noncitizens": lambda r: int(r["arrests"]) / float(r["immigrant_noncitizen"])}
    with icestats.connect(counts_db) as ice:
        a = count_answers.offices(ice.con, date(2025, 1, 20), date(2026, 8, 6))
        with pytest.raises(count_answers.CannotAnswer, match="cannot be cut to"):
            count_answers.offices(ice.con, date(2025, 2, 1), date(2025, 12, 31))
    codes = {r["office"]: o for r in rows for o in a.offices.to_pylist() if o["arrests"] ==
             int(r["arrests"])}
    for key, f in by.items():
        lowest = [codes[r["office"]]["aor"] for r in sorted(rows, key=f)[:12]]
        assert a.lowest[key] == lowest, key
    every = set.intersection(*(set(v) for v in a.lowest.values()))
    assert a.agreement["in_every_list"] == sorted(every) and a.days == days == 564
    miami = next(o for o in a.offices.to_pylist() if o["aor"] == "MIA")
    assert miami["rank_per_day"] == 1 and miami["per_day"] == round(61_326 / 564, 1)


def test_state_series_events_and_offices(counts_db: Path) -> None:
    from icestats import state_series

    il = {r["apprehension_date"]: int(r["ILLINOIS"]) for r in _rows(FIVE)
          if r["ILLINOIS"] != "NA"}
    start = date(2025, 9, 8)
    # (a day given as NA is not reported: left out, never read as 0)
    before = [il[d] for k in range(1, 29) if (d := str(start - timedelta(days=k))) in il]
    after = [il[d] for k in range(28) if (d := str(start + timedelta(days=k))) in il]
    with icestats.connect(counts_db) as ice:
        s = state_series.states(ice.con, ["IL", "OR", "MN", "TX"])
    event = next(e for e in s.events if e["state"] == "IL")
    assert event["before_per_day"] == round(sum(before) / len(before), 1)
    assert event["after_per_day"] == round(sum(after) / len(after), 1) and event["ratio"] > 4
    assert (event["days_before"], event["days_after"]) == (len(before), len(after))
    where = {x["state"]: x for x in s.states}
    assert where["IL"]["lies_in"] == "CHI" and where["MN"]["lies_in"] == "SPM"
    assert where["OR"]["lies_in"] == "SEA"
    assert where["TX"]["lies_in"] is None and len(where["TX"]["offices"]) == 5
    assert where["IL"]["arrests"] == sum(il.values()) - il.get("2026-09-17", 0)


def test_minnesota_targeted_and_collateral_before_and_during_metro_surge(
        counts_db: Path) -> None:
    from icestats import state_series

    rows = _rows(MN_TYPE)
    during = [r for r in rows if r["apprehension_date"] >= "2025-12-02"]
    col, tgt = (sum(int(r[k]) for r in during) for k in ("Collateral", "Targeted"))
    assert (col, tgt) == (1_319, 2_466)  # the newsroom's published split
    with icestats.connect(counts_db) as ice:
        a = state_series.split(ice.con)
    surge = a.periods[1]
    assert (surge["Collateral"], surge["Targeted"], surge["total"]) == (col, tgt, 3_785)
    assert surge["collateral_share_percent"] == 34.85
    assert sum(p["total"] for p in a.periods) == 4_431
    # per day over the days the table reports (the days it lacks are not 0)
    reported = {r["apprehension_date"] for r in rows if r["apprehension_date"] < "2025-12-02"}
    assert a.periods[0]["days"] == len(reported) < a.periods[0]["calendar_days"]
    assert a.periods[0]["per_day"] == round(a.periods[0]["total"] / len(reported), 1)


def test_minnesota_by_month_marks_its_partial_months(counts_db: Path) -> None:
    """The series runs from its first to its last day in the file (2025-09-02 to
    2026-03-10): September 2025 (29 days) and March 2026 (10 days) are marked partial and
    faded in the chart, the other months whole; each month sums the file's rows."""
    from collections import Counter

    from icestats import state_series
    from icestats.render import specs_published

    rows = _rows(MN_TYPE)
    first, last = (f(r["apprehension_date"] for r in rows) for f in (min, max))
    assert (first, last) == ("2025-09-02", "2026-03-10")
    sums: Counter[str] = Counter()
    for r in rows:
        sums[r["apprehension_date"][:7]] += int(r["Collateral"]) + int(r["Targeted"])
    with icestats.connect(counts_db) as ice:
        a = state_series.split(ice.con)
    got = {f"{m['month']:%Y-%m}": (m["total"], m["days"], m["partial"])
           for m in a.months.to_pylist()}
    whole = {"2025-10": 31, "2025-11": 30, "2025-12": 31, "2026-01": 31, "2026-02": 28}
    assert got == {"2025-09": (sums["2025-09"], 29, True),
                   "2026-03": (sums["2026-03"], 10, True),
                   **{m: (sums[m], d, False) for m, d in whole.items()}}
    spec = specs_published.split(a, 600)
    assert spec["layer"][0]["encoding"]["opacity"]["condition"]["test"] == "datum.partial"
    assert "Faded: a month the series covers in part: September 2025 (29 days), March " \
           "2026 (10 days)" in " ".join(spec["title"]["subtitle"])


def test_the_state_charts_name_the_files_their_numbers_come_from(counts_db: Path) -> None:
    """Minnesota's split reads mn_collateral.csv only; Illinois and Oregon read the five
    states' file only. Minnesota's daily series reads mn_collateral.csv too: both tables
    end 2026-03-10 and it was loaded last, so it answers the days it reports (the rule for
    several tables of one grain and area; its types sum to the five states' column)."""
    from icestats import state_series

    with icestats.connect(counts_db) as ice:
        split = state_series.split(ice.con)
        il_or = state_series.states(ice.con, ["IL", "OR"])
        cities = state_series.states(ice.con, ["IL", "OR", "MN"])
    assert [c[0] for c in split.source.counts] == [MN_TYPE.name]
    assert [c[0] for c in il_or.source.counts] == [FIVE.name]
    assert [c[0] for c in cities.source.counts] == [FIVE.name, MN_TYPE.name]
    assert "mn_collateral" not in il_or.source.text and FIVE.name not in split.source.text


def test_a_question_finer_than_the_tables_names_what_would_answer(counts_db: Path) -> None:
    from icestats import count_answers

    with icestats.connect(counts_db) as ice:
        with pytest.raises(count_answers.CannotAnswer) as e:
            count_answers.check_can(ice.con, "arrests", "day", "office")
    line = str(e.value)
    assert "\n" not in line and "arrests by week, national (arrests_by_week.csv)" in line
    assert "that needs a record-level release of arrests, or a table of arrests by day and " \
           "office" in line


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
def test_the_report_opens_on_the_real_2025_26_counts(counts_db: Path, tmp_path: Path) -> None:
    import re

    out = run("report", "--db", counts_db, "-o", tmp_path / "r.html")
    assert out.exit_code == 0, out.output
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    first = html.index("<h2>")
    assert html[first:].startswith("<h2>2025-26, from real published counts</h2>")
    ids = re.findall(r"<figure id='([^']+)'", html)
    assert ids[:4] == ["weekly-goal", "period-offices", "states", "split"]
    data = json.loads(re.search(r"id='icestats-data'>(.*?)</script>", html, re.S)[1])
    assert data["weekly_goal"]["peak"]["arrests"] == 8_720
    assert data["split"]["periods"][1]["collateral_share_percent"] == 34.85
    assert "Source: REAL published counts from arrests_by_week.csv" in html


def test_an_older_vintage_on_request(counts_db: Path) -> None:
    from icestats import vintage_metrics

    with icestats.connect(counts_db) as ice:
        june = [m for m in vintage_metrics.book_ins(ice.con, date(2025, 7, 1)).to_pylist()
                if m["month"] == date(2025, 6, 1)]
    # the newest vintage pulled by 2025-07-01: 2025-06-23's, which had 23 days of June
    assert june[0]["total"] == 35_202 and june[0]["partial"] and june[0]["days"] == 23


def test_vintage_rule_properties() -> None:
    from hypothesis import given
    from hypothesis import strategies as st

    @given(st.integers(2015, 2030), st.integers(1, 12), st.integers(-1, 1), st.integers(1, 28))
    def consistent_copies_are_kept(fy: int, month: int, lag: int, day: int) -> None:
        # pulled in month ``month`` of fiscal year ``fy``, reporting about that many months
        pull = date(fy - 1 + (month + 9 > 12), (month + 9 - 1) % 12 + 1, day)
        reported = min(max(month + lag, 1), 12)
        v = decide(Vintage(pull + timedelta(days=10), pull, fy, reported, date(fy - 1, 10, 1)))
        assert v.status == "used" and v.fiscal_year == fy and v.as_of == pull
        # the same copy filed under the year before is moved back to its own year
        if reported < 11:
            w = decide(Vintage(pull + timedelta(days=10), pull, fy - 1, reported,
                               date(fy - 2, 10, 1)))
            assert w.status == "relabelled" and w.fiscal_year == fy

    consistent_copies_are_kept()


def test_the_existing_questions_answer_at_the_tables_grain(counts_db: Path) -> None:
    weekly = {r["week_start"]: int(r["count"]) for r in _rows(WEEKLY)}
    out = run("daily", "--from", "2025-01-19", "--to", "2025-10-18", "--db", counts_db,
              "--json")
    assert out.exit_code == 0, out.output
    d = json.loads(out.stdout)
    assert d["total"]["arrests"] == 221_007 == sum(v for w, v in weekly.items()
                                                   if "2025-01-19" <= w <= "2025-10-12")
    assert d["grain"] == "week" and d["window"]["grain"] == {"time": "week", "place": "nation"}
    assert [u["value"] for u in d["units"]] == [weekly[u["period_start"]] for u in d["units"]]
    assert d["source"]["count_tables"] == [{"file": WEEKLY.name, "synthetic": False}]
    out = run("offices", "--from", "2025-01-20", "--to", "2026-08-06", "--db", counts_db,
              "--json")
    assert out.exit_code == 0, out.output
    o = json.loads(out.stdout)
    by_name = {r["office"].replace(".", ""): int(r["arrests"]) for r in _rows(OFFICES)}
    assert {x["name"].replace(".", ""): x["arrests"] for x in o["offices"]} == by_name
    assert o["window"]["grain"] == {"time": "period", "place": "office"}
    a = json.loads(run("agency", "--db", counts_db, "--json").stdout)
    june = [m for m in a["book_ins_by_month"] if m["month"] == "2025-06-01"]
    assert june[0]["total"] == 36_704 and "vintage of 2025-09-25" in june[0]["workbook"]


@pytest.mark.parametrize(("args", "message"), [
    (("daily", "--aor", "CHI", "--from", "2025-02-01", "--to", "2025-03-01"),
     "arrests by day, by office cannot be answered from the tables loaded"),
    (("daily", "--by", "criminality"), "daily --by criminality needs record-level releases"),
    (("offices", "--from", "2025-02-01", "--to", "2026-08-06"),
     "cannot be cut to 2025-02-01..2026-08-06; ask for that period (--from 2025-01-20 --to "
     "2026-08-06)"),
])
def test_a_question_the_tables_cannot_answer_gets_one_line(counts_db: Path, args: tuple[str],
                                                           message: str) -> None:
    out = run(*args, "--db", counts_db)
    assert out.exit_code == 2 and len(out.stderr.strip().splitlines()) == 1
    assert message in out.stderr


def test_the_api_gives_the_same_answer(counts_db: Path) -> None:
    from fastapi.testclient import TestClient

    from icestats.web.app import create_app

    client = TestClient(create_app(counts_db), base_url="http://127.0.0.1")
    api = client.get("/api/daily", params={"from": "2025-01-19", "to": "2025-10-18"}).json()
    cli = json.loads(run("daily", "--from", "2025-01-19", "--to", "2025-10-18", "--db",
                         counts_db, "--json").stdout)
    assert api["total"] == cli["total"] and api["units"] == cli["units"]
    bad = client.get("/api/daily", params={"aor": "CHI", "from": "2025-02-01",
                                           "to": "2025-03-01"})
    assert bad.status_code == 422 and "cannot be answered" in bad.json()["detail"]


def test_the_dashboard_picture_is_the_reports(counts_db: Path) -> None:
    """/api/charts/published: the weekly chart's weeks sum as the file does, the offices
    table lists every office of the file, each chart names its file; real, not generated."""
    from fastapi.testclient import TestClient

    from icestats.web.app import create_app

    client = TestClient(create_app(counts_db), base_url="http://127.0.0.1")
    got = client.get("/api/charts/published").json()
    assert list(got["answers"]) == ["weekly_goal", "period_offices", "states", "split"]
    assert len(got["charts"]) == 4 and got["synthetic"] is False
    weekly = {r["week_start"]: int(r["count"]) for r in _rows(WEEKLY)}
    bars = got["charts"][0]["layer"][0]["data"]["values"]
    assert sum(b["arrests"] for b in bars if b["week"] <= "2025-10-12") == 221_007 == sum(
        v for w, v in weekly.items() if "2025-01-19" <= w <= "2025-10-12")
    offices = got["answers"]["period_offices"]["display"]["offices"]
    names = {r["office"].replace(".", "") for r in _rows(OFFICES)}
    labels = [c["label"] for c in offices["columns"]]
    assert {row[labels.index("office")].replace(".", "") for row in offices["rows"]} == names
    assert WEEKLY.name in json.dumps(got["charts"][0]) and OFFICES.name in got["source"]["text"]


def test_events_on_the_daily_state_series(counts_db: Path) -> None:
    """No record holds 2025: `icestats events` measures Chicago's operation on Illinois
    (its office's home state in the data), the other states as donors, and gives what
    ``stats.state_events`` gives on the file read with plain csv (bench/realseries.py):
    x4.00 over 28 days, [2.54, 6.31], placebos in space only."""
    import sys

    from icestats.stats.events import Event
    from icestats.stats.state_events import state_events

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    import realseries

    five = realseries.five_states()
    (expected,) = state_events(five.days, five.names, five.counts, five.offices,
                               [Event(date(2025, 9, 8), "CHI", "Midway Blitz")])
    out = run("events", "--event", "2025-09-08,CHI,Midway Blitz", "--db", counts_db, "--json")
    assert out.exit_code == 0, out.output
    d = json.loads(out.stdout)
    (e,) = d["events"]
    assert e["unit"] == "IL" and e["effect"] == pytest.approx(expected["effect"], rel=1e-9)
    assert round(e["effect"], 2) == 4.00 and (round(e["low"], 2), round(e["high"], 2)) == (
        2.54, 6.31)
    assert "in space only" in e["inference"] and e["displacement"] == []
    assert d["window"]["grain"] == {"time": "day", "place": "state"}
    assert d["pre_days"] == 35 and d["source"]["count_tables"][0]["file"] == FIVE.name
    text = run("events", "--event", "2025-09-08,CHI,Midway Blitz", "--db", counts_db).stdout
    assert "CHI 2025-09-08 measured on IL: the office's state in the data." in text
    assert "│ CHI (IL)" in text and "(35 days before to fit)" in text
    both = run("events", "--db", counts_db, "--json")
    assert {e["unit"]: e["pre_days"] for e in json.loads(both.stdout)["events"]} == {
        "IL": 35, "MN": 119}  # (from 2025-08-02: 5 and 17 weeks before each)
    default = json.loads(run("events", "--db", counts_db, "--json").stdout)
    assert [(x["office"], x["unit"], x["date"]) for x in default["events"]] == [
        ("CHI", "IL", "2025-09-08"), ("SPM", "MN", "2025-12-01")]
    bad = run("events", "--event", "2025-06-06,LOS,LA", "--db", counts_db)
    assert bad.exit_code == 2 and len(bad.stderr.strip().splitlines()) == 1
    assert "LOS: no state of the data stands for this office" in bad.stderr


def test_goal_from_the_records_names_the_weekly_counts_past_them(tmp_path: Path) -> None:
    """Records to 2025-06-30 beside the weekly national table: the records answer `goal`,
    and one line says the weekly counts are loaded to their last day and that `--as-of`
    that day asks them; that option then answers week by week. No line without the table,
    nor where the records reach the table's last day."""
    last = max(date.fromisoformat(r["week_start"]) for r in _rows(WEEKLY)) + timedelta(days=6)
    assert last == date(2025, 10, 18)
    db = release_db(tmp_path / "a", rows=300)  # 2025-03-01..06-30
    plain = json.loads(run("goal", "--db", db, "--json").stdout)
    assert plain["counts_note"] is None and "Weekly national" not in run("goal", "--db", db).stdout
    assert run("ingest", WEEKLY, "--db", db).exit_code == 0
    line = (f"Weekly national counts of arrests are loaded too (arrests_by_week.csv, to "
            f"{last}): --as-of {last} asks them, week by week.")
    got = json.loads(run("goal", "--db", db, "--json").stdout)
    assert got["question"] == "goal" and got["window"]["grain"]["time"] == "day"
    assert got["counts_note"] == line
    assert line in " ".join(run("goal", "--db", db).stdout.split())  # (the terminal wraps)
    asked = json.loads(run("goal", "--as-of", str(last), "--db", db, "--json").stdout)
    assert asked["window"]["grain"]["time"] == "week" and "counts_note" not in asked
    later = release_db(tmp_path / "b", rows=300, end=date(2025, 10, 31))
    assert run("ingest", WEEKLY, "--db", later).exit_code == 0
    assert json.loads(run("goal", "--db", later, "--json").stdout)["counts_note"] is None


@pytest.mark.slow  # (a real browser: make test runs it)
def test_dashboard_coverage_line_tells_the_tables_apart(counts_db: Path) -> None:
    """Two count tables of one grain read the same ("arrests by day and state"): the five
    states' file and mn_collateral.csv, Minnesota's only, split by apprehension type."""
    with dashboard(counts_db) as (url, b):
        page = b.new_page(viewport={"width": 1400, "height": 900})
        page.goto(url)
        page.wait_for_selector("body[data-ready='1']")
        cover = " ".join((page.text_content("#coverage") or "").split())
    assert "arrests by day and state, 2025-08-02 to 2026-03-10" in cover
    assert "arrests by day and state (MN only) and apprehension type, " in cover
