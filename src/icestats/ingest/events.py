"""The event kinds besides arrests (encounters, detainers, book-ins, removals): a source row
-> an ``events`` row, and each kind's counting rule (which rows are one event).

The insert takes the same path as arrests (``rows.insert_source``): the one-cell columns
normalized once per distinct value (``plan.py``), the date parsed per distinct value or
per row, the identifier kept only as a keyed hash. The office comes from the kind's
office column, else from the facility code (``reference.facility_offices``), else from
a title line or the --aor option (a constant column the reader adds, see ``layout``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import duckdb

from icestats import reference
from icestats.ingest import normalize as n
from icestats.schema import EVENT_SECONDARY, EVENT_TEXT, EVENT_TIMES

Col = Callable[[str], str]
FACILITY_TABLE = "facility_office"
CRIMINALITY = frozenset({"criminality"})


def register_facilities(con: duckdb.DuckDBPyConnection) -> None:
    """The facility-code -> office table the facility-based office joins to."""
    table = reference.facility_offices()
    con.execute(f"CREATE OR REPLACE TEMP TABLE {FACILITY_TABLE} AS "
                "SELECT unnest($key) AS key, unnest($code) AS code",
                {"key": list(table), "code": list(table.values())})


def office_columns(c: Col, office_field: str) -> list[tuple[str, str, str]]:
    """(output, source field, SQL) of the office columns; the join alias ``a`` holds the
    matched office code (from the spellings table, or the facility table)."""
    v = c(office_field)
    unk = reference.UNKNOWN
    return [
        ("aor", office_field, f"CASE WHEN {n.blank_sql(v)} OR {n.redacted_sql(v)} THEN "
                              f"'{unk}' ELSE coalesce(a.code, '{unk}') END"),
        ("aor_status", office_field, f"CASE WHEN {n.blank_sql(v)} THEN 'blank' "
                                     f"WHEN {n.redacted_sql(v)} THEN 'redacted' "
                                     f"WHEN a.code IS NULL THEN 'unrecognized' ELSE 'ok' END"),
        ("aor_raw", office_field, f"CASE WHEN a.code IS NULL AND NOT {n.blank_sql(v)} "
                                  f"THEN trim({v}) END"),
    ]


def event_value_columns(c: Col, birth: str = "birth_year", office_field: str = "aor"
                        ) -> list[tuple[str, str, str]]:
    """(output column, source field, SQL over that field) for an event's one-cell columns:
    its office, text fields, secondary dates and birth year. ``office_field`` is 'aor', or
    'facility_code' for a release that names facilities only."""
    return cell_columns(c, office_field, birth, EVENT_TEXT, CRIMINALITY, EVENT_SECONDARY)


def cell_columns(c: Col, office_field: str, birth: str, text: Iterable[str],
                 criminality: frozenset[str], secondary: Iterable[str]
                 ) -> list[tuple[str, str, str]]:
    """The one-cell columns every kind has (arrests too, ``plan.value_columns``): the
    office, the ``text`` fields (the ``criminality`` ones normalized as such), each
    ``secondary`` date and the birth year, each of the last two with its raw text."""
    out = office_columns(c, office_field)
    out += [(f, f, n.criminality_sql(c(f)) if f in criminality else n.text_sql(c(f)))
            for f in text]
    for f in secondary:
        value, raw = n.secondary_date_sql(c(f))
        out += [(f, f, value), (f"{f}_raw", f, raw)]
    value, raw = n.birth_year_sql(c(birth), from_date=birth == "birth_date")
    return out + [("birth_year", birth, value), ("birth_year_raw", birth, raw)]


def office_join(office_from: str) -> str:
    """The join that gives the distinct office values their code (alias ``a``)."""
    if office_from == "facility code":
        return f"LEFT JOIN {FACILITY_TABLE} a ON a.key = upper(trim(v))"
    return f"LEFT JOIN aor_alias a ON a.key = {reference.aor_key_sql('v')}"


def time_sql(c: Col, field: str) -> str:
    """A secondary date-time parsed per row (a stay's book-in, a book-out): kept when
    plausible, else NULL (the raw text stays in the file; these are never counted on)."""
    ts = n.timestamp_sql(c(field))
    return f"CASE WHEN {n.in_range_sql(ts, n.SECONDARY_RANGE)} THEN {ts} END"


def per_row_columns(c: Col, has: Callable[[str], bool]) -> list[tuple[str, str]]:
    """The columns computed per row: the secondary date-times."""
    return [(f, time_sql(c, f) if has(f) else "NULL") for f in EVENT_TIMES]


# --- counting rules: which rows are one event (episode_start) ---------------------------
SAME_DAY = ("encounters", "detainers", "removals")


def mark_event_episodes(con: duckdb.DuckDBPyConnection, release_id: int, kind: str) -> int:
    """Apply the kind's duplicate rule to the release's rows of ``kind`` (icestats.kinds):
    encounters, detainers and removals: rows of one identifier on one day are one event
    (the first in file order counts); book-ins: a row counts when it starts its stay (its
    book-in is the stay's, or it has no stay book-in), once per identifier and stay.
    Returns the events counted."""
    params = {"rid": release_id, "kind": kind}
    if kind == "book_ins":
        con.execute("""
            UPDATE events SET episode_start = false
            WHERE release_id = $rid AND kind = $kind
              AND stay_book_in IS NOT NULL AND event_at <> stay_book_in""", params)
        key = "id_hash, coalesce(stay_book_in, event_at)"
    else:
        key = "id_hash, event_date"
    con.execute(f"""
        UPDATE events SET episode_start = false
        FROM (SELECT sheet_no, source_row FROM (
                SELECT sheet_no, source_row, row_number() OVER (
                    PARTITION BY {key} ORDER BY event_at, sheet_no, source_row) AS k
                FROM events WHERE release_id = $rid AND kind = $kind AND episode_start
                  AND id_hash IS NOT NULL)
              WHERE k > 1) AS dup
        WHERE events.release_id = $rid AND events.kind = $kind
          AND events.sheet_no = dup.sheet_no AND events.source_row = dup.source_row""",
                params)
    row = con.execute("SELECT count(*) FROM events WHERE release_id = $rid AND kind = $kind "
                      "AND episode_start", params).fetchall()
    return int(row[0][0])
