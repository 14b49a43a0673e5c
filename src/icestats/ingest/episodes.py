"""The duplicate rule: records of one identifier form one arrest episode.

Records with the same identifier, ordered by apprehension time (reprocessed records after
others at the same time, then file order), belong to one episode while each is at most
24 hours after the previous one. The episode is one arrest, counted on its first record's
date and office. A record with no usable identifier (blank or redacted) is its own arrest.
"""

from __future__ import annotations

import duckdb

from icestats.store import fetch_one

WINDOW_HOURS = 24


def mark_episodes(con: duckdb.DuckDBPyConnection, release_id: int) -> int:
    """Set episode_start = false on records that continue an episode; return the episodes."""
    con.execute(
        f"""
        UPDATE arrests SET episode_start = false
        FROM (
            SELECT sheet_no, source_row FROM (
                SELECT sheet_no, source_row,
                       apprehension_at - lag(apprehension_at) OVER (
                           PARTITION BY id_hash
                           ORDER BY apprehension_at, reprocessed, sheet_no, source_row) AS gap
                FROM arrests WHERE release_id = $rid AND id_hash IS NOT NULL)
            WHERE gap <= INTERVAL {WINDOW_HOURS} HOURS) AS cont
        WHERE arrests.release_id = $rid AND arrests.sheet_no = cont.sheet_no
          AND arrests.source_row = cont.source_row
        """,
        {"rid": release_id},
    )
    row = fetch_one(
        con, "SELECT count(*) FROM arrests WHERE release_id = ? AND episode_start", [release_id])
    assert row is not None
    return int(row[0])
