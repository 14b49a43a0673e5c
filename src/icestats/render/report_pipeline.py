"""The report's pipeline section: encounters, detainers, arrests, book-ins and removals a
day side by side (the nation and every office, per fiscal year and per month: each fiscal
year's and each office's table a section that opens and closes, the newest fiscal year
and the nation's months open), what the ratios cannot mean, removals against the removal
goal (its figure, window and the day it applies from), the linked shares and book-ins by
arresting agency. Drawn when a release holds a kind besides arrests; tables from the
column specs, each in a sideways-scrolling box that shows a shadow where it continues."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from icestats import reference
from icestats.render.figures import esc
from icestats.render.html_tables import html_table

if TYPE_CHECKING:
    from icestats.answers import PipelineAnswer, StatusAnswer
    from icestats.client import Icestats

# under 700 px a table of the section is wider than the screen: say so above them
CUE = ("<p class='note narrow-only'>The tables below are wider than this screen: swipe "
       "them sideways (a shadow marks the side that continues).</p>")


def wanted(status: StatusAnswer) -> bool:
    kinds = status.kinds.to_pylist() if status.kinds is not None else []
    return any(r["kind"] != "arrests" for r in kinds)


def _fold(summary: str, body: str, is_open: bool = False) -> str:
    return (f"<details{' open' if is_open else ''}><summary>{esc(summary)}</summary>"
            f"{body}</details>")


def _by_year(p: PipelineAnswer) -> str:
    """Every office in each fiscal year loaded, one section each (the newest open)."""
    years = sorted({r["period"] for r in p.kinds}, reverse=True)
    return "".join(_fold(
        f"Every office, FY{y.year + 1}",
        html_table(p, "kinds", f"pipeline-offices-fy{y.year + 1}",
                   [r for r in p.kinds if r["period"] == y and r["aor"] != "all"]),
        i == 0) for i, y in enumerate(years))


def _by_month(m: PipelineAnswer) -> str:
    """The nation month by month (open), then each office's months (closed)."""
    names = {o.code: o.name for o in reference.offices()}
    nation = _fold("The nation, month by month",
                   html_table(m, "kinds", "pipeline-nation-months",
                              [r for r in m.kinds if r["aor"] == "all"]), True)
    codes = sorted({r["aor"] for r in m.kinds if r["aor"] != "all"})
    offices = "".join(_fold(
        f"{names.get(c, c)} ({c}), month by month",
        html_table(m, "kinds", f"pipeline-months-{c.lower()}",
                   [r for r in m.kinds if r["aor"] == c])) for c in codes)
    return nation + f"<p class='note'>Each office, month by month (open one):</p>{offices}"


def _goal(p: PipelineAnswer) -> str:
    g = p.removal_goal
    if not g.get("removals_loaded"):
        return "<p class='note'>No removals loaded: nothing to set against the removal goal.</p>"
    note = f" <b>{esc(g['goal_note'])}</b>" if g.get("goal_note") else ""
    return (f"<h3 id='removal-goal-title'>Removals against the removal goal</h3>"
            f"{html_table(p, 'removals_by', 'removal-goal', title=True)}"
            f"<p class='note'>Goal: {esc(g['goal_source'])}; measured over the "
            f"{g['days']} complete days of removals {g['start']} to {g['end']}.{note}</p>")


def _linked(p: PipelineAnswer) -> str:
    if any(r["eligible_book_in"] or r["eligible_removal"] for r in p.linked):
        return html_table(p, "linked", "linked-shares", title=True)
    return ("<p class='note'>No identifiers link arrests to book-ins or removals in the "
            "loaded releases, so no share of arrests booked in or removed is shown.</p>")


def _agency(p: PipelineAnswer) -> str:
    national = [r for r in p.book_ins_by_agency if r["aor"] == "all"]
    out = html_table(p, "book_ins_by_agency", "book-ins-agency", national, title=True) \
        if national else ""
    if p.workbook_book_ins:
        out += html_table(p, "workbook_book_ins", "book-ins-workbooks", title=True)
    return out


def section(ice: Icestats, data: dict[str, object]) -> str:
    p, m = ice.pipeline(period="fy"), ice.pipeline(period="month")
    data["pipeline"] = p.to_dict()
    notes = "".join(f"<li><b>{esc(r['ratio'])}</b>: {esc(r['cannot_mean'])}</li>"
                    for r in p.ratios)
    parts: list[Any] = [
        f"<h2 id='pipeline'>The enforcement pipeline</h2><p class='note'>Each kind of "
        f"event a day, counted by its own date, office and duplicate rule over the "
        f"complete days it covers ({esc(p.source.text)}). A dash (–): the kind is not in "
        f"the loaded releases for that period, not zero; a ratio is shown only where both "
        f"kinds are.</p>", CUE,
        html_table(p, "kinds", "pipeline-nation", [r for r in p.kinds if r["aor"] == "all"]),
        _by_year(p), _by_month(m), f"<ul class='note'>{notes}</ul>", _goal(p), _linked(p),
        _agency(p)]
    return "".join(parts)
