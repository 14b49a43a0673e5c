"""The report's opening section when published count tables are loaded: the 2025-26
questions answered from real counts (weeks against the goal, offices under three
yardsticks, the daily state series and their operations, Minnesota's targeted and
collateral arrests), each chart with its source file and grain."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any

from icestats import count_answers, count_metrics, state_series
from icestats.answers.base import Answer
from icestats.answers.published import PeriodOfficesAnswer
from icestats.defaults import GOAL_PER_DAY
from icestats.render import specs_published
from icestats.render.figures import Figures, esc
from icestats.render.format import num

if TYPE_CHECKING:
    from icestats.client import Icestats
    from icestats.render.specs import Spec, Width

CITIES = ["IL", "OR", "MN"]  # Chicago, Portland and Minneapolis's states


def picture(ice: Icestats) -> dict[str, Answer]:
    """The real 2025-26 picture the report and the dashboard open on, by name: weeks
    against the goal, offices over one period, the daily state series, Minnesota by type;
    each present where a loaded count table answers it (none: no count table)."""
    con = ice.con
    if not count_metrics.has_counts(con):
        return {}
    out: dict[str, Answer] = {}
    held = {(g, lvl) for g, lvl, _ in count_answers.grains(con, "arrests")}
    if ("week", "national") in held:
        out["weekly_goal"] = count_answers.weekly_goal(con, GOAL_PER_DAY,
                                                       start=date(2025, 1, 19))
    if ("period", "office") in held:
        out["period_offices"] = count_answers.offices(con)
    if ("day", "state") in held:
        out["states"] = state_series.states(con, list(CITIES))
        try:
            out["split"] = state_series.split(con)
        except count_answers.CannotAnswer:
            pass  # (no daily table by Apprehension Type)
    return out


SPECS: dict[str, Callable[[Any, Width], Spec]] = {
    "weekly_goal": specs_published.weekly_goal, "period_offices": specs_published.offices,
    "states": specs_published.states, "split": specs_published.split}


def sections(ice: Icestats, data: dict[str, object], fig: Figures) -> list[str]:
    """The HTML of the section (empty when no count table answers these questions)."""
    answers = picture(ice)
    if not answers:
        return []
    out = ["<h2>2025-26, from real published counts</h2><p class='real'>No record-level "
           "release of 2025-26 can be shipped here; these answers come from published count "
           "tables (each chart names its file) at the grain they allow: weeks, one period, "
           "days by state.</p>"]
    for name, a in answers.items():
        data[name] = a.to_dict()
        out.append(fig(partial(SPECS[name], a), name.replace("_", "-")))
        if isinstance(a, PeriodOfficesAnswer):
            out.append(_lowest(a.lowest, a.agreement, a.n))
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
