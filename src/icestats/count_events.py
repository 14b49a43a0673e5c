"""``icestats events`` on the daily state series of the count tables (the five states'
daily arrests of 2025-26), when the records hold none of the days asked about.

The rule, as for the other questions (``count_routes.py``): the records answer whenever
they cover every event's date; otherwise, when a count table gives daily arrests by state,
each event is estimated on its office's state (``stats.state_events``: the other states
as donors, placebos in space only, an interval on the placebos' scale) and the answer says
so: its window's place grain is ``state``, each event names the state it was measured on.
Without --event or --file on such data: the first day of each operation the state series
know (``state_series.EVENTS``), once per state (a later step's pre-period holds the first
step's effect)."""

from __future__ import annotations

from typing import Any

import duckdb

from icestats import count_answers, count_metrics, slices, state_series
from icestats.answers import EventsAnswer
from icestats.slices import Slice, Window
from icestats.stats.events import Event, load_events
from icestats.stats.state_events import state_events

METHOD = ("synthetic control on weekly log arrests of the office's state (a state lying in "
          "one office stands for it; a state spanning several, as Texas, stays a state), "
          "the other states as donors; a short series: the pre-period from 21 days, "
          "placebos in space only and, with a handful of states, a t interval on the "
          "placebos' scale; a day the table gives as NA read as 0 (no arrest reported); "
          "no displacement (states, not offices)")


def holds_states(con: duckdb.DuckDBPyConnection) -> bool:
    return count_metrics.has_counts(con) and any(
        (g, lvl) == ("day", "state") for g, lvl, _ in count_answers.grains(con, "arrests"))


def events(con: duckdb.DuckDBPyConnection, events_given: list[Event] | None,
           own: dict[str, Any]) -> EventsAnswer | None:
    """The events measured on the daily state series, or None (the records answer)."""
    if not holds_states(con):
        return None
    cov = slices.coverage(con)
    given = events_given if events_given is not None else (
        load_events(own["file"], own["event"]) if own["file"] or own["event"] else None)
    if given is None and not cov.empty:
        return None  # the records' own example events
    if given is not None and not cov.empty and all(
            cov.start is not None and cov.end is not None and cov.start <= e.date <= cov.end
            for e in given):
        return None
    days, names, counts, offices, missing = state_series.matrix(con)
    chosen = given if given is not None else _known(offices)
    results = state_events(days, names, counts, offices, chosen, own["window"],
                           own["pre"], own["level"])
    src = state_series.files(con)
    s = Slice(start=days[0], end=days[-1], include_incomplete=True, place_grain="state")
    used = max((r["pre_days"] for r in results if r.get("pre_days")), default=own["pre"])
    return EventsAnswer(results, own["window"], own["level"], (days[0], days[-1]),
                        pre_days=used, window=Window(s, days[0], days[-1], len(days),
                                                     source=src),
                        source=src, method=f"{METHOD} ({missing:,} such days)")


def _known(offices: dict[str, str | None]) -> list[Event]:
    out: dict[str, Event] = {}
    for state, when, label in state_series.EVENTS:
        office = offices.get(state)
        if office is not None and state not in out:
            out[state] = Event(when, office, label)
    return list(out.values())

