"""The DuckDB store: connection, schema, migrations and release precedence.

Tables:
- ``releases``: one row per loaded file (hash, coverage, counts).
- ``arrests``: canonical columns + provenance (release, sheet, row) + episode flags.
- ``rejects``: rows that could not be loaded, with file, sheet, row, column and reason.
- ``day_owner``: for each covered date, the release whose counts are used.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import duckdb

from icestats.errors import StoreError, first_line
from icestats.schema import ADDED_IN_4, TEXT_FIELDS

# 2: arrests.owned; 3: id_hash as a 128-bit number; 4: the real layouts (releases: layout
# name, synthetic, columns mapped / not mapped, rows blank and implausible; arrests: the
# fields of ADDED_IN_4)
SCHEMA_VERSION = 4
TAIL_DAYS = 14  # newest days of a release treated as incomplete (reporting lag)

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
]


def connect(path: str | Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the store; read-only opening requires an existing, initialized database."""
    path = Path(path)
    if read_only and not path.exists():
        raise StoreError(f"no database at {path}; load a release first with `icestats ingest`")
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        raise StoreError(f"cannot open database {path}: {first_line(exc)}") from None
    except duckdb.Error as exc:
        raise StoreError(f"{path} is not an icestats database: {first_line(exc)}") \
            from None
    if read_only:
        _check_version(con, path)
    else:
        migrate(con)
    return con


