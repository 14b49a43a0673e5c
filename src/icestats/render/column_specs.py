"""The column specs of the counting answers: status, goal, offices, breakdown, daily, fiscal
years, and ICE's detention statistics (agency, revisions). See ``render/columns.py``."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any, cast

from icestats.render.columns import Col, Row, Spec, text
from icestats.render.format import num

if TYPE_CHECKING:
    from icestats.answers import (
        AgencyAnswer,
        Answer,
        BreakdownAnswer,
        DailyAnswer,
        GoalAnswer,
        OfficesAnswer,
        RevisionsAnswer,
    )

PERIOD_LABEL = {"quarter": lambda d: f"{d.year}-Q{(d.month - 1) // 3 + 1}",
                "month": lambda d: f"{d:%Y-%m}", "year": lambda d: f"{d:%Y}",
                "fy": lambda d: f"FY{d.year + 1}"}


PARTIAL = ("*: a partial period: fewer days of data than the period has, or days in the "
           "incomplete tail (reporting lag)")
PERIOD_NAME = {"fy": "federal fiscal year", "day": "day", "week": "week (from Monday)"}


def period_label(start: date, period: str) -> str:
    """2025-Q3, 2025-07, 2025, FY2025 or the ISO date of a day or week's Monday."""
    label = PERIOD_LABEL.get(period)
    return label(start) if label else str(start)


