"""The report's pipeline section: encounters, detainers, arrests, book-ins and removals a
day side by side (nation per fiscal year, then every office in the latest), what the
ratios cannot mean, removals against the removal goal and the linked shares. Drawn when
a release holds a kind besides arrests; tables from the column specs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from icestats.render.figures import esc
from icestats.render.html_tables import html_table

if TYPE_CHECKING:
    from icestats.answers import StatusAnswer
    from icestats.client import Icestats


def wanted(status: StatusAnswer) -> bool:
    kinds = status.kinds.to_pylist() if status.kinds is not None else []
    return any(r["kind"] != "arrests" for r in kinds)


def section(ice: Icestats, data: dict[str, object]) -> str:
    p = ice.pipeline(period="fy")
    data["pipeline"] = p.to_dict()
    national = [r for r in p.kinds if r["aor"] == "all"]
    latest = max((r["period"] for r in p.kinds), default=None)
    offices = [r for r in p.kinds if r["period"] == latest and r["aor"] != "all"]
    notes = "".join(f"<li><b>{esc(r['ratio'])}</b>: {esc(r['cannot_mean'])}</li>"
                    for r in p.ratios)
    out = [f"<h2 id='pipeline'>The enforcement pipeline</h2><p class='note'>Each kind of "
           f"event a day, counted by its own date, office and duplicate rule over the "
           f"complete days it covers ({esc(p.source.text)}). A blank: the kind is not in "
           f"the loaded releases for that year, not zero.</p>",
           f"<div class='scroll'>{html_table(p, 'kinds', 'pipeline-nation', national)}</div>",
           f"<div class='scroll'>{html_table(p, 'kinds', 'pipeline-offices', offices)}</div>",
           f"<ul class='note'>{notes}</ul>"]
    if p.removal_goal.get("removals_loaded"):
        out.append(f"<div class='scroll'>{html_table(p, 'removals_by', 'removal-goal')}"
                   f"</div>")
    if any(r["eligible_book_in"] or r["eligible_removal"] for r in p.linked):
        out.append(f"<div class='scroll'>{html_table(p, 'linked', 'linked-shares')}</div>")
    else:
        out.append("<p class='note'>No identifiers link arrests to book-ins or removals in "
                   "the loaded releases, so no share of arrests booked in or removed is "
                   "shown.</p>")
    return "".join(out)