def _check_version(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    try:
        row = fetch_one(con, "SELECT value FROM meta WHERE key = 'schema_version'")
    except duckdb.CatalogException:
        raise StoreError(f"{path} is not an icestats database (no meta table)") from None
    if row is None or int(row[0]) > SCHEMA_VERSION:
        raise StoreError(f"{path} was written by a newer icestats (schema {row and row[0]})")
    if int(row[0]) < SCHEMA_VERSION:
        raise StoreError(f"{path} was written by an older icestats (schema {row[0]}); load any "
                         "file into it once (`icestats ingest`) to upgrade it")


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Create the schema when missing; record the version and the identifier-hash key."""
    for statement in SCHEMA:
        con.execute(statement)
    row = fetch_one(con, "SELECT value FROM meta WHERE key = 'schema_version'")
    if row is not None and int(row[0]) < 2:
        con.execute("ALTER TABLE arrests ADD COLUMN IF NOT EXISTS owned BOOLEAN DEFAULT false")
        recompute_day_owner(con)
    if row is not None and int(row[0]) < 3:
        # Hashes are needed only while their release loads (episodes are then stored).
        con.execute("ALTER TABLE arrests ALTER COLUMN id_hash SET DATA TYPE UHUGEINT "
                    "USING NULL")
    if row is not None and int(row[0]) < 4:
        _migrate_4(con)
    con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
    # A per-database random key: identifier hashes cannot be linked across databases.
    con.execute("INSERT OR IGNORE INTO meta VALUES ('id_key', ?)", [secrets.token_hex(32)])


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
    row = fetch_one(con, "SELECT value FROM meta WHERE key = 'id_key'")
    assert row is not None
    return str(row[0])


def recompute_day_owner(con: duckdb.DuckDBPyConnection, tail_days: int = TAIL_DAYS) -> None:
    """For each covered date the owner is the release whose coverage ends latest
    (ties: the one loaded last). The last ``tail_days`` days of the newest data are
    incomplete (reporting lag); the tail of an older release that later releases follow
    (the fiscal-year files of one FOIA answer) is not."""
    con.execute("DELETE FROM day_owner")
    con.execute(
        """
        INSERT INTO day_owner
        SELECT d, release_id, d > newest - CAST(? AS INTEGER) FROM (
            SELECT CAST(unnest(generate_series(coverage_start, coverage_end, INTERVAL 1 DAY))
                        AS DATE) AS d,
                   release_id, coverage_end, max(coverage_end) OVER () AS newest
            FROM releases)
        QUALIFY row_number() OVER (PARTITION BY d ORDER BY coverage_end DESC,
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


def fetch_one(con: duckdb.DuckDBPyConnection, sql: str, params: object = None) -> tuple | None:
    """First row of a query, draining the result (DuckDB 2 refuses work on an open result)."""
    rows = con.execute(sql, params).fetchall() if params is not None else \
        con.execute(sql).fetchall()
    return rows[0] if rows else None


def arrow(con: duckdb.DuckDBPyConnection, sql: str, params: object = None):  # noqa: ANN201
    """Run a query and return a pyarrow Table (parameters bound, never formatted in)."""
    return con.sql(sql, params=params).to_arrow_table()


BLOCK_POOL = "512MB"  # memory a writer keeps for DuckDB's blocks (allocated as used)


class Writer:
    """Write access by copy and atomic switch (DuckDB allows one writing process and no
    readers beside it, so writers never touch the live file):

    1. take ``<db>.lock`` (one writer at a time, waits for another);
    2. copy the database to ``<db>.loading-<pid>`` beside it and open that;
    3. on ``commit``: checkpoint, close, fsync, rename over the database (atomic).

    Readers (the dashboard, other commands) keep reading the file they opened; a reader
    that sees a new inode reopens. A crash before the rename leaves the database as it was;
    stale working files are removed by the next writer.
    """

    def __init__(self, path: str | Path) -> None:
        import fcntl
        import os
        import shutil

        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = open(self.path.with_name(self.path.name + ".lock"), "w")
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        self._clean_stale()
        self.work = self.path.with_name(f"{self.path.name}.loading-{os.getpid()}")
        if self.path.exists():
            shutil.copyfile(self.path, self.work)
        self.con = connect(self.work)
        # Loading allocates and frees blocks all the time; a pool of blocks kept for this
        # connection spares the kernel zeroing fresh pages for each (about 2% of a load).
        self.con.execute(f"SET block_allocator_memory = '{BLOCK_POOL}'")

    def _clean_stale(self) -> None:
        for stale in self.path.parent.glob(self.path.name + ".loading-*"):
            stale.unlink(missing_ok=True)  # we hold the lock: no writer is using it

    def commit(self) -> None:
        import os

        self.con.execute("CHECKPOINT")
        self.con.close()
        with open(self.work, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(self.work, self.path)
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        self._release()

    def abort(self) -> None:
        try:
            self.con.close()
        finally:
            self.work.unlink(missing_ok=True)
            Path(str(self.work) + ".wal").unlink(missing_ok=True)
            self._release()

    def _release(self) -> None:
        import fcntl

        fcntl.flock(self._lock, fcntl.LOCK_UN)
        self._lock.close()


class LiveReader:
    """A long-lived read-only view of a database that follows ``Writer``'s switches.

    Each use gets its own cursor. When the file's inode changes (a writer switched a new
    version in), new uses wait while the uses in flight finish, then every connection to
    the old version is closed (DuckDB hands back the cached old instance while one is
    open) and the new version is opened. A use never sees a partial release."""

    def __init__(self, path: str | Path) -> None:
        import threading

        self.path = Path(path)
        self.con = connect(self.path, read_only=True)
        self._inode = self._stat()
        self._cv = threading.Condition()
        self._active = 0
        self._switching = False

    def _stat(self) -> tuple[int, int]:
        st = self.path.stat()
        return st.st_ino, st.st_mtime_ns

    def cursor(self):  # noqa: ANN201 - a context manager yielding a DuckDB cursor
        from contextlib import contextmanager

        @contextmanager
        def use():  # noqa: ANN202
            with self._cv:
                while self._switching:
                    self._cv.wait()
                if self._stat() != self._inode:
                    self._switch()
                self._active += 1
                cur = self.con.cursor()
            try:
                yield cur
            finally:
                cur.close()
                with self._cv:
                    self._active -= 1
                    self._cv.notify_all()
        return use()

    def _switch(self) -> None:
        self._switching = True
        try:
            while self._active:
                self._cv.wait()
            self.con.close()
            self.con = connect(self.path, read_only=True)
            self._inode = self._stat()
        finally:
            self._switching = False
            self._cv.notify_all()
