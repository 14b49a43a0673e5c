"""Counts over the store, as SQL pushed down to DuckDB: every output calls these.

The counting rules (episodes or records, the owning release, the scope) are the SQL of
``counting.py``; the daily series answer is built in ``series.py``.
"""

from __future__ import annotations

import calendar
import json
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import duckdb

from icestats import params, privacy, reference
from icestats.answers import FiscalYearsAnswer, GoalAnswer, OfficesAnswer
from icestats.answers.rows import FiscalYear, GoalTrend, GoalWindow
from icestats.counting import (
    by_day_sql,
    counted_sql,
    national_sql,
    period_days,
    period_start_sql,
)
from icestats.defaults import GOAL_PER_DAY
from icestats.kinds import say
from icestats.slices import Coverage, Window, coverage, nothing_loaded, source, uncovered_offices
from icestats.store import arrow

if TYPE_CHECKING:
    import pyarrow as pa

# (coverage, source and uncovered_offices live with the slice; named here too for the
# callers that count from metrics)
__all__ = ["coverage", "daily_table", "fiscal_years", "goal", "national", "not_in_release",
           "offices", "release_status", "require_data", "source", "uncovered_offices"]


def require_data(con: duckdb.DuckDBPyConnection) -> Coverage:
    cov = coverage(con)
    if cov.empty:
        raise nothing_loaded(con)
    return cov


def _where(start: date, end: date, aor: str | None) -> tuple[str, dict[str, Any]]:
    binds: dict[str, Any] = {"start": start, "end": end}
    where = "apprehension_date BETWEEN $start AND $end"
    if aor:
        where += " AND aor = $aor"
        binds["aor"] = params.office(aor)
    return where, binds


def not_in_release(con: duckdb.DuckDBPyConnection, by: str | None, start: date,
                   end: date) -> str | None:
    """Why ``by`` cannot be broken down over [start, end]: none of the releases counted
    for those days has a column it is computed from (criminality, agency and program are
    not in FOIA 2019-ICFO-53623), else None. A column a release has but leaves blank is
    in the release: its blanks are shown as such."""
    from icestats.counting import DIMENSION_COLUMNS

    if by is None or by == "aor":
        return None
    rows = con.execute("""
        SELECT file_name, layout, columns_mapped FROM releases
        WHERE release_id IN (SELECT release_id FROM day_owner
                             WHERE date BETWEEN $start AND $end) ORDER BY release_id""",
        {"start": start, "end": end}).fetchall()
    need = set(DIMENSION_COLUMNS[by])
    if not rows or any(need & set(json.loads(m or "{}").values()) for _, _, m in rows):
        return None
    layouts: dict[str, list[str]] = {}
    for name, layout, _ in rows:
        layouts.setdefault(layout, []).append(name)
    files = "; ".join(f"the {k} layout ({', '.join(v)})" for k, v in layouts.items())
    return (f"{by} is not in this release: {files} has no {' or '.join(sorted(need))} "
            f"column; nothing to break down by {by} from {start} to {end}.")


def daily_table(con: duckdb.DuckDBPyConnection, by: str | None = None, *,
                start: date | None = None, end: date | None = None, aor: str | None = None,
                count: str = "arrests", scope: str = "all") -> pa.Table:
    """Daily counts: ``date, arrests`` (every covered day, zeros included) or, with ``by``,
    ``date, <by>, arrests`` (one row per date and value with arrests), from ``start`` to
    ``end`` (default: the data's first and last day)."""
    if start is None or end is None:
        cov = require_data(con)
        start, end = start or cov.start, end or cov.end
        assert start is not None and end is not None
    where, binds = _where(start, end, aor)
    if by is None:
        return arrow(con, _with_source(national_sql(where, count, scope)), binds)
    # a personal attribute is never counted by day: it is published by the grid only
    assert not privacy.is_personal([by]), "personal attributes: privacy.cells"
    if by == "aor":
        return arrow(con, _with_source(_office_days_sql(where, count, scope, aor)), binds)
    sql = _with_source(f"""SELECT apprehension_date AS date, {by}, n AS arrests
                           FROM ({by_day_sql(by, where, count, scope)})""")
    return arrow(con, sql, binds)


