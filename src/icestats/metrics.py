"""Counts over the store, as SQL pushed down to DuckDB: every output calls these.

Counting rules (see docs/architecture.md):
- ``count="arrests"`` counts arrest episodes (24-hour rule); ``"records"`` counts raw rows.
- For each date, only the release that owns it (coverage ending latest) is counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

import duckdb

from icestats import privacy, reference
from icestats.errors import UsageError
from icestats.store import arrow, fetch_one

if TYPE_CHECKING:
    import pyarrow as pa

COUNTS = ("arrests", "records")
PERIODS = ("day", "week", "month", "quarter", "year")
CUSTODIAL_METHODS = ("CAP Local Incarceration", "CAP State Incarceration",
                     "CAP Federal Incarceration", "287(g) Program",
                     "Law Enforcement Agency Response Unit")
_CUSTODIAL = ", ".join(f"'{m}'" for m in CUSTODIAL_METHODS)
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


def round_half_up(x: float, digits: int = 1) -> float:
    """Round half away from zero, as DuckDB's round() does, so every output agrees."""
    from decimal import ROUND_HALF_UP, Decimal

    return float(Decimal(repr(x)).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP))


def _check(value: str, allowed: tuple[str, ...] | dict[str, str], what: str) -> None:
    if value not in allowed:
        raise UsageError(f"unknown {what} '{value}' (expected one of {', '.join(allowed)})")


def counted_sql(count: str = "arrests") -> str:
    """The arrests that count: owned by their date's release, one per episode."""
    _check(count, COUNTS, "count")
    episode = "AND episode_start" if count == "arrests" else ""
    return f"(SELECT * FROM arrests WHERE owned {episode})"


def by_day_sql(by: str, where: str, count: str) -> str:
    """(apprehension_date, <by>, n): counts by day and dimension value, in two steps."""
    _check(by, DIMENSIONS, "dimension")
    cols = ", ".join(DIMENSION_COLUMNS[by])
    return f"""
        SELECT apprehension_date, {DIMENSIONS[by]} AS {by}, CAST(sum(n) AS BIGINT) AS n
        FROM (SELECT apprehension_date, {cols}, count(*) AS n FROM {counted_sql(count)}
              WHERE {where} GROUP BY ALL)
        GROUP BY ALL"""


@dataclass(frozen=True)
class Coverage:
    start: date | None
    end: date | None
    complete_through: date | None  # last day before the incomplete tail

    @property
    def empty(self) -> bool:
        return self.start is None


def coverage(con: duckdb.DuckDBPyConnection) -> Coverage:
    row = fetch_one(con, "SELECT min(date), max(date), max(date) FILTER (WHERE NOT incomplete)"
                         " FROM day_owner")
    return Coverage(*row) if row else Coverage(None, None, None)


def _require_data(con: duckdb.DuckDBPyConnection) -> Coverage:
    cov = coverage(con)
    if cov.empty:
        raise UsageError("the database holds no releases yet; load one with `icestats ingest`")
    return cov


def check_office(code: str) -> str:
    code = code.strip().upper()
    known = [o.code for o in reference.offices()] + [reference.UNKNOWN]
    if code not in known:
        raise UsageError(f"unknown office '{code}' (expected a code such as CHI; see aor.csv)")
    return code


def daily(con: duckdb.DuckDBPyConnection, by: str | None = None, *, start: date | None = None,
          end: date | None = None, aor: str | None = None, count: str = "arrests") -> pa.Table:
    """Daily counts: ``date, arrests`` (every covered day, zeros included) or, with ``by``,
    ``date, <by>, arrests`` (one row per date and value with arrests)."""
    cov = _require_data(con)
    start, end = start or cov.start, end or cov.end
    where, params = "apprehension_date BETWEEN $start AND $end", {"start": start, "end": end}
    if aor:
        where += " AND aor = $aor"
        params["aor"] = check_office(aor)
    if by is None:
        return arrow(con, national_sql(where, count), params)
    sql = f"""SELECT apprehension_date AS date, {by}, n AS arrests
              FROM ({by_day_sql(by, where, count)}) ORDER BY 1, 2"""
    wide = dict(zip(("start", "end"), privacy.widen([by], start, end), strict=True))
    return privacy.suppress(arrow(con, sql, {**params, **wide}), [by], 1, period="day",
                            period_column="date", keep=(start, end))


def national_sql(where: str, count: str) -> str:
    """(date, arrests) for every covered day in [$start, $end], zeros included."""
    return f"""SELECT o.date, CAST(coalesce(c.n, 0) AS BIGINT) AS arrests FROM day_owner o
               LEFT JOIN (SELECT apprehension_date AS d, count(*) AS n
                          FROM {counted_sql(count)} WHERE {where} GROUP BY 1) c ON c.d = o.date
               WHERE o.date BETWEEN $start AND $end ORDER BY o.date"""


