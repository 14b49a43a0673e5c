"""The whole enforcement pipeline per office: encounters, detainers, arrests, book-ins and
removals a day side by side, per office and period, with the ratios between them; removals
against a removal goal; book-ins by arresting agency. SQL over the store (kind_counts).

A day counts toward a kind's rate only where that kind is covered (its releases' days,
complete ones: the incomplete tail is left out unless asked for). Where a one-office
release (the Seattle office's workbooks) is the only one covering a day, the other offices
have no record of that day: the national row is then that office's.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import duckdb

from icestats import kind_goals
from icestats.counting import PERIODS, check, period_start_sql
from icestats.defaults import DAYS_PER_YEAR, REMOVAL_GOAL_PER_YEAR, WINDOW_DAYS
from icestats.kind_counts import counted_kind_sql, owner_table
from icestats.kinds import KINDS
from icestats.numbers import round_half_up
from icestats.slices import Source, Window

if TYPE_CHECKING:
    from icestats.answers import PipelineAnswer

# (numerator, denominator, what the ratio can mean, what it cannot)
RATIOS = (
    ("arrests", "encounters", "arrests per encounter",
     "how many arrests the office records for each encounter it records; not the share of "
     "people encountered who are arrested (different people, different days)"),
    ("arrests", "detainers", "arrests per detainer",
     "arrests beside the detainers the office's jails were asked to honour; not the share "
     "of detainers that led to an arrest (a detainer's office is its facility's)"),
    ("book_ins", "arrests", "book-ins per arrest",
     "stays begun beside arrests made; book-ins include people arrested by CBP, so the "
     "ratio can exceed 1, and a book-in's office is where the person was booked in"),
    ("removals", "arrests", "removals per arrest",
     "removals beside arrests in the same days; a removal often follows an arrest made "
     "months before, or none at all (expedited removals at the border): not the share of "
     "arrests ending in removal (see the linked shares for that, where identifiers allow)"),
)


def _days_sql(kind: str, period: str, complete: bool) -> str:
    """(period start, days, the one office when every day's release covers one office
    only) the kind is covered."""
    tail = "AND NOT o.incomplete" if complete else ""
    return f"""
        SELECT {period_start_sql(period, 'o.date')} AS p, count(*) AS days,
               CASE WHEN bool_and(k.one_office IS NOT NULL)
                    AND count(DISTINCT k.one_office) = 1 THEN min(k.one_office) END
        FROM {owner_table(kind)} o
        LEFT JOIN release_kinds k ON k.release_id = o.release_id AND k.kind = '{kind}'
        WHERE o.date BETWEEN $start AND $end {tail}
        GROUP BY 1"""


def _counts_sql(kind: str, period: str, complete: bool) -> str:
    tail = "AND NOT o.incomplete" if complete else ""
    return f"""
        SELECT {period_start_sql(period, 'c.date')} AS p, c.aor, count(*) AS n
        FROM {counted_kind_sql(kind)} c JOIN {owner_table(kind)} o ON o.date = c.date
        WHERE c.date BETWEEN $start AND $end {tail}
        GROUP BY ALL"""


def side_by_side(con: duckdb.DuckDBPyConnection, period: str = "fy",
                 start: date | None = None, end: date | None = None,
                 include_incomplete: bool = False) -> list[dict[str, Any]]:
    """One row per period and office (and 'all' for the nation): for each kind its events,
    the days it is covered, and its events a day (None where the kind is not covered)."""
    check(period, PERIODS, "period")
    binds = {"start": start or date.min, "end": end or date.max}
    complete = not include_incomplete
    cells: dict[tuple[date, str], dict[str, Any]] = {}
    days: dict[tuple[str, date], int] = {}
    local: dict[tuple[str, date], str] = {}  # (kind, period) -> the one office counted
    for kind in KINDS:
        for p, n, one in con.execute(_days_sql(kind, period, complete), binds).fetchall():
            days[(kind, p)] = int(n)
            if one:
                local[(kind, p)] = str(one)
        for p, aor, n in con.execute(_counts_sql(kind, period, complete), binds).fetchall():
            for office in (str(aor), "all"):
                cell = cells.setdefault((p, office), {})
                cell[kind] = cell.get(kind, 0) + int(n)
    periods = sorted({p for _k, p in days})
    offices = sorted({o for _p, o in cells} | {"all"})
    out = []
    for p in periods:
        for office in offices:
            counts = cells.get((p, office), {})
            row: dict[str, Any] = {"period": p, "aor": office}
            rate: dict[str, float | None] = {}
            for kind in KINDS:
                # one office's release: no figure for the nation or the other offices
                d = days.get((kind, p)) if local.get((kind, p), office) == office else None
                row[f"{kind}_days"] = d or 0
                row[kind] = counts.get(kind, 0) if d else None
                rate[kind] = counts.get(kind, 0) / d if d else None
                row[f"{kind}_per_day"] = rate[kind]
            row.update(_ratios(rate))
            if any(row[k] is not None for k in KINDS):  # (a row of blanks says nothing)
                out.append(row)
    return out


def _shown(x: float, digits: int) -> float:
    return round_half_up(x, digits)


def _ratios(rate: dict[str, float | None]) -> dict[str, float | None]:
    """Each ratio of RATIOS from the unrounded rates a day (None where either kind is not
    covered or reads 0.0 a day: a ratio beside a shown 0.0, such as HQ's 2.26 removals per
    arrest at 0.0 arrests a day, says nothing)."""
    out: dict[str, float | None] = {}
    for num, den, _label, _caveat in RATIOS:
        a, b = rate.get(num), rate.get(den)
        shown = a is not None and b is not None and _shown(a, 1) != 0 and _shown(b, 1) != 0
        out[ratio_key(num, den)] = a / b if shown and a is not None and b else None
    return out


def ratio_key(num: str, den: str) -> str:
    """'removals_per_arrest': the key of a ratio in a row."""
    return f"{num}_per_{den.removesuffix('s')}"


# --- removals against a removal goal ---------------------------------------------------
REMOVAL_BREAKDOWNS = {"aor": "aor", "threat_level": "coalesce(threat_level, '(blank)')",
                      "criminality": "coalesce(criminality, '(not recorded)')"}


def removal_goal(con: duckdb.DuckDBPyConnection, goal_per_year: float | None = None,
                 window: int = WINDOW_DAYS, as_of: date | None = None) -> dict[str, Any]:
    """Removals a day over the ``window`` complete days ending ``as_of`` (default: the last
    complete day of removals), against the goal a day; and that rate by office, threat
    level and criminality, each part's share of the goal."""
    from datetime import timedelta

    last = con.execute(f"SELECT max(date) FILTER (WHERE NOT incomplete), max(date) "
                       f"FROM {owner_table('removals')}").fetchall()[0]
    if last[0] is None:
        return {"removals_loaded": False}
    end = as_of or last[0]
    start = end - timedelta(days=window - 1)
    binds = {"start": start, "end": end}
    days = con.execute(f"SELECT count(*) FROM {owner_table('removals')} "
                       "WHERE date BETWEEN $start AND $end", binds).fetchall()[0][0]
    target = kind_goals.goal_for("removals", None) if goal_per_year is None else \
        kind_goals.KindGoal("removals", goal_per_year / DAYS_PER_YEAR, None,
                            f"your goal: {goal_per_year:,g} removals a year (--goal), "
                            f"{goal_per_year / DAYS_PER_YEAR:,.1f} a day, applied to every day")
    goal, goal_per_year = target.per_day, goal_per_year or REMOVAL_GOAL_PER_YEAR
    parts: dict[str, list[dict[str, Any]]] = {}
    total = 0
    for name, expr in REMOVAL_BREAKDOWNS.items():
        rows = con.execute(f"""SELECT {expr} AS v, count(*) FROM {counted_kind_sql('removals')}
                               WHERE date BETWEEN $start AND $end GROUP BY 1
                               ORDER BY 2 DESC, 1""", binds).fetchall()
        total = sum(int(n) for _v, n in rows)
        parts[name] = [{name: str(v), "removals": int(n),
                        "per_day": n / days if days else None,
                        "percent_of_goal": 100 * n / days / goal if days else None}
                       for v, n in rows]
    per_day = total / days if days else None
    return {"removals_loaded": True, "start": start, "end": end, "days": int(days),
            "goal_per_year": goal_per_year, "goal_per_day": goal,
            "goal_from": target.start, "goal_source": target.text,
            "goal_note": target.note(end),
            "removals": total, "per_day": per_day,
            "percent_of_goal": 100 * per_day / goal if per_day is not None else None,
            "shortfall_per_day": goal - per_day if per_day is not None else None,
            "by": parts}


