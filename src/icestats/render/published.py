"""Rich tables for the answers at a count table's grain (weeks against the goal, offices
over one period, daily state series, a dimension's split): rendering only, each table with
its grain in the title and the answer's source line under it."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from icestats.answers.published import (
    CountSeriesAnswer,
    PeriodOfficesAnswer,
    SplitAnswer,
    StateSeriesAnswer,
    WeeklyGoalAnswer,
)
from icestats.count_answers import YARDSTICKS
from icestats.render.format import interval, num, pct, text
from icestats.render.tables import source_line


def _notes(console: Console, notes: list[str]) -> None:
    for n in notes:
        console.print(Text(n), style="dim")


def series(console: Console, r: CountSeriesAnswer) -> None:
    unit = r.grain
    t = Table(title=f"{r.kind.capitalize()} by {unit}, {r.geo_level} "
                    f"({r.geo}), {r.start} to {r.end}")
    for c in (unit, "to", r.kind, "per day", "source", "caveat"):
        t.add_column(c, justify="right" if c in (r.kind, "per day") else "left",
                     no_wrap=c != "caveat")
    for u in r.units.to_pylist():
        t.add_row(str(u["period_start"]), str(u["period_end"]), num(u["value"]),
                  num(u["per_day"]), text(u["source"]), text((u["caveat"] or "").split(":")[0]))
    console.print(t)
    console.print(f"Total {num(r.total[r.kind])} {r.kind} over {num(r.total['days'])} days: "
                  f"{num(r.total['per_day'])} a day (grain: {r.grain}).")
    _notes(console, r.notes)
    source_line(console, r)


def weekly_goal(console: Console, r: WeeklyGoalAnswer) -> None:
    t = Table(title=f"National arrests a day, week by week, against a goal of "
                    f"{num(r.goal, 0)} a day")
    for c in ("week from", "arrests", "per day", "% of goal", "shortfall/day", "note"):
        t.add_column(c, justify="left" if c in ("week from", "note") else "right",
                     no_wrap=True)
    for w in r.weeks.to_pylist():
        note = (w["caveat"] or "").split(":")[0]
        t.add_row(str(w["week"]), num(w["arrests"]), num(w["per_day"]),
                  pct(w["percent_of_goal"]), num(w["shortfall_per_day"]),
                  "peak" if w["week"] == r.peak["week"] else note)
    console.print(t)
    p, last, s = r.peak, r.latest, r.span
    console.print(f"Peak: week of {p['week']}, {num(p['per_day'])} a day "
                  f"({pct(p['percent_of_goal'])} of the goal). Latest complete week "
                  f"({last['week']}): {num(last['per_day'])} a day "
                  f"({pct(last['percent_of_goal'])}). {s['from']} to {s['to']}: "
                  f"{num(s['arrests'])} arrests, {num(s['per_day'])} a day, "
                  f"{pct(s['percent_of_goal'])} of the goal.")
    _notes(console, r.notes)
    source_line(console, r)


def offices(console: Console, r: PeriodOfficesAnswer) -> None:
    t = Table(title=f"Field offices over {r.start} to {r.end} ({r.days} days, one total "
                    "each), ranked by arrests a day")
    for c in ("rank", "office", "arrests", "per day", "per 100k res.", "per 100k noncit."):
        t.add_column(c, justify="left" if c == "office" else "right", no_wrap=True)
    for o in r.offices.to_pylist():
        t.add_row(str(o["rank_per_day"]), text(o["name"]), num(o["arrests"]),
                  num(o["per_day"]), num(o["per_100k_residents"]),
                  num(o["per_100k_noncitizens"], 0))
    console.print(t)
    for key, codes in r.lowest.items():
        console.print(Text(f"The {r.n} lowest {YARDSTICKS[key]}: {', '.join(codes)}"))
    a = r.agreement
    console.print(Text(f"They agree on {a['in_every_count']} offices, in every list "
                       f"({', '.join(a['in_every_list'])}); {a['in_some_count']} are in some "
                       f"lists only ({', '.join(a['in_some_lists'])}). The list depends on "
                       "the yardstick."))
    _notes(console, r.notes)
    source_line(console, r)


def states(console: Console, r: StateSeriesAnswer) -> None:
    t = Table(title=f"Daily arrests by state, {r.start} to {r.end}")
    for c in ("state", "arrests", "per day", "not reported", "field office"):
        t.add_column(c, justify="right" if c in ("arrests", "per day", "not reported")
                     else "left")
    for s in r.states:
        t.add_row(text(s["name"]), num(s["arrests"]), num(s["arrests"] / s["days"]),
                  num(s["not_reported"]), text(s["office_text"]))
    console.print(t)
    e = Table(title="Arrests a day 28 days before and after each operation began")
    for c in ("state", "began", "operation", "before", "after", "ratio [95%]"):
        e.add_column(c, justify="right" if c in ("before", "after", "ratio [95%]") else "left")
    for x in r.events:
        e.add_row(x["state"], str(x["date"]), text(x["label"]), num(x["before_per_day"]),
                  num(x["after_per_day"]), interval(x["ratio"], x["low"], x["high"]))
    console.print(e)
    s_ = Table(title="Surges found on the daily series (change-point scan)")
    for c in ("state", "from", "to", "days", "per day before", "during", "ratio [95%]"):
        s_.add_column(c, justify="left" if c in ("state", "from", "to") else "right")
    for x in r.surges:
        s_.add_row(x["state"], str(x["start"]), str(x["end"]) + (" (ongoing)" if x["ongoing"]
                                                                  else ""),
                   num(x["days"]), num(x["per_day_before"]), num(x["per_day_during"]),
                   interval(x["ratio"], x["low"], x["high"]))
    console.print(s_)
    _notes(console, r.notes)
    source_line(console, r)


def split(console: Console, r: SplitAnswer) -> None:
    values = [k for k in r.periods[0] if k not in ("period", "from", "to", "days", "total",
                                                   "per_day") and not k.endswith("_percent")]
    t = Table(title=f"{r.geo} arrests by {r.dimension}")
    for c in ("period", "days", *values, "total", "per day",
              *(f"{v} share" for v in values[:1])):
        t.add_column(c, justify="left" if c == "period" else "right")
    for p in r.periods:
        t.add_row(Text(f"{p['period']} ({p['from']} to {p['to']})"), num(p["days"]),
                  *(num(p[v]) for v in values), num(p["total"]), num(p["per_day"]),
                  pct(p[f"{values[0].lower()}_share_percent"], 2))
    console.print(t)
    _notes(console, r.notes)
    source_line(console, r)
