"""Dates that cannot be true: set aside before coverage and day ownership are computed.

Two rules, applied once a release's rows are in (SQL over its rows, per date):

1. **Future**: a record dated after the day of loading (``today``) cannot have happened.
2. **Isolated**: the release's dates are split into runs wherever at least ``GAP_DAYS``
   (28) consecutive days hold no record. The run with the most records is the release's
   bulk. Any other run holding fewer than ``max(ISOLATED_ROWS, ISOLATED_SHARE x rows)``
   records (50 rows or 1% of the release, whichever is more) is a handful of mistyped
   dates far from the bulk (a 2030 record in a 2025 file), not data.

Such records move from ``arrests`` to ``rejects`` with their reason and row (file, sheet,
row, column kept; the value shown is the date as read); they are counted in
``rows_rejected`` and ``rows_implausible``, never extend the release's coverage or the
days it owns. They count toward ``--max-rejects`` like rows without a usable date (a file
whose dates were read the wrong way round is mostly "impossible" dates).

Slashed dates (``03/04/2025``) are read month first, as ICE writes them, unless the
column says otherwise (``date_order``): a day above 12 in the first place and none in the
second means day first; in any layout (ICE's registered ones too), a column whose every
value reads both ways (all numbers 12 or less) is ambiguous and refused unless
``--date-order`` says which.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from icestats.errors import InputError
from icestats.ingest.sources import Source

GAP_DAYS = 28
ISOLATED_ROWS = 50
ISOLATED_SHARE = 0.01
FUTURE = "apprehension date after the day of loading"
ISOLATED = f"apprehension date isolated from the bulk of the release ({GAP_DAYS}+ empty days)"


def _target(kind: str) -> tuple[str, str, str, str]:
    """(table, date column, date-time column, row filter) of one kind's rows of $rid."""
    if kind == "arrests":
        return "arrests", "apprehension_date", "apprehension_at", "release_id = $rid"
    return "events", "event_date", "event_at", "release_id = $rid AND kind = $kind"


def _runs_sql(kind: str) -> str:
    """Per date of release $rid: its run number and whether that run is isolated."""
    table, day, _at, mine = _target(kind)
    return f"""
        WITH d AS (SELECT {day} AS d, count(*) AS n FROM {table}
                   WHERE {mine} AND {day} <= $today GROUP BY 1),
        g AS (SELECT d, n, CASE WHEN d - lag(d) OVER (ORDER BY d) > {GAP_DAYS}
                                THEN 1 ELSE 0 END AS brk FROM d),
        c AS (SELECT d, n, sum(brk) OVER (ORDER BY d) AS run FROM g),
        s AS (SELECT run, sum(n) AS rows FROM c GROUP BY run),
        bulk AS (SELECT run FROM s ORDER BY rows DESC, run DESC LIMIT 1)
        SELECT c.d FROM c JOIN s USING (run)
        WHERE run <> (SELECT run FROM bulk)
          AND s.rows < greatest({ISOLATED_ROWS}, {ISOLATED_SHARE} * (SELECT sum(n) FROM d))
    """


def set_aside(con: duckdb.DuckDBPyConnection, rid: int, file_name: str, column: str,
              today: date, room: int, kind: str = "arrests", what: str = "apprehension date"
              ) -> int:
    """Move the release's impossible records of ``kind`` to ``rejects`` (at most ``room``
    of them are stored there; all are counted); return how many there were. ``what``
    names the date in the reason."""
    table, day, at, mine = _target(kind)
    params = {"rid": rid, "today": today, "future": FUTURE.replace("apprehension date", what),
              "isolated": ISOLATED.replace("apprehension date", what)}
    if kind != "arrests":
        params["kind"] = kind
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE implausible AS
        SELECT sheet_no, source_row, sheet, {at} AS at_time,
               CASE WHEN {day} > $today THEN $future ELSE $isolated END AS reason
        FROM {table}
        WHERE {mine} AND ({day} > $today OR {day} IN ({_runs_sql(kind)}))""", params)
    n = int(con.execute("SELECT count(*) FROM implausible").fetchall()[0][0])
    if n:
        con.execute("""
            INSERT INTO rejects BY NAME
            SELECT $rid AS release_id, $file AS file_name, sheet, source_row,
                   $column AS column_name, reason,
                   strftime(at_time, '%Y-%m-%d %H:%M:%S') AS raw_value, $kind AS kind
            FROM implausible ORDER BY sheet_no, source_row LIMIT $room""",
                    {"rid": rid, "file": file_name, "column": column, "room": max(room, 0),
                     "kind": kind})
        con.execute(f"""
            DELETE FROM {table} USING implausible i
            WHERE {table}.release_id = $rid AND {table}.sheet_no = i.sheet_no
              AND {table}.source_row = i.source_row""", {"rid": rid})
    con.execute("DROP TABLE implausible")
    return n


ORDER_VARIABLE = "icestats_date_order"  # --date-order (mdy or dmy): set by the client
_SLASHED = r"^\s*(\d{1,2})/(\d{1,2})/\d{2,4}"


def date_order(con: duckdb.DuckDBPyConnection, path: Path, source: Source) -> str:
    """``mdy`` or ``dmy`` for a source's slashed dates (its kind's date column): what
    ``--date-order`` says, else what the whole column shows; refuses a column readable
    both ways."""
    given = con.execute(f"SELECT getvariable('{ORDER_VARIABLE}')").fetchall()[0][0]
    if given in ("mdy", "dmy"):
        return str(given)
    field = source.layout.date_field
    if source.typed_date or field not in source.layout.columns:
        return "mdy"
    # (the patterns run on the column's distinct values, a few hundred a year of records,
    # rather than on every row: 0.1 s of each real FY file)
    # (a value read one way only is evidence: 05/13/2016 month first, 13/05/2016 day first;
    # one read neither way, 31/31/2016, is no evidence and is rejected with its row)
    c = "trim(v)"
    mdy, dmy, n = con.execute(
        f"SELECT coalesce(bool_or(b > 12 AND b <= 31 AND a <= 12), false), "
        f"coalesce(bool_or(a > 12 AND a <= 31 AND b <= 12), false), "
        f"coalesce(sum(k) FILTER (a <= 12 AND b <= 12), 0) "
        f"FROM (SELECT CAST(regexp_extract({c}, '{_SLASHED}', 1) AS INTEGER) AS a, "
        f"CAST(regexp_extract({c}, '{_SLASHED}', 2) AS INTEGER) AS b, k "
        f"FROM (SELECT {field} AS v, count(*) AS k FROM {source.relation} "
        f"WHERE {source.where} GROUP BY ALL) WHERE regexp_matches({c}, '{_SLASHED}'))"
        ).fetchall()[0]
    # in every layout, ICE's own too: a file under an ICE header may have been re-saved
    # day first (the real releases are ISO, or month first with days above 12)
    if mdy or not dmy and not n:
        return "mdy"
    if dmy:
        return "dmy"
    raise InputError(str(path), f"every slashed date in column "
                     f"'{source.layout.columns[field]}' reads both as "
                     f"month/day and as day/month (none reads one way only, "
                     f"{n:,} dates); say which with --date-order mdy or --date-order dmy",
                     sheet=source.sheet)