# --- book-ins by arresting agency ------------------------------------------------------
# A stay's arresting agency: its release's 'Arresting Agency' where it has one, else its
# program: Border Patrol and ports of entry (Inspections) are CBP's apprehensions.
AGENCY_SQL = """CASE
    WHEN agency ILIKE '%border patrol%' OR agency ILIKE '%USBP%' OR agency ILIKE 'CBP%'
         OR (agency IS NULL AND (final_program ILIKE '%border patrol%'
             OR final_program ILIKE 'inspections%' OR final_program ILIKE '%CBP%'))
        THEN 'CBP'
    WHEN agency IS NOT NULL OR final_program IS NOT NULL THEN 'ICE'
    ELSE '(not recorded)' END"""


def book_ins_by_agency(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Book-ins (stays) per month by arresting agency, per office and nationally, beside
    the national monthly split of ICE's detention statistics workbooks (where loaded)."""
    from icestats import detention

    rows = con.execute(f"""
        SELECT CAST(date_trunc('month', date) AS DATE) AS month, aor, {AGENCY_SQL} AS agency,
               r.one_office IS NOT NULL AS one, count(*)
        FROM {counted_kind_sql('book_ins')} b
        JOIN release_kinds r ON r.release_id = b.release_id AND r.kind = 'book_ins'
        GROUP BY ALL ORDER BY ALL
    """).fetchall()
    cells: dict[tuple[date, str], dict[str, int]] = {}
    for month, aor, agency, one, n in rows:  # (one office's release: no national figure)
        for office in (str(aor),) if one else (str(aor), "all"):
            cell = cells.setdefault((month, office), {"ICE": 0, "CBP": 0, "(not recorded)": 0})
            cell[agency] += int(n)
    whole = dict(con.execute(f"""
        SELECT CAST(date_trunc('month', date) AS DATE),
               count(*) FILTER (WHERE NOT incomplete) = day(last_day(min(date)))
        FROM {owner_table('book_ins')} GROUP BY 1""").fetchall())
    out = []
    for (month, office), c in sorted(cells.items()):
        total = sum(c.values())
        known = c["ICE"] + c["CBP"]
        out.append({"month": month, "aor": office, "ice": c["ICE"], "cbp": c["CBP"],
                    "not_recorded": c["(not recorded)"], "book_ins": total,
                    "cbp_share_percent": 100 * c["CBP"] / known if known else None,
                    # not every day of the month covered, or some in the incomplete tail
                    "partial": not whole.get(month, False)})
    workbook = detention.book_ins(con).to_pylist() if detention.has_workbooks(con) else []
    return {"rows": out, "workbooks": [
        {k: r[k] for k in ("month", "ice", "cbp", "total", "cbp_share_percent", "workbook")}
        for r in workbook]}


# --- the answer ------------------------------------------------------------------------
def pipeline_answer(con: duckdb.DuckDBPyConnection, w: Window, period: str,
                    goal_per_year: float | None, window: int) -> PipelineAnswer:
    """``icestats pipeline`` over the slice's days (its --from/--to; the whole data by
    default), one office when the slice names one (beside the nation, 'all')."""
    from icestats.answers import PipelineAnswer
    from icestats.pipeline_links import linked_shares

    s = w.slice
    keep = {*s.offices, "all"} if s.offices else None
    kinds = [r for r in side_by_side(con, period, s.start, s.end, s.include_incomplete)
             if keep is None or r["aor"] in keep]
    goal = removal_goal(con, goal_per_year, window)
    removals_by = [{"by": name, "value": r[name], **{k: v for k, v in r.items() if k != name}}
                   for name, rows in goal.pop("by", {}).items() for r in rows
                   if keep is None or name != "aor" or r[name] in keep]
    links = linked_shares(con, include_incomplete=s.include_incomplete)
    agency = book_ins_by_agency(con)
    return PipelineAnswer(
        period, kinds,
        [{"ratio": label, "key": ratio_key(num, den), "cannot_mean": caveat}
         for num, den, label, caveat in RATIOS],
        goal, removals_by,
        [r for r in links.pop("rows") if keep is None or r["aor"] in keep], links,
        [r for r in agency["rows"] if (keep is None or r["aor"] in keep)
         and (s.start is None or r["month"] >= s.start.replace(day=1))
         and (s.end is None or r["month"] <= s.end)],
        agency["workbooks"], window=w, source=kinds_source(con),
        method="each kind counted by its own date, office and duplicate rule "
               "(docs/methods.md), a day over the complete days it covers in each period; "
               "ratios from the unrounded rates; removals against the goal over the last "
               f"{window} complete days of removals; linked shares only where identifiers "
               "link the kinds of one release family, arrests followed for the whole window")


def kinds_source(con: duckdb.DuckDBPyConnection) -> Source:
    """Every release counted for some kind, and the workbooks."""
    from icestats import detention

    rows = con.execute("""SELECT file_name, synthetic FROM releases WHERE release_id IN
                          (SELECT release_id FROM day_owner UNION
                           SELECT release_id FROM kind_day_owner) ORDER BY release_id"""
                       ).fetchall()
    books = detention.workbooks(con)["workbooks"] if detention.has_workbooks(con) else None
    return Source(tuple((str(n), s) for n, s in rows),
                  tuple(books["file_name"].to_pylist()) if books is not None else (),
                  records="event records")
