"""The DuckDB store: connection, schema, migrations and release precedence.

Tables:
- ``releases``: one row per loaded file (hash, coverage, counts).
- ``arrests``: canonical columns + provenance (release, sheet, row) + episode flags.
- ``rejects``: rows that could not be loaded, with file, sheet, row, column and reason.
- ``day_owner``: for each covered date, the release whose arrests are counted.
- ``events``, ``release_kinds``, ``kind_day_owner``: the other event kinds (``event_store``).
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from icestats.errors import StoreError, first_line
from icestats.event_store import OFFICE_ONLY, migrate_events
from icestats.schema import ADDED_IN_4, TEXT_FIELDS

if TYPE_CHECKING:
    import pyarrow as pa

# 2: arrests.owned; 3: id_hash as a 128-bit number; 4: the real layouts (releases: layout
# name, synthetic, columns mapped / not mapped, rows blank and implausible; arrests: the
# fields of ADDED_IN_4); 5: the other event kinds (event_store: events, release_kinds,
# kind_day_owner, rejects.kind); 6: count tables (count_tables, count_values,
# count_populations, count_vintages, count_rejects: published counts, stored apart from
# the records); 7: personal_grid, the protected grid of personal attributes (privacy.py;
# rebuilt by every writer before its switch).
SCHEMA_VERSION = 7
TAIL_DAYS = 14  # newest days of a release treated as incomplete (reporting lag)

# Published count tables (icestats.counts): each value one kind, period, area and vintage.
COUNT_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS count_tables (
        table_id INTEGER PRIMARY KEY, file_name VARCHAR, file_sha256 VARCHAR UNIQUE,
        file_format VARCHAR, form VARCHAR, description VARCHAR, kind VARCHAR, grain VARCHAR,
        week_start VARCHAR, geo_level VARCHAR, area VARCHAR, dims VARCHAR,
        synthetic BOOLEAN, loaded_at TIMESTAMP, coverage_start DATE, coverage_end DATE,
        rows_read BIGINT, values_stored BIGINT, not_reported BIGINT, rows_rejected BIGINT,
        vintages INTEGER, columns_mapped VARCHAR, columns_unmapped VARCHAR, notes VARCHAR,
        declared VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS count_values (
        table_id INTEGER, kind VARCHAR, grain VARCHAR, period_start DATE, period_end DATE,
        geo_level VARCHAR, geo VARCHAR, dims VARCHAR[], vintage INTEGER, value DOUBLE,
        caveat VARCHAR, sheet VARCHAR, source_row INTEGER, column_name VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS count_populations (
        table_id INTEGER, geo_level VARCHAR, geo VARCHAR, measure VARCHAR, value DOUBLE,
        source_row INTEGER, column_name VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS count_vintages (
        table_id INTEGER, vintage INTEGER, as_of DATE, file_date DATE, pull_date DATE,
        fiscal_year INTEGER, labelled_fiscal_year INTEGER, status VARCHAR, note VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS count_rejects (
        table_id INTEGER, file_name VARCHAR, sheet VARCHAR, source_row INTEGER,
        column_name VARCHAR, reason VARCHAR, raw_value VARCHAR)""",
]

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
    """CREATE TABLE IF NOT EXISTS releases (
        release_id INTEGER PRIMARY KEY, file_name VARCHAR, file_sha256 VARCHAR UNIQUE,
        file_format VARCHAR, layout VARCHAR, sheets VARCHAR, loaded_at TIMESTAMP,
        coverage_start DATE, coverage_end DATE, rows_read BIGINT, rows_loaded BIGINT,
        rows_rejected BIGINT, episodes BIGINT, ignored_columns VARCHAR,
        synthetic BOOLEAN DEFAULT false, columns_mapped VARCHAR DEFAULT '{}',
        columns_unmapped VARCHAR DEFAULT '[]', rows_blank BIGINT DEFAULT 0,
        rows_implausible BIGINT DEFAULT 0, compression VARCHAR DEFAULT 'none')""",
    f"""CREATE TABLE IF NOT EXISTS arrests (
        release_id INTEGER NOT NULL, sheet VARCHAR, sheet_no SMALLINT NOT NULL,
        source_row INTEGER NOT NULL,
        apprehension_at TIMESTAMP NOT NULL, apprehension_date DATE NOT NULL,
        aor VARCHAR NOT NULL, aor_status VARCHAR NOT NULL, aor_raw VARCHAR,
        {", ".join(f"{c} VARCHAR" for c in TEXT_FIELDS if c not in ADDED_IN_4)},
        departed_date DATE, departed_date_raw VARCHAR,
        final_order_date DATE, final_order_date_raw VARCHAR,
        birth_year SMALLINT, birth_year_raw VARCHAR,
        id_hash UHUGEINT, id_status VARCHAR NOT NULL,
        reprocessed BOOLEAN NOT NULL, episode_start BOOLEAN NOT NULL,
        owned BOOLEAN NOT NULL DEFAULT false,
        {", ".join(f"{c} VARCHAR" for c in ADDED_IN_4)})""",
    """CREATE TABLE IF NOT EXISTS rejects (
        release_id INTEGER, file_name VARCHAR, sheet VARCHAR, source_row INTEGER,
        column_name VARCHAR, reason VARCHAR, raw_value VARCHAR)""",
    "CREATE TABLE IF NOT EXISTS day_owner (date DATE PRIMARY KEY, release_id INTEGER,"
    " incomplete BOOLEAN)",
    # ICE detention statistics workbooks (icestats.workbooks): tables kept tidy.
    """CREATE TABLE IF NOT EXISTS workbooks (
        workbook_id INTEGER PRIMARY KEY, file_name VARCHAR, file_sha256 VARCHAR UNIQUE,
        fiscal_year INTEGER, data_through DATE, loaded_at TIMESTAMP, tables INTEGER,
        named_tables INTEGER, values_stored BIGINT)""",
    """CREATE TABLE IF NOT EXISTS wb_tables (
        workbook_id INTEGER, table_key VARCHAR, named BOOLEAN, title VARCHAR, sheet VARCHAR,
        anchor VARCHAR, fiscal_year INTEGER, label_columns VARCHAR, values_stored INTEGER,
        total_mismatches VARCHAR, note VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS wb_values (
        workbook_id INTEGER, table_key VARCHAR, sheet VARCHAR, dims VARCHAR[],
        column_label VARCHAR, month DATE, value DOUBLE, cell VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS wb_raw (
        workbook_id INTEGER, table_key VARCHAR, sheet VARCHAR, cell VARCHAR, text VARCHAR)""",
    *COUNT_SCHEMA,
    # the published cells of personal attributes (privacy.build_grid fills it)
    """CREATE TABLE IF NOT EXISTS personal_grid (
        kind VARCHAR, attribute VARCHAR, month DATE, aor VARCHAR, interior BOOLEAN,
        first_record BOOLEAN, value VARCHAR, published BIGINT)""",
]


