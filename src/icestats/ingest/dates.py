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
days it owns. They do not count toward ``--max-rejects`` (which is about rows without a
usable date: a few impossible dates are a property of the data, not a broken file).
"""

from __future__ import annotations

from datetime import date

import duckdb

GAP_DAYS = 28
ISOLATED_ROWS = 50
ISOLATED_SHARE = 0.01
FUTURE = "apprehension date after the day of loading"
ISOLATED = f"apprehension date isolated from the bulk of the release ({GAP_DAYS}+ empty days)"


def _runs_sql() -> str:
    """Per date of release $rid: its run number and whether that run is isolated."""
    return f"""
        WITH d AS (SELECT apprehension_date AS d, count(*) AS n FROM arrests
                   WHERE release_id = $rid AND apprehension_date <= $today GROUP BY 1),
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
              today: date, room: int) -> int:
    """Move the release's impossible records to ``rejects`` (at most ``room`` of them are
    stored there; all are counted); return how many there were."""
    params = {"rid": rid, "today": today, "future": FUTURE, "isolated": ISOLATED}
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE implausible AS
        SELECT sheet_no, source_row, sheet, apprehension_at,
               CASE WHEN apprehension_date > $today THEN $future ELSE $isolated END
                   AS reason
        FROM arrests
        WHERE release_id = $rid AND (apprehension_date > $today
              OR apprehension_date IN ({_runs_sql()}))""", params)
    n = int(con.execute("SELECT count(*) FROM implausible").fetchall()[0][0])
    if n:
        con.execute("""
            INSERT INTO rejects
            SELECT $rid, $file, sheet, source_row, $column, reason,
                   strftime(apprehension_at, '%Y-%m-%d %H:%M:%S')
            FROM implausible ORDER BY sheet_no, source_row LIMIT $room""",
                    {"rid": rid, "file": file_name, "column": column, "room": max(room, 0)})
        con.execute("""
            DELETE FROM arrests USING implausible i
            WHERE arrests.release_id = $rid AND arrests.sheet_no = i.sheet_no
              AND arrests.source_row = i.source_row""", {"rid": rid})
    con.execute("DROP TABLE implausible")
    return n
