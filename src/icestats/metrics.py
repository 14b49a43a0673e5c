"""Counts over the store, as SQL pushed down to DuckDB: every output calls these.

Counting rules (see docs/architecture.md):
- ``count="arrests"`` counts arrest episodes (24-hour rule); ``"records"`` counts raw rows.
- For each date, only the release that owns it (coverage ending latest) is counted.
- ``scope="interior"`` leaves out border-related records (UWCHR's published rule).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import duckdb

from icestats import privacy, reference
from icestats.answers import (
    BreakdownAnswer,
    Coverage,
    DailyAnswer,
    GoalAnswer,
    OfficesAnswer,
    Source,
)
from icestats.errors import UsageError
from icestats.numbers import round_half_up
from icestats.store import arrow, fetch_one

if TYPE_CHECKING:
    import pyarrow as pa

COUNTS = ("arrests", "records")
SCOPES = ("all", "interior")
PERIODS = ("day", "week", "month", "quarter", "year")
CUSTODIAL_METHODS = ("CAP Local Incarceration", "CAP State Incarceration",
                     "CAP Federal Incarceration", "287(g) Program",
                     "Law Enforcement Agency Response Unit")
# UWCHR's rule for border-related records, left out of "interior" counts (ice-enforce
# repository, the analysis of FOIA 2019-ICFO-53623): these methods, methods naming CBP or
# Border Patrol, and landmarks at ports of entry, airports or the border.
BORDER_METHODS = ("Patrol Border", "Inspections", "Anti-Smuggling", "Patrol Interior",
                  "Boat Patrol", "Traffic Check", "Crewman/Stowaway",
                  "Transportation Check Aircraft", "Transportation Check Bus",
                  "Transportation Check Passenger Train", "Transportation Check Freight Train")
BORDER_METHOD_PATTERN = "CBP|USBP|Border Patrol"
BORDER_LANDMARK_PATTERN = "PORT OF ENTRY|AIRPORT|BORDER"
_CUSTODIAL = ", ".join(f"'{m}'" for m in CUSTODIAL_METHODS)
_BORDER = ", ".join(f"'{m}'" for m in BORDER_METHODS)
INTERIOR_SQL = f"""NOT (coalesce(method, '') IN ({_BORDER})
    OR regexp_matches(coalesce(method, ''), '{BORDER_METHOD_PATTERN}')
    OR regexp_matches(coalesce(site_landmark, ''), '{BORDER_LANDMARK_PATTERN}'))"""
# Breakdown dimensions: name -> SQL over arrests (fixed text, never from user input).
DIMENSIONS: dict[str, str] = {
    "aor": "aor",
    "criminality": "coalesce(criminality, '(blank)')",
    "method": "coalesce(method, '(blank)')",
    "custody": f"""CASE WHEN method IS NULL OR method = '[redacted]' THEN 'unknown'
                  WHEN method = 'ERO Reprocessed Arrest' THEN 'reprocessed'
                  WHEN method IN ({_CUSTODIAL}) THEN 'custodial' ELSE 'at-large' END""",
    "agency": "coalesce(agency, '(not recorded)')",
    "agency_group": """CASE WHEN agency IS NULL THEN '(not recorded)'
                       WHEN agency ILIKE '%border patrol%' OR agency ILIKE '%USBP%'
                            OR agency ILIKE 'CBP%' THEN 'CBP'
                       WHEN agency ILIKE 'ICE%' OR agency ILIKE '%ERO%' OR agency ILIKE '%HSI%'
                            THEN 'ICE' ELSE 'other' END""",
    "program": "coalesce(final_program, '(blank)')",
    "type": "coalesce(apprehension_type, '(not recorded)')",
    "citizenship": "coalesce(citizenship, '(blank)')",
    "gender": "coalesce(gender, '(blank)')",
    "age_group": """CASE WHEN birth_year IS NULL THEN '(unknown)'
                    WHEN year(apprehension_date) - birth_year < 18 THEN 'under 18'
                    WHEN year(apprehension_date) - birth_year < 25 THEN '18-24'
                    WHEN year(apprehension_date) - birth_year < 35 THEN '25-34'
                    WHEN year(apprehension_date) - birth_year < 45 THEN '35-44'
                    WHEN year(apprehension_date) - birth_year < 55 THEN '45-54'
                    ELSE '55 and over' END""",
    "state": "coalesce(state, '(blank)')",
}
# The stored columns each dimension is computed from (it is computed on their distinct
# values after a first count by day, not on every row).
DIMENSION_COLUMNS: dict[str, tuple[str, ...]] = {
    "aor": ("aor",), "criminality": ("criminality",), "method": ("method",),
    "custody": ("method",), "agency": ("agency",), "agency_group": ("agency",),
    "program": ("final_program",), "type": ("apprehension_type",),
    "citizenship": ("citizenship",), "gender": ("gender",), "age_group": ("birth_year",),
    "state": ("state",),
}
BREAKDOWNS = ("criminality", "method", "custody", "agency", "agency_group", "program", "type",
              "citizenship", "gender", "age_group")
TOP = 8  # categories shown as their own column or series; the rest are "other"


def check(value: str, allowed: tuple[str, ...] | dict[str, str], what: str) -> None:
    if value not in allowed:
        raise UsageError(f"unknown {what} '{value}' (expected one of {', '.join(allowed)})")


def counted_sql(count: str = "arrests", scope: str = "all", *, owned: bool = True) -> str:
    """The records that count: owned by their date's release (unless ``owned=False``, for
    comparing releases), one per episode for ``arrests``, interior ones for that scope."""
    check(count, COUNTS, "count")
    check(scope, SCOPES, "scope")
    where = ["owned"] if owned else ["true"]
    if count == "arrests":
        where.append("episode_start")
    if scope == "interior":
        where.append(INTERIOR_SQL)
    return f"(SELECT * FROM arrests WHERE {' AND '.join(where)})"


def by_day_sql(by: str, where: str, count: str, scope: str = "all") -> str:
    """(apprehension_date, <by>, n): counts by day and dimension value, in two steps."""
    check(by, DIMENSIONS, "dimension")
    cols = ", ".join(DIMENSION_COLUMNS[by])
    return f"""
        SELECT apprehension_date, {DIMENSIONS[by]} AS {by}, CAST(sum(n) AS BIGINT) AS n
        FROM (SELECT apprehension_date, {cols}, count(*) AS n FROM {counted_sql(count, scope)}
              WHERE {where} GROUP BY ALL)
        GROUP BY ALL"""


def coverage(con: duckdb.DuckDBPyConnection) -> Coverage:
    row = fetch_one(con, "SELECT min(date), max(date), max(date) FILTER (WHERE NOT incomplete)"
                         " FROM day_owner")
    return Coverage(*row) if row else Coverage(None, None, None)


def require_data(con: duckdb.DuckDBPyConnection) -> Coverage:
    cov = coverage(con)
    if cov.empty:
        raise UsageError("the database holds no releases yet; load one with `icestats ingest`")
    return cov


def window_end(cov: Coverage, as_of: date | None, include_incomplete: bool) -> date:
    """The last day of a window: ``as_of`` if given, else the last complete day."""
    assert cov.start is not None and cov.end is not None
    if as_of is not None:
        if not cov.start <= as_of <= cov.end:
            raise UsageError(f"--as-of {as_of} is outside the data ({cov.start} to {cov.end})")
        return as_of
    if include_incomplete or cov.complete_through is None:
        return cov.end
    return cov.complete_through


def source(con: duckdb.DuckDBPyConnection, start: date | None = None,
           end: date | None = None) -> Source:
    """The releases counted for the days in [start, end] (all days by default)."""
    cols = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'releases'"
    ).fetchall()}
    synthetic = "r.synthetic" if "synthetic" in cols else "CAST(NULL AS BOOLEAN)"
    rows = con.execute(f"""
        SELECT r.file_name, {synthetic} FROM releases r
        WHERE r.release_id IN (SELECT release_id FROM day_owner
                               WHERE date BETWEEN $start AND $end)
        ORDER BY r.release_id""", {"start": start or date.min, "end": end or date.max}
    ).fetchall()
    return Source(releases=tuple((str(n), s) for n, s in rows))


def check_office(code: str) -> str:
    code = code.strip().upper()
    known = [o.code for o in reference.offices()] + [reference.UNKNOWN]
    if code not in known:
        raise UsageError(f"unknown office '{code}' (expected a code such as CHI; see aor.csv)")
    return code


def _range(con: duckdb.DuckDBPyConnection, start: date | None, end: date | None,
           aor: str | None) -> tuple[Coverage, str, dict[str, Any]]:
    cov = require_data(con)
    params: dict[str, Any] = {"start": start or cov.start, "end": end or cov.end}
    where = "apprehension_date BETWEEN $start AND $end"
    if aor:
        where += " AND aor = $aor"
        params["aor"] = check_office(aor)
    return cov, where, params


def daily_table(con: duckdb.DuckDBPyConnection, by: str | None = None, *,
                start: date | None = None, end: date | None = None, aor: str | None = None,
                count: str = "arrests", scope: str = "all") -> pa.Table:
    """Daily counts: ``date, arrests`` (every covered day, zeros included) or, with ``by``,
    ``date, <by>, arrests`` (one row per date and value with arrests)."""
    _, where, params = _range(con, start, end, aor)
    if by is None:
        return arrow(con, national_sql(where, count, scope), params)
    sql = f"""SELECT apprehension_date AS date, {by}, n AS arrests
              FROM ({by_day_sql(by, where, count, scope)}) ORDER BY 1, 2"""
    return privacy.suppress(arrow(con, sql, params), [by], "day")


def national_sql(where: str, count: str, scope: str = "all") -> str:
    """(date, arrests) for every covered day in [$start, $end], zeros included."""
    return f"""SELECT o.date, CAST(coalesce(c.n, 0) AS BIGINT) AS arrests FROM day_owner o
               LEFT JOIN (SELECT apprehension_date AS d, count(*) AS n
                          FROM {counted_sql(count, scope)} WHERE {where} GROUP BY 1) c
                    ON c.d = o.date
               WHERE o.date BETWEEN $start AND $end ORDER BY o.date"""


def national(con: duckdb.DuckDBPyConnection, start: date, end: date, count: str = "arrests",
             scope: str = "all") -> tuple[list[date], list[int]]:
    """Every covered day's national count, zeros included (plain lists: no Arrow needed)."""
    rows = con.execute(national_sql("apprehension_date BETWEEN $start AND $end", count, scope),
                       {"start": start, "end": end}).fetchall()
    return [r[0] for r in rows], [int(r[1]) for r in rows]


