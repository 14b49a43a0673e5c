"""The column specs of ``icestats pipeline`` (see ``render/columns.py``): the kinds a day
side by side, removals against the goal, the linked shares, book-ins by agency."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, cast

from icestats.kinds import KINDS, LABELS
from icestats.render.column_specs import PERIOD_LABEL, PERIOD_NAME
from icestats.render.columns import Col, Row, Spec, text
from icestats.render.format import num, pct

if TYPE_CHECKING:
    from icestats.answers import Answer, PipelineAnswer


def _period(a: Answer) -> Any:
    period = cast("PipelineAnswer", a).period

    def write(r: Row) -> str:
        p = r.get("period")
        if not isinstance(p, date):
            return str(p)
        label: str = PERIOD_LABEL[period](p) if period in PERIOD_LABEL else p.isoformat()
        return label
    return write


def _kinds_columns(a: Answer) -> tuple[Col, ...]:
    return (Col("period", "period", kind="text", write=_period(a)), text("aor", "office"),
            *(Col(f"{k}_per_day", f"{LABELS[k]} a day", f"{LABELS[k]} a day", 1)
              for k in KINDS),
            Col("arrests_per_encounter", "arrests per encounter", "ratio", 2, priority=3),
            Col("arrests_per_detainer", "arrests per detainer", "ratio", 2, priority=4),
            Col("book_ins_per_arrest", "book-ins per arrest", "ratio", 2, priority=2),
            Col("removals_per_arrest", "removals per arrest", "ratio", 2, priority=1),
            *(Col(k, LABELS[k], LABELS[k], show=False) for k in KINDS),
            *(Col(f"{k}_days", f"days of {LABELS[k]}", "days", show=False) for k in KINDS))


def _kinds_title(a: Answer) -> str:
    p = cast("PipelineAnswer", a)
    period = PERIOD_NAME.get(p.period, p.period)
    return (f"The enforcement pipeline per office and {period}: each kind a day over the "
            f"complete days it covers")


def _goal_title(a: Answer) -> str:
    g = cast("PipelineAnswer", a).removal_goal
    if not g.get("removals_loaded"):
        return "Removals against the removal goal: no removals loaded"
    return (f"Removals against a goal of {g['goal_per_year']:,.0f} a year "
            f"({num(g['goal_per_day'])} a day): {num(g['per_day'])} a day over {g['days']} "
            f"days to {g['end']} ({pct(g['percent_of_goal'])} of the goal)")


SPECS: dict[tuple[str, str], Spec] = {
    ("pipeline", "kinds"): Spec(
        _kinds_columns, _kinds_title,
        caption=lambda a: "–: the kind is not covered in that period (not zero), or, for a "
                          "ratio, one of its kinds is not covered or reads 0.0 a day. A "
                          "ratio is of rates in the same days, not a share of the same "
                          "people (see ratios)."),
    ("pipeline", "removals_by"): Spec(
        (text("by", "by"), text("value", "value", wrap=True),
         Col("removals", "removals", "removals"),
         Col("per_day", "a day", "removals a day", 1),
         Col("percent_of_goal", "% of goal", "% of the goal a day", 1, kind="pct")),
        _goal_title),
    ("pipeline", "linked"): Spec(
        (text("aor", "office"), Col("window_days", "within (days)", "days"),
         Col("eligible_book_in", "followed", "arrests followed for the whole window"),
         Col("booked_in_percent", "booked in", "% of followed arrests", 1, kind="pct"),
         Col("eligible_removal", "followed (removal)", "arrests followed for the whole "
             "window", priority=2),
         Col("removed_percent", "removed", "% of followed arrests", 1, kind="pct"),
         Col("booked_in", "booked in", "arrests", show=False),
         Col("removed", "removed", "arrests", show=False)),
        "Arrests booked in and removed within 30/90/180 days (identifiers linking the kinds; "
        "arrests too recent to be followed for the whole window left out)"),
    ("pipeline", "book_ins_by_agency"): Spec(
        (Col("month", "month", kind="text", write=lambda r: f"{r['month']:%Y-%m}"
             + (" (partial)" if r.get("partial") else "")),
         text("aor", "office"), Col("ice", "ICE", "book-ins"),
         Col("cbp", "CBP", "book-ins"), Col("not_recorded", "not recorded", "book-ins"),
         Col("cbp_share_percent", "CBP share", "% of ICE and CBP", 1, kind="pct")),
        "Book-ins (stays) by arresting agency, from the record-level releases"),
    ("pipeline", "workbook_book_ins"): Spec(
        (Col("month", "month", kind="text", write=lambda r: f"{r['month']:%Y-%m}"),
         Col("ice", "ICE", "book-ins", source="workbooks"),
         Col("cbp", "CBP", "book-ins", source="workbooks"),
         Col("total", "total", "book-ins", source="workbooks"),
         Col("cbp_share_percent", "CBP share", "% of the total", 1, kind="pct",
             source="workbooks"), text("workbook", "workbook", show=False)),
        "Beside them: ICE's national monthly book-ins by arresting agency (detention "
        "statistics workbooks)"),
}
