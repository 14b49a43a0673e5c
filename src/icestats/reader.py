"""A long-lived read-only view of a database that follows the writer's switches (the
dashboard's connection)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import duckdb

from icestats.store import connect


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

    def version(self) -> tuple[int, int]:
        """The database file's identity now (inode, modification time): a new value means
        a writer switched a new version in (answers computed before are stale)."""
        return self._stat()

    def cursor(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        """A context manager yielding this use's own cursor."""
        from contextlib import contextmanager

        @contextmanager
        def use() -> Iterator[duckdb.DuckDBPyConnection]:
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
