"""The report's opening section when published count tables are loaded: the 2025-26
questions answered from real counts (weeks against the goal, offices under three
yardsticks, the daily state series and their operations, Minnesota's targeted and
collateral arrests), each chart with its source file and grain."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from icestats import count_answers, count_metrics, state_series
from icestats.defaults import GOAL_PER_DAY
from icestats.render import specs_published
from icestats.render.figures import Figures, esc
from icestats.render.format import num

if TYPE_CHECKING:
    from icestats.client import Icestats

CITIES = ["IL", "OR", "MN"]  # Chicago, Portland and Minneapolis's states


def sections(ice: Icestats, data: dict[str, object], fig: Figures) -> list[str]:
    """The HTML of the section (empty when no count table answers these questions)."""
    con = ice.con
    if not count_metrics.has_counts(con):
        return []
    out = ["<h2>2025-26, from real published counts</h2><p class='real'>No record-level "
           "release of 2025-26 can be shipped here; these answers come from published count "
           "tables (each chart names its file) at the grain they allow: weeks, one period, "
           "days by state.</p>"]
    held = {(g, lvl) for g, lvl, _ in count_answers.grains(con, "arrests")}
    if ("week", "national") in held:
        g = count_answers.weekly_goal(con, GOAL_PER_DAY, start=date(2025, 1, 19))
        data["weekly_goal"] = g.to_dict()
        out.append(fig(lambda w: specs_published.weekly_goal(g, w), "weekly-goal"))
    if ("period", "office") in held:
        o = count_answers.offices(con)
        data["period_offices"] = o.to_dict()
        out.append(fig(lambda w: specs_published.offices(o, w), "period-offices"))
        out.append(_lowest(o.lowest, o.agreement, o.n))
    if ("day", "state") in held:
        s = state_series.states(con, [c for c in CITIES])
        data["states"] = s.to_dict()
        out.append(fig(lambda w: specs_published.states(s, w), "states"))
        try:
            m = state_series.split(con)
        except count_answers.CannotAnswer:
            return out
        data["split"] = m.to_dict()
        out.append(fig(lambda w: specs_published.split(m, w), "split"))
    return out


def _lowest(lowest: dict[str, list[str]], agreement: dict[str, object], n: int) -> str:
    rows = "".join(f"<tr><td>{esc(count_answers.YARDSTICKS[k])}</td><td>"
                   f"{esc(', '.join(v))}</td></tr>" for k, v in lowest.items())
    every = agreement["in_every_list"]
    assert isinstance(every, list)
    return (f"<div class='scroll'><table id='lowest'><tr><th>the {n} lowest by</th>"
            f"<th>offices</th></tr>{rows}</table></div><p>The three lists agree on "
            f"{num(len(every))} offices ({esc(', '.join(every))}); the rest depend on the "
            "yardstick.</p>")