def goal(con: duckdb.DuckDBPyConnection, goal_per_day: float = 3000.0, *,
         windows: tuple[int, ...] = (7, 28, 90), trend_window: int = 28,
         as_of: date | None = None, include_incomplete: bool = False,
         count: str = "arrests", scope: str = "all") -> GoalAnswer:
    """National arrests per day against the goal, at ``as_of`` (default: last complete day)."""
    cov = require_data(con)
    day = window_end(cov, as_of, include_incomplete)
    assert cov.start is not None
    dates, values = national(con, cov.start, day, count, scope)
    rows = []
    for w in sorted(set(windows) | {trend_window}):
        recent = [v for d, v in zip(dates, values, strict=True) if d > day - timedelta(days=w)]
        mean = sum(recent) / len(recent)
        rows.append({
            "days": w, "days_with_data": len(recent), "mean_per_day": round_half_up(mean, 1),
            "percent_of_goal": round_half_up(100 * mean / goal_per_day) if goal_per_day else None,
            "shortfall_per_day": round_half_up(goal_per_day - mean, 1),
        })
    return GoalAnswer(
        goal_per_day, day, cov, int(values[-1]) if values else 0, rows,
        _trend(dates, values, day, trend_window), include_incomplete=include_incomplete,
        count=count, scope=scope, source=source(con, cov.start, day),
        method="mean daily count over trailing windows ending at as_of; trend is the "
               "least-squares slope of daily counts over the trend window")