def connect(path: str | Path, *, read_only: bool = False, shown_as: str | Path | None = None,
            allow_older: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the store; read-only opening requires an existing, initialized database.

    A database written by a newer icestats, or a DuckDB file holding tables but no icestats
    ``meta``, is refused (never adopted); ``allow_older`` lets a read-only check pass an
    older or empty database that a writer will migrate. ``shown_as`` is the path named in
    messages (a writer opens a working copy; the user knows the database by its name)."""
    path = Path(path)
    shown = Path(shown_as) if shown_as is not None else path
    if path.is_dir():
        raise StoreError(f"--db {shown} is a directory, not a database file")
    if path.exists() and not path.is_file():  # a FIFO would block the open; a device...
        raise StoreError(f"--db {shown} is not a regular file (a pipe, device or socket), "
                         "not a database file")
    if read_only and not path.exists():
        raise StoreError(f"no database at {shown}; load a release first with `icestats ingest`")
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        raise StoreError(f"cannot open database {shown}: {first_line(exc)}") from None
    except duckdb.Error as exc:
        raise StoreError(f"{shown} is not an icestats database: {first_line(exc)}") \
            from None
    try:
        _check_version(con, shown, writing=allow_older or not read_only)
        if not read_only:
            migrate(con)
    except BaseException:
        con.close()
        raise
    return con


def _check_version(con: duckdb.DuckDBPyConnection, path: Path, *, writing: bool = False
                   ) -> int | None:
    """The database's schema version; None for an empty DuckDB file (writers initialize
    it). Refuses a foreign file and one from a newer icestats; a reader also refuses an
    older one (only a writer migrates)."""
    tables = {t for (t,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
    ).fetchall()}
    if not tables and writing:
        return None
    if "meta" not in tables:
        raise StoreError(f"{path} is not an icestats database (it holds tables but no icestats "
                         "meta table); use another --db" if tables else
                         f"{path} is not an icestats database (no meta table)")
    row = fetch_one(con, "SELECT value FROM meta WHERE key = 'schema_version'")
    if row is None or not str(row[0]).isdigit():
        raise StoreError(f"{path} is not an icestats database (no schema version in its meta "
                         "table); use another --db")
    version = int(row[0])
    if version > SCHEMA_VERSION:
        raise StoreError(f"{path} was written by a newer icestats (schema {version}; this one "
                         f"knows up to {SCHEMA_VERSION}); upgrade icestats to use it")
    if version < SCHEMA_VERSION and not writing:
        raise StoreError(f"{path} was written by an older icestats (schema {version}); load "
                         "any file into it once (`icestats ingest`) to upgrade it")
    return version


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Create the schema when missing and record the version."""
    for statement in SCHEMA:
        con.execute(statement)
    row = fetch_one(con, "SELECT value FROM meta WHERE key = 'schema_version'")
    if row is not None and int(row[0]) < 2:
        con.execute("ALTER TABLE arrests ADD COLUMN IF NOT EXISTS owned BOOLEAN DEFAULT false")
    if row is not None and int(row[0]) < 3:
        # Hashes are needed only while their release loads (episodes are then stored).
        con.execute("ALTER TABLE arrests ALTER COLUMN id_hash SET DATA TYPE UHUGEINT "
                    "USING NULL")
    if row is not None and int(row[0]) < 4:
        _migrate_4(con)
    migrate_events(con)  # schema 5 (idempotent: also fills release_kinds for old releases)
    if row is not None and int(row[0]) < 2:
        recompute_day_owner(con)  # (from release_kinds, filled just above)
    con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
    # (The identifier-hash key is kept in a file beside the database, not here: see
    # key_path. A key older versions stored in meta is moved out by take_legacy_key.)


