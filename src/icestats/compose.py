"""Small compositions ``client.Icestats`` makes of several modules' answers: the goals
asked for, the month of book-ins beside a day, what
``status`` shows, a method's keywords as its question's values."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from icestats import count_metrics, detention, metrics
from icestats.answers import BookInsNear, Source, StatusAnswer
from icestats.slices import Window

if TYPE_CHECKING:
    import duckdb

    from icestats.stats.goals import Goals


def goals_of(own: dict[str, Any]) -> Goals:
    """The goals asked for: a goals file or ``Goals`` (default: the built-in goal), with
    the goal and allocation given over it."""
    from icestats.stats import goals as goals_mod

    return goals_mod.load(own.get("goals"), national=own.get("goal"),
                          allocation=own.get("allocation"))


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


def status(con: duckdb.DuckDBPyConnection, whole: Window | None, source: Source
           ) -> StatusAnswer:
    """What is loaded: releases, kinds, workbooks, count tables, coverage, rows."""
    s = metrics.release_status(con)
    books = detention.workbooks(con)
    return StatusAnswer(s["releases"], s["coverage"], s["rows_loaded"], s["rows_rejected"],
                        s["records_merged"], s["rejects_by_reason"], s["aor_not_matched"],
                        s["unrecognized_aor_values"], books["workbooks"], books["tables"],
                        kinds=s["kinds"], count_tables=count_metrics.tables(con),
                        count_agreement=count_metrics.agreement_summary(con),
                        count_rejects=count_metrics.rejects(con), source=source,
                        window=whole)


def asked(values: dict[str, Any], *python_only: str) -> dict[str, Any]:
    """A method's ``locals()`` (taken before anything else is named) as its question's
    values, less ``self`` and the keywords only Python has."""
    return {k: v for k, v in values.items() if k != "self" and k not in python_only}