def _trend(dates: list[date], values: list[int], day: date, w: int) -> dict[str, Any]:
    """Change of the window mean against the previous window, and the daily slope."""
    cur = [v for d, v in zip(dates, values, strict=True) if d > day - timedelta(days=w)]
    prev = [v for d, v in zip(dates, values, strict=True)
            if day - timedelta(days=2 * w) < d <= day - timedelta(days=w)]
    out: dict[str, Any] = {"window_days": w, "previous_mean_per_day": None,
                           "change_percent": None, "slope_per_day_per_30_days": None}
    if prev:
        pm = sum(prev) / len(prev)
        out["previous_mean_per_day"] = round_half_up(pm, 1)
        change = 100 * (sum(cur) / len(cur) - pm) / pm if pm else None
        out["change_percent"] = None if change is None else round_half_up(change)
    if len(cur) >= 3:
        xs = list(range(len(cur)))
        mx, my = sum(xs) / len(xs), sum(cur) / len(cur)
        sxx = sum((x - mx) ** 2 for x in xs)
        slope = sum((x - mx) * (y - my) for x, y in zip(xs, cur, strict=True)) / sxx
        out["slope_per_day_per_30_days"] = round_half_up(30 * slope, 1)
    return out


def _office_ref(con: duckdb.DuckDBPyConnection) -> None:
    import pyarrow as pa

    ref = pa.table({"aor": [o.code for o in reference.offices()] + [reference.UNKNOWN],
                    "name": [o.name for o in reference.offices()] + ["Unknown or blank"]})
    con.register("office_ref", ref)


