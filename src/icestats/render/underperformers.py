"""The underperformers answer as a terminal table and as an HTML section of the report."""

from __future__ import annotations

from html import escape

from rich.console import Console
from rich.text import Text

from icestats.answers import UnderperformersAnswer
from icestats.render.tables import source_line
from icestats.render.terminal import print_table


def _names(codes: list[str], r: UnderperformersAnswer) -> str:
    names = {o["aor"]: o["name"] for o in r.offices}
    return ", ".join(f"{names[c]} ({c})" for c in codes) if codes else "none"


def lines(r: UnderperformersAnswer) -> list[str]:
    """The lists and notes under the table (the same in the terminal and the report)."""
    k = len(r.measures)
    some = ", ".join(f"{s['aor']} ({len(s['measures'])} of {k})" for s in r.some_measures)
    out = [r.note,
           f"In the bottom {r.n} under every yardstick: {_names(r.every_measure, r)}.",
           f"Under only some: {some or 'none'}.",
           f"{r.details.get('below_means', 'below target').capitalize()} with the false "
           f"discovery rate held at {r.fdr:.0%}: {_names(r.below_target, r)}."]
    for key in ("targets_note", "attainment_note", "baseline_note", "areas_note"):
        if r.details.get(key):
            out.append(f"{key.split('_')[0].capitalize()}: {r.details[key]}.")
    for key, why in r.details.get("measures_left_out", {}).items():
        out.append(f"Left out: {key} ({why}).")
    if r.not_covered:
        out.append(f"Not covered by the releases counted for this window (not ranked): "
                   f"{', '.join(r.not_covered)}.")
    return out


def legend(r: UnderperformersAnswer) -> str:
    return (f"Each office in the bottom {r.n} under at least one yardstick; under each "
            f"yardstick its rank among the {r.ranked} (1 = highest) and the 95% interval of "
            f"the rank (for the underlying rate, not measurement error); ▼: in the bottom "
            f"{r.n} under that yardstick.")


def nothing_to_compare(r: UnderperformersAnswer) -> list[str]:
    """Fewer offices than it takes to compare (no yardstick): the note, and which offices
    the releases do not cover; no empty table, no "bottom 0" lists."""
    return [r.note, *([f"Not covered by the releases counted for this window (not ranked): "
                       f"{', '.join(r.not_covered)}."] if r.not_covered else [])]


def table(console: Console, r: UnderperformersAnswer) -> None:
    if not r.measures:
        for line in nothing_to_compare(r):
            console.print(Text(line))
        source_line(console, r)
        return
    print_table(console, r, "offices", padding=(0, 1), pad_edge=False)
    first, *rest = lines(r)
    console.print(Text(first))
    console.print(Text(legend(r)))
    for line in rest:
        console.print(Text(line))
    source_line(console, r)


def html(r: UnderperformersAnswer) -> str:
    """The same table for the report, with the same lists and notes."""
    from icestats.render.html_tables import html_table

    if not r.measures:
        notes = "".join(f"<p class='note'>{escape(line)}</p>" for line in nothing_to_compare(r))
        return f"<h2>The lowest offices, by yardstick</h2>{notes}"
    notes = "".join(f"<p class='note'>{escape(line)}</p>" for line in lines(r))
    return (f"<h2>The {r.n} lowest offices, by yardstick</h2><p class='note'>"
            f"{escape(legend(r))}</p>{html_table(r, 'offices', 'underperformers')}{notes}")
