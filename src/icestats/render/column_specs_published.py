"""The column specs of the answers at a count table's grain (``answers/published.py``) and
of the count tables in ``status``. An answer here is found by its ``columns_key`` (the
question it answers at another grain: ``offices@period`` is ``offices`` over one period's
totals), so its tables never take another answer's columns. See ``render/columns.py``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from icestats.render.columns import Col, Row, Spec, text

if TYPE_CHECKING:
    from icestats.answers import Answer
    from icestats.answers.published import (
        CountSeriesAnswer,
        PeriodOfficesAnswer,
        SplitAnswer,
        StateSeriesAnswer,
        WeeklyGoalAnswer,
    )


def _note(r: Row) -> str:
    return str(r.get("caveat") or "").split(":")[0]


def _series_columns(a: Answer) -> tuple[Col, ...]:
    s = cast("CountSeriesAnswer", a)
    return (text("period_start", s.grain), text("period_end", "to", priority=2),
            Col("value", s.kind), Col("per_day", "per day", f"{s.kind} a day", 1),
            Col("days", "days", show=False), text("source", "source", priority=3),
            text("file", "file", priority=4), text("caveat", "note", write=_note, wrap=True))


def _series_title(a: Answer) -> str:
    s = cast("CountSeriesAnswer", a)
    return f"{s.kind.capitalize()} by {s.grain}, {s.geo_level} ({s.geo}), {s.start} to {s.end}"


def _week_note(a: Answer) -> Any:
    peak = cast("WeeklyGoalAnswer", a).peak["week"]
    return lambda r: "peak" if r["week"] == peak else _note(r)


def _weeks_columns(a: Answer) -> tuple[Col, ...]:
    return (text("week", "week from"), text("to", "to", show=False), Col("arrests", "arrests"),
            Col("per_day", "per day", "arrests a day", 1),
            Col("percent_of_goal", "% of goal", "%", 1, kind="pct"),
            Col("shortfall_per_day", "shortfall/day", "arrests a day", 1, priority=2),
            text("source", "source", show=False),
            text("caveat", "note", write=_week_note(a), wrap=True))


def _weeks_title(a: Answer) -> str:
    g = cast("WeeklyGoalAnswer", a)
    return f"National arrests a day, week by week, against a goal of {g.goal:,.0f} a day"


def _offices_title(a: Answer) -> str:
    o = cast("PeriodOfficesAnswer", a)
    return (f"Field offices over {o.start} to {o.end} ({o.days} days, one total each), "
            "ranked by arrests a day")


PERIOD_OFFICES = (
    Col("rank_per_day", "rank"), text("name", "office"), text("aor", "code", priority=3),
    Col("arrests", "arrests"), Col("per_day", "per day", "arrests a day", 1),
    Col("per_100k_residents", "per 100k res.", "arrests per 100,000 residents over the period",
        1),
    Col("per_100k_noncitizens", "per 100k noncit.",
        "arrests per 100,000 noncitizen residents over the period"),
    Col("rank_per_100k_residents", "rank res.", priority=2),
    Col("rank_per_100k_noncitizens", "rank noncit.", priority=2),
    Col("residents", "residents", "ACS 2024", show=False),
    Col("noncitizens", "noncitizens", "ACS 2024", show=False))

STATES = (text("name", "state"), text("state", "code", show=False), Col("arrests", "arrests"),
          Col("days", "days", priority=2), Col("not_reported", "not reported", "days"),
          text("office_text", "field office", wrap=True))
EVENTS = (text("state", "state"), text("date", "began"), text("label", "operation", wrap=True),
          Col("before_per_day", "before", "arrests a day, 28 days", 1),
          Col("after_per_day", "after", "arrests a day, 28 days", 1),
          Col("ratio", "ratio [95%]", "after / before", 2, kind="interval",
              parts=("low", "high")))
SURGES = (text("state", "state"), text("start", "from"),
          text("end", "to", write=lambda r: f"{r['end']}" + (" (ongoing)" if r["ongoing"]
                                                             else "")),
          Col("days", "days"), Col("per_day_before", "per day before", "arrests a day", 1),
          Col("per_day_during", "during", "arrests a day", 1),
          Col("ratio", "ratio [95%]", "during / before", 2, kind="interval",
              parts=("low", "high")))


def _split_columns(a: Answer) -> tuple[Col, ...]:
    s = cast("SplitAnswer", a)
    values = [k for k in s.periods[0] if k not in ("period", "from", "to", "days", "total",
                                                   "per_day", "calendar_days")
              and not k.endswith("_percent")]
    return (text("period", "period", wrap=True), text("from", "from", priority=2),
            text("to", "to", priority=2), Col("days", "days reported", "days"),
            Col("calendar_days", "calendar days", "days", priority=4),
            *(Col(v, v) for v in values), Col("total", "total"),
            Col("per_day", "per day", "arrests a day", 1),
            *(Col(f"{v.lower()}_share_percent", f"{v} share", "%", 2, kind="pct")
              for v in values[:1]))


COUNT_TABLES = (
    Col("table_id", "table"), text("file_name", "file", show=False),
    text("description", "holds", wrap=True), text("coverage_start", "from"),
    text("coverage_end", "to"), Col("rows_read", "rows"),
    Col("values_stored", "values", priority=2),
    Col("not_reported", "not reported", show=False), Col("rows_rejected", "rejected",
                                                         show=False))

SPECS: dict[tuple[str, str], Spec] = {
    ("daily@counts", "units"): Spec(_series_columns, _series_title),
    ("goal@weeks", "weeks"): Spec(_weeks_columns, _weeks_title),
    ("offices@period", "offices"): Spec(PERIOD_OFFICES, _offices_title),
    ("states", "states"): Spec(STATES, lambda a: f"Daily arrests by state, "
                                                 f"{cast('StateSeriesAnswer', a).start} to "
                                                 f"{cast('StateSeriesAnswer', a).end}"),
    ("states", "events"): Spec(EVENTS, "Arrests a day 28 days before and after each "
                                       "operation began"),
    ("states", "surges"): Spec(SURGES, "Surges found on the daily series (change-point scan)"),
    ("split", "periods"): Spec(_split_columns, lambda a: f"{cast('SplitAnswer', a).geo} "
                               f"arrests by {cast('SplitAnswer', a).dimension}"),
    ("status", "count_tables"): Spec(COUNT_TABLES, "Published count tables"),
}