def offices(con: duckdb.DuckDBPyConnection, *, window: int = 28, as_of: date | None = None,
            include_incomplete: bool = False, count: str = "arrests",
            scope: str = "all") -> OfficesAnswer:
    """Field offices ranked by arrests per day in the window ending at ``as_of``, with the
    previous window and the share of the national total; HQ and unknown last, unranked."""
    cov = require_data(con)
    day = window_end(cov, as_of, include_incomplete)
    if window < 1:
        raise UsageError("--window must be at least 1 day")
    _office_ref(con)
    sql = f"""
        WITH c AS (SELECT aor,
                     count(*) FILTER (WHERE apprehension_date > $day - $w) AS cur,
                     count(*) FILTER (WHERE apprehension_date <= $day - $w) AS prev
                   FROM {counted_sql(count, scope)}
                   WHERE apprehension_date > $day - 2 * $w AND apprehension_date <= $day
                   GROUP BY aor),
             days AS (SELECT count(*) FILTER (WHERE date > $day - $w) AS cur_days,
                             count(*) FILTER (WHERE date <= $day - $w) AS prev_days
                      FROM day_owner WHERE date > $day - 2 * $w AND date <= $day),
             t AS (SELECT r.aor, r.name, coalesce(c.cur, 0) AS arrests,
                          coalesce(c.cur, 0) / days.cur_days AS per_day,
                          CASE WHEN days.prev_days > 0
                               THEN coalesce(c.prev, 0) / days.prev_days END AS prev_per_day,
                          r.aor NOT IN ('{reference.HQ}', '{reference.UNKNOWN}') AS ranked
                   FROM office_ref r LEFT JOIN c USING (aor), days)
        SELECT CASE WHEN ranked THEN CAST(row_number() OVER (
                   PARTITION BY ranked ORDER BY per_day DESC, aor) AS INTEGER) END AS rank,
               aor, name, arrests, round(per_day, 1) AS per_day,
               round(prev_per_day, 1) AS prev_per_day,
               round(100 * (per_day - prev_per_day) / nullif(prev_per_day, 0), 1)
                   AS change_percent,
               round(100 * arrests / nullif(sum(arrests) OVER (), 0), 2) AS share_percent
        FROM t ORDER BY NOT ranked, rank, aor
    """
    table = arrow(con, sql, {"day": day, "w": window})
    con.unregister("office_ref")
    days = fetch_one(con, "SELECT count(*) FROM day_owner WHERE date > $day - $w AND "
                          "date <= $day", {"day": day, "w": window})
    first = max(cov.start, day - timedelta(days=window - 1)) if cov.start else day
    return OfficesAnswer(table, window, int(days[0]) if days else 0, day, cov, count=count,
                         scope=scope, source=source(con, first, day),
                         method="arrests in the window / covered days in the window; change "
                                "against the window before; share of the national total")


