"""The store's tables for the event kinds besides arrests (schema 5), and day ownership per
kind. ``store.migrate`` creates them; ``ingest.load`` fills them.

- ``events``: one row per loaded record of encounters, detainers, book-ins (stints) and
  removals, with its kind, its date (the kind's own date: ``icestats.kinds``), its office
  and how the office was found, the fields that matter for counting, and provenance.
  One table with a ``kind`` column rather than one per kind: the kinds share nearly every
  column, every question counts them the same way (by day and office, filtered to the
  owned, counted rows of one kind), and rows arrive in per-release runs of one kind, so
  DuckDB's zone maps skip the other kinds' row groups (docs/architecture.md measures it).
- ``release_kinds``: per file and kind (arrests too): layout, sheets, office rule,
  coverage, rows read / loaded / rejected / blank / implausible, counted events.
- ``kind_day_owner``: per kind and covered date, the release counted for it (the same
  rule as arrests' ``day_owner``: latest coverage end wins, ties go to the one loaded last)
  and whether the date is in that kind's incomplete tail.

Migrations are additive and idempotent (CREATE ... IF NOT EXISTS, ADD COLUMN IF NOT
EXISTS), so a database of any earlier schema, or merged from any branch order, upgrades.
"""

from __future__ import annotations

import duckdb

from icestats.schema import EVENT_SECONDARY as SECONDARY
from icestats.schema import EVENT_TEXT as TEXT
from icestats.schema import EVENT_TIMES as TIMES

EVENT_SCHEMA = [
    f"""CREATE TABLE IF NOT EXISTS events (
        release_id INTEGER NOT NULL, kind VARCHAR NOT NULL, sheet VARCHAR,
        sheet_no SMALLINT NOT NULL, source_row INTEGER NOT NULL,
        event_at TIMESTAMP NOT NULL, event_date DATE NOT NULL,
        aor VARCHAR NOT NULL, aor_status VARCHAR NOT NULL, aor_raw VARCHAR,
        office_from VARCHAR NOT NULL,
        {", ".join(f"{c} VARCHAR" for c in TEXT)},
        {", ".join(f"{c} DATE, {c}_raw VARCHAR" for c in SECONDARY)},
        {", ".join(f"{c} TIMESTAMP" for c in TIMES)},
        birth_year SMALLINT, birth_year_raw VARCHAR,
        id_hash UHUGEINT, id_status VARCHAR NOT NULL,
        episode_start BOOLEAN NOT NULL, owned BOOLEAN NOT NULL DEFAULT false)""",
    """CREATE TABLE IF NOT EXISTS release_kinds (
        release_id INTEGER NOT NULL, kind VARCHAR NOT NULL, layout VARCHAR, sheets VARCHAR,
        office_from VARCHAR, office_rule VARCHAR, coverage_start DATE, coverage_end DATE,
        rows_read BIGINT, rows_loaded BIGINT, rows_rejected BIGINT, rows_blank BIGINT,
        rows_implausible BIGINT, episodes BIGINT, PRIMARY KEY (release_id, kind))""",
    """CREATE TABLE IF NOT EXISTS kind_day_owner (
        kind VARCHAR NOT NULL, date DATE NOT NULL, release_id INTEGER, incomplete BOOLEAN,
        PRIMARY KEY (kind, date))""",
    "ALTER TABLE rejects ADD COLUMN IF NOT EXISTS kind VARCHAR",
    # the one office every record names (title line, --aor, or one office in the rows);
    # NULL: several offices (a release of every office)
    "ALTER TABLE release_kinds ADD COLUMN IF NOT EXISTS one_office VARCHAR",
]


def migrate_events(con: duckdb.DuckDBPyConnection) -> None:
    """Create the event tables; a release loaded before schema 5 held arrests only: its
    release_kinds row is made from its releases row."""
    for statement in EVENT_SCHEMA:
        con.execute(statement)
    con.execute("""
        INSERT INTO release_kinds BY NAME
        SELECT release_id, 'arrests' AS kind, layout, sheets, 'column' AS office_from,
               coverage_start, coverage_end, rows_read, rows_loaded, rows_rejected,
               rows_blank, rows_implausible, episodes,
               (SELECT CASE WHEN count(DISTINCT aor) = 1 THEN min(aor) END FROM arrests a
                WHERE a.release_id = r.release_id AND aor NOT IN ('UNK', 'HQ')) AS one_office
        FROM releases r
        WHERE release_id NOT IN (SELECT release_id FROM release_kinds)""")


# A release whose records all name one office (its title line, --aor, or its rows: the
# Seattle office's workbooks) covers that office only: on a day that a release of several
# offices also covers, the latter counts (else one office's file would replace the
# nation's counts).
OFFICE_ONLY = "one_office IS NOT NULL"


def recompute_kind_owner(con: duckdb.DuckDBPyConnection, kind: str, tail_days: int) -> None:
    """``kind_day_owner`` for one event kind, and ``events.owned`` for its rows: for each
    date its releases cover, the one whose coverage of this kind ends latest (ties: loaded
    last); the newest ``tail_days`` days of the kind's data are incomplete."""
    con.execute("DELETE FROM kind_day_owner WHERE kind = ?", [kind])
    con.execute(f"""
        INSERT INTO kind_day_owner
        SELECT $kind, d, release_id, d > newest - CAST($tail AS INTEGER) FROM (
            SELECT CAST(unnest(generate_series(coverage_start, coverage_end, INTERVAL 1 DAY))
                        AS DATE) AS d,
                   release_id, coverage_end, one_office, max(coverage_end) OVER () AS newest
            FROM release_kinds WHERE kind = $kind AND coverage_start IS NOT NULL)
        QUALIFY row_number() OVER (PARTITION BY d ORDER BY {OFFICE_ONLY}, coverage_end DESC,
                                   release_id DESC) = 1""", {"kind": kind, "tail": tail_days})
    con.execute("""
        UPDATE events SET owned = (events.release_id = o.release_id)
        FROM kind_day_owner o
        WHERE events.kind = $kind AND o.kind = $kind AND events.event_date = o.date
          AND events.owned <> (events.release_id = o.release_id)""", {"kind": kind})


def event_kinds_loaded(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The kinds besides arrests that the store holds, in pipeline order."""
    from icestats.kinds import EVENT_KINDS

    have = {k for (k,) in con.execute("SELECT DISTINCT kind FROM release_kinds").fetchall()}
    return [k for k in EVENT_KINDS if k in have]