def _national(con: duckdb.DuckDBPyConnection, start: date, end: date, count: str
              ) -> tuple[list[date], list[int]]:
    """Every covered day's national count, zeros included (plain tuples: no Arrow needed)."""
    rows = con.execute(national_sql("apprehension_date BETWEEN $start AND $end", count),
                       {"start": start, "end": end}).fetchall()
    return [r[0] for r in rows], [int(r[1]) for r in rows]


@dataclass
class GoalReport:
    goal: float
    as_of: date
    coverage: Coverage
    latest_day: int
    windows: list[dict[str, object]] = field(default_factory=list)
    trend: dict[str, object] = field(default_factory=dict)
    count: str = "arrests"
    include_incomplete: bool = False
    book_ins: dict[str, object] | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "goal_per_day": self.goal, "as_of": self.as_of.isoformat(), "count": self.count,
            "latest_day_arrests": self.latest_day, "windows": self.windows, "trend": self.trend,
            "coverage": {"start": str(self.coverage.start), "end": str(self.coverage.end),
                         "complete_through": str(self.coverage.complete_through)},
            "incomplete_tail_included": self.include_incomplete,
            "book_ins": self.book_ins,
            "method": "mean daily count over trailing windows ending at as_of; trend is the "
                      "least-squares slope of daily counts over the trend window",
        }


def _as_of(cov: Coverage, as_of: date | None, include_incomplete: bool) -> date:
    if as_of is not None:
        if cov.start and not cov.start <= as_of <= cov.end:  # type: ignore[operator]
            raise UsageError(f"--as-of {as_of} is outside the data ({cov.start} to {cov.end})")
        return as_of
    if include_incomplete or cov.complete_through is None:
        return cov.end  # type: ignore[return-value]
    return cov.complete_through


def goal(con: duckdb.DuckDBPyConnection, goal_per_day: float = 3000.0, *,
         windows: tuple[int, ...] = (7, 28, 90), trend_window: int = 28,
         as_of: date | None = None, include_incomplete: bool = False,
         count: str = "arrests") -> GoalReport:
    """National arrests per day against the goal, at ``as_of`` (default: last complete day)."""
    cov = _require_data(con)
    day = _as_of(cov, as_of, include_incomplete)
    dates, values = _national(con, cov.start, day, count)  # type: ignore[arg-type]
    report = GoalReport(goal_per_day, day, cov, int(values[-1]) if values else 0, count=count,
                        include_incomplete=include_incomplete)
    for w in sorted(set(windows) | {trend_window}):
        recent = [v for d, v in zip(dates, values, strict=True) if d > day - timedelta(days=w)]
        mean = sum(recent) / len(recent)
        report.windows.append({
            "days": w, "days_with_data": len(recent), "mean_per_day": round_half_up(mean, 1),
            "percent_of_goal": round_half_up(100 * mean / goal_per_day) if goal_per_day else None,
            "shortfall_per_day": round_half_up(goal_per_day - mean, 1),
        })
    report.trend = _trend(dates, values, day, trend_window)
    report.book_ins = _book_ins_near(con, day)
    return report


def _book_ins_near(con: duckdb.DuckDBPyConnection, day: date) -> dict[str, object] | None:
    """ICE's own count of initial book-ins per day (real data, beside the arrest counts):
    the last complete month ending by ``day``, else the newest complete month."""
    from icestats import detention

    if not detention.has_workbooks(con):
        return None
    months = [m for m in detention.book_ins(con).to_pylist() if not m["partial"]]
    if not months:
        return None
    before = [m for m in months if m["month"] + timedelta(days=m["days"] - 1) <= day]
    m = (before or months)[-1]
    return {"month": m["month"].isoformat(), "book_ins_per_day": m["per_day"],
            "cbp_share_percent": m["cbp_share_percent"], "workbook": m["workbook"],
            "source": "ICE detention statistics workbook (real data)"}


