"""Vintages: the same months given again by each later copy of a table (ICE's detention
statistics workbooks, one every few weeks, each revising the months before).

Every vintage is kept; answers use the newest unless asked for another. A vintage's date
is its *as-of* day: the pull date printed in the workbook when that date agrees with the
months the vintage reports, else the file's date. Each vintage of a fiscal-year table is
checked against the fiscal year it is filed under:

- a vintage reports its fiscal year's months up to about its as-of day: from October to
  the month of the as-of day (one month either way), or all twelve once the year is over;
- when the label does not fit but the fiscal year holding the pull date does (DDP's
  2024-11-15 vintage, filed under FY2024, holds FY2025's October and November), its months
  are moved to that year and the vintage is marked *relabelled*;
- when neither fits (a vintage reporting all twelve months of a year that had barely
  begun: the 2026-01-08 copy holds FY2020's figures), the vintage is *rejected*, its rows
  listed with the reason.

Months after a vintage's last reported month are not reported yet (ICE's mid-year
workbooks give them as 0 in the Total row and as blanks in the agency rows): never 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from icestats.counts.tidy import TIDY

DECISIONS = "count_vintage_decisions"


@dataclass
class Vintage:
    file_date: date | None
    pull_date: date | None
    label: int | None  # the fiscal year it is filed under
    reported: int  # months reported (October = 1 ... September = 12)
    first_month: date | None
    as_of: date | None = None
    fiscal_year: int | None = None
    status: str = "used"
    note: str = ""
    seq: int | None = None  # 1 = oldest vintage used


def fiscal_month(d: date) -> tuple[int, int]:
    """(fiscal year, month of it: October = 1)."""
    return (d.year + 1, d.month - 9) if d.month >= 10 else (d.year, d.month + 3)


def _fits(fy: int, reported: int, day: date | None) -> bool:
    if day is None:
        return False
    year, m = fiscal_month(day)
    return (year > fy and reported == 12) or (year == fy and m - 1 <= reported <= m + 1)


def decide(v: Vintage) -> Vintage:
    """The vintage's as-of day and fiscal year, or its rejection (see module docstring)."""
    fy = v.label if v.label is not None else (fiscal_month(v.first_month)[0]
                                               if v.first_month else None)
    if fy is None:
        v.status, v.note = "rejected", "no fiscal year and no months"
        return v
    for day in (v.pull_date, v.file_date):
        if _fits(fy, v.reported, day):
            v.as_of, v.fiscal_year = day, fy
            return v
    if v.pull_date and _fits(fiscal_month(v.pull_date)[0], v.reported, v.pull_date):
        v.as_of, v.fiscal_year = v.pull_date, fiscal_month(v.pull_date)[0]
        v.status = "relabelled"
        v.note = (f"filed under FY{fy} but its {v.reported} months and its pull date "
                  f"{v.pull_date} are FY{v.fiscal_year}'s: months moved to FY{v.fiscal_year}")
        return v
    v.status = "rejected"
    v.note = (f"filed under FY{fy} with {v.reported} months reported, which neither its pull "
              f"date ({v.pull_date}) nor its file date ({v.file_date}) allows: a mislabelled "
              "copy, not used")
    return v


def _vintages(con: duckdb.DuckDBPyConnection) -> list[Vintage]:
    """Per vintage (file date, pull date, fiscal-year label): its months reported, counted
    on the Total row (any row when there is none)."""
    rows = con.execute(f"""
        WITH v AS (SELECT TRY_CAST(vintage_file AS DATE) AS f, TRY_CAST(vintage_pull AS DATE)
                          AS p, TRY_CAST(fy_label AS INTEGER) AS l, period_start, value,
                          dims[1] = 'Total' AS total FROM {TIDY}),
             t AS (SELECT *, bool_or(total) OVER (PARTITION BY f, p, l) AS has_total FROM v)
        SELECT f, p, l, min(period_start),
               max(CASE WHEN value > 0 AND (total OR NOT has_total) THEN period_start END)
        FROM t GROUP BY f, p, l ORDER BY f, p, l""").fetchall()
    out = []
    for f, p, label, first, last in rows:
        reported = 0
        if last is not None and first is not None:
            reported = (last.year - first.year) * 12 + last.month - first.month + 1
        out.append(Vintage(f, p, label, reported, first))
    return out


def apply(con: duckdb.DuckDBPyConnection) -> list[Vintage]:
    """Decide every vintage, number them oldest first, move relabelled months, mark the
    months after each vintage's last reported month as not reported. Returns the vintages
    (rejected ones included; their rows stay in ``TIDY`` with ``vintage`` NULL)."""
    import pyarrow as pa

    vintages = [decide(v) for v in _vintages(con)]
    used = sorted((v for v in vintages if v.status != "rejected"),
                  key=lambda v: (v.as_of, v.file_date or date.min, v.pull_date or date.min))
    for i, v in enumerate(used):
        v.seq = i + 1
    con.register(DECISIONS, pa.table({
        "f": pa.array([v.file_date for v in vintages], pa.date32()),
        "p": pa.array([v.pull_date for v in vintages], pa.date32()),
        "l": pa.array([v.label for v in vintages], pa.int32()),
        "seq": pa.array([v.seq for v in vintages], pa.int32()),
        "shift": pa.array([v.fiscal_year - v.label if v.status == "relabelled" and v.label
                           and v.fiscal_year else 0 for v in vintages], pa.int32()),
        "reported": pa.array([v.reported for v in vintages], pa.int32())}))
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {TIDY} AS
        SELECT t.* REPLACE (
                   CAST(t.period_start + to_years(d.shift) AS DATE) AS period_start,
                   last_day(CAST(t.period_start + to_years(d.shift) AS DATE)) AS period_end,
                   CASE WHEN m.month_no > d.reported THEN NULL ELSE t.value END AS value,
                   CASE WHEN m.month_no > d.reported AND t.missing IS NULL
                        THEN 'not reported yet (after the vintage''s last reported month)'
                        ELSE t.missing END AS missing),
               d.seq AS vintage_seq
        FROM {TIDY} t
        JOIN {DECISIONS} d ON d.f IS NOT DISTINCT FROM TRY_CAST(t.vintage_file AS DATE)
            AND d.p IS NOT DISTINCT FROM TRY_CAST(t.vintage_pull AS DATE)
            AND d.l IS NOT DISTINCT FROM TRY_CAST(t.fy_label AS INTEGER),
        LATERAL (SELECT (month(t.period_start) + 2) % 12 + 1 AS month_no) m""")
    con.unregister(DECISIONS)
    return vintages


def by_column(con: duckdb.DuckDBPyConnection, file: str) -> list[Vintage]:
    """A declared ``--vintage-column``: each distinct date one vintage, oldest first."""
    from icestats.errors import InputError

    bad = con.execute(f"SELECT __row, col, vintage FROM {TIDY} WHERE "
                      "TRY_CAST(vintage AS DATE) IS NULL ORDER BY __row LIMIT 1").fetchall()
    if bad:
        raise InputError(file, f"'{bad[0][2]}' is not a vintage date (YYYY-MM-DD)",
                         row=bad[0][0])
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {TIDY} AS
        SELECT *, CAST(dense_rank() OVER (ORDER BY TRY_CAST(vintage AS DATE)) AS INTEGER)
                  AS vintage_seq FROM {TIDY}""")
    days = [d for (d,) in con.execute(f"SELECT DISTINCT TRY_CAST(vintage AS DATE) FROM {TIDY} "
                                      "ORDER BY 1").fetchall()]
    return [Vintage(d, None, None, 0, None, as_of=d, seq=i + 1) for i, d in enumerate(days)]
