"""Which data answer a question: the record-level releases, or the published count tables
at the grain they allow. The rule, stated once:

- the records answer whenever they cover every day asked about (and the day grain, the
  offices and the breakdowns are theirs);
- otherwise, when count tables hold the kind, the count tables answer at their grain
  (weeks, months, one period; national, by state or by office), the records filling the
  whole units they cover (``--prefer counts`` turns that round); the answer names its grain
  in ``window.grain``;
- a question finer than every table (daily per office from weekly national counts, a
  breakdown by category) gets one line naming the table that would answer it.

Each function returns None when the records answer (the caller then asks them)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, TypeVar

import duckdb

from icestats import count_answers, count_metrics, slices
from icestats.answers.base import Answer
from icestats.answers.published import (
    CountSeriesAnswer,
    PeriodOfficesAnswer,
    WeeklyGoalAnswer,
)
from icestats.count_answers import CannotAnswer
from icestats.defaults import WINDOW_DAYS
from icestats.slices import Slice, Window

A = TypeVar("A", bound=Answer)
PLACE = {"national": "nation", "state": "state", "office": "office"}
SERIES_GRAINS = ("day", "week", "month")  # the grains a series of days can be given at


def records_cover(con: duckdb.DuckDBPyConnection, start: date | None, end: date | None
                  ) -> bool:
    """The records hold every day from ``start`` to ``end`` (None: their own first or
    last day)."""
    cov = slices.coverage(con)
    if cov.empty:
        return False
    assert cov.start is not None and cov.end is not None
    return (start or cov.start) >= cov.start and (end or cov.end) <= cov.end


def _counts(con: duckdb.DuckDBPyConnection, kind: str) -> bool:
    return count_metrics.has_counts(con) and bool(count_answers.grains(con, kind))


def _window(s: Slice, a: A, first: date, last: date, grain: str, place: str) -> A:
    """``a`` with its window: the slice at the grain that answered, over its days."""
    over = Slice(kind=s.kind, count=s.count, scope=s.scope, offices=s.offices, start=first,
                 end=last, include_incomplete=s.include_incomplete, time_grain=grain,
                 place_grain=PLACE[place])  # (from..to at the grain that answered: no window)
    a.window = Window(over, first, last, (last - first).days + 1, source=a.source)
    return a


def _span(con: duckdb.DuckDBPyConnection, kind: str, grain: str, geo_level: str
          ) -> tuple[date, date]:
    row = con.execute("""SELECT min(period_start), max(period_end) FROM count_values
                         WHERE kind = ? AND grain = ? AND geo_level = ? AND value IS NOT NULL""",
                      [kind, grain, geo_level]).fetchall()[0]
    return row[0], row[1]


def daily(con: duckdb.DuckDBPyConnection, s: Slice, own: dict[str, Any]
          ) -> CountSeriesAnswer | None:
    """``daily`` at a count table's grain, or None (the records answer)."""
    if not _counts(con, s.kind) or records_cover(con, s.start, s.end):
        return None
    if own.get("by"):
        raise CannotAnswer(f"daily --by {own['by']} needs record-level releases: the count "
                           f"tables loaded hold {_held(con, s.kind)}")
    geo_level, geo = ("office", s.offices[0]) if s.offices else ("national", "US")
    grain = count_answers.finest(con, s.kind, geo_level)
    if grain not in SERIES_GRAINS:  # (one total over a period is no series of days)
        count_answers.check_can(con, s.kind, "day", geo_level)
    assert grain is not None
    first, last = _span(con, s.kind, grain, geo_level)
    a = count_answers.series(con, s.kind, s.start or first, s.end or last, grain=grain,
                             geo_level=geo_level, geo=geo, prefer=own.get("prefer", "records"))
    return _window(s, a, a.start, a.end, grain, geo_level)


def _held(con: duckdb.DuckDBPyConnection, kind: str) -> str:
    return "; ".join(f"{kind} by {g}, {count_answers.GEO_WORDS[lvl]} ({f})"
                     for g, lvl, f in count_answers.grains(con, kind)) or f"no {kind}"


def offices(con: duckdb.DuckDBPyConnection, s: Slice) -> PeriodOfficesAnswer | None:
    """``offices`` over one period's totals, or None (the records answer)."""
    if not _counts(con, s.kind):
        return None
    if s.start is None and s.end is None and not slices.coverage(con).empty:
        return None  # a window: the records' own question
    if records_cover(con, s.start, s.end) and not slices.coverage(con).empty:
        return None
    held = {lvl for g, lvl, _ in count_answers.grains(con, s.kind) if g == "period"}
    if "office" not in held:
        count_answers.check_can(con, s.kind, "period", "office")
    a = count_answers.offices(con, s.start, s.end)
    return _window(s, a, a.start, a.end, "period", "office")


def goal(con: duckdb.DuckDBPyConnection, s: Slice, own: dict[str, Any]
         ) -> WeeklyGoalAnswer | None:
    """``goal`` over weekly national counts (each week's arrests a day against the goal),
    or None (the records answer): when no record covers the as-of day."""
    if not _counts(con, s.kind):
        return None
    cov = slices.coverage(con)
    if not cov.empty and (s.as_of is None or records_cover(con, s.as_of, s.as_of)):
        return None
    count_answers.check_can(con, s.kind, "week", "national")
    first, last = count_answers.weeks_span(con)
    end = s.as_of or last
    start = max(first, end - timedelta(days=(s.window or WINDOW_DAYS) - 1))
    from icestats import kind_goals

    goal = kind_goals.goal_for(s.kind, own["goal"]).per_day
    a = count_answers.weekly_goal(con, goal, start=start, end=end)
    return _window(s, a, a.span["from"], a.span["to"], "week", "national")


def weekly_note(con: duckdb.DuckDBPyConnection, kind: str) -> str | None:
    """For ``goal`` answered from the records: one line saying that weekly national counts
    of ``kind`` are loaded too, past the records, and the option that asks them (None:
    there are none, or the records cover their last day too)."""
    if not _counts(con, kind):
        return None
    files = [f for g, lvl, f in count_answers.grains(con, kind) if (g, lvl) == ("week",
                                                                               "national")]
    last = _span(con, kind, "week", "national")[1] if files else None
    if last is None or records_cover(con, last, last):
        return None
    return (f"Weekly national counts of {kind.replace('_', '-')} are loaded too "
            f"({', '.join(files)}, to {last}): --as-of {last} asks them, week by week.")


T = TypeVar("T", bound=Answer)


def need_records(answer: Answer, cls: type[T]) -> T:
    """An answer a caller needs at the records' grain (a day, a window of days): refused in
    one line when the count tables answered instead."""
    if not isinstance(answer, cls):
        raise CannotAnswer(f"this needs record-level releases (a {cls.question} answer by "
                           f"day); the data asked about are count tables by "
                           f"{answer.window.slice.time_grain if answer.window else 'period'}")
    return answer


def rows_of(answer: Answer) -> Any:
    """A daily answer's rows as a table: the days of the records, or the count table's
    units (weeks, months) with their grain."""
    from icestats.answers.counts import DailyAnswer

    if isinstance(answer, DailyAnswer):
        return answer.export_rows()
    assert isinstance(answer, CountSeriesAnswer)
    return answer.units
