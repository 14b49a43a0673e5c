"""Daily state series from count tables: each state with the field office it lies in (or
the offices it spans: Texas stays a state series), 7-day means, the surges found on the
real series, the change after known events; and a dimension's split over named periods
(Minnesota's targeted against collateral arrests before and during Metro Surge)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import duckdb

from icestats import count_metrics, reference
from icestats.answers.base import Source
from icestats.answers.published import SplitAnswer, StateSeriesAnswer
from icestats.count_answers import CannotAnswer, check_can, days_between, ratio_interval
from icestats.numbers import round_half_up
from icestats.store import arrow

# Public dates of the 2025-26 operations in the daily state series (first day)
EVENTS = (("IL", date(2025, 9, 8), "Operation Midway Blitz, Chicago"),
          ("MN", date(2025, 12, 1), "Operation Metro Surge, Minneapolis"),
          ("MN", date(2026, 1, 6), "Metro Surge, second step"))
EVENT_DAYS = 28  # days compared before and after an event
MEAN_DAYS, MEAN_MIN = 7, 4  # a 7-day mean needs 4 reported days


def _daily(con: duckdb.DuckDBPyConnection, states: list[str] | None
           ) -> tuple[dict[str, dict[date, float]], Source]:
    """Each state's daily arrests, each day from the table that answers it (the newest:
    ``count_metrics.NEWEST``), and those tables' files as the source."""
    rows = arrow(con, f"""SELECT geo, period_start, value, file_name FROM
        ({count_metrics.NEWEST}) WHERE kind = 'arrests' AND grain = 'day'
        AND geo_level = 'state'""").to_pylist()
    out: dict[str, dict[date, float]] = {}
    used: set[str] = set()
    for r in rows:
        if states is None or r["geo"] in states:
            out.setdefault(r["geo"], {})[r["period_start"]] = r["value"]
            used.add(r["file_name"])
    return out, _files(con, used)


def _files(con: duckdb.DuckDBPyConnection, names: set[str]) -> Source:
    """The count tables of these files as a source (only the files numbers come from)."""
    return Source((), (), tuple(c for c in count_metrics.sources(con) if c[0] in names))


def files(con: duckdb.DuckDBPyConnection, states: list[str] | None = None) -> Source:
    """The files the daily series of ``states`` (None: every state) are read from."""
    return _daily(con, states)[1]


def lies_in(state: str) -> dict[str, Any]:
    """The offices a state's area belongs to (2025 map); one office, or several."""
    offices = reference.state_offices().get(state, [])
    names = {o.code: o.name for o in reference.offices()}
    one = offices[0] if len(offices) == 1 else None
    text = (f"part of the {names[one]} office's area" if one else
            f"spans {len(offices)} offices ({', '.join(offices)}): kept as a state series")
    return {"offices": offices, "lies_in": one, "office_text": text}


def states(con: duckdb.DuckDBPyConnection, wanted: list[str] | None = None,
           start: date | None = None, end: date | None = None) -> StateSeriesAnswer:
    check_can(con, "arrests", "day", "state")
    data, source = _daily(con, wanted)
    if not data:
        raise CannotAnswer(f"no daily arrests loaded for {', '.join(wanted or [])}")
    first = start or min(min(v) for v in data.values())
    last = end or max(max(v) for v in data.values())
    days = days_between(first, last)
    series, summary = [], []
    for st in sorted(data):
        vals = [data[st].get(d) for d in days]
        for i, d in enumerate(days):
            window = [v for v in vals[max(0, i - MEAN_DAYS + 1):i + 1] if v is not None]
            series.append({"date": d, "state": st, "arrests": vals[i],
                           "mean_7": round_half_up(sum(window) / len(window), 1)
                           if i >= MEAN_DAYS - 1 and len(window) >= MEAN_MIN else None})
        summary.append({"state": st, "name": reference.states()[st], **lies_in(st),
                        "arrests": int(sum(v for v in vals if v is not None)),
                        "days": len(days), "not_reported": sum(v is None for v in vals)})
    import pyarrow as pa

    return StateSeriesAnswer(
        "day", first, last, summary, pa.Table.from_pylist(series),
        _events(data, first, last), _surges(data, days),
        ["a day the table gives as NA is not reported: left out of the 7-day means (which "
         "need 4 of 7 days) and of the event changes, read as 0 only by the surge scan",
         "event changes: mean arrests a day over the reported days of the 28 after the "
         "event against the 28 before (days_before/after: how many were reported), 95% "
         "interval from the days' own variance; weekdays not adjusted"],
        source=source, count="published counts",
        method="daily counts per state, newest table for each day")


