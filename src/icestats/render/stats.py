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
                     no_wrap=c in ("office", "vs baseline [95% CI]", "attainment [95% CI]"))
    for o in r["offices"]:
        ranked = o["rank"] is not None
        t.add_row(
            _f(o["rank"]), o["name"], _f(o["per_day"]),
            _f(o.get("per_100k_noncitizens_yr"), 0),
            _ci(o.get("baseline_ratio"), o.get("baseline_low"), o.get("baseline_high")),
            _f(o.get("target_per_day")),
            _ci(o.get("attainment"), o.get("attainment_low"), o.get("attainment_high")),
            _f(o.get("shrunk_attainment"), 2),
            "[bold red]below target[/]" if o.get("below_target") else
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