# --- the identifier-hash key: a file beside the database, never inside it -------------
# Whoever holds the database file alone cannot test guessed identifiers against the hashes.
KEY_VARIABLE = "icestats_id_key"  # a session variable: set by Writer, never stored
_LOADING = re.compile(r"\.loading-\d+$")


def key_path(db: str | Path) -> Path:
    """``<db>.key``: the identifier-hash key of database ``db`` (owner-only, 0600)."""
    db = Path(db)
    return db.with_name(db.name + ".key")


def read_key(db: str | Path) -> str | None:
    """The key of database ``db``, or None when its key file is missing."""
    try:
        text = key_path(db).read_text().strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(f"cannot read the key file {key_path(db)} ({exc.strerror})") from None
    if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
        raise StoreError(f"the key file {key_path(db)} is damaged (expected 64 hex digits)")
    return text


def write_key(db: str | Path, key: str) -> Path:
    """Write ``<db>.key`` with owner-only permissions, atomically (temporary name, rename)."""
    import os

    target = key_path(db)
    tmp = target.with_name(f"{target.name}.tmp-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, key.encode() + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def take_legacy_key(con: duckdb.DuckDBPyConnection) -> str | None:
    """Remove a key that schema 3 and earlier kept in ``meta``; return it (migration)."""
    row = fetch_one(con, "SELECT value FROM meta WHERE key = 'id_key'")
    if row is None:
        return None
    con.execute("DELETE FROM meta WHERE key = 'id_key'")
    return str(row[0])


def id_key_for(db: str | Path) -> str:
    """The key of database ``db``; created (file written now) when it has none."""
    key = read_key(db)
    if key is None:
        key = secrets.token_hex(32)
        write_key(db, key)
    return key


def _migrate_4(con: duckdb.DuckDBPyConnection) -> None:
    """The real layouts: new arrests fields (NULL for rows loaded before), and per release
    whether it is synthetic and which columns were mapped. Releases loaded before were the
    generator's ('2023'/'2025' layouts keep their names); their unmapped columns were kept
    as ignored_columns."""
    for c in ADDED_IN_4:
        con.execute(f"ALTER TABLE arrests ADD COLUMN IF NOT EXISTS {c} VARCHAR")
    for c, decl in (("synthetic", "BOOLEAN DEFAULT false"),
                    ("columns_mapped", "VARCHAR DEFAULT '{}'"),
                    ("columns_unmapped", "VARCHAR DEFAULT '[]'"),
                    ("rows_blank", "BIGINT DEFAULT 0"), ("rows_implausible", "BIGINT DEFAULT 0"),
                    ("compression", "VARCHAR DEFAULT 'none'")):
        con.execute(f"ALTER TABLE releases ADD COLUMN IF NOT EXISTS {c} {decl}")
    con.execute("UPDATE releases SET synthetic = layout IN ('2023', '2025'), "
                "columns_unmapped = coalesce(ignored_columns, '[]')")


def id_key(con: duckdb.DuckDBPyConnection) -> str:
    """The identifier-hash key for loading through ``con``: the one the Writer set for its
    target database, else the key file beside the connection's database file (created
    when missing), else (an in-memory database) a key for this session only."""
    row = fetch_one(con, f"SELECT getvariable('{KEY_VARIABLE}')")
    if row is not None and row[0]:
        return str(row[0])
    row = fetch_one(con, "SELECT path FROM duckdb_databases() "
                         "WHERE database_name = current_database()")
    if row is not None and row[0]:
        key = id_key_for(_LOADING.sub("", str(row[0])))
    else:
        key = secrets.token_hex(32)
    con.execute(f"SET VARIABLE {KEY_VARIABLE} = ?", [key])
    return key


def recompute_day_owner(con: duckdb.DuckDBPyConnection, tail_days: int = TAIL_DAYS) -> None:
    """For each date the arrests of some release cover, the owner is the release whose
    arrest coverage ends latest (ties: the one loaded last; a one-office release only where
    no release of every office covers the date: ``event_store.OFFICE_ONLY``). The last
    ``tail_days`` days of the newest data are incomplete (reporting lag); the tail of an
    older release that later releases follow (the fiscal-year files of one FOIA answer) is
    not."""
    con.execute("DELETE FROM day_owner")
    con.execute(
        f"""
        INSERT INTO day_owner
        SELECT d, release_id, d > newest - CAST(? AS INTEGER) FROM (
            SELECT CAST(unnest(generate_series(coverage_start, coverage_end, INTERVAL 1 DAY))
                        AS DATE) AS d,
                   release_id, coverage_end, one_office, max(coverage_end) OVER () AS newest
            FROM release_kinds WHERE kind = 'arrests' AND coverage_start IS NOT NULL)
        QUALIFY row_number() OVER (PARTITION BY d ORDER BY {OFFICE_ONLY}, coverage_end DESC,
                                   release_id DESC) = 1
        """,
        [tail_days],
    )
    # Each record knows whether its release owns its day: queries filter, never join.
    con.execute("""
        UPDATE arrests SET owned = (arrests.release_id = o.release_id)
        FROM day_owner o
        WHERE arrests.apprehension_date = o.date
          AND arrests.owned <> (arrests.release_id = o.release_id)""")


def fetch_one(con: duckdb.DuckDBPyConnection, sql: str, params: object = None
              ) -> tuple[Any, ...] | None:
    """First row of a query, draining the result (DuckDB 2 refuses work on an open result)."""
    rows = con.execute(sql, params).fetchall() if params is not None else \
        con.execute(sql).fetchall()
    return rows[0] if rows else None


def arrow(con: duckdb.DuckDBPyConnection, sql: str, params: object = None) -> pa.Table:
    """Run a query and return a pyarrow Table (parameters bound, never formatted in)."""
    return con.sql(sql, params=params).to_arrow_table()
