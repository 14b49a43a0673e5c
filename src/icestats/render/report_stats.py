"""The report's statistics sections: surges found, events with their event study, and the
national forecast as bands after its history."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from icestats import reference
from icestats.answers import DailyAnswer
from icestats.count_routes import need_records
from icestats.render import specs_stats
from icestats.render.figures import Figures, esc
from icestats.render.format import num
from icestats.render.html_tables import html_table
from icestats.render.specs import Width

if TYPE_CHECKING:
    from icestats.answers import EventsAnswer, Source, SurgesAnswer
    from icestats.client import Icestats
    from icestats.stats.events import Event
    from icestats.stats.goals import Goals


def sections(ice: Icestats, goals: Goals, fig: Figures) -> list[str]:
    out = ["<h2>Surges, events and forecast</h2>", surges(ice.surges())]
    chosen = report_events(ice)
    out += events(ice.events(chosen), fig) if chosen else [
        "<h3>Events</h3><p class='note'>None of the example events (<code>icestats events "
        "--example</code>) is inside the data.</p>"]
    out += forecast(ice, goals, fig)
    return out


def report_events(ice: Icestats) -> list[Event]:
    """The example events the data hold up to their last complete day (an event outside
    the data has nothing to measure)."""
    from icestats.stats.events import examples

    every = examples()
    cov = ice.status().coverage
    last = cov.complete_through or cov.end
    return [e for e in every if cov.start and last and cov.start <= e.date <= last]


def _names() -> dict[str, str]:
    return {o.code: o.name for o in reference.offices()}


def surges(s: SurgesAnswer) -> str:
    """The surges answer as a table: office, start, end, days, size with its interval."""
    return (f"<h3>Surges found</h3><p class='note'>{esc(s.method)}. Window {s.window[0]} to "
            f"{s.window[1]}, {num(len(s.offices_scanned))} offices scanned. Source: "
            f"{esc(s.source.text)}.</p>"
            + (html_table(s, "surges", "surges") if s.surges
               else "<p id='surges'>No surge found.</p>"))


def events(ev: EventsAnswer, fig: Figures) -> list[str]:
    """The events table (each event's effect over 14, 28 and 56 days and its pre-trend)
    and, for each event whose answer carries a weekly ``study``, its event-study chart."""
    notes = "".join(
        f"<p class='note'>{esc(e['office'])} {e['date']} {esc(e['label'])}: "
        + (f"Abadie's RMSPE-ratio p of any change in any week {num(e['placebo_p'], 3)}."
           if e.get("effect") is not None else f"{esc(e.get('note', ''))}.") + "</p>"
        for e in ev.events)
    table = html_table(ev, "events", "events") if any(
        e.get("effect") is not None for e in ev.events) else "<p id='events'></p>"
    out = [f"<h3>Events</h3><p class='note'>{esc(ev.method)}.</p>{table}{notes}"
           f"<p class='note'>The effect is the geometric mean of the weekly ratios over "
           f"the span, with its interval and placebo p; the RMSPE-ratio p is Abadie's test of "
           f"any change in any week (a one-week spike included), so it can be small while the "
           f"interval includes 1.</p>"]
    for k, e in enumerate(ev.events):
        if e.get("study"):
            out.append(fig(partial(_study, e, ev.source), f"event-study-{k}"))
    return out


def _study(event: dict[str, Any], source: Source, width: Width) -> dict[str, Any]:
    return specs_stats.event_study(event, source, width)


def forecast(ice: Icestats, goals: Goals, fig: Figures) -> list[str]:
    fc = ice.forecast(goals, horizon=90)
    nat: dict[str, Any] = fc.national
    history = need_records(ice.daily(start=nat["fit"][0], end=nat["fit"][1])
                           if nat.get("fit") else ice.daily(), DailyAnswer)
    out = ["<h3>Forecast</h3>",
           fig(lambda w: specs_stats.forecast(fc, history, w), "forecast")]
    if "goal_met" in nat:
        out.append(f"<p>Goal of {num(nat['goal_per_day'], 0)} a day: "
                   f"{esc(nat['goal_met'])}.</p>")
    return out