def breakdown(con: duckdb.DuckDBPyConnection, by: str, *, period: str = "month",
              start: date | None = None, end: date | None = None, aor: str | None = None,
              count: str = "arrests", scope: str = "all", top: int = TOP) -> BreakdownAnswer:
    """Counts and shares of each value of ``by`` in each period, long and wide."""
    check(by, BREAKDOWNS, "breakdown")
    check(period, PERIODS, "period")
    cov, where, params = _range(con, start, end, aor)
    # Count by day first (a few thousand groups), then roll days up into periods:
    # date_trunc on every one of millions of rows costs more than the whole count.
    sql = f"""
        SELECT period, {by}, arrests,
               round(100 * arrests / sum(arrests) OVER (PARTITION BY period), 2) AS share,
               CAST(sum(arrests) OVER (PARTITION BY period) AS BIGINT) AS period_total
        FROM (SELECT CAST(date_trunc('{period}', apprehension_date) AS DATE) AS period,
                     {by}, CAST(sum(n) AS BIGINT) AS arrests
              FROM ({by_day_sql(by, where, count, scope)}) GROUP BY ALL)
        ORDER BY 1, 3 DESC, 2
    """
    table = privacy.suppress(arrow(con, sql, params), [by], period)
    columns, wide = _wide(table, by, top)
    return BreakdownAnswer(
        by, period, table.drop_columns(["period_total"]), wide, columns,
        start=params["start"], end=params["end"], aor=params.get("aor"), count=count,
        scope=scope, source=source(con, params["start"], params["end"]),
        method=f"{count} per {period} by {by}; share of the {period}'s total; the {top} "
               f"largest values over the range as columns, the rest as 'other'")


def _wide(table: pa.Table, by: str, top: int) -> tuple[list[str], list[dict[str, Any]]]:
    """Periods as rows, the ``top`` largest categories (then "other") as cells."""
    rows = table.to_pylist()
    totals: dict[str, int] = {}
    for r in rows:
        totals[r[by]] = totals.get(r[by], 0) + (r["arrests"] or 0)
    cats = sorted(totals, key=lambda c: (-totals[c], c))
    shown, rest = sorted(cats[:top]), set(cats[top:])
    periods: dict[date, dict[str, dict[str, Any]]] = {}
    period_total: dict[date, int] = {}
    for r in rows:
        periods.setdefault(r["period"], {})[r[by]] = r
        period_total[r["period"]] = r["period_total"]
    wide = []
    for p, cells in periods.items():
        total = period_total[p]
        out: dict[str, Any] = {}
        for c in shown:
            cell = cells.get(c)
            out[c] = {"arrests": cell["arrests"] if cell else 0,
                      "share": cell["share"] if cell else 0.0,
                      "suppressed": bool(cell and cell.get("suppressed"))}
        if rest:
            parts = [cells[c] for c in rest if c in cells]
            hidden = any(x.get("suppressed") for x in parts)
            n = sum(x["arrests"] or 0 for x in parts)
            out["other"] = {"arrests": None if hidden else n,
                            "share": None if hidden or not total
                            else round_half_up(100 * n / total, 2), "suppressed": hidden}
        wide.append({"period": p, "cells": out, "total": total})
    return shown + (["other"] if rest else []), wide


def _days_in_month(d: date) -> int:
    return calendar.monthrange(d.year, d.month)[1]