def _trend(dates: list[date], values: list[int], day: date, w: int) -> dict[str, object]:
    """Change of the window mean against the previous window, and the daily slope."""
    cur = [v for d, v in zip(dates, values, strict=True) if d > day - timedelta(days=w)]
    prev = [v for d, v in zip(dates, values, strict=True)
            if day - timedelta(days=2 * w) < d <= day - timedelta(days=w)]
    out: dict[str, object] = {"window_days": w, "previous_mean_per_day": None,
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


def offices(con: duckdb.DuckDBPyConnection, *, window: int = 28, as_of: date | None = None,
            include_incomplete: bool = False, count: str = "arrests") -> pa.Table:
    """Field offices ranked by arrests per day in the window ending at ``as_of``, with the
    previous window and the share of the national total; HQ and unknown last, unranked."""
    cov = _require_data(con)
    day = _as_of(cov, as_of, include_incomplete)
    if window < 1:
        raise UsageError("--window must be at least 1 day")
    import pyarrow as pa

    ref = pa.table({"aor": [o.code for o in reference.offices()] + [reference.UNKNOWN],
                    "name": [o.name for o in reference.offices()] + ["Unknown or blank"]})
    con.register("office_ref", ref)
    sql = f"""
        WITH c AS (SELECT aor,
                     count(*) FILTER (WHERE apprehension_date > $day - $w) AS cur,
                     count(*) FILTER (WHERE apprehension_date <= $day - $w) AS prev
                   FROM {counted_sql(count)}
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
    return table


def breakdown(con: duckdb.DuckDBPyConnection, by: str, *, period: str = "month",
              start: date | None = None, end: date | None = None, aor: str | None = None,
              count: str = "arrests") -> pa.Table:
    """Counts and shares of each value of ``by`` in each period."""
    _check(by, BREAKDOWNS, "breakdown")
    _check(period, PERIODS, "period")
    cov = _require_data(con)
    params: dict[str, object] = {"start": start or cov.start, "end": end or cov.end}
    where = "apprehension_date BETWEEN $start AND $end"
    if aor:
        where += " AND aor = $aor"
        params["aor"] = check_office(aor)
    # Count by day first (a few thousand groups), then roll days up into periods:
    # date_trunc on every one of millions of rows costs more than the whole count.
    # (_days: days of data each period covers; _shown: those inside the requested range;
    # counts come from privacy.widen's range, so a personal attribute's cells are decided
    # on whole years and a period the range cuts is suppressed, never counted in part.)
    sql = f"""
        WITH spans AS (SELECT CAST(date_trunc('{period}', date) AS DATE) AS period,
                              count(*) AS _days,
                              count(*) FILTER (WHERE date BETWEEN $start AND $end) AS _shown
                       FROM day_owner GROUP BY 1)
        SELECT period, {by}, arrests,
               round(100 * arrests / sum(arrests) OVER (PARTITION BY period), 2) AS share,
               _days, _shown
        FROM (SELECT CAST(date_trunc('{period}', apprehension_date) AS DATE) AS period,
                     {by}, CAST(sum(n) AS BIGINT) AS arrests
              FROM ({by_day_sql(by, where.replace("$start", "$lo").replace("$end", "$hi"),
                                count)}) GROUP BY ALL) JOIN spans USING (period)
        WHERE _shown > 0
        ORDER BY 1, 3 DESC, 2
    """
    lo, hi = privacy.widen([by], start or cov.start, end or cov.end)
    table = arrow(con, sql, {**params, "lo": lo, "hi": hi})
    return privacy.suppress(table, [by], "_days", days_shown="_shown", period=period,
                            period_column="period")


def status(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """What is loaded: releases, coverage, rows loaded / rejected / merged, incomplete tail."""
    releases = arrow(con,
        """SELECT release_id, file_name, file_format, layout, sheets, loaded_at,
                  coverage_start, coverage_end, rows_read, rows_loaded, rows_rejected,
                  episodes, rows_loaded - episodes AS merged,
                  (SELECT count(*) FROM day_owner d WHERE d.release_id = r.release_id)
                      AS days_counted
           FROM releases r ORDER BY release_id""")
    cov = coverage(con)
    rejects = con.execute("SELECT reason, count(*) AS n FROM rejects GROUP BY 1 ORDER BY 2 DESC"
                          ).fetchall()
    aor_issues = con.execute(
        "SELECT aor_status, count(*) FROM arrests WHERE aor_status <> 'ok' GROUP BY 1 ORDER BY 1"
    ).fetchall()
    unrecognized = con.execute(
        "SELECT aor_raw, count(*) FROM arrests WHERE aor_status = 'unrecognized' "
        "GROUP BY 1 ORDER BY 2 DESC LIMIT 10").fetchall()
    return {
        "releases": releases.to_pylist(),
        "coverage": {"start": cov.start, "end": cov.end, "complete_through": cov.complete_through,
                     "incomplete_from": (cov.complete_through + timedelta(days=1))
                     if cov.complete_through and cov.complete_through < cov.end else None},
        "rows_loaded": sum(r["rows_loaded"] for r in releases.to_pylist()),
        "rows_rejected": sum(r["rows_rejected"] for r in releases.to_pylist()),
        "records_merged": sum(r["merged"] for r in releases.to_pylist()),
        "rejects_by_reason": dict(rejects),
        "aor_not_matched": dict(aor_issues),
        "unrecognized_aor_values": dict(unrecognized),
    }
