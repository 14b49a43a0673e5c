"""Parse the next xlsx file while the current one loads (and the first one while the
process starts up).

Parsing a sheet (fastexcel/calamine, one core, the GIL released) is most of an xlsx
load, and it cannot start a sheet's insert before the whole sheet is parsed. A command
loading several workbooks parses them one after another unless the next one starts
while the current one is inserted; on 2 cores the two overlap. ``prepare(path)`` opens
the workbook and parses its first sheet on a background thread; ``take(path)`` hands it
to the loader (``loading.ingest_file``), or None when nothing was prepared or the file
changed since (its size, time or inode differ: then it is read again as usual). A file
that is not a regular file (a FIFO would block the open) is never prepared.
"""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from icestats.xlsx import Workbook

_XLSX_MAGIC = b"PK\x03\x04"
_lock = threading.Lock()
_prepared: dict[str, tuple[tuple[int, int, int], threading.Thread, list[Workbook]]] = {}


def _identity(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    return st.st_size, st.st_mtime_ns, st.st_ino


def prepare(path: str | Path) -> bool:
    """Start opening ``path`` and parsing its first sheet in the background, when it is a
    regular file that starts like an xlsx (by content, as ``detect_kind``); True if so."""
    path = Path(path)
    ident = _identity(path)
    if ident is None:
        return False
    key = str(path.resolve())
    if key in _prepared:
        return True
    try:
        with path.open("rb") as fh:
            if fh.read(4) != _XLSX_MAGIC:
                return False
    except OSError:
        return False
    box: list[Workbook] = []
    thread = threading.Thread(target=_open, args=(path, box), daemon=True)
    with _lock:
        _prepared[key] = (ident, thread, box)
    thread.start()
    return True


def _open(path: Path, box: list[Workbook]) -> None:
    from icestats.xlsx import Workbook

    try:
        book = Workbook(path)
        book.prefetch(0)
        box.append(book)
    except Exception:  # the loader opens it again and reports the problem in its words
        return


def take(path: str | Path, label: str | None = None) -> Workbook | None:
    """The prepared workbook of ``path`` (its first sheet parsing or parsed), or None."""
    path = Path(path)
    key = str(path.resolve()) if path.exists() else str(path)
    with _lock:
        entry = _prepared.pop(key, None)
    if entry is None:
        return None
    ident, thread, box = entry
    thread.join()
    if not box:
        return None
    book = box[0]
    if _identity(path) != ident:  # changed since: read it again
        book.close()
        return None
    if label is not None:
        book.label = label
    return book


def discard() -> None:
    """Close every prepared workbook not taken (a command that stopped early)."""
    with _lock:
        entries = list(_prepared.values())
        _prepared.clear()
    for _ident, thread, box in entries:
        thread.join()
        for book in box:
            book.close()


def start_from_argv(argv: list[str]) -> None:
    """``icestats ingest FILE ...``: prepare the first file before the command's imports
    (typer, rich, DuckDB: most of a second) and the database copy, which then overlap its
    parse. Anything else: nothing."""
    if len(argv) < 3 or argv[1] != "ingest" or os.environ.get("ICESTATS_NO_PREFETCH"):
        return
    for arg in argv[2:]:  # the first argument that is an xlsx file (an option's value is not)
        if not arg.startswith("-") and prepare(arg):
            return
