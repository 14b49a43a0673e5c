"""Rich tables for the statistics: fair evaluation, nowcast, events, forecast."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from icestats.answers import EventsAnswer, FairAnswer, ForecastAnswer, NowcastAnswer
from icestats.render.format import interval, num, text
from icestats.render.tables import source_line


def fair(console: Console, r: FairAnswer) -> None:
    t = Table(title=f"Fair office evaluation, {r.window[0]} to {r.window[1]} "
                    f"({r.window_days} days)",
              caption=Text(f"{r.method}. Rate: arrests per 100,000 noncitizen residents a "
                           f"year (ACS 2024). Target: {r.goals['source']}."))
    cols = ("rank", "office", "arrests/day", "rate", "vs baseline [95% CI]", "target/day",
            "attainment [95% CI]", "shrunk", "flag")
    for c in cols:
        t.add_column(c, justify="left" if c in ("office", "flag") else "right", no_wrap=True)
    for o in r.offices:
        ranked = o["rank"] is not None
        t.add_row(
            num(o["rank"]), text(o["name"]), num(o["per_day"]),
            num(o.get("per_100k_noncitizens_yr"), 0),
            interval(o.get("baseline_ratio"), o.get("baseline_low"), o.get("baseline_high")),
            num(o.get("target_per_day")),
            interval(o.get("attainment"), o.get("attainment_low"), o.get("attainment_high")),
            num(o.get("shrunk_attainment"), 2),
            Text("below target", style="bold red") if o.get("below_target") else
            Text("not covered" if o.get("covered") is False else "" if ranked
                 else "not ranked", style="dim"),
            style="" if ranked else "dim")
    console.print(t)
    notes = []
    if not r.targets_in_force:
        notes.append("No target is in force in this window (see --goals).")
    if r.details.get("baseline_note"):
        notes.append(f"Baseline: {r.details['baseline_note']}.")
    if r.targets_in_force:
        notes.append(f"Below target with the false discovery rate held at {r.fdr:.0%}: "
                     + (", ".join(r.flagged) if r.flagged else "none") + ".")
    if r.not_covered:
        notes.append("Not covered by the releases counted for this window (not ranked, not "
                     f"flagged): {', '.join(r.not_covered)}.")
    for n in notes:
        console.print(Text(n))
    source_line(console, r)


def nowcast(console: Console, r: NowcastAnswer) -> None:
    t = Table(title=f"Nowcast of the last {len(r.days)} days of release {r.release_id} "
                    f"(data to {r.release_end})",
              caption=Text(f"Completeness: {r.curve_source}. {r.method}."))
    for c in ("date", "age", "reported", "completeness", "nowcast [95% interval]"):
        t.add_column(c, justify="left" if c == "date" else "right", no_wrap=True)
    for d in r.days:
        t.add_row(str(d["date"]), str(d["age_days"]), num(d["reported"]),
                  f"{num(100 * d['completeness'], 0)}%",
                  f"{num(d['nowcast'], 0)} [{num(d['low'], 0)}–{num(d['high'], 0)}]")
    console.print(t)
    console.print(f"Reported {num(r.reported_total)}; nowcast {num(r.nowcast_total, 0)}.")
    source_line(console, r)


def events(console: Console, r: EventsAnswer) -> None:
    t = Table(title=f"Event effects ({r.window_days} days before and after)",
              caption=Text(r.method))
    for c in ("office", "date", "event", "before/day", "after/day", "effect [95% CI]",
              "placebo p", "placebos with an effect"):
        t.add_column(c, justify="left" if c in ("office", "event") else "right")
    for e in r.events:
        if e.get("effect") is None:
            t.add_row(e["office"], str(e["date"]), text(e["label"]), "–", "–", text(e["note"]),
                      "", "")
            continue
        t.add_row(e["office"], str(e["date"]), text(e["label"]), num(e["before_per_day"]),
                  num(e["after_per_day"]), interval(e["effect"], e["low"], e["high"]),
                  num(e["placebo_p"], 2),
                  f"{e['placebos_with_an_effect']} of {e['placebo_offices']}")
    console.print(t)
    source_line(console, r)


def forecast(console: Console, r: ForecastAnswer) -> None:
    n = r.national
    t = Table(title=f"National forecast, {r.horizon_days} days (weekly means of the daily "
                    f"forecast)", caption=Text(r.method))
    for c in ("week from", "arrests/day", "95% prediction interval"):
        t.add_column(c, justify="left" if c == "week from" else "right", no_wrap=True)
    for w in r.weeks:
        t.add_row(str(w["week_from"]), num(w["mean"]),
                  f"{num(w['mean_of_daily_low'], 0)}–{num(w['mean_of_daily_high'], 0)}")
    console.print(t)
    console.print(f"Level now {num(n['level_per_day_now'], 0)} a day; trend "
                  f"{n['trend_percent_per_30_days']:+.1f}% per 30 days.")
    if "goal_met" in n:
        console.print(Text(f"Goal of {num(n['goal_per_day'], 0)} a day: {n['goal_met']}."))
    o = Table(title="Offices: next 30 days and their targets")
    for c in ("office", "now/day", "trend/30 days", "next 30 days/day", "target/day",
              "target met"):
        o.add_column(c, justify="left" if c in ("office", "target met") else "right")
    for x in r.offices:
        o.add_row(x["aor"], num(x["level_per_day_now"]),
                  f"{x['trend_percent_per_30_days']:+.1f}%",
                  f"{num(x['next_30_days_mean'])} [{num(x['next_30_days_low'], 0)}–"
                  f"{num(x['next_30_days_high'], 0)}]", num(x["target_per_day"]),
                  text(x["target_met"]))
    console.print(o)
    if r.not_covered:
        console.print(f"Not forecast (no record of them in the releases fitted): "
                      f"{', '.join(r.not_covered)}.", style="yellow")
    source_line(console, r)
