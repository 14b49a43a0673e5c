"""Rich tables for the statistics: fair evaluation, nowcast, events, forecast."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.text import Text

from icestats.answers import (
    EventsAnswer,
    FairAnswer,
    ForecastAnswer,
    NowcastAnswer,
    SurgesAnswer,
)
from icestats.kinds import say
from icestats.render.format import num
from icestats.render.shown import answer_kind
from icestats.render.tables import source_line
from icestats.render.terminal import print_table


def fair(console: Console, r: FairAnswer) -> None:
    print_table(console, r, "offices", padding=(0, 1), pad_edge=False)
    for n in _fair_notes(r):
        console.print(Text(say(n, answer_kind(r))))
    source_line(console, r)


def _fair_notes(r: FairAnswer) -> list[str]:
    notes = [f"rank: by shrunk attainment (arrests a day without a target), with the 95% "
             f"interval of the rank; per day: arrests a day; per 100k noncit./yr: arrests "
             f"per 100,000 noncitizen residents a year (ACS 2024); vs base: against the "
             f"office's own baseline; attain.: arrests over the target "
             f"({r.goals['source']}); P(<1): probability that the office's underlying rate "
             f"is below its target; shrunk: empirical Bayes attainment; below: below target "
             f"with the false discovery rate held; no data: not covered. Intervals are for "
             f"the underlying daily rate, not for measurement error. Method: {r.method}."]
    if not r.targets_in_force:
        notes.append("No target is in force in this window (see --goals).")
    for key in ("targets_note", "baseline_note", "areas_note"):
        if r.details.get(key):
            notes.append(f"{key.split('_')[0].capitalize()}: {r.details[key]}.")
    if r.details.get("weekday"):
        notes.append(f"Weekday: {r.details['weekday']['note']}.")
    if r.targets_in_force:
        notes.append(f"Below target with the false discovery rate held at {r.fdr:.0%}: "
                     + (", ".join(r.flagged) if r.flagged else "none") + ".")
    if r.not_covered:
        notes.append("Not covered by the releases counted for this window (not ranked, not "
                     f"flagged): {', '.join(r.not_covered)}.")
    return notes


def nowcast(console: Console, r: NowcastAnswer) -> None:
    print_table(console, r, "days")
    console.print(Text(f"Completeness: {r.curve_source}. {r.method}.", style="dim"))
    console.print(f"Reported {num(r.reported_total)}; nowcast {num(r.nowcast_total, 0)}"
                  + ("." if r.corrected else " (no correction: the reported counts stand; "
                                             "the interval's top is the largest lag the "
                                             "test could miss)."))
    if r.last_day_cut:
        console.print(Text(f"Note: {r.last_day_cut['note']}."))
    source_line(console, r)


def events(console: Console, r: EventsAnswer) -> None:
    if any(e.get("effect") is not None for e in r.events):
        print_table(console, r, "events", padding=(0, 1))
        console.print(Text(say(
            "Each event: the effect over that many days from the event (arrests over the "
            f"synthetic control's), its {r.level:.0%} interval by test inversion against the "
            f"placebos, and the permutation p of no effect against the placebos (the "
            f"smallest it can be, 1 over the placebos + 1, is in each event's detail below "
            f"and in the files: with a handful of placebos no p can be small, and the "
            f"interval is then a parametric one on the placebos' scale). Pre-trend: the "
            f"{r.window_days}-day "
            f"estimate at the date minus {r.window_days} days (should show no effect). "
            f"Method: {r.method}.", answer_kind(r))))
    for e in r.events:
        if e.get("effect") is None:
            console.print(Text(f"{e['office']} {e['date']} {e['label']}: {e['note']}.",
                               style="yellow"))
    for e in r.events:
        if e.get("effect") is not None:
            _event_detail(console, r, e)
    source_line(console, r)


def _event_detail(console: Console, r: EventsAnswer, e: dict[str, Any]) -> None:
    f = e["fit"]
    if e.get("unit") and e["unit"] != e["office"]:  # a state series standing for the office
        console.print(Text(f"{e['office']} {e['date']} measured on {e['unit_note']}."))
    weights = ", ".join(f"{c} {w:.2f}" for c, w in f["weights"].items())
    left = ", ".join(f"{x['office']} (x{x['ratio']:.1f} from {x['start']})"
                     for x in f["left_out_surging"]) or "none"
    kind = answer_kind(r)
    console.print(Text(say(
        f"{e['office']} {e['date']}: {num(e['before_per_day'])} arrests a day in the "
        f"{e['window_days']} days before, {num(e['after_per_day'])} after against "
        f"{num(e['synthetic_per_day'])} for the synthetic control "
        f"({e['added_per_day']:+.1f} a day). Fitted on {f['pre_weeks']} weeks; weights: "
        f"{weights}; pre-period RMSPE {f['rmspe_pre']:.3f} (log weekly; the office's own "
        f"noise {f['rmspe_floor']:.3f}). Donors left out for a surge of their own: "
        f"{left}. Inference: {e['inference']}. Abadie's RMSPE-ratio p {e['placebo_p']:.3f} (of "
        f"any change in any week, a one-week spike included: it can be small while the "
        f"interval for the {e['window_days']}-day effect includes 1). Effects are "
        f"geometric means of the weekly ratios; the a-day figures above are arithmetic.",
        kind)))
    if f.get("overfit_notes"):
        console.print(Text("Over-fitting: " + "; ".join(f["overfit_notes"]) + ".",
                           style="yellow"))
    weeks = [w for w in e["study"] if -4 <= w["week"] <= 7]
    weekly = say("Weekly, arrests over the synthetic's (* the interval excludes 1): ", kind)
    console.print(Text(weekly +
                       ", ".join(f"{w['week']:+d}={w['ratio']:.2f}" + (
                           "*" if w["low"] is not None and not w["low"] <= 1 <= w["high"]
                           else "") for w in weeks) + "."))
    if not e["displacement"]:  # state series: no displacement by distance
        return
    print_table(console, r, "displacement", e["displacement"][:8], padding=(0, 1),
                title=f"Other offices, {e['window_days']} days after {e['date']} (nearest 8; "
                      "all in --json)")
    gained = e["added_per_day"] > 0  # (the reading of a neighbour's loss needs a gain)
    console.print(Text(say("* not a donor (a surge or an event of its own)." + (
        " A neighbour whose interval lies below 1 lost arrests while the event office "
        "gained: arrests moved rather than added." if gained else ""), kind)))


def forecast(console: Console, r: ForecastAnswer) -> None:
    n, pct_ = r.national, f"{r.level:.0%}"
    print_table(console, r, "weeks", caption=Text(r.method))
    m30 = n["next_30_days_mean_interval"]
    span = n["next_30_days_span"]  # 30, or the horizon when it is shorter
    console.print(f"Observed: {num(n['observed_mean_last_14_days'], 0)} a day over the last 14 "
                  f"days, {num(n['observed_mean_last_28_days'], 0)} over the last 28; model "
                  f"level {num(n['model_level_per_day'], 0)} a day. Next {span} days: "
                  f"{num(n['next_30_days_mean'], 0)} a day [{pct_} interval for the {span}-day "
                  f"mean {num(m30['low'], 0)}–{num(m30['high'], 0)}].")
    if n.get("goal_per_day"):
        console.print(Text(f"Goal of {num(n['goal_per_day'], 0)} a day: {n['goal_met']}."))
    else:
        console.print(Text(f"No goal in force after {r.as_of} ({r.goals.get('source', '')})."))
    if r.offices:
        print_table(console, r, "offices")
    else:
        console.print(Text("No office covered by the releases fitted: the national forecast "
                           "only."))
    if r.not_covered:
        console.print(f"Not forecast (no record of them in the releases fitted): "
                      f"{', '.join(r.not_covered)}.", style="yellow")
    if r.backtest is not None:
        backtest(console, r, r.backtest)
    source_line(console, r)


def backtest(console: Console, r: ForecastAnswer, b: dict[str, Any]) -> None:
    if not b.get("methods"):
        console.print(Text(f"Backtest: {b.get('note', 'no origins')}."))
        return
    rows = [{"method": name.replace("_", " "), **m} for name, m in b["methods"].items()]
    print_table(console, r, "backtest", rows,
                title=f"Backtest on this data: {b['origins']} origins {b['from']} to "
                      f"{b['to']}, {b['horizon']} days ahead, {b['series']} series (national "
                      f"and offices), fitted on {b['fit_days']} days")


def surges(console: Console, r: SurgesAnswer) -> None:
    if not r.offices_scanned:
        console.print(Text(f"Surges, {r.window.first} to {r.window.last}: no office covered "
                           "by the releases, none scanned."))
    else:
        print_table(console, r, "surges", caption=Text(r.method))
    if r.offices_scanned and not r.surges:
        console.print("No surge found.")
    for s in r.surges:
        if s["note"]:
            console.print(Text(f"* {s['office']} {s['start']}: {s['note']}.", style="yellow"))
    if r.not_covered:
        console.print(f"Not scanned (no record of them in the releases): "
                      f"{', '.join(r.not_covered)}.", style="yellow")
    source_line(console, r)
