"""The DuckDB store: connection, schema, migrations and release precedence.

Tables:
- ``releases``: one row per loaded file (hash, coverage, counts).
- ``arrests``: canonical columns + provenance (release, sheet, row) + episode flags.
- ``rejects``: rows that could not be loaded, with file, sheet, row, column and reason.
- ``day_owner``: for each covered date, the release whose counts are used.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import duckdb

from icestats.errors import StoreError, first_line
from icestats.schema import TEXT_FIELDS

SCHEMA_VERSION = 3  # 2: arrests.owned; 3: id_hash as a 128-bit number
TAIL_DAYS = 14  # newest days of a release treated as incomplete (reporting lag)

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
    """CREATE TABLE IF NOT EXISTS releases (
        release_id INTEGER PRIMARY KEY, file_name VARCHAR, file_sha256 VARCHAR UNIQUE,
        file_format VARCHAR, layout VARCHAR, sheets VARCHAR, loaded_at TIMESTAMP,
        coverage_start DATE, coverage_end DATE, rows_read BIGINT, rows_loaded BIGINT,
        rows_rejected BIGINT, episodes BIGINT, ignored_columns VARCHAR)""",
    f"""CREATE TABLE IF NOT EXISTS arrests (
        release_id INTEGER NOT NULL, sheet VARCHAR, sheet_no SMALLINT NOT NULL,
        source_row INTEGER NOT NULL,
        apprehension_at TIMESTAMP NOT NULL, apprehension_date DATE NOT NULL,
        aor VARCHAR NOT NULL, aor_status VARCHAR NOT NULL, aor_raw VARCHAR,
        {", ".join(f"{c} VARCHAR" for c in TEXT_FIELDS)},
        departed_date DATE, departed_date_raw VARCHAR,
        final_order_date DATE, final_order_date_raw VARCHAR,
        birth_year SMALLINT, birth_year_raw VARCHAR,
        id_hash UHUGEINT, id_status VARCHAR NOT NULL,
        reprocessed BOOLEAN NOT NULL, episode_start BOOLEAN NOT NULL,
        owned BOOLEAN NOT NULL DEFAULT false)""",
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
        recompute_day_owner(con)
    if row is not None and int(row[0]) < 3:
        # Hashes are needed only while their release loads (episodes are then stored).
        con.execute("ALTER TABLE arrests ALTER COLUMN id_hash SET DATA TYPE UHUGEINT "
                    "USING NULL")
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
    """For each covered date the owner is the release whose coverage ends latest
    (ties: the one loaded last); the owner's last ``tail_days`` days are incomplete."""
    con.execute("DELETE FROM day_owner")
    con.execute(
        """
        INSERT INTO day_owner
        SELECT d, release_id, d > coverage_end - CAST(? AS INTEGER) FROM (
            SELECT CAST(unnest(generate_series(coverage_start, coverage_end, INTERVAL 1 DAY))
                        AS DATE) AS d,
                   release_id, coverage_end
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
ROOM_MARGIN = 256 << 20  # free space a writer wants beyond a copy of the database


def check_consistent(con: duckdb.DuckDBPyConnection, shown: str | Path) -> None:
    """Refuse to switch in a database where rows belong to no release or a release's
    recorded counts differ from the rows present (what a half-undone load leaves)."""
    orphans, orphan_rejects, miscounted, over_rejected = fetch_one(con, """
        SELECT (SELECT count(*) FROM arrests a ANTI JOIN releases r USING (release_id)),
               (SELECT count(*) FROM rejects j ANTI JOIN releases r USING (release_id)
                WHERE j.release_id IS NOT NULL),
               (SELECT count(*) FROM releases r LEFT JOIN (
                    SELECT release_id, count(*) AS n FROM arrests GROUP BY 1) a
                    USING (release_id) WHERE r.rows_loaded <> coalesce(a.n, 0)),
               (SELECT count(*) FROM releases r JOIN (
                    SELECT release_id, count(*) AS n FROM rejects GROUP BY 1) j
                    USING (release_id) WHERE j.n > r.rows_rejected)""") or (0, 0, 0, 0)
    if orphans or orphan_rejects or miscounted or over_rejected:
        raise StoreError(
            f"{shown}: the loaded copy is inconsistent ({orphans:,} arrest rows and "
            f"{orphan_rejects:,} rejects of no release, {miscounted + over_rejected} releases "
            "whose counts differ from their rows); it was discarded, nothing changed")


def check_room(path: Path) -> None:
    """Before copying: ``--db`` names a file in a writable directory with room for a copy
    of the database (free space >= its size + ROOM_MARGIN)."""
    import os
    import shutil

    if path.is_dir():
        raise StoreError(f"--db {path} is a directory, not a database file")
    parent = path.parent
    if parent.exists() and not parent.is_dir():
        raise StoreError(f"cannot create {path}: {parent} is not a directory")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the directory {parent} ({exc.strerror})") from None
    if not os.access(parent, os.W_OK | os.X_OK):
        raise StoreError(f"cannot write in {parent} (read-only or no permission): a load "
                         "writes a copy of the database beside it; nothing changed")
    size = path.stat().st_size if path.exists() else 0
    free = shutil.disk_usage(parent).free
    if free < size + ROOM_MARGIN:
        raise StoreError(f"not enough free space in {parent} for a load: {free >> 20:,} MB free, "
                         f"{(size + ROOM_MARGIN) >> 20:,} MB needed (a copy of the database, "
                         f"{size >> 20:,} MB, and room for the new rows); nothing changed")


@contextmanager
def _sigint_deferred() -> Iterator[list[int]]:
    """While switching in, Ctrl-C is recorded instead of raised (main thread only), so the
    switch is decided in one place: before the rename it aborts, after it completes."""
    import signal
    import threading

    got: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield got
        return
    previous = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, lambda signum, frame: got.append(signum))
    try:
        yield got
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)


class Writer:
    """Write access by copy and atomic switch (DuckDB allows one writing process and no
    readers beside it, so writers never touch the live file):

    1. check the directory is writable with room for a copy; take ``<db>.lock`` (one
       writer at a time, waits for another);
    2. copy the database to ``<db>.loading-<pid>`` beside it and open that; the key of the
       target database (``<db>.key``) is set on the connection (``id_key``);
    3. on ``commit``: consistency check, checkpoint, close, fsync, rename over the
       database (atomic). Any failure on the way aborts: the database stays as it was.

    Readers (the dashboard, other commands) keep reading the file they opened; a reader
    that sees a new inode reopens. A crash before the rename leaves the database as it was;
    stale working files are removed by the next writer.
    """

    def __init__(self, path: str | Path) -> None:
        import os

        self.path = Path(path)
        self.work = self.path.with_name(f"{self.path.name}.loading-{os.getpid()}")
        self.con: duckdb.DuckDBPyConnection | None = None
        self._lock: IO[str] | None = None
        self.new_key = False  # True when this writer made a key (none was found)
        self._had_data = False  # the database held releases before this writer
        self._key_to_write: str | None = None
        check_room(self.path)
        if self.path.exists():  # refuse a foreign or newer file before making any file
            connect(self.path, read_only=True, allow_older=True).close()
        try:
            self._open()
        except BaseException as exc:
            self.abort()
            if isinstance(exc, OSError):
                raise StoreError(f"cannot prepare a copy of {self.path} for loading "
                                 f"({exc.strerror or exc})") from None
            raise

    def _open(self) -> None:
        import shutil

        self._take_lock()
        self._clean_stale()
        self._had_data = self.path.exists()
        if self._had_data:
            shutil.copyfile(self.path, self.work)
        self.con = connect(self.work, shown_as=self.path)
        # Loading allocates and frees blocks all the time; a pool of blocks kept for this
        # connection spares the kernel zeroing fresh pages for each (about 2% of a load).
        self.con.execute(f"SET block_allocator_memory = '{BLOCK_POOL}'")
        legacy = take_legacy_key(self.con)  # migration: the key leaves the database
        if legacy is not None:
            self._rewrite()
        key = read_key(self.path)
        self._key_to_write = None if key is not None else legacy or secrets.token_hex(32)
        self.new_key = key is None and legacy is None
        if self._had_data:
            self._had_data = fetch_one(self.con, "SELECT count(*) FROM releases") != (0,)
        self.con.execute(f"SET VARIABLE {KEY_VARIABLE} = ?", [key or self._key_to_write])

    def _rewrite(self) -> None:
        """Copy every table into a fresh file: a deleted row stays readable in the freed
        blocks of a DuckDB file, so the moved-out key must not survive in the copy."""
        import os

        assert self.con is not None
        self.con.execute("CHECKPOINT")
        self.con.close()
        fresh = self.work.with_name(self.work.name + "-rewrite")
        fresh.unlink(missing_ok=True)
        con = connect(fresh, shown_as=self.path)
        try:
            con.execute("ATTACH ? AS old (READ_ONLY)", [str(self.work)])
            for (table,) in con.execute(
                    "SELECT table_name FROM duckdb_tables() WHERE database_name = 'old' "
                    "INTERSECT SELECT table_name FROM duckdb_tables() "
                    "WHERE database_name = current_database()").fetchall():
                con.execute(f'DELETE FROM "{table}"')
                con.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM old."{table}"')
            con.execute("DETACH old")
            con.execute("CHECKPOINT")
        except BaseException:
            con.close()
            fresh.unlink(missing_ok=True)
            raise
        con.close()
        os.replace(fresh, self.work)
        self.con = connect(self.work, shown_as=self.path)
        self.con.execute(f"SET block_allocator_memory = '{BLOCK_POOL}'")

    def _take_lock(self) -> None:
        """``flock`` on ``<db>.lock``; an aborted first load removes that file (no stray
        file beside a database that was never made), so a writer that waited checks that
        the file it locked is still the one at that path, else locks the new one."""
        import fcntl
        import os

        lock_path = self.path.with_name(self.path.name + ".lock")
        while True:
            lock = open(lock_path, "a")  # noqa: SIM115 - held until _release
            self._lock = lock
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                if os.fstat(lock.fileno()).st_ino == os.stat(lock_path).st_ino:
                    return
            except FileNotFoundError:
                pass
            self._lock = None
            lock.close()

    def _clean_stale(self) -> None:
        for stale in self.path.parent.glob(self.path.name + ".loading-*"):
            stale.unlink(missing_ok=True)  # we hold the lock: no writer is using it

    def commit(self) -> None:
        """Switch the loaded copy in; on any failure (or Ctrl-C) before the rename, abort."""
        import os

        assert self.con is not None, "writer already closed"
        with _sigint_deferred() as interrupted:
            try:
                check_consistent(self.con, self.path)
                self.con.execute("CHECKPOINT")
                self.con.close()
                self.con = None
                with open(self.work, "rb") as fh:
                    os.fsync(fh.fileno())
                if interrupted:
                    raise KeyboardInterrupt
                self._write_key()
                os.replace(self.work, self.path)
            except BaseException as exc:
                self.abort()
                if isinstance(exc, OSError | duckdb.Error):
                    raise StoreError(f"cannot write {self.path} ({_reason(exc)}); nothing "
                                     "changed") from None
                raise
        try:
            dir_fd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        finally:
            self._release()

    def _write_key(self) -> None:
        if self._key_to_write is None:
            return
        write_key(self.path, self._key_to_write)
        if self.new_key and self._had_data:
            import logging

            logging.getLogger("icestats").warning(
                "note: %s had no key file (%s); a new identifier-hash key was made: hashes of "
                "releases loaded from now on cannot be linked to older ones (episodes are "
                "counted within a release, so no count changes)", self.path,
                key_path(self.path).name)

    def abort(self) -> None:
        """Discard the copy and release the lock; safe to call twice, never raises for a
        copy that is already gone."""
        con, self.con = self.con, None
        try:
            if con is not None:
                try:
                    con.close()
                except duckdb.Error:
                    pass  # a connection broken by an interrupt: the file goes anyway
        finally:
            self.work.unlink(missing_ok=True)
            Path(str(self.work) + ".wal").unlink(missing_ok=True)
            if self._lock is not None and not self.path.exists():  # a first load failed
                self.path.with_name(self.path.name + ".lock").unlink(missing_ok=True)
            self._release()

    def _release(self) -> None:
        import fcntl

        lock, self._lock = self._lock, None
        if lock is not None:
            try:
                fcntl.flock(lock, fcntl.LOCK_UN)
            finally:
                lock.close()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return first_line(exc)


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
