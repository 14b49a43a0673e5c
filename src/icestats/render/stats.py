"""Rich tables for the statistics: fair evaluation, nowcast, events, forecast."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from icestats.answers import (
    EventsAnswer,
    FairAnswer,
    ForecastAnswer,
    NowcastAnswer,
    SurgesAnswer,
)
from icestats.render.format import NONE, interval, num, text
from icestats.render.tables import source_line


def fair(console: Console, r: FairAnswer) -> None:
    t = Table(title=f"Fair office evaluation, {r.window[0]} to {r.window[1]} "
                    f"({r.window_days} days)", padding=(0, 1), pad_edge=False)
    narrow = console.width < 120  # the optional columns go first, and the table says so
    cols = ("rank [95%]", "office", "per day", *(() if narrow else ("rate",)),
            "vs base [95%]", *(() if narrow else ("target",)), "attain. [95%]", "P(<1)",
            *(() if narrow else ("shrunk",)), "flag")
    for c in cols:
        t.add_column(c, justify="left" if c in ("office", "flag") else "right",
                     no_wrap=True, max_width=16 if c == "office" else None)
    for o in r.offices:
        ranked = o["rank"] is not None
        t.add_row(
            rank_cell(o), text(o["name"]), num(o["per_day"]),
            *(() if narrow else (num(o.get("per_100k_noncitizens_yr"), 0),)),
            interval(o.get("baseline_ratio"), o.get("baseline_low"), o.get("baseline_high")),
            *(() if narrow else (num(o.get("target_per_day")),)),
            interval(o.get("attainment"), o.get("attainment_low"), o.get("attainment_high")),
            num(o.get("p_attainment_below_1"), 2),
            *(() if narrow else (num(o.get("shrunk_attainment"), 2),)),
            Text("below", style="bold red") if o.get("below_target") else
            Text("no data" if o.get("covered") is False else "" if ranked
                 else "unranked", style="dim"),
            style="" if ranked else "dim")
    console.print(t)
    for n in _fair_notes(r, narrow):
        console.print(Text(n))
    source_line(console, r)


def rank_cell(o: dict[str, Any]) -> str:
    """3 [1–6]: the rank and the 95% interval of the rank."""
    if o.get("rank") is None:
        return "–"
    return f"{o['rank']} [{o['rank_low']}–{o['rank_high']}]"


def _fair_notes(r: FairAnswer, narrow: bool) -> list[str]:
    notes = [f"rank: by shrunk attainment (arrests a day without a target), with the 95% "
             f"interval of the rank; per day: arrests a day; rate: per 100,000 noncitizen "
             f"residents a year (ACS 2024); vs base: against the office's own baseline; "
             f"attain.: arrests over the target ({r.goals['source']}); P(<1): probability "
             f"that the office's underlying rate is below its target; shrunk: empirical "
             f"Bayes attainment; below: below target with the false discovery rate held; "
             f"no data: not covered. Intervals are for the underlying daily rate, not for "
             f"measurement error. Method: {r.method}."]
    if narrow:
        notes.append("The rate, target and shrunk columns are left out below 120 columns "
                     "(they are in --json).")
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
    console.print(f"Reported {num(r.reported_total)}; nowcast {num(r.nowcast_total, 0)}"
                  + ("." if r.corrected else " (no correction: the reported counts stand; "
                                             "the interval's top is the largest lag the "
                                             "test could miss)."))
    if r.last_day_cut:
        console.print(Text(f"Note: {r.last_day_cut['note']}."))
    source_line(console, r)


def _effect_cell(e: dict[str, Any] | None) -> str:
    """x2.15 (+115%) / its 95% interval / its p, one per line (numbers never split)."""
    if not e or e.get("ratio") is None:
        return NONE
    bounds = "no bound" if e.get("low") is None else f"{e['low']:.2f}–{e['high']:.2f}"
    return f"{e['text']}\n{bounds}\np {e['p']:.3f}"


def events(console: Console, r: EventsAnswer) -> None:
    t = Table(title=f"Event effects against a synthetic control ({r.pre_days} days before "
                    f"to fit)", padding=(0, 1))
    t.add_column("event", ratio=1, min_width=16)
    for c in ("14 days", "28 days", "56 days", f"pre-trend ({r.window_days} d)"):
        t.add_column(c, justify="right", no_wrap=True)
    for e in r.events:
        head = Text(f"{e['office']} {e['date']}\n", style="bold") + text(e["label"])
        if e.get("effect") is None:
            t.add_row(head + Text(f"\n{e['note']}", style="yellow"), NONE, NONE, NONE, NONE)
            continue
        t.add_row(head, *(_effect_cell(x) for x in e["effects"]), _effect_cell(e["pre_trend"]))
    console.print(t)
    console.print(Text("Each cell: the effect over that many days from the event (arrests "
                       f"over the synthetic control's), its {r.level:.0%} interval by test "
                       "inversion against the placebos, and the placebo p of no effect. "
                       f"Pre-trend: the {r.window_days}-day estimate at the date minus "
                       f"{r.window_days} days (should show no effect). Method: {r.method}."))
    for e in r.events:
        if e.get("effect") is not None:
            _event_detail(console, e)
    source_line(console, r)


def _event_detail(console: Console, e: dict[str, Any]) -> None:
    f = e["fit"]
    weights = ", ".join(f"{c} {w:.2f}" for c, w in f["weights"].items())
    left = ", ".join(f"{x['office']} (x{x['ratio']:.1f} from {x['start']})"
                     for x in f["left_out_surging"]) or "none"
    console.print(Text(
        f"{e['office']} {e['date']}: {num(e['before_per_day'])} arrests a day in the "
        f"{e['window_days']} days before, {num(e['after_per_day'])} after against "
        f"{num(e['synthetic_per_day'])} for the synthetic control "
        f"({e['added_per_day']:+.1f} a day). Fitted on {f['pre_weeks']} weeks; weights: "
        f"{weights}; pre-period RMSPE {f['rmspe_pre']:.3f} (log weekly; the office's own "
        f"noise {f['rmspe_floor']:.3f}). Donors left out for a surge of their own: "
        f"{left}. Inference: {e['inference']}. Abadie's RMSPE-ratio p {e['placebo_p']:.3f} (of "
        f"any change in any week, a one-week spike included: it can be small while the "
        f"interval for the {e['window_days']}-day effect includes 1). Effects are "
        f"geometric means of the weekly ratios; the a-day figures above are arithmetic."))
    if f.get("overfit_notes"):
        console.print(Text("Over-fitting: " + "; ".join(f["overfit_notes"]) + ".",
                           style="yellow"))
    weeks = [w for w in e["study"] if -4 <= w["week"] <= 7]
    console.print(Text("Weekly, arrests over the synthetic's (* the interval excludes 1): " +
                       ", ".join(f"{w['week']:+d}={w['ratio']:.2f}" + (
                           "*" if w["low"] is not None and not w["low"] <= 1 <= w["high"]
                           else "") for w in weeks) + "."))
    if not e["displacement"]:
        return
    t = Table(title=f"Other offices, {e['window_days']} days after {e['date']} (nearest 8; "
                    "all in --json)", padding=(0, 1))
    for c in ("office", "km", "per day", "vs synthetic", f"{e['window_days']}-day effect",
              "95% interval"):
        t.add_column(c, justify="left" if c == "office" else "right", no_wrap=True)
    for d in e["displacement"][:8]:
        if d.get("ratio") is None:
            t.add_row(d["office"], num(d["distance_km"]), NONE, NONE, Text(d["note"]), "")
            continue
        t.add_row(d["office"] + ("" if d["donor"] else "*"), num(d["distance_km"]),
                  num(d["per_day"]), f"{d['added_per_day']:+.1f}", d["text"],
                  "no bound" if d["low"] is None else f"{d['low']:.2f}–{d['high']:.2f}")
    console.print(t)
    console.print(Text("* not a donor (a surge or an event of its own). A neighbour whose "
                       "interval lies below 1 lost arrests while the event office gained: "
                       "arrests moved rather than added."))


def forecast(console: Console, r: ForecastAnswer) -> None:
    n, pct_ = r.national, f"{r.level:.0%}"
    t = Table(title=f"National forecast from {r.as_of}, {r.horizon_days} days: mean per day "
                    f"of each 7 days ahead", caption=Text(r.method))
    for c in ("week from", "arrests/day", f"{pct_} interval for the week's mean"):
        t.add_column(c, justify="left" if c == "week from" else "right", no_wrap=True)
    for w in r.weeks:
        start = str(w["week_from"]) + ("" if w["days"] == 7 else f" ({w['days']} days)")
        t.add_row(start, num(w["mean"]), f"{num(w['low'], 0)}–{num(w['high'], 0)}")
    console.print(t)
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
    o = Table(title=f"Offices: observed, model level, next {span} days and their targets")
    for c in ("office", "last 14/day", "last 28/day", "level/day",
              f"next {span} days/day [{pct_}]", "target/day", f"P(next {span} d ≥ target)"):
        o.add_column(c, justify="left" if c == "office" else "right")
    for x in r.offices:
        i = x["next_30_days_mean_interval"]
        chance = x["target_probability"]
        o.add_row(x["aor"], num(x["observed_mean_last_14_days"]),
                  num(x["observed_mean_last_28_days"]), num(x["model_level_per_day"]),
                  f"{num(x['next_30_days_mean'])} [{num(i['low'], 0)}–{num(i['high'], 0)}]",
                  num(x["target_per_day"]),
                  "" if chance is None else f"{chance:.0%}" +
                  (f"; {x['target_span']}" if x.get("target_span") else "") +
                  (f" (shift {x['recent_break']})" if x["recent_break"] else ""))
    console.print(o)
    if r.not_covered:
        console.print(f"Not forecast (no record of them in the releases fitted): "
                      f"{', '.join(r.not_covered)}.", style="yellow")
    if r.backtest is not None:
        backtest(console, r.backtest)
    source_line(console, r)


def backtest(console: Console, b: dict[str, Any]) -> None:
    if not b.get("methods"):
        console.print(Text(f"Backtest: {b.get('note', 'no origins')}."))
        return
    t = Table(title=f"Backtest on this data: {b['origins']} origins {b['from']} to {b['to']}, "
                    f"{b['horizon']} days ahead, {b['series']} series (national and offices), "
                    f"fitted on {b['fit_days']} days")
    for c in ("method", "80% interval covered", "95% covered", "30-day mean in its 80%",
              "median |error| of a day", "median |error| of the 30-day mean"):
        t.add_column(c, justify="left" if c == "method" else "right")
    for name, m in b["methods"].items():
        t.add_row(name.replace("_", " "), f"{m['coverage_80']:.1%}", f"{m['coverage_95']:.1%}",
                  f"{m['coverage_30_day_mean_80']:.1%}",
                  f"{m['median_abs_error_day_share']:.0%} of the 30-day mean",
                  f"{m['median_abs_pct_error_30_day_mean']:.1f}%")
    console.print(t)


def surges(console: Console, r: SurgesAnswer) -> None:
    t = Table(title=f"Surges, {r.window[0]} to {r.window[1]} ({len(r.offices_scanned)} "
                    f"offices scanned)", caption=Text(r.method))
    for c in ("office", "start", "end", "days", "before/day", "ratio, 95% CI"):
        t.add_column(c, justify="left" if c == "office" else "right", no_wrap=True)
    for s in r.surges:
        t.add_row(s["office"], str(s["start"]), "ongoing" if s["ongoing"] else str(s["end"]),
                  str(s["days"]), num(s["per_day_before"]),
                  f"x{s['ratio']:.2f} {s['low']:.2f}–{s['high']:.2f}")
    console.print(t)
    if not r.surges:
        console.print("No surge found.")
    if r.not_covered:
        console.print(f"Not scanned (no record of them in the releases): "
                      f"{', '.join(r.not_covered)}.", style="yellow")
    source_line(console, r)
