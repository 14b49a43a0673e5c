"""Small compositions ``client.Icestats`` makes of several modules' answers: the goals
asked for, the month of book-ins and the weekly counts beside a goal, what
``status`` shows, a method's keywords as its question's values."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from icestats import count_metrics, detention, metrics
from icestats.answers import BookInsNear, GoalAnswer, Source, StatusAnswer
from icestats.kind_goals import KindGoal, goal_for

__all__ = ["asked", "beside_goal", "book_ins_near", "goal_for", "goals_of", "pipeline_slice",
           "status", "with_goal"]
from icestats.slices import Slice, Window

if TYPE_CHECKING:
    import duckdb

    from icestats.stats.goals import Goals


def goals_of(own: dict[str, Any], w: Window | None = None) -> Goals:
    """The goals asked for: a goals file or ``Goals`` (default: the kind's stated goal from
    the day it was set, ``kind_goals``; a kind without one: no goal), with the goal and
    allocation given over it."""
    from icestats import kind_goals
    from icestats.stats import goals as goals_mod

    base, kind = own.get("goals"), w.slice.kind if w is not None else "arrests"
    if base is None and kind != "arrests":
        stated = kind_goals.stated(kind)
        name = kind.replace("_", "-")
        base = goals_mod.Goals(stated.per_day, stated.start, source=f"default: {stated.text}, "
                               f"allocated by noncitizen population") if stated else \
            goals_mod.Goals(start=date.max, source=f"no stated goal for {name} (--goal N "
                                                   f"sets one: {name} a day)")
    return goals_mod.load(base, national=own.get("goal"), allocation=own.get("allocation"))


def with_goal(answer: GoalAnswer, target: KindGoal) -> GoalAnswer:
    """``answer`` saying its goal: where from, from which day, and whether the as-of day
    is before it was set."""
    answer.goal_from, answer.goal_source = target.start, target.text
    answer.goal_note = target.note(answer.as_of)
    return answer


def beside_goal(con: duckdb.DuckDBPyConnection, answer: GoalAnswer) -> GoalAnswer:
    """``answer`` (from the records) with what else is loaded beside it: the month of
    book-ins near its as-of day (its workbook then among the sources), and a line naming
    the weekly national counts past the records, with the option that asks them."""
    from icestats import count_routes

    answer.book_ins = book_ins_near(con, answer.as_of)
    if answer.book_ins is not None:
        answer.source = Source(answer.source.releases, (answer.book_ins.workbook,))
    kind = answer.window.slice.kind if answer.window else "arrests"
    answer.counts_note = count_routes.weekly_note(con, kind)
    return answer


def book_ins_near(con: duckdb.DuckDBPyConnection, day: date) -> BookInsNear | None:
    """The last complete month of book-ins ending by ``day``, else the newest one."""
    if not detention.has_workbooks(con):
        return None
    months = [m for m in detention.book_ins(con).to_pylist() if not m["partial"]]
    if not months:
        return None
    before = [m for m in months if m["month"] + timedelta(days=m["days"] - 1) <= day]
    if not before or (day - before[-1]["month"]).days > 62:
        return None  # no workbook month near this day: nothing to put beside it
    m = before[-1]
    return BookInsNear(m["month"], m["per_day"], m["cbp_share_percent"], m["workbook"])


def status(con: duckdb.DuckDBPyConnection, whole: Window | None) -> StatusAnswer:
    """What is loaded: releases, kinds, workbooks, count tables, coverage, rows."""
    s, source = metrics.release_status(con), loaded_source(con)
    books = detention.workbooks(con)
    return StatusAnswer(s["releases"], s["coverage"], s["rows_loaded"], s["rows_rejected"],
                        s["records_merged"], s["rejects_by_reason"], s["aor_not_matched"],
                        s["unrecognized_aor_values"], books["workbooks"], books["tables"],
                        kinds=s["kinds"], count_tables=count_metrics.tables(con),
                        count_agreement=count_metrics.agreement_summary(con),
                        count_rejects=count_metrics.rejects(con), source=source,
                        window=whole, kind_rules=kind_rules(con))


def loaded_source(con: duckdb.DuckDBPyConnection) -> Source:
    """Every file loaded, as status's data line says it: each kind's counted releases in
    its own words ('REAL removal records from ...'), the workbooks and the count tables.
    (Arrests' releases only, a store of removals said "no data loaded".)"""
    from icestats import slices
    from icestats.agency_answers import all_sources
    from icestats.kind_counts import kind_connection, kinds_loaded

    every = all_sources(con)  # (its releases: arrests' only)
    releases: list[tuple[str, bool | None]] = []
    words: list[str] = []
    for kind in kinds_loaded(con):
        mine = slices.source(kind_connection(con, kind))
        releases += mine.releases
        words += [mine.records] * len(mine.releases)
    return Source(tuple(releases), every.workbooks, every.counts, words=tuple(words))


def kind_rules(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    """Each kind loaded: its label, what one event is, its counting rule, its days."""
    from icestats import slices
    from icestats.kind_counts import kind_connection, kinds_loaded
    from icestats.kinds import LABELS, RULES

    out = {}
    for kind in kinds_loaded(con):
        cov = slices.coverage(kind_connection(con, kind))
        r = RULES[kind]
        out[kind] = {"label": LABELS[kind], "one": r.one, "counting": r.counting,
                     "start": cov.start, "end": cov.end,
                     "complete_through": cov.complete_through}
    return out


def asked(values: dict[str, Any], *python_only: str) -> dict[str, Any]:
    """A method's ``locals()`` (taken before anything else is named) as its question's
    values, less ``self`` and the keywords only Python has."""
    return {k: v for k, v in values.items() if k != "self" and k not in python_only}


def pipeline_slice(con: duckdb.DuckDBPyConnection, s: Slice) -> Slice:
    """The pipeline's slice: over the arrests' days, or, in a store without arrests (only
    removals loaded, say), over the days of the first kind it holds."""
    from dataclasses import replace

    from icestats.kind_counts import kinds_loaded

    loaded = kinds_loaded(con)
    return replace(s, kind=loaded[0]) if loaded and "arrests" not in loaded else s