def _events(data: dict[str, dict[date, float]], first: date, last: date
            ) -> list[dict[str, Any]]:
    out = []
    for st, when, label in EVENTS:
        if st not in data or not first + timedelta(days=7) <= when <= last:
            continue
        # (a day the table gives as NA is not reported: left out, never read as 0)
        before = [v for k in range(1, EVENT_DAYS + 1)
                  if (d := when - timedelta(days=k)) >= first
                  and (v := data[st].get(d)) is not None]
        after = [v for k in range(EVENT_DAYS)
                 if (d := when + timedelta(days=k)) <= last
                 and (v := data[st].get(d)) is not None]
        if not before or not after:
            continue
        out.append({"state": st, "date": when, "label": label, "days_before": len(before),
                    "days_after": len(after), **ratio_interval(before, after)})
    return out


def _surges(data: dict[str, dict[date, float]], days: list[date]) -> list[dict[str, Any]]:
    import numpy as np

    from icestats.stats import surges

    codes = sorted(data)
    counts = np.array([[data[c].get(d) or 0.0 for c in codes] for d in days])
    rows = surges.with_before(surges.scan(days, counts, codes), days, counts, codes)
    return [{"state": r["office"], **{k: v for k, v in r.items() if k != "office"}}
            for r in rows]


def split(con: duckdb.DuckDBPyConnection, geo: str = "MN",
          cut: date = date(2025, 12, 2), label: str = "Metro Surge") -> SplitAnswer:
    """The table's dimension (Minnesota's apprehension type) before ``cut`` and from it."""
    rows = con.execute("""SELECT v.period_start, v.dims[1], v.value, t.file_name, t.dims
        FROM count_values v JOIN count_tables t USING (table_id)
        WHERE v.geo_level = 'state' AND v.geo = ? AND v.grain = 'day' AND len(v.dims) = 1
          AND v.value IS NOT NULL ORDER BY 1""", [geo]).fetchall()
    if not rows:
        raise CannotAnswer(f"no daily table of {geo} arrests by a dimension is loaded "
                           "(mn_collateral.csv gives Minnesota's by apprehension type)")
    first, last = rows[0][0], rows[-1][0]
    values = sorted({r[1] for r in rows})
    periods = [(f"before {label}", first, cut - timedelta(days=1)), (label, cut, last)]
    out = []
    for name, a, b in periods:
        sums = {v: int(sum(r[2] for r in rows if r[1] == v and a <= r[0] <= b)) for v in values}
        # per day over the days the table reports (a day missing or NA is not reported)
        days = len({r[0] for r in rows if a <= r[0] <= b})
        total = sum(sums.values())
        out.append({"period": name, "from": a, "to": b, "days": days,
                    "calendar_days": (b - a).days + 1, **sums, "total": total,
                    "per_day": round_half_up(total / days, 1) if days else None,
                    **{f"{v.lower()}_share_percent": round_half_up(100 * sums[v] / total, 2)
                       if total else None for v in values}})
    months = _months(rows, values, first, last)
    import json

    return SplitAnswer("day", json.loads(rows[0][4])[0], geo, out, months,
                       [f"{label} from {cut} (the first day after its start on "
                        f"{cut - timedelta(days=1)}, as the newsroom's analysis splits it) to "
                        f"the table's last day, {last}",
                        "by month: a month the series covers only in part (it runs "
                        f"{first} to {last}) is marked partial, with the days it covers"],
                       source=_files(con, {r[3] for r in rows}), count="published counts")


def _months(rows: list[tuple[Any, ...]], values: list[str], first: date, last: date) -> Any:
    """Each month's sum of each value; ``days``: the month's days inside the series'
    span (``first`` to ``last``), ``partial``: fewer than the month has."""
    import calendar

    import pyarrow as pa

    by: dict[date, dict[str, int]] = {}
    for d, v, n, *_ in rows:
        m = d.replace(day=1)
        by.setdefault(m, dict.fromkeys(values, 0))[v] += int(n)
    out = []
    for m, c in sorted(by.items()):
        end = m.replace(day=calendar.monthrange(m.year, m.month)[1])
        days = (min(end, last) - max(m, first)).days + 1
        out.append({"month": m, **c, "total": sum(c.values()), "days": days,
                    "partial": days < end.day})
    return pa.Table.from_pylist(out)


def matrix(con: duckdb.DuckDBPyConnection) -> tuple[list[date], list[str], Any,
                                                    dict[str, str | None], int]:
    """The daily state series as a days x states matrix (consecutive days from the first
    reported to the last), each state's office where it lies in one (None: it spans
    several, as Texas), and how many not-reported days were read as 0 (as the surge scan
    reads them: a day with no arrest reported)."""
    import numpy as np

    check_can(con, "arrests", "day", "state")
    data, _ = _daily(con, None)
    days = days_between(min(min(v) for v in data.values()), max(max(v) for v in data.values()))
    names = sorted(data)
    values = [[data[n].get(d) for n in names] for d in days]
    missing = sum(v is None for row in values for v in row)
    counts = np.array([[v or 0.0 for v in row] for row in values], dtype=float)
    return days, names, counts, {n: lies_in(n)["lies_in"] for n in names}, missing