def _office_days_sql(where: str, count: str, scope: str, aor: str | None) -> str:
    """``date, aor, arrests`` zero-filled: every day a release is counted for, times every
    office that release has a record of (the rule of the SQL view ``events_daily``), so
    an office-day with no event is a row of 0, and one office's own release (Seattle's)
    adds no zeros for the others."""
    one = "AND f.aor = $aor" if aor else ""
    return f"""
        WITH offices AS (SELECT DISTINCT release_id, aor FROM arrests),
             counted AS ({by_day_sql("aor", where, count, scope)})
        SELECT o.date, f.aor, CAST(coalesce(c.n, 0) AS BIGINT) AS arrests
        FROM day_owner o JOIN offices f USING (release_id)
        LEFT JOIN counted c ON c.apprehension_date = o.date AND c.aor = f.aor
        WHERE o.date BETWEEN $start AND $end {one}"""


def _with_source(sql: str) -> str:
    """Each day's row with the file counted for it and whether that file is generated
    (every export says which numbers are real)."""
    return f"""SELECT t.*, r.file_name AS source_file, r.synthetic
               FROM ({sql}) t JOIN day_owner o ON o.date = t.date
               JOIN releases r ON r.release_id = o.release_id ORDER BY ALL"""


def national(con: duckdb.DuckDBPyConnection, start: date, end: date, count: str = "arrests",
             scope: str = "all") -> tuple[list[date], list[int]]:
    """Every covered day's national count, zeros included (plain lists: no Arrow needed)."""
    rows = con.execute(national_sql("apprehension_date BETWEEN $start AND $end", count, scope),
                       {"start": start, "end": end}).fetchall()
    return [r[0] for r in rows], [int(r[1]) for r in rows]


def goal(con: duckdb.DuckDBPyConnection, w: Window, goal_per_day: float = GOAL_PER_DAY, *,
         windows: tuple[int, ...] = (7, 28, 90)) -> GoalAnswer:
    """National arrests per day against the goal, over the window's days and the 7, 28
    and 90 days ending at its last day; the trend over the window."""
    goal_per_day = params.positive(goal_per_day, "--goal")
    cov, day, trend_window = w.coverage, w.last, w.slice.window or w.days
    assert cov is not None and cov.start is not None and day is not None
    dates, values = national(con, cov.start, day, w.slice.count, w.slice.scope)
    rows: list[GoalWindow] = []
    for n in sorted(set(windows) | {trend_window}):
        recent = [v for d, v in zip(dates, values, strict=True) if d > day - timedelta(days=n)]
        mean = sum(recent) / len(recent)
        extra = "" if len(recent) == n else f" ({len(recent)} days of data)"
        rows.append({
            "label": f"{n}-day mean{extra}", "as_of": day,
            "days": n, "days_with_data": len(recent), "mean_per_day": mean,
            "percent_of_goal": 100 * mean / goal_per_day,
            "shortfall_per_day": goal_per_day - mean,
        })
    return GoalAnswer(
        goal_per_day, day, cov, int(values[-1]) if values else 0, rows,
        _trend(dates, values, day, trend_window),
        include_incomplete=w.slice.include_incomplete, count=w.slice.count,
        scope=w.slice.scope, window=w, source=source(con, cov.start, day),
        method="mean daily count over trailing windows ending at as_of; trend is the "
               "least-squares slope of daily counts over the trend window, with one level "
               "per weekday (none for windows under 14 days)")


