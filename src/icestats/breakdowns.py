"""The breakdown answer: counts and shares by one category in each period, long (one row
per period and value) and wide (the largest values as columns, the rest as "other"), each
period with its days of data and whether it is partial. Small cells of a personal
attribute come from the protected grid (``privacy``): whole calendar months, rounded.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import duckdb

from icestats import privacy, reference
from icestats.answers import BreakdownAnswer
from icestats.answers.rows import Cell, PeriodRow
from icestats.counting import (
    BREAKDOWNS,
    PERIODS,
    TOP,
    by_day_sql,
    check,
    counted_sql,
    period_days,
    period_start_sql,
)
from icestats.kinds import say
from icestats.metrics import not_in_release
from icestats.slices import Window, counted_kind, narrow, source
from icestats.store import arrow

if TYPE_CHECKING:
    import pyarrow as pa


def breakdown(con: duckdb.DuckDBPyConnection, w: Window, by: str, *, period: str = "month",
              top: int = TOP) -> BreakdownAnswer:
    """Counts and shares of each value of ``by`` in each period of the window, long and
    wide. A personal
    attribute is read from the protected grid (``privacy``): whole calendar months, so
    days and weeks are answered by month and a range is widened to whole periods."""
    check(by, BREAKDOWNS, "breakdown")
    check(period, PERIODS, "period")
    count, scope, aor = w.slice.count, w.slice.scope, w.slice.office
    binds: dict[str, Any] = {"start": w.first, "end": w.last}
    where = "apprehension_date BETWEEN $start AND $end"
    if aor:
        where += " AND aor = $aor"
        binds["aor"] = aor
    if by == "aor":  # every office is a column of its own
        top = max(top, len(reference.offices()) + 2)
    missing = not_in_release(con, by, w.first, w.last)
    if missing:
        where += " AND false"  # (nothing to count: the answer says why)
    protection, window = None, w
    if privacy.is_personal([by]):
        period = period if period not in ("day", "week") else privacy.GRAIN
        lo, hi = whole_periods(period, binds["start"], binds["end"])
        protection = privacy.protection(by, (w.slice.start, w.slice.end), lo, hi, aor)
        cov = w.coverage
        assert cov is not None and cov.start is not None and cov.end is not None
        window = narrow(con, w, max(lo, cov.start), min(hi, cov.end), source(con, lo, hi))
        binds.update(start=lo, end=hi, lo=lo, hi=hi)
        where = where.replace("$start", "$lo").replace("$end", "$hi")
        counts = privacy.cells_sql(by, period, count=count, scope=scope, aor="aor" in binds,
                                   kind=counted_kind(con))
        counts = f"SELECT * FROM ({counts}) WHERE {'false' if missing else 'true'}"
    else:
        counts = f"""SELECT {period_start_sql(period, "apprehension_date")} AS period,
                            {by} AS value, CAST(sum(n) AS BIGINT) AS arrests
                     FROM ({by_day_sql(by, where, count, scope)}) GROUP BY ALL"""
    raw = arrow(con, _sql(by, period, counts, where, count, scope), binds)
    spans = {p: (shown, days, tail) for p, days, shown, tail in zip(
        *(raw[c].to_pylist() for c in ("period", "_days", "_shown", "_tail")), strict=True)}
    table = raw.drop_columns(["_days", "_shown", "_tail"])
    columns, wide = _wide(table, by, top)
    _mark_partial(wide, period, spans)
    return BreakdownAnswer(
        by, period, table.drop_columns(["period_total"]), wide, columns,
        start=binds["start"], end=binds["end"], aor=aor, missing=missing, count=count,
        scope=scope, window=window, source=window.source, protection=protection,
        method=f"{say(count, w.slice.kind)} per {period} by {by}; share of the {period}'s "
               f"total; the {top} largest values over the range as columns, the rest as 'other'"
               + (f"; {privacy.RULE}" if protection else ""))


def _sql(by: str, period: str, counts: str, where: str, count: str, scope: str) -> str:
    """Each period's cells (``counts``: period, value, arrests), their share of the
    period's cells, the period's total (exact: counts by day are public; a personal
    attribute's rounded cells need not add up to it), its days of data (_days), those in
    the range (_shown) and in the incomplete tail (_tail). Counts by day first, then
    rolled into periods: date_trunc on millions of rows costs more than the count."""
    return f"""
        WITH spans AS (SELECT {period_start_sql(period, "date")} AS period,
                              count(*) AS _days,
                              count(*) FILTER (WHERE date BETWEEN $start AND $end) AS _shown,
                              count(*) FILTER (WHERE incomplete AND date BETWEEN $start AND $end)
                                  AS _tail
                       FROM day_owner GROUP BY 1),
             totals AS (SELECT {period_start_sql(period, "apprehension_date")} AS period,
                               CAST(sum(n) AS BIGINT) AS period_total
                        FROM (SELECT apprehension_date, count(*) AS n
                              FROM {counted_sql(count, scope)} WHERE {where} GROUP BY 1)
                        GROUP BY 1)
        SELECT period, value AS {by}, arrests,
               100 * arrests / nullif(sum(arrests) OVER (PARTITION BY period), 0) AS share,
               period_total, _days, _shown, _tail
        FROM ({counts}) JOIN totals USING (period) JOIN spans USING (period)
        WHERE _shown > 0
        QUALIFY arrests > 0 OR sum(arrests) OVER (PARTITION BY value) > 0
        ORDER BY 1, 3 DESC, 2
    """


def whole_periods(period: str, start: date, end: date) -> tuple[date, date]:
    """The whole periods (months, quarters, years or fiscal years) holding start and end."""
    from datetime import timedelta

    last = _period_start(period, end)
    return _period_start(period, start), last + timedelta(days=period_days(period, last) - 1)


def _period_start(period: str, d: date) -> date:
    if period == "quarter":
        return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)
    if period == "year":
        return date(d.year, 1, 1)
    if period == "fy":
        return date(d.year if d.month >= 10 else d.year - 1, 10, 1)
    return d.replace(day=1)


def _mark_partial(wide: list[PeriodRow], period: str,
                  spans: dict[date, tuple[int, int, int]]) -> None:
    """Each period's days with data in the range, and whether it is partial: fewer days
    than the whole period, or days inside the incomplete tail (``spans``: days shown, days
    of data, days in the tail, from the breakdown's own query)."""
    for w in wide:
        shown, _, tail = spans[w["period"]]
        whole = period_days(period, w["period"])
        w["days"], w["period_days"], w["incomplete_days"] = shown, whole, tail
        w["partial"] = shown < whole or tail > 0


def _wide(table: pa.Table, by: str, top: int) -> tuple[list[str], list[PeriodRow]]:
    """Periods as rows, the ``top`` largest categories (then "other") as cells."""
    rows = table.to_pylist()
    totals: dict[str, int] = {}
    for r in rows:
        totals[r[by]] = totals.get(r[by], 0) + (r["arrests"] or 0)
    cats = sorted(totals, key=lambda c: (-totals[c], c))
    shown, rest = sorted(cats[:top]), set(cats[top:])
    periods: dict[date, dict[str, dict[str, Any]]] = {}
    period_total: dict[date, int] = {}
    cell_sum: dict[date, int] = {}
    for r in rows:
        periods.setdefault(r["period"], {})[r[by]] = r
        period_total[r["period"]] = r["period_total"]
        cell_sum[r["period"]] = cell_sum.get(r["period"], 0) + (r["arrests"] or 0)
    wide: list[PeriodRow] = []
    for p, cells in periods.items():
        total, shown_sum = period_total[p], cell_sum[p]
        out: dict[str, Cell] = {}
        for c in shown:
            cell = cells.get(c)
            out[c] = {"arrests": cell["arrests"] if cell else 0,
                      "share": cell["share"] if cell else 0.0, "suppressed": False}
        if rest:
            parts = [cells[c] for c in rest if c in cells]
            n = sum(x["arrests"] or 0 for x in parts)
            out["other"] = {"arrests": n, "share": None if not shown_sum
                            else 100 * n / shown_sum, "suppressed": False}
        wide.append({"period": p, "cells": out, "total": total, "days": 0, "period_days": 0,
                     "incomplete_days": 0, "partial": False})  # (days: _mark_partial)
    return shown + (["other"] if rest else []), wide