def daily(con: duckdb.DuckDBPyConnection, by: str | None = None, *, start: date | None = None,
          end: date | None = None, aor: str | None = None, count: str = "arrests",
          scope: str = "all", top: int = TOP) -> DailyAnswer:
    """Daily counts (the export form), the series a chart draws (with 7-day means) and the
    totals a table shows (by month, or by category)."""
    cov, _, params = _range(con, start, end, aor)
    first, last = params["start"], params["end"]
    rows = daily_table(con, by, start=first, end=last, aor=aor, count=count, scope=scope)
    everything = daily_table(con, start=first, end=last, aor=aor, count=count, scope=scope)
    days = everything["date"].to_pylist()
    n = sum(everything["arrests"].to_pylist())
    total = {"arrests": n, "days": len(days),
             "per_day": round_half_up(n / len(days), 1) if days else None}
    if by is None:
        dense: dict[str, list[int | None]] = {"total": rows["arrests"].to_pylist()}
        totals = _month_totals(days, rows["arrests"].to_pylist(), cov)
    else:
        dense, totals = _by_series(con, rows, by, days, params, count, scope, top)
    return DailyAnswer(rows, by, params.get("aor"), first, last, cov, _series(days, dense, cov),
                       totals, _weekly(days, dense), total,
                       count=count, scope=scope, source=source(con, first, last),
                       method="daily counts; mean_7: mean of the day and the 6 before it "
                              "(none until 7 days are in range; none where a day is "
                              "suppressed)")


def _rolling(values: list[int | None], n: int = 7) -> list[float | None]:
    out: list[float | None] = []
    for i in range(len(values)):
        part = [v for v in values[max(i - n + 1, 0):i + 1] if v is not None]
        out.append(round_half_up(sum(part) / n, 1) if i >= n - 1 and len(part) == n else None)
    return out


def _series(days: list[date], values: dict[str, list[int | None]], cov: Coverage) -> pa.Table:
    import pyarrow as pa

    out: dict[str, list[Any]] = {"date": [], "key": [], "arrests": [], "mean_7": [],
                                 "mean_28": [], "incomplete": []}
    for key, vals in values.items():
        out["date"] += days
        out["key"] += [key] * len(days)
        out["arrests"] += vals
        out["mean_7"] += _rolling(vals, 7)
        out["mean_28"] += _rolling(vals, 28)
        out["incomplete"] += [cov.incomplete(d) for d in days]
    return pa.table({"date": pa.array(out["date"], pa.date32()),
                     "key": pa.array(out["key"], pa.string()),
                     "arrests": pa.array(out["arrests"], pa.int64()),
                     "mean_7": pa.array(out["mean_7"], pa.float64()),
                     "mean_28": pa.array(out["mean_28"], pa.float64()),
                     "incomplete": pa.array(out["incomplete"], pa.bool_())})


def _weekly(days: list[date], values: dict[str, list[int | None]]) -> pa.Table:
    """Mean per day over each whole 7 days from the first day of the range."""
    import pyarrow as pa

    out: dict[str, list[Any]] = {"key": [], "week_from": [], "mean_per_day": []}
    for key, vals in values.items():
        for i in range(0, len(days) - 6, 7):
            part = vals[i:i + 7]
            out["key"].append(key)
            out["week_from"].append(days[i])
            out["mean_per_day"].append(None if any(v is None for v in part) else
                                       round_half_up(sum(v or 0 for v in part) / 7, 1))
    return pa.table({"key": pa.array(out["key"], pa.string()),
                     "week_from": pa.array(out["week_from"], pa.date32()),
                     "mean_per_day": pa.array(out["mean_per_day"], pa.float64())})


def _month_totals(days: list[date], values: list[int], cov: Coverage) -> pa.Table:

    months: dict[date, list[int]] = {}
    tail: dict[date, bool] = {}
    for d, v in zip(days, values, strict=True):
        m = d.replace(day=1)
        months.setdefault(m, []).append(v)
        tail[m] = tail.get(m, False) or cov.incomplete(d)
    total = sum(values)
    rows = [{"key": f"{m:%Y-%m}", "arrests": sum(v), "days": len(v),
             "per_day": round_half_up(sum(v) / len(v), 1),
             "share_percent": round_half_up(100 * sum(v) / total, 1) if total else None,
             "partial": len(v) < _days_in_month(m) or tail[m]} for m, v in months.items()]
    return _totals_table(rows)


def _totals_table(rows: list[dict[str, Any]]) -> pa.Table:
    import pyarrow as pa

    return pa.table({"key": pa.array([r["key"] for r in rows], pa.string()),
                     "arrests": pa.array([r["arrests"] for r in rows], pa.int64()),
                     "days": pa.array([r["days"] for r in rows], pa.int64()),
                     "per_day": pa.array([r["per_day"] for r in rows], pa.float64()),
                     "share_percent": pa.array([r["share_percent"] for r in rows],
                                               pa.float64()),
                     "partial": pa.array([r["partial"] for r in rows], pa.bool_())})


