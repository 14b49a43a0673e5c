"""Write access to a database by copy and atomic switch (``Writer``), with the checks
that guard the switch: room for the copy, a consistent store, Ctrl-C deferred around the
rename. See docs/reliability.md."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import duckdb

from icestats import privacy
from icestats.errors import StoreError, first_line
from icestats.store import (
    KEY_VARIABLE,
    connect,
    fetch_one,
    key_path,
    read_key,
    take_legacy_key,
    write_key,
)

BLOCK_POOL = "512MB"  # memory a writer keeps for DuckDB's blocks (allocated as used)
ROOM_MARGIN = 256 << 20  # free space a writer wants beyond a copy of the database


def check_consistent(con: duckdb.DuckDBPyConnection, shown: str | Path) -> None:
    """Refuse to switch in a database where rows belong to no release or a release's
    recorded counts differ from the rows present (what a half-undone load leaves)."""
    orphans, orphan_rejects, miscounted, over_rejected = fetch_one(con, """
        SELECT (SELECT count(*) FROM (SELECT release_id FROM arrests UNION ALL
                    SELECT release_id FROM events) a ANTI JOIN releases r USING (release_id)),
               (SELECT count(*) FROM rejects j ANTI JOIN releases r USING (release_id)
                WHERE j.release_id IS NOT NULL),
               (SELECT count(*) FROM releases r LEFT JOIN (
                    SELECT release_id, count(*) AS n FROM (SELECT release_id FROM arrests
                    UNION ALL SELECT release_id FROM events) GROUP BY 1) a
                    USING (release_id) WHERE r.rows_loaded <> coalesce(a.n, 0)),
               (SELECT count(*) FROM releases r JOIN (
                    SELECT release_id, count(*) AS n FROM rejects GROUP BY 1) j
                    USING (release_id) WHERE j.n > r.rows_rejected)""") or (0, 0, 0, 0)
    if orphans or orphan_rejects or miscounted or over_rejected:
        raise StoreError(
            f"{shown}: the loaded copy is inconsistent ({orphans:,} event rows and "
            f"{orphan_rejects:,} rejects of no release, {miscounted + over_rejected} releases "
            "whose counts differ from their rows); it was discarded, nothing changed")


def check_room(path: Path) -> None:
    """Before copying: ``--db`` names a file in a writable directory with room for a copy
    of the database (free space >= its size + ROOM_MARGIN)."""
    import os
    import shutil

    if path.is_dir():
        raise StoreError(f"--db {path} is a directory, not a database file")
    if path.exists() and not path.is_file():  # (copying a FIFO would block)
        raise StoreError(f"--db {path} is not a regular file (a pipe, device or socket), "
                         "not a database file")
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


class _Deferred:
    """The signals recorded while switching in, and whether the switch is done."""

    def __init__(self) -> None:
        self.got: list[int] = []
        self.switched = False


@contextmanager
def _sigint_deferred() -> Iterator[_Deferred]:
    """While switching in, Ctrl-C (and SIGTERM, SIGHUP) is recorded instead of raised (main
    thread only), so the switch is decided in one place: before the rename it aborts,
    after it completes. Once ``switched`` is set, the icestats command keeps ignoring
    Ctrl-C (``_after_switch``): no moment is left between the rename and the end of the
    command at which a Ctrl-C would say "nothing was changed" of a database that did."""
    import signal
    import threading

    state = _Deferred()
    if threading.current_thread() is not threading.main_thread():
        yield state
        return
    sigs = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.getsignal(sig) for sig in sigs}
    for sig in sigs:
        signal.signal(sig, lambda signum, frame: state.got.append(signum))
    try:
        yield state
    finally:
        for sig, handler in previous.items():
            if sig == signal.SIGINT and state.switched and _is_command():
                handler = signal.SIG_IGN
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)


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

        path = Path(path)
        # a symlinked --db: the file it points to is updated (the link stays a link)
        self.path = Path(os.path.realpath(path)) if path.is_symlink() else path
        self.work = self.path.with_name(f"{self.path.name}.loading-{os.getpid()}")
        self.con: duckdb.DuckDBPyConnection | None = None
        self._lock: IO[str] | None = None
        self.new_key = False  # True when this writer made a key (none was found)
        self._had_data = False  # the database held releases before this writer
        self._key_to_write: str | None = None
        check_room(self.path)
        check_neighbours(self.path)
        if self.path.exists():  # refuse a foreign or newer file before making any file
            checkpoint_wal(self.path)
            connect(self.path, read_only=True, allow_older=True).close()
        self._signals = _terminate_as_interrupt()
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
            lock = open(lock_path, "a")
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
                privacy.build_grid(self.con)  # once per database version
                check_consistent(self.con, self.path)
                self.con.execute("CHECKPOINT")
                self.con.close()
                self.con = None
                with open(self.work, "rb") as fh:
                    os.fsync(fh.fileno())
                if interrupted.got:
                    raise KeyboardInterrupt
                self._write_key()
                os.replace(self.work, self.path)
                interrupted.switched = True
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

        _restore(getattr(self, "_signals", {}))
        self._signals = {}
        lock, self._lock = self._lock, None
        if lock is not None:
            try:
                fcntl.flock(lock, fcntl.LOCK_UN)
            finally:
                lock.close()


def check_neighbours(path: Path) -> None:
    """``<db>.key`` and ``<db>.lock`` must be regular files when they exist: a FIFO there
    would block the writer forever (reading the key, taking the lock)."""
    import stat

    for suffix in (".key", ".lock", ".wal"):
        near = path.with_name(path.name + suffix)
        try:
            mode = near.lstat().st_mode
        except FileNotFoundError:
            continue
        if not stat.S_ISREG(mode):
            raise StoreError(f"{near} is not a regular file (a pipe, device, socket, folder or "
                             f"link); remove it and run the command again; nothing changed")


def checkpoint_wal(path: Path) -> None:
    """A write-ahead log left beside the database (``<db>.wal``, another program's change
    not yet checkpointed) is folded into the database before it is copied: otherwise the
    copy lacks the change and the stale log breaks the switched-in file. A program that
    still has the database open keeps its lock: refused in one line."""
    wal = path.with_name(path.name + ".wal")
    if not wal.exists():
        return
    try:
        con = duckdb.connect(str(path))
        try:
            con.execute("CHECKPOINT")
        finally:
            con.close()
    except duckdb.Error as exc:
        raise StoreError(f"{path} has a write-ahead log ({wal.name}) that could not be "
                         f"checkpointed: another program may have the database open "
                         f"({first_line(exc)}); close it and run the command again; nothing "
                         "changed") from None


def _terminate_as_interrupt() -> dict[int, object]:
    """While a writer holds its copy, SIGTERM and SIGHUP end the command as Ctrl-C does (the
    copy and the lock are removed, one line); the previous handlers are returned."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return {}

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous: dict[int, object] = {}
    for sig in (signal.SIGTERM, signal.SIGHUP):
        previous[int(sig)] = signal.getsignal(sig)
        signal.signal(sig, interrupt)
    return previous


def _restore(previous: dict[int, object]) -> None:
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)  # type: ignore


def _is_command() -> bool:
    """True in the icestats command itself, never in a host that calls the library (a
    notebook, tests): after its switch, Ctrl-C is ignored so that the command still prints
    its lines and exits 0 (before, it could die by SIGINT with no line, or say "nothing was
    changed" of a database that had changed)."""
    import sys

    return Path(sys.argv[0]).name == "icestats"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return first_line(exc)