def weekday_adjusted_slope(days: list[date], values: list[int]) -> float:
    """Least-squares slope of daily counts on the day number, with one level per weekday:
    a plain slope over a window depends on the weekday the window ends on (a window
    ending on a Friday closes on busy days, one ending on a Sunday on quiet ones)."""
    import numpy as np

    t = np.array([(d - days[0]).days for d in days], dtype=float)
    weekday = np.array([d.weekday() for d in days])
    x = np.column_stack([t, *[(weekday == k).astype(float) for k in range(7)]])
    keep = x[:, 1:].any(axis=0)  # (weekdays with no day in the window have no level)
    x = np.column_stack([x[:, 0], x[:, 1:][:, keep]])
    coef = np.linalg.lstsq(x, np.array(values, dtype=float), rcond=None)[0]
    return float(coef[0])


def _trend(dates: list[date], values: list[int], day: date, w: int) -> GoalTrend:
    """Change of the window mean against the previous window, and the daily slope."""
    cur = [v for d, v in zip(dates, values, strict=True) if d > day - timedelta(days=w)]
    prev = [v for d, v in zip(dates, values, strict=True)
            if day - timedelta(days=2 * w) < d <= day - timedelta(days=w)]
    out: GoalTrend = {"window_days": w, "previous_mean_per_day": None,
                      "change_percent": None, "slope_per_day_per_30_days": None}
    if prev:
        pm = sum(prev) / len(prev)
        out["previous_mean_per_day"] = pm
        change = 100 * (sum(cur) / len(cur) - pm) / pm if pm else None
        out["change_percent"] = change
    cur_dates = [d for d in dates if d > day - timedelta(days=w)]
    if len(cur) >= 14:  # every weekday at least twice
        slope = weekday_adjusted_slope(cur_dates, cur)
        out["slope_per_day_per_30_days"] = 30 * slope
    return out


def _office_ref(con: duckdb.DuckDBPyConnection) -> None:
    import pyarrow as pa

    ref = pa.table({"aor": [o.code for o in reference.offices()] + [reference.UNKNOWN],
                    "name": [o.name for o in reference.offices()] + ["Unknown or blank"]})
    con.register("office_ref", ref)