def _by_series(con: duckdb.DuckDBPyConnection, rows: pa.Table, by: str, days: list[date],
               params: dict[str, Any], count: str, scope: str, top: int
               ) -> tuple[dict[str, list[int | None]], pa.Table]:
    """The ``top`` categories as dense daily series, and every category's total."""
    where = "apprehension_date BETWEEN $start AND $end" + (" AND aor = $aor"
                                                           if "aor" in params else "")
    sql = f"""SELECT {by} AS key, CAST(sum(n) AS BIGINT) AS arrests
              FROM ({by_day_sql(by, where, count, scope)}) GROUP BY 1 ORDER BY 2 DESC, 1"""
    span = "day" if len(days) <= 1 else None
    totals = privacy.suppress(arrow(con, sql, params), ["key", by], span)
    cats = [k for k, n in zip(totals["key"].to_pylist(), totals["arrests"].to_pylist(),
                              strict=True)][:top]
    index = {d: i for i, d in enumerate(days)}
    dense: dict[str, list[int | None]] = {c: [0 for _ in days] for c in cats}
    for d, c, n in zip(rows["date"].to_pylist(), rows[by].to_pylist(),
                       rows["arrests"].to_pylist(), strict=True):
        if c in dense and d in index:
            dense[c][index[d]] = n
    grand = sum(n or 0 for n in totals["arrests"].to_pylist())
    out = [{"key": k, "arrests": n, "days": len(days),
            "per_day": None if n is None else round_half_up(n / max(len(days), 1), 1),
            "share_percent": None if n is None or not grand
            else round_half_up(100 * n / grand, 1), "partial": False}
           for k, n in zip(totals["key"].to_pylist(), totals["arrests"].to_pylist(),
                           strict=True)]
    return dense, _totals_table(out)


def arrests_per_month(con: duckdb.DuckDBPyConnection, count: str = "arrests",
                      scope: str = "all") -> dict[date, float]:
    """Arrests per day by calendar month from the arrest releases, complete months only."""
    rows = con.execute(f"""
        SELECT CAST(date_trunc('month', n.date) AS DATE) AS month, count(*) AS days,
               sum(n.arrests) AS arrests
        FROM ({national_sql("true", count, scope)}) n JOIN day_owner o USING (date)
        WHERE NOT o.incomplete GROUP BY 1 ORDER BY 1
    """, {"start": date.min, "end": date.max}).fetchall()
    return {month: round_half_up(arrests / days, 1) for month, days, arrests in rows
            if days == _days_in_month(month)}


def release_status(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """What is loaded: releases, coverage, rows loaded / rejected / merged, unmatched offices."""
    releases = arrow(con,
        """SELECT *, rows_loaded - episodes AS merged,
                  (SELECT count(*) FROM day_owner d WHERE d.release_id = r.release_id)
                      AS days_counted
           FROM releases r ORDER BY release_id""")
    rejects = con.execute("SELECT reason, count(*) AS n FROM rejects GROUP BY 1 ORDER BY 2 DESC"
                          ).fetchall()
    aor_issues = con.execute(
        "SELECT aor_status, count(*) FROM arrests WHERE aor_status <> 'ok' GROUP BY 1 ORDER BY 1"
    ).fetchall()
    unrecognized = con.execute(
        "SELECT aor_raw, count(*) FROM arrests WHERE aor_status = 'unrecognized' "
        "GROUP BY 1 ORDER BY 2 DESC LIMIT 10").fetchall()
    listed = releases.to_pylist()
    return {
        "releases": releases, "coverage": coverage(con),
        "rows_loaded": sum(r["rows_loaded"] for r in listed),
        "rows_rejected": sum(r["rows_rejected"] for r in listed),
        "records_merged": sum(r["merged"] for r in listed),
        "rejects_by_reason": dict(rejects), "aor_not_matched": dict(aor_issues),
        "unrecognized_aor_values": dict(unrecognized),
    }
