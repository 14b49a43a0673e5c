"""The breakdown answer: counts and shares by one category in each period, long (one row
per period and value) and wide (the largest values as columns, the rest as "other"), each
period with its days of data and whether it is partial. Small cells of a personal
attribute are suppressed by ``privacy`` (decided on whole years, whole periods only).
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
    period_days,
    period_start_sql,
)
from icestats.metrics import not_in_release
from icestats.slices import Window
from icestats.store import arrow

if TYPE_CHECKING:
    import pyarrow as pa


def breakdown(con: duckdb.DuckDBPyConnection, w: Window, by: str, *, period: str = "month",
              top: int = TOP) -> BreakdownAnswer:
    """Counts and shares of each value of ``by`` in each period of the window, long and
    wide."""
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
    # Count by day first (a few thousand groups), then roll days up into periods:
    # date_trunc on every one of millions of rows costs more than the whole count.
    # (_days: days of data each period covers; _shown: those inside the requested range;
    # _tail: those of them in the incomplete tail. Counts come from privacy.widen's range,
    # so a personal attribute's cells are decided on whole years and a period the range
    # cuts is suppressed, never counted in part.)
    sql = f"""
        WITH spans AS (SELECT {period_start_sql(period, "date")} AS period,
                              count(*) AS _days,
                              count(*) FILTER (WHERE date BETWEEN $start AND $end) AS _shown,
                              count(*) FILTER (WHERE incomplete AND date BETWEEN $start AND $end)
                                  AS _tail
                       FROM day_owner GROUP BY 1)
        SELECT period, {by}, arrests,
               100 * arrests / sum(arrests) OVER (PARTITION BY period) AS share,
               CAST(sum(arrests) OVER (PARTITION BY period) AS BIGINT) AS period_total,
               _days, _shown, _tail
        FROM (SELECT {period_start_sql(period, "apprehension_date")} AS period,
                     {by}, CAST(sum(n) AS BIGINT) AS arrests
              FROM ({by_day_sql(by, where.replace("$start", "$lo").replace("$end", "$hi"),
                                count, scope)}) GROUP BY ALL) JOIN spans USING (period)
        WHERE _shown > 0
        ORDER BY 1, 3 DESC, 2
    """
    lo, hi = privacy.widen([by], binds["start"], binds["end"])
    raw = arrow(con, sql, {**binds, "lo": lo, "hi": hi})
    spans = {p: (shown, days, tail) for p, days, shown, tail in zip(
        *(raw[c].to_pylist() for c in ("period", "_days", "_shown", "_tail")), strict=True)}
    table = privacy.suppress(raw, [by], "_days", days_shown="_shown", period=period,
                             period_column="period")
    columns, wide = _wide(table, by, top)
    if privacy.is_personal([by]):  # a cut period is counted whole: its total is not shown
        for row in wide:
            shown, days, _ = spans[row["period"]]
            if shown < days:
                row["total"] = None
    _mark_partial(wide, period, spans)
    return BreakdownAnswer(
        by, period, table.drop_columns(["period_total"]), wide, columns,
        start=w.first, end=w.last, aor=aor, missing=missing, count=count, scope=scope,
        window=w, source=w.source,
        method=f"{count} per {period} by {by}; share of the {period}'s total; the {top} "
               f"largest values over the range as columns, the rest as 'other'")


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
    for r in rows:
        periods.setdefault(r["period"], {})[r[by]] = r
        period_total[r["period"]] = r["period_total"]
    wide: list[PeriodRow] = []
    for p, cells in periods.items():
        total = period_total[p]
        out: dict[str, Cell] = {}
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
                            else 100 * n / total, "suppressed": hidden}
        wide.append({"period": p, "cells": out, "total": total, "days": 0, "period_days": 0,
                     "incomplete_days": 0, "partial": False})  # (days: _mark_partial)
    return shown + (["other"] if rest else []), wide
