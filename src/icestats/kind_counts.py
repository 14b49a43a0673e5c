"""Counting any kind of event (icestats.kinds) as SQL over the store: the rows that count
for a kind, and their daily counts per office and over periods.

Arrests are counted by ``counting.counted_sql`` (unchanged); the other kinds by the same
rules over ``events``: the release that owns the day for that kind (``kind_day_owner``),
one row per event under the kind's duplicate rule (``episode_start``), or every record
(``count='records'``: stints for book-ins).
"""

from __future__ import annotations

from datetime import date

import duckdb

from icestats.counting import counted_sql
from icestats.errors import UsageError
from icestats.kinds import ARRESTS, KINDS

KIND_COUNTS = ("events", "records")  # ('arrests' is accepted for 'events')


def check(kind: str, count: str) -> tuple[str, str]:
    """(kind, count) validated: a known kind, and 'events' or 'records'."""
    if kind not in KINDS:
        raise UsageError(f"unknown kind '{kind}' (expected one of {', '.join(KINDS)})")
    count = "events" if count == "arrests" else count
    if count not in KIND_COUNTS:
        raise UsageError(f"unknown count '{count}' (expected arrests/events or records)")
    return kind, count


def counted_kind_sql(kind: str, count: str = "events", *, owned: bool = True) -> str:
    """The rows of ``kind`` that count, as a relation with ``date``, ``aor`` and the
    kind's fields (fixed SQL: ``kind`` is checked against KINDS, never formatted from
    anything else)."""
    kind, count = check(kind, count)
    if kind == ARRESTS:
        rows = counted_sql("arrests" if count == "events" else "records", owned=owned)
        return f"(SELECT apprehension_date AS date, * FROM {rows})"
    where = [f"kind = '{kind}'"] + (["owned"] if owned else [])
    if count == "events":
        where.append("episode_start")
    return f"(SELECT event_date AS date, * FROM events WHERE {' AND '.join(where)})"


def owner_table(kind: str) -> str:
    """The day-ownership relation of ``kind``: (date, release_id, incomplete)."""
    kind, _ = check(kind, "events")
    if kind == ARRESTS:
        return "day_owner"
    return f"(SELECT date, release_id, incomplete FROM kind_day_owner WHERE kind = '{kind}')"


def daily_by_office(con: duckdb.DuckDBPyConnection, kind: str, start: date | None = None,
                    end: date | None = None, count: str = "events"
                    ) -> list[tuple[date, str, int]]:
    """(date, office, events) for every office-day with at least one event of ``kind`` in
    [start, end], ordered by date and office."""
    rows = con.execute(f"""
        SELECT date, aor, count(*) FROM {counted_kind_sql(kind, count)}
        WHERE date BETWEEN $start AND $end GROUP BY ALL ORDER BY 1, 2""",
                       {"start": start or date.min, "end": end or date.max}).fetchall()
    return [(d, str(a), int(n)) for d, a, n in rows]


def per_fiscal_year(con: duckdb.DuckDBPyConnection, kind: str, count: str = "events"
                    ) -> dict[int, int]:
    """Events of ``kind`` per federal fiscal year (October to September) of their date."""
    rows = con.execute(f"""
        SELECT year(date + INTERVAL 3 MONTH) AS fy, count(*)
        FROM {counted_kind_sql(kind, count)} GROUP BY 1 ORDER BY 1""").fetchall()
    return {int(fy): int(n) for fy, n in rows}


def kinds_loaded(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every kind the store holds records of, in pipeline order."""
    have = {k for (k,) in con.execute("SELECT DISTINCT kind FROM release_kinds").fetchall()}
    return [k for k in KINDS if k in have]


# Arrest columns read from an event column of another name (the rest: same name, or NULL).
_AS_ARREST = {"apprehension_at": "event_at", "apprehension_date": "event_date",
              "site_landmark": "landmark", "case_threat_level": "threat_level",
              "reprocessed": "false"}


def kind_connection(con: duckdb.DuckDBPyConnection, kind: str
                    ) -> duckdb.DuckDBPyConnection:
    """A cursor on the same database in which ``arrests`` and ``day_owner`` are the rows and
    day owners of ``kind`` (temporary views, seen by this cursor only), so that every
    question (metrics, series, breakdowns, stats), written over arrests, counts the kind
    with its own date, office, duplicate rule and day ownership. Arrest fields an event
    kind does not carry read as NULL ('(blank)' in a breakdown). Arrests: ``con`` itself.

    (Hand-written rather than a kind argument through every counting function: the SQL of
    twenty functions is the same for every kind but its two relations.)"""
    kind, _ = check(kind, "events")
    if kind == ARRESTS:
        return con
    cur = con.cursor()
    have = {str(r[0]) for r in cur.execute("DESCRIBE events").fetchall()}
    cols = []
    for name, typ, *_ in cur.execute("DESCRIBE main.arrests").fetchall():
        src = _AS_ARREST.get(str(name), str(name))
        cols.append(f"{src if src in have or src == 'false' else f'CAST(NULL AS {typ})'}"
                    f" AS {name}")
    cur.execute(f"CREATE TEMP VIEW arrests AS SELECT {', '.join(cols)} FROM main.events "
                f"WHERE kind = '{kind}'")
    cur.execute("CREATE TEMP VIEW day_owner AS SELECT date, release_id, incomplete "
                f"FROM main.kind_day_owner WHERE kind = '{kind}'")
    cur.execute(f"CREATE TEMP VIEW counted_kind AS SELECT '{kind}' AS kind")
    return cur
