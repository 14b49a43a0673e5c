"""Dates that cannot be true (issue 12 item 6) and time zones (item 8)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from icestats import store
from icestats.ingest import dates
from icestats.loading import ingest_file

from conftest import make_release


def _lines(path: Path) -> int:
    return len(path.read_text().splitlines())


def test_a_stray_date_after_the_release_does_not_take_over(tmp_path: Path) -> None:
    stray = {"apprehension_date": dt.datetime(2026, 9, 17, 10), "aor": "CHI",
             "identifier": "STRAY-1", "method": "Located"}
    path = make_release(tmp_path / "r.csv", rows=600, start=dt.date(2026, 1, 1),
                        end=dt.date(2026, 3, 31), extra=[stray])
    for today, reason in ((dt.date(2026, 10, 1), dates.ISOLATED),
                          (dt.date(2026, 4, 2), dates.FUTURE)):
        con = store.connect(tmp_path / f"{today}.duckdb")
        r = ingest_file(con, path, max_rejects=0.002, today=today)  # 1 of 601: within
        assert (r.rows_implausible, r.rows_rejected) == (1, 1)
        assert r.coverage_end == dt.date(2026, 3, 31)
        assert r.rows_loaded == r.rows_read - 1
        assert con.execute("SELECT sheet, source_row, column_name, reason, raw_value "
                           "FROM rejects").fetchall() == [
            (None, _lines(path), "Apprehension Date", reason, "2026-09-17 10:00:00")]
        assert con.execute("SELECT max(date) FROM day_owner").fetchall() == \
            [(dt.date(2026, 3, 31),)]
        assert con.execute("SELECT coverage_end, rows_implausible FROM releases").fetchall() \
            == [(dt.date(2026, 3, 31), 1)]
        con.close()


def test_a_2030_row_in_a_small_file_does_not_replace_a_larger_release(tmp_path: Path) -> None:
    big = make_release(tmp_path / "big.csv", seed=2, rows=3000, start=dt.date(2025, 1, 1),
                       end=dt.date(2025, 12, 31))
    small = make_release(tmp_path / "small.csv", seed=3, rows=200, start=dt.date(2025, 6, 1),
                         end=dt.date(2025, 6, 30),
                         extra=[{"apprehension_date": dt.datetime(2030, 1, 5, 9),
                                 "aor": "DAL", "identifier": "Y2030"}])
    con = store.connect(tmp_path / "db.duckdb")
    today = dt.date(2031, 1, 1)
    a = ingest_file(con, big, today=today)
    b = ingest_file(con, small, max_rejects=0.005, today=today)  # 1 of 201: within
    assert (a.rows_implausible, b.rows_implausible) == (0, 1)
    assert b.coverage_end == dt.date(2025, 6, 30)
    owners = dict(con.execute("SELECT release_id, count(*) FROM day_owner GROUP BY 1"
                              ).fetchall())
    assert owners == {1: 365}  # the big release ends later: it keeps every one of its days
    counted = con.execute("SELECT count(*) FROM arrests WHERE owned AND episode_start"
                          ).fetchall()[0][0]
    assert counted == a.episodes
    assert con.execute("SELECT max(date) FROM day_owner").fetchall() == \
        [(dt.date(2025, 12, 31),)]


def test_isolation_rule_keeps_a_gap_shorter_than_28_days(tmp_path: Path) -> None:
    near = {"apprehension_date": dt.datetime(2026, 4, 20, 10), "aor": "CHI",
            "identifier": "NEAR-1"}  # 20 days after the release's end: kept
    path = make_release(tmp_path / "r.csv", rows=300, start=dt.date(2026, 1, 1),
                        end=dt.date(2026, 3, 31), extra=[near])
    con = store.connect(tmp_path / "db.duckdb")
    r = ingest_file(con, path, today=dt.date(2026, 6, 1))
    assert r.rows_implausible == 0 and r.coverage_end == dt.date(2026, 4, 20)


EVENING = [dt.datetime(2025, 6, 1, 18, 0) + dt.timedelta(minutes=9 * k) for k in range(40)]


def _tz_files(tmp: Path, zone: str) -> tuple[Path, Path]:
    """40 evening arrests (18:00-23:51 local) as csv with offsets and as parquet
    TIMESTAMP WITH TIME ZONE."""
    import zoneinfo

    tz = zoneinfo.ZoneInfo(zone) if "/" in zone else dt.timezone(
        dt.timedelta(hours=int(zone[:3]), minutes=int(zone[4:])))
    local = [t.replace(tzinfo=tz) for t in EVENING]
    aor = ["CHI" if k % 2 else "HOU" for k in range(40)]
    csv_path = tmp / f"tz{len(zone)}.csv"
    lines = ["Apprehension Date,Apprehension AOR,Apprehension Method"]
    lines += [f"{t.isoformat(sep=' ')},{a},Located" for t, a in zip(local, aor, strict=True)]
    csv_path.write_text("\n".join(lines) + "\n")
    pq_path = tmp / f"tz{len(zone)}.parquet"
    table = pa.table({"Apprehension Date": pa.array(local, pa.timestamp("us", tz=zone)),
                      "Apprehension AOR": aor, "Apprehension Method": ["Located"] * 40})
    pq.write_table(table, pq_path)
    return csv_path, pq_path


def test_zoned_timestamps_are_dated_by_their_local_wall_clock(tmp_path: Path) -> None:
    for zone in ("+05:00", "-07:00", "America/Chicago"):
        csv_path, pq_path = _tz_files(tmp_path, zone)
        con = store.connect(tmp_path / f"db{len(zone)}.duckdb")
        for path in (csv_path, pq_path):
            r = ingest_file(con, path)
            got = con.execute("SELECT apprehension_at FROM arrests WHERE release_id = ? "
                              "ORDER BY source_row", [r.release_id]).fetchall()
            assert [g[0] for g in got] == EVENING, (zone, path.suffix)
        days = con.execute("SELECT DISTINCT apprehension_date FROM arrests").fetchall()
        assert days == [(dt.date(2025, 6, 1),)]
        con.close()


def test_naive_parquet_timestamps_are_read_as_they_are(tmp_path: Path) -> None:
    path = tmp_path / "naive.parquet"
    pq.write_table(pa.table({"Apprehension Date": pa.array(EVENING, pa.timestamp("us")),
                             "Apprehension AOR": ["CHI"] * 40,
                             "Apprehension Method": ["Located"] * 40}), path)
    con = duckdb.connect(str(tmp_path / "n.duckdb"))
    store.migrate(con)
    ingest_file(con, path)
    assert [r[0] for r in con.execute("SELECT apprehension_at FROM arrests ORDER BY 1"
                                      ).fetchall()] == EVENING
