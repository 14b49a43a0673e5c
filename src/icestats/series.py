"""The daily answer: counts by day (the export form), the series a chart draws with its
7- and 28-day means, weekly means, and the totals a table shows (by month or category).

Every derived number is computed here, once; the dashboard and the report only draw it.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import TYPE_CHECKING, Any

import duckdb

from icestats import privacy
from icestats.answers import Coverage, DailyAnswer
from icestats.answers.rows import DailyTotal
from icestats.counting import TOP, by_day_sql
from icestats.metrics import daily_table, not_in_release
from icestats.slices import Window, counted_kind
from icestats.store import arrow

if TYPE_CHECKING:
    import pyarrow as pa

def _days_in_month(d: date) -> int:
    return calendar.monthrange(d.year, d.month)[1]


def daily(con: duckdb.DuckDBPyConnection, w: Window, by: str | None = None, *,
          top: int = TOP) -> DailyAnswer:
    """Daily counts over the window (the export form), the series a chart draws (with 7-day
    means) and the totals a table shows (by month, or by category). A personal attribute is
    answered by whole calendar months from the protected grid (``_personal``)."""
    if by is not None and privacy.is_personal([by]):
        return _personal(con, w, by, top)
    cov, first, last, aor = w.coverage, w.first, w.last, w.slice.office
    count, scope = w.slice.count, w.slice.scope
    assert cov is not None and first is not None and last is not None
    binds: dict[str, Any] = {"start": first, "end": last, **({"aor": aor} if aor else {})}
    rows = daily_table(con, by, start=first, end=last, aor=aor, count=count, scope=scope)
    everything = rows if by is None else daily_table(con, start=first, end=last, aor=aor,
                                                      count=count, scope=scope)
    days = everything["date"].to_pylist()
    n = sum(everything["arrests"].to_pylist())
    total: DailyTotal = {"arrests": n, "days": len(days),
                         "per_day": n / len(days) if days else None}
    if by is None:
        dense: dict[str, list[int | None]] = {"total": rows["arrests"].to_pylist()}
        totals = _month_totals(days, rows["arrests"].to_pylist(), cov)
    else:
        dense, totals = _by_series(con, rows, by, days, binds, count, scope, top, n)
    return DailyAnswer(rows, by, aor, first, last, cov, _series(days, dense, cov),
                       totals, _weekly(days, dense), total,
                       missing=not_in_release(con, by, first, last),
                       count=count, scope=scope, window=w, source=w.source,
                       method="daily counts; mean_7: mean of the day and the 6 before it "
                              "(none until 7 days are in range)")


def _personal(con: duckdb.DuckDBPyConnection, w: Window, by: str, top: int) -> DailyAnswer:
    """A personal attribute: the grid's month cells over the whole months holding the
    window (``rows``: month, value, arrests); the series gives each covered day its month's
    mean a day (``mean_7`` holds it; days themselves are not published), the totals sum
    the months. The range's total and its days are exact (counts by day are public)."""
    import pyarrow as pa

    from icestats.slices import narrow, source

    cov, aor, count, scope = w.coverage, w.slice.office, w.slice.count, w.slice.scope
    assert cov is not None
    lo, hi = privacy.months_covering(w.first, w.last)
    cells = privacy.cells(con, by, lo, hi, count=count, scope=scope, aor=aor,
                          kind=counted_kind(con))
    everything = daily_table(con, start=max(lo, cov.start or lo), end=min(hi, cov.end or hi),
                             aor=aor, count=count, scope=scope)
    days = everything["date"].to_pylist()
    n = sum(everything["arrests"].to_pylist())
    in_month: dict[date, int] = {}
    for d in days:
        in_month[d.replace(day=1)] = in_month.get(d.replace(day=1), 0) + 1
    per_value: dict[str, dict[date, int]] = {}
    for m, v, k in zip(*(cells[c].to_pylist() for c in ("period", "value", "arrests")),
                       strict=True):
        per_value.setdefault(v, {})[m] = k
    sums = {v: sum(ms.values()) for v, ms in per_value.items()}
    order = sorted(sums, key=lambda v: (-sums[v], v))
    grand = sum(sums.values())
    means = {v: [per_value[v].get(d.replace(day=1), 0) / in_month[d.replace(day=1)]
                 for d in days] for v in order[:top]}
    totals = _totals_table([{"key": v, "arrests": sums[v], "days": len(days),
                             "per_day": sums[v] / max(len(days), 1),
                             "share_percent": 100 * sums[v] / grand if grand else None,
                             "partial": False} for v in order])
    series = _series(days, {v: [None] * len(days) for v in means}, cov)
    series = series.set_column(series.column_names.index("mean_7"), "mean_7",
                               pa.array([x for v in means for x in means[v]], pa.float64()))
    rows = pa.table({"month": cells["period"], by: cells["value"], "arrests": cells["arrests"]})
    src = source(con, lo, hi)
    return DailyAnswer(
        rows, by, aor, lo, hi, cov, series, totals, _weekly([], {}),
        {"arrests": n, "days": len(days),
         "per_day": n / len(days) if days else None},
        count=count, scope=scope, source=src,
        window=narrow(con, w, max(lo, cov.start or lo), min(hi, cov.end or hi), src),
        protection=privacy.protection(by, (w.slice.start, w.slice.end), lo, hi, aor),
        method=f"{by} by calendar month (rows: month, value, count); mean_7: each day "
               f"carries its month's mean a day (days are not published); {privacy.RULE}")


def _rolling(values: list[int | None], n: int = 7) -> list[float | None]:
    out: list[float | None] = []
    for i in range(len(values)):
        part = [v for v in values[max(i - n + 1, 0):i + 1] if v is not None]
        out.append(sum(part) / n if i >= n - 1 and len(part) == n else None)
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
                                       sum(v or 0 for v in part) / 7)
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
             "per_day": sum(v) / len(v),
             "share_percent": 100 * sum(v) / total if total else None,
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
               binds: dict[str, Any], count: str, scope: str, top: int, grand: int
               ) -> tuple[dict[str, list[int | None]], pa.Table]:
    """The ``top`` categories as dense daily series, and every category's total with its
    share of ``grand``, the range's total."""
    where = "apprehension_date BETWEEN $start AND $end" + (" AND aor = $aor"
                                                           if "aor" in binds else "")
    sql = f"""SELECT {by} AS key, CAST(sum(n) AS BIGINT) AS arrests
              FROM ({by_day_sql(by, where, count, scope)}) GROUP BY 1 ORDER BY 2 DESC, 1"""
    totals = arrow(con, sql, binds)
    cats = [k for k, n in zip(totals["key"].to_pylist(), totals["arrests"].to_pylist(),
                              strict=True)][:top]
    index = {d: i for i, d in enumerate(days)}
    dense: dict[str, list[int | None]] = {c: [0 for _ in days] for c in cats}
    for d, c, n in zip(rows["date"].to_pylist(), rows[by].to_pylist(),
                       rows["arrests"].to_pylist(), strict=True):
        if c in dense and d in index:
            dense[c][index[d]] = n
    out = [{"key": k, "arrests": n, "days": len(days),
            "per_day": None if n is None else n / max(len(days), 1),
            "share_percent": None if n is None or not grand else 100 * n / grand,
            "partial": False}
           for k, n in zip(totals["key"].to_pylist(), totals["arrests"].to_pylist(),
                           strict=True)]
    return dense, _totals_table(out)
