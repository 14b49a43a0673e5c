"""A file's identity: what kind of file it is, its SHA-256 (its identity in ``releases``,
computed on a thread while it loads), and whether it changed while it was read."""

from __future__ import annotations

import hashlib
import os
import stat
import threading
from pathlib import Path

from icestats.errors import InputError

_NOT_REGULAR = (
    (stat.S_ISDIR, "is a directory, not a file (to load the files in it: icestats ingest DIR/*)"),
    (stat.S_ISFIFO, "is a named pipe (FIFO), not a regular file: it can be read only once, and a "
                    "load reads a file twice (its digest and its rows); save it to a file first"),
    (stat.S_ISCHR, "is a device, not a regular file"),
    (stat.S_ISBLK, "is a device, not a regular file"),
    (stat.S_ISSOCK, "is a socket, not a regular file"),
)


def regular_file(path: Path) -> os.stat_result:
    """The file's status, or a one-line error saying what it is instead of a regular file."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputError(str(path), "no such file") from None
    except OSError as exc:
        raise InputError(str(path), f"cannot read file ({exc.strerror})") from None
    for test, message in _NOT_REGULAR:
        if test(st.st_mode):
            raise InputError(str(path), message)
    return st


def _identity(st: os.stat_result) -> tuple[int, int, int, int]:
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def file_sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


class Digest:
    """A file's SHA-256, computed on a thread while the file is read (hashing a 1.4 GB
    csv takes a second; it releases the GIL). ``result`` waits for it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._before = _identity(regular_file(path))
        self._value: str | None = None
        self._error: OSError | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = file_sha256(self.path)
        except OSError as exc:
            self._error = exc

    def done(self) -> bool:
        return not self._thread.is_alive()

    def result(self) -> str:
        self._thread.join()
        if self._error is not None:
            raise InputError(str(self.path), f"cannot read file ({self._error.strerror})")
        assert self._value is not None
        return self._value


    def check_unchanged(self) -> None:
        """Refuse the file if it changed (size, modification time or inode) since its load
        began: its rows and its digest could then come from different bytes."""
        try:
            now = _identity(self.path.stat())
        except OSError:
            now = None
        if now != self._before:
            what = ("was removed or replaced" if now is None or now[:2] != self._before[:2]
                    else f"changed size ({self._before[2]:,} to {now[2]:,} bytes)"
                    if now[2] != self._before[2] else "was modified")
            raise InputError(str(self.path), f"the file {what} while it was read; nothing "
                                             "was loaded from it (load it again once it is "
                                             "complete)")


class AlreadyLoaded(Exception):
    """The file's digest, known part way through its load, is in the store already."""
