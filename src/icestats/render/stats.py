"""Rich tables for the statistics: fair evaluation, nowcast, events, forecast."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table


def _f(v: object, d: int = 1) -> str:
    return "–" if v is None else f"{v:,.{d}f}" if isinstance(v, float) else str(v)


def _ci(v: object, lo: object, hi: object, d: int = 2) -> str:
    if v is None:
        return "–"
    return f"{v:.{d}f} [{lo:.{d}f}–{hi:.{d}f}]"  # type: ignore[str-format]


def fair(console: Console, r: dict) -> None:
    t = Table(title=f"Fair office evaluation, {r['window'][0]} to {r['window'][1]} "
                    f"({r['window_days']} days)",
              caption=f"{r['method']}. Rate: arrests per 100,000 noncitizen residents a year "
                      f"(ACS 2024). Target: {r['goals']['source']}.")
    cols = ("rank", "office", "arrests/day", "rate", "vs baseline [95% CI]", "target/day",
            "attainment [95% CI]", "shrunk", "flag")
    for c in cols:
        t.add_column(c, justify="left" if c in ("office", "flag") else "right",
                     no_wrap=c == "office", overflow="fold")
    for o in r["offices"]:
        ranked = o["rank"] is not None
        t.add_row(
            _f(o["rank"]), o["name"], _f(o["per_day"]),
            _f(o.get("per_100k_noncitizens_yr"), 0),
            _ci(o.get("baseline_ratio"), o.get("baseline_low"), o.get("baseline_high")),
            _f(o.get("target_per_day")),
            _ci(o.get("attainment"), o.get("attainment_low"), o.get("attainment_high")),
            _f(o.get("shrunk_attainment"), 2),
            "[bold red]below[/]" if o.get("below_target") else
            ("" if ranked else "[dim]not ranked[/]"),
            style="" if ranked else "dim")
    console.print(t)
    notes = []
    if not r["targets_in_force"]:
        notes.append("No target is in force in this window (see --goals).")
    if r.get("baseline_note"):
        notes.append(f"Baseline: {r['baseline_note']}.")
    flagged = [o["name"] for o in r["offices"] if o.get("below_target")]
    if r["targets_in_force"]:
        notes.append(f"Below target with the false discovery rate held at {r['fdr']:.0%}: "
                     + (", ".join(flagged) if flagged else "none") + ".")
    for n in notes:
        console.print(n, highlight=False)


def nowcast(console: Console, r: dict) -> None:
    t = Table(title=f"Nowcast of the last {len(r['days'])} days of release {r['release_id']} "
                    f"(data to {r['release_end']})",
              caption=f"Completeness: {r['curve_source']}. {r['method']}.")
    for c in ("date", "age", "reported", "completeness", "nowcast [95% interval]"):
        t.add_column(c, justify="left" if c == "date" else "right", no_wrap=True, overflow="fold")
    for d in r["days"]:
        t.add_row(str(d["date"]), str(d["age_days"]), f"{d['reported']:,}",
                  f"{d['completeness']:.0%}",
                  f"{d['nowcast']:,.0f} [{d['low']:,.0f}–{d['high']:,.0f}]")
    console.print(t)
    console.print(f"Reported {r['reported_total']:,}; nowcast {r['nowcast_total']:,.0f}.")


def events(console: Console, r: dict) -> None:
    t = Table(title=f"Event effects ({r['window_days']} days before and after)",
              caption=r["method"])
    for c in ("office", "date", "event", "before/day", "after/day", "effect [95% CI]",
              "placebo p", "placebos with an effect"):
        t.add_column(c, justify="left" if c in ("office", "event") else "right", overflow="fold")
    for e in r["events"]:
        if e.get("effect") is None:
            t.add_row(e["office"], str(e["date"]), e["label"], "–", "–", e["note"], "", "")
            continue
        t.add_row(e["office"], str(e["date"]), e["label"], _f(e["before_per_day"]),
                  _f(e["after_per_day"]), _ci(e["effect"], e["low"], e["high"]),
                  f"{e['placebo_p']:.2f}",
                  f"{e['placebos_with_an_effect']} of {e['placebo_offices']}")
    console.print(t)


def forecast(console: Console, r: dict) -> None:
    t = Table(title=f"National forecast, {r['horizon_days']} days (weekly means of the daily "
                    f"forecast)", caption=r["method"])
    for c in ("week from", "arrests/day", "95% prediction interval"):
        t.add_column(c, justify="left" if c == "week from" else "right", overflow="fold")
    days = r["days"]
    for i in range(0, len(days), 7):
        wk = days[i:i + 7]
        t.add_row(str(wk[0]["date"]), _f(sum(d["mean"] for d in wk) / len(wk)),
                  f"{sum(d['low'] for d in wk) / len(wk):,.0f}–"
                  f"{sum(d['high'] for d in wk) / len(wk):,.0f}")
    console.print(t)
    console.print(f"Level now {r['level_per_day_now']:,.0f} a day; trend "
                  f"{r['trend_percent_per_30_days']:+.1f}% per 30 days.")
    if "goal_met" in r:
        console.print(f"Goal of {r['goal_per_day']:,.0f} a day: {r['goal_met']}.",
                      highlight=False)
    o = Table(title="Offices: next 30 days and their targets")
    for c in ("office", "now/day", "trend/30 days", "next 30 days/day", "target/day",
              "target met"):
        o.add_column(c, justify="left" if c in ("office", "target met") else "right",
                     overflow="fold")
    for x in r["offices"]:
        o.add_row(x["aor"], _f(x["level_per_day_now"]),
                  f"{x['trend_percent_per_30_days']:+.1f}%",
                  f"{x['next_30_days_mean']:,.1f} [{x['next_30_days_low']:,.0f}–"
                  f"{x['next_30_days_high']:,.0f}]", _f(x["target_per_day"]),
                  x["target_met"] or "–")
    console.print(o)
