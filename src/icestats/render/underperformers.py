"""The underperformers answer as a terminal table and as an HTML section of the report."""

from __future__ import annotations

from html import escape
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from icestats.answers import UnderperformersAnswer
from icestats.render.format import num
from icestats.render.tables import source_line


def _cell(e: dict[str, Any], digits: int, every: set[str]) -> str:
    """BAL 3.6 21–24: the office (* when in the bottom n under every yardstick), its value
    and the 95% interval of its rank."""
    mark = "*" if e["aor"] in every else ""
    return f"{mark}{e['aor']} {num(e['value'], digits)} {e['rank_low']}–{e['rank_high']}"


def _names(codes: list[str], r: UnderperformersAnswer) -> str:
    names = {o["aor"]: o["name"] for o in r.offices}
    return ", ".join(f"{names[c]} ({c})" for c in codes) if codes else "none"


def lines(r: UnderperformersAnswer) -> list[str]:
    """The lists and notes under the table (the same in the terminal and the report)."""
    k = len(r.measures)
    some = ", ".join(f"{s['aor']} ({len(s['measures'])} of {k})" for s in r.some_measures)
    out = [r.note,
           f"In the bottom {r.n} under every yardstick (*): {_names(r.every_measure, r)}.",
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


def table(console: Console, r: UnderperformersAnswer) -> None:
    t = Table(title=f"The {r.n} lowest of {r.ranked} offices under each yardstick, "
                    f"{r.window[0]} to {r.window[1]} ({r.window_days} days)",
              padding=(0, 1), pad_edge=False)
    t.add_column("#", justify="right", no_wrap=True)
    for m in r.measures:
        t.add_column(m["short"], no_wrap=True)
    every = set(r.every_measure)
    for i in range(r.n):
        t.add_row(str(i + 1), *(Text(_cell(m["bottom"][i], m["digits"], every),
                                     style="bold" if m["bottom"][i]["aor"] in every else "")
                                for m in r.measures))
    console.print(t)
    first, *rest = lines(r)
    console.print(Text(first))
    console.print(Text(f"Each cell: office, value, 95% interval of its rank among the "
                       f"{r.ranked} (1 = highest; for the rank of the underlying rate, not "
                       f"measurement error)."))
    for line in rest:
        console.print(Text(line))
    source_line(console, r)


def html(r: UnderperformersAnswer) -> str:
    """A plain HTML table for the report, with the same lists and notes."""
    head = "".join(f"<th>{escape(m['short'])}</th>" for m in r.measures)
    every = set(r.every_measure)
    body = "".join(
        "<tr><td>" + str(i + 1) + "</td>" +
        "".join(f"<td>{escape(_cell(m['bottom'][i], m['digits'], every))}</td>"
                for m in r.measures) + "</tr>" for i in range(r.n))
    notes = "".join(f"<p class='note'>{escape(line)}</p>" for line in lines(r))
    return (f"<h2>The {r.n} lowest offices, by yardstick</h2><p class='note'>"
            f"{escape(r.window[0].isoformat())} to {escape(r.window[1].isoformat())}. Each "
            f"cell: office, value, 95% interval of its rank among the {r.ranked} "
            f"(1 = highest).</p><table id='underperformers'><tr><th>#</th>{head}</tr>{body}"
            f"</table>{notes}")