def offices(con: duckdb.DuckDBPyConnection, w: Window) -> OfficesAnswer:
    """Field offices ranked by arrests per day in the window, with the window before it
    and the share of the national total; HQ and unknown last, unranked."""
    cov, day, window = w.coverage, w.last, w.slice.window or w.days
    count, scope = w.slice.count, w.slice.scope
    assert cov is not None and day is not None
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
             t AS (SELECT r.aor, r.name, NOT list_contains($uncovered, r.aor) AS covered,
                          coalesce(c.cur, 0) AS arrests,
                          coalesce(c.cur, 0) / days.cur_days AS per_day,
                          CASE WHEN days.prev_days > 0
                               THEN coalesce(c.prev, 0) / days.prev_days END AS prev_per_day,
                          r.aor NOT IN ('{reference.HQ}', '{reference.UNKNOWN}')
                              AND NOT list_contains($uncovered, r.aor) AS ranked
                   FROM office_ref r LEFT JOIN c USING (aor), days)
        SELECT CASE WHEN ranked THEN CAST(row_number() OVER (
                   PARTITION BY ranked ORDER BY per_day DESC, aor) AS INTEGER) END AS rank,
               aor, name, covered, arrests, per_day, prev_per_day,
               100 * (per_day - prev_per_day) / nullif(prev_per_day, 0) AS change_percent,
               100 * arrests / nullif(sum(arrests) OVER (), 0) AS share_percent
        FROM t ORDER BY NOT ranked, rank, aor
    """
    uncovered = list(w.not_covered)
    table = arrow(con, sql, {"day": day, "w": window, "uncovered": uncovered})
    con.unregister("office_ref")
    return OfficesAnswer(table, window, w.days_with_data, day, cov, uncovered,
                         count=count, scope=scope, window=w, source=w.source,
                         method=say("arrests in the window / covered days in the window; "
                                    "change against the window before; share of the national "
                                    "total", w.slice.kind))


def fiscal_years(con: duckdb.DuckDBPyConnection, w: Window) -> FiscalYearsAnswer:
    """Arrests counted per federal fiscal year beside ICE's published totals (where ICE
    published one and the data cover the whole year)."""
    count, scope = w.slice.count, w.slice.scope
    rows = con.execute(f"""
        SELECT {period_start_sql("fy", "n.date")} AS fy, count(*) AS days,
               sum(n.arrests) AS arrests
        FROM ({national_sql("true", count, scope)}) n GROUP BY 1 ORDER BY 1""",
        {"start": w.first, "end": w.last}).fetchall()
    published = reference.published_arrests()
    years: list[FiscalYear] = []
    for start, days, arrests in rows:
        year, full = start.year + 1, period_days("fy", start)
        pub = published.get(year) if days == full else None
        years.append({"fiscal_year": year, "first": start, "days": days, "period_days": full,
                      "arrests": int(arrests), "per_day": arrests / days,
                      "published": pub[0] if pub else None,
                      "difference": int(arrests) - pub[0] if pub else None,
                      "published_source": pub[1] if pub else None})
    return FiscalYearsAnswer(years, count=count, scope=scope, window=w, source=w.source,
                             method="arrests counted per federal fiscal year (October to "
                                    "September); ICE's published total beside whole years")


def arrests_per_month(con: duckdb.DuckDBPyConnection, count: str = "arrests",
                      scope: str = "all") -> dict[date, float]:
    """Arrests per day by calendar month from the arrest releases, complete months only."""
    rows = con.execute(f"""
        SELECT CAST(date_trunc('month', n.date) AS DATE) AS month, count(*) AS days,
               sum(n.arrests) AS arrests
        FROM ({national_sql("true", count, scope)}) n JOIN day_owner o USING (date)
        WHERE NOT o.incomplete GROUP BY 1 ORDER BY 1
    """, {"start": date.min, "end": date.max}).fetchall()
    return {month: arrests / days for month, days, arrests in rows
            if days == calendar.monthrange(month.year, month.month)[1]}


def release_status(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """What is loaded: releases, coverage, rows loaded / rejected / merged, unmatched offices."""
    releases = arrow(con,
        """SELECT *, rows_loaded - episodes AS merged,
                  (SELECT count(DISTINCT date) FROM (  -- (every kind's days)
                       SELECT date FROM day_owner d WHERE d.release_id = r.release_id
                       UNION ALL SELECT date FROM kind_day_owner k
                       WHERE k.release_id = r.release_id)) AS days_counted
           FROM releases r ORDER BY release_id""")
    rejects = con.execute("SELECT reason, count(*) AS n FROM rejects GROUP BY 1 ORDER BY 2 DESC"
                          ).fetchall()
    aor_issues = con.execute(
        "SELECT aor_status, count(*) FROM arrests WHERE aor_status <> 'ok' GROUP BY 1 ORDER BY 1"
    ).fetchall()
    unrecognized = con.execute(
        "SELECT aor_raw, count(*) FROM arrests WHERE aor_status = 'unrecognized' "
        "GROUP BY 1 ORDER BY 2 DESC, 1").fetchall()
    listed = releases.to_pylist()
    kinds = arrow(con, """
        SELECT k.release_id, r.file_name, k.kind, k.layout, k.office_from, k.office_rule,
               k.coverage_start, k.coverage_end, k.rows_read, k.rows_loaded, k.rows_rejected,
               k.episodes AS counted, r.synthetic
        FROM release_kinds k JOIN releases r USING (release_id)
        ORDER BY k.release_id, list_position(['encounters', 'detainers', 'arrests',
                                              'book_ins', 'removals'], k.kind)""")
    return {
        "releases": releases, "coverage": coverage(con), "kinds": kinds,
        "rows_loaded": sum(r["rows_loaded"] for r in listed),
        "rows_rejected": sum(r["rows_rejected"] for r in listed),
        "records_merged": sum(r["merged"] for r in listed),
        "rejects_by_reason": dict(rejects), "aor_not_matched": dict(aor_issues),
        "unrecognized_aor_values": privacy.unrecognized_summary(unrecognized),
    }