def _day(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


# --- status ---------------------------------------------------------------------------
RELEASES = (
    Col("release_id", "id", priority=5),
    text("file_name", "file", wrap=True),
    Col("coverage_start", "from", kind="text"), Col("coverage_end", "to", kind="text"),
    Col("rows_read", "rows read", "rows", priority=6),
    Col("rows_loaded", "loaded", "rows"),
    Col("episodes", "arrests", "arrests (one per 24-hour episode)"),
    Col("rows_rejected", "rejected", "rows"),
    Col("merged", "merged", "records merged as duplicates", priority=4),
    Col("days_counted", "days", "days this release is counted for", priority=3),
    *(Col(k, k, show=False) for k in (
        "layout", "file_format", "compression", "synthetic", "rows_blank", "rows_implausible",
        "sheets", "columns_mapped", "columns_unmapped", "ignored_columns", "loaded_at",
        "file_sha256")),
)


def _releases_columns(a: Answer) -> tuple[Col, ...]:
    """A database holding other kinds than arrests counts each release's events by its
    kinds' rules: the column says so (the per-kind counts are in the Event kinds table)."""
    kinds = getattr(a, "kinds", None)
    if kinds is None or all(k == "arrests" for k in kinds["kind"].to_pylist()):
        return RELEASES
    return tuple(replace(c, label="counted", unit="events counted by each kind's rule (arrests: "
                         "one per 24-hour episode; per kind: Event kinds)")
                 if c.key == "episodes" else c for c in RELEASES)


WORKBOOKS = (
    Col("workbook_id", "id", priority=5), text("file_name", "file", wrap=True),
    Col("fiscal_year", "fiscal year", write=lambda r: f"FY{r['fiscal_year']}"),
    Col("data_through", "data through", kind="text"),
    Col("tables", "tables"), Col("named_tables", "named", priority=4),
    Col("values_stored", "values", priority=3),
)


# --- goal -----------------------------------------------------------------------------
def _goal_rows(a: Answer) -> list[Row]:
    g = cast("GoalAnswer", a)
    return [{"days": None, "label": f"latest day ({g.as_of})", "mean_per_day": g.latest_day,
             "percent_of_goal": g.latest_percent_of_goal,
             "shortfall_per_day": g.goal - g.latest_day}, *(dict(w) for w in g.windows)]


def _goal_columns(a: Answer) -> tuple[Col, ...]:
    unit = "arrests" if a.count == "arrests" else "records"
    return (text("label", ""), text("as_of", "as of", show=False),
            Col("days", "days", "days in the window", show=False),
            Col("days_with_data", "days with data", "days", show=False),
            Col("mean_per_day", f"{unit}/day", f"{unit} a day", 1),
            Col("percent_of_goal", "% of goal", "%", 1),
            Col("shortfall_per_day", "shortfall/day", f"{unit} a day", 1))


def _goal_title(a: Answer) -> str:
    g = cast("GoalAnswer", a)
    unit = "arrests" if g.count == "arrests" else "records"
    digits = 0 if float(g.goal).is_integer() else 1  # (one million a year: 2,739.7 a day)
    return f"National {unit} per day against a goal of {num(g.goal, digits)} a day"


def _goal_caption(a: Answer) -> str:
    g = cast("GoalAnswer", a)
    asked = g.window is not None and g.window.slice.as_of is not None  # (--as-of given)
    return f"as of {g.as_of}" + (
        " (inside the incomplete tail: reporting lag)" if g.as_of_incomplete
        else " (asked)" if asked else "" if g.include_incomplete
        else " (last complete day; newer days are incomplete)")


# --- offices --------------------------------------------------------------------------
def _offices_columns(a: Answer) -> tuple[Col, ...]:
    return (Col("rank", "rank"), text("name", "office"),
            text("aor", "code", priority=7),
            Col("arrests", a.count, a.count),
            Col("per_day", "per day", f"{a.count} a day", 1),
            Col("prev_per_day", "prev. per day", f"{a.count} a day, previous window", 1,
                priority=9),
            Col("change_percent", "change", "%", 1, kind="signed"),
            Col("share_percent", "share", "% of the national total", 1, kind="pct",
                priority=2),
            Col("covered", "covered", show=False))


def _offices_title(a: Answer) -> str:
    r = cast("OfficesAnswer", a)
    span = f"{r.window_days} days" if r.days_with_data == r.window_days else \
        f"{r.window_days} days ({r.days_with_data} with data)"
    return (f"Field offices by {r.count} per day, {span} to {r.as_of}"
            + (" (incomplete)" if r.as_of_incomplete else ""))


# --- breakdown (people see the wide form: periods by the largest values) --------------
def _period_cell(period: str) -> Any:
    def write(r: Row) -> str:
        label = period_label(_day(r["period"]), period)
        if r.get("partial"):
            label += f" ({r['days']} of {r['period_days']} days"
            label += f", {r['incomplete_days']} incomplete)" if r["incomplete_days"] else ")"
        return label
    return write


def _share_cell(name: str) -> Any:
    def write(r: Row) -> str:
        c = r["cells"].get(name) or {}
        if c.get("suppressed"):
            return "(s)"
        if c.get("arrests") is None:
            return "–"
        return f"{num(c['arrests'])} ({num(c['share'], 0)}%)"
    return write


def _office_cell(start: date) -> Any:
    def write(r: Row) -> str:
        c = r["periods"].get(start) or {}
        return "(s)" if c.get("suppressed") else num(c.get("arrests"))
    return write


def _by_office_columns(b: BreakdownAnswer) -> tuple[Col, ...]:
    """Offices as rows, periods as columns (what DDP and TRAC tables show)."""
    return (text("aor", "office"),
            *(Col(f"period_{_day(p['period'])}", period_label(_day(p["period"]), b.period)
                  + ("*" if p["partial"] else ""), b.count, write=_office_cell(p["period"]))
              for p in b.wide),
            Col("period", b.period, show=False), Col("arrests", b.count, show=False),
            Col("share", "share", f"% of the {b.period}'s {b.count}", show=False))


def _breakdown_columns(a: Answer) -> tuple[Col, ...]:
    b = cast("BreakdownAnswer", a)
    if b.by == "aor":
        return _by_office_columns(b)
    return (Col("period", b.period, kind="text", write=_period_cell(b.period), wrap=True),
            text(b.by, b.by, show=False),
            *(Col(f"cells_{c}", c, f"{b.count} (share of the {b.period})",
                  write=_share_cell(c)) for c in b.columns),
            Col("arrests", b.count, b.count, show=False),
            Col("share", "share", f"% of the {b.period}'s {b.count}", show=False),
            Col("total", "total", b.count))


def _breakdown_title(a: Answer) -> str:
    b = cast("BreakdownAnswer", a)
    where = f", {b.aor}" if b.aor else ""
    if b.by == "aor":
        return (f"{b.count.capitalize()} by field office and "
                f"{PERIOD_NAME.get(b.period, b.period)}{where}")
    return (f"{b.count.capitalize()} by {b.by} and {b.period}{where} (count and share of the "
            f"{b.period})")


def _breakdown_rows(a: Answer) -> list[Row]:
    b = cast("BreakdownAnswer", a)
    if b.by == "aor":
        return [{"aor": c, "periods": {p["period"]: p["cells"].get(c) for p in b.wide}}
                for c in b.columns]
    return [dict(p) for p in b.wide]


# --- daily ----------------------------------------------------------------------------
def _daily_columns(a: Answer) -> tuple[Col, ...]:
    d = cast("DailyAnswer", a)
    by = "month" if d.by is None else d.by
    return (Col("key", by, kind="text", header=by,
                write=lambda r: f"{r['key']} (partial)" if r["partial"] else str(r["key"])),
            Col("arrests", d.count, d.count), Col("days", "days", "days", priority=3),
            Col("per_day", "per day", f"{d.count} a day", 1),
            Col("share_percent", "share", "% of the range's total", 1, kind="pct", priority=2),
            Col("partial", "partial", show=False))


def _daily_rows(a: Answer) -> list[Row]:
    """The totals by month or category, then the whole range's, unless a row is suppressed
    (privacy's decision): a total beside suppressed rows would give them away."""
    d = cast("DailyAnswer", a)
    rows: list[Row] = d.totals.to_pylist()
    t = d.total
    if any(r["arrests"] is None for r in rows):
        return rows
    return [*rows, {"key": "total", "arrests": t["arrests"], "days": t["days"],
                    "per_day": t["per_day"], "partial": False,
                    "share_percent": 100.0 if t["arrests"] else None}]


def _daily_title(a: Answer) -> str:
    d = cast("DailyAnswer", a)
    return (f"{d.count.capitalize()} {'by month' if d.by is None else 'by ' + d.by}, "
            f"{d.start} to {d.end}" + (f", {d.aor}" if d.aor else ""))


# --- fiscal years ---------------------------------------------------------------------
def _fy_label(r: Row) -> str:
    return f"FY{r['fiscal_year']}" + ("" if r["days"] == r["period_days"]
                                      else f" ({r['days']} of {r['period_days']} days)")


def _fy_columns(a: Answer) -> tuple[Col, ...]:
    return (Col("fiscal_year", "fiscal year", kind="text", write=_fy_label),
            Col("first", "first day", show=False),
            Col("days", "days", "days of data"), Col("period_days", "days in the year",
                                                     show=False),
            Col("arrests", a.count, a.count), Col("per_day", "per day", f"{a.count} a day", 1),
            Col("published", "ICE published", "arrests (ICE's annual report)"),
            Col("difference", "difference", a.count,
                write=lambda r: num(r["difference"]) if r["published"] else "–"),
            Col("published_source", "published source", show=False))


# --- agency (ICE's workbooks; arrests a day beside them from the releases) ------------
def _agency_columns(a: Answer) -> tuple[Col, ...]:
    arrests = bool(cast("AgencyAnswer", a).arrests_per_day_by_month)
    w = "workbooks"
    return (Col("month", "month", kind="text", source=w,
                write=lambda r: f"{_day(r['month']):%Y-%m}" + (" (partial)" if r["partial"]
                                                               else "")),
            Col("ice", "ICE", "book-ins after ICE arrests", source=w),
            Col("cbp", "CBP", "book-ins after CBP arrests", source=w),
            Col("total", "total", "book-ins", source=w),
            Col("days", "days", "days the workbook covers", source=w, priority=3),
            Col("per_day", "book-ins/day", "book-ins a day", 1, source=w),
            Col("cbp_share_percent", "CBP share", "% of book-ins", 1, kind="pct", source=w,
                priority=2),
            *((Col("arrests_per_day", "arrests/day", "arrests a day (complete months of the "
                   "arrest releases)", 1, source="releases", priority=4),) if arrests else ()),
            Col("partial", "partial", show=False), Col("workbook", "workbook", show=False),
            Col("data_through", "data through", show=False))


DETAINED = (text("criminality", "criminality"),
            Col("ice", "ICE", "people detained after ICE arrests", source="workbooks"),
            Col("cbp", "CBP", "people detained after CBP arrests", source="workbooks"),
            Col("total", "total", "people detained", source="workbooks"),
            Col("cbp_share_percent", "CBP share", "%", 1, kind="pct", source="workbooks",
                priority=2),
            Col("data_through", "data through", show=False),
            Col("workbook", "workbook", show=False))


def _detained_title(a: Answer) -> str:
    d = cast("AgencyAnswer", a).detained
    through = d["data_through"][0] if d.num_rows else ""
    return f"Currently detained by criminality and arresting agency, data through {through}"


def _table_words(a: Answer) -> str:
    key = cast("RevisionsAnswer", a).table_key
    return key.replace("_", " ").replace("book ins", "book-ins")


REVISIONS = (
    Col("month", "month", kind="text", write=lambda r: f"{_day(r['month']):%Y-%m}"),
    text("row_label", "row"), text("workbook", "workbook", wrap=True),
    Col("data_through", "pulled", "ICE's data-pull date printed in the workbook", kind="text",
        priority=3),
    Col("value", "value", "as the workbook gives it"),
    Col("change_from_first", "revision", "against the first workbook pulled after the "
        "month ended", priority=2,
        write=lambda r: "filling" if r["filling"] else f"{r['change_from_first']:+,.0f}"),
    Col("filling", "filling", "pulled before the month ended", show=False),
    Col("workbooks", "workbooks", show=False))


SPECS: dict[tuple[str, str], Spec] = {
    ("status", "releases"): Spec(_releases_columns, lambda a: "Releases"),
    ("status", "workbooks"): Spec(WORKBOOKS, "ICE detention statistics workbooks"),
    ("goal", "windows"): Spec(_goal_columns, _goal_title, _goal_rows, caption=_goal_caption),
    ("offices", "offices"): Spec(_offices_columns, _offices_title,
                                 dim=lambda r: r.get("rank") is None),
    ("breakdown", "rows"): Spec(_breakdown_columns, _breakdown_title, _breakdown_rows,
                                caption=lambda a: PARTIAL if cast("BreakdownAnswer", a).by
                                == "aor" and any(p["partial"] for p in cast(
                                    "BreakdownAnswer", a).wide) else ""),
    ("daily", "totals"): Spec(_daily_columns, _daily_title, _daily_rows),
    ("fiscal_years", "years"): Spec(
        _fy_columns, lambda a: f"{a.count.capitalize()} by federal fiscal year, beside ICE's "
                               f"published totals"),
    ("agency", "book_ins_by_month"): Spec(
        _agency_columns, "ICE initial book-ins by arresting agency and month"),
    ("agency", "detained_by_criminality"): Spec(DETAINED, _detained_title),
    ("revisions", "rows"): Spec(
        REVISIONS, lambda a: f"Revisions between workbooks: {_table_words(a)}, each month "
        "as each workbook gave it",
        caption=lambda a: "pulled: ICE's data-pull date printed in the workbook (a workbook "
        "may hold a few days past it). filling: pulled before the month ended, so the month "
        "was still being counted; a revision is measured from the first workbook pulled "
        "after the month's end."),
}
