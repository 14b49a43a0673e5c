"""A file's SHA-256 (its identity in ``releases``), computed on a thread while it loads."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from icestats.errors import InputError


def file_sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


class Digest:
    """A file's SHA-256, computed on a thread while the file is read (hashing a 1.4 GB
    csv takes a second; it releases the GIL). ``result`` waits for it."""

    def __init__(self, path: Path) -> None:
        self.path = path
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


class AlreadyLoaded(Exception):
    """The file's digest, known part way through its load, is in the store already."""
