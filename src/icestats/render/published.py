"""Rich tables for the answers at a count table's grain (weeks against the goal, offices
over one period, daily state series, a dimension's split): rendering only, each table with
its grain in the title and the answer's source line under it."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from icestats.answers.published import (
    CountSeriesAnswer,
    PeriodOfficesAnswer,
    SplitAnswer,
    StateSeriesAnswer,
    WeeklyGoalAnswer,
)
from icestats.count_answers import YARDSTICKS
from icestats.render.format import num, pct
from icestats.render.tables import source_line
from icestats.render.terminal import print_table


def _notes(console: Console, notes: list[str]) -> None:
    for n in notes:
        console.print(Text(n), style="dim")


def series(console: Console, r: CountSeriesAnswer) -> None:
    print_table(console, r, "units")
    whole = r.total.get("days_complete", r.total["days"])
    over = "" if whole == r.total["days"] else \
        f" over the {num(whole)} days of complete {r.grain}s"
    console.print(f"Total {num(r.total[r.kind])} {r.kind} over {num(r.total['days'])} days: "
                  f"{num(r.total['per_day'])} a day{over} (grain: {r.grain}).")
    _notes(console, r.notes)
    source_line(console, r)


def weekly_goal(console: Console, r: WeeklyGoalAnswer) -> None:
    print_table(console, r, "weeks")
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
    print_table(console, r, "offices")
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
    for name in ("states", "events", "surges"):
        print_table(console, r, name)
    _notes(console, r.notes)
    source_line(console, r)


def split(console: Console, r: SplitAnswer) -> None:
    print_table(console, r, "periods")
    _notes(console, r.notes)
    source_line(console, r)
