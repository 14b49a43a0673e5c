"""Parse the next xlsx file while the current one loads (and the first one while the
process starts up); inflate the next small gzip csv likewise.

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
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from icestats.xlsx import Workbook

T = TypeVar("T")
_XLSX_MAGIC = b"PK\x03\x04"
_GZIP_MAGIC = b"\x1f\x8b"
# a gzip csv this small is read whole (read_csv.is_small: 24 bytes a row, 1M rows): it is
# inflated to a temporary file in the background while the previous file loads
SMALL_GZIP = 24 * 1_000_000
_inflated: dict[str, tuple[tuple[int, int, int], threading.Thread, list[Path]]] = {}
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


Columns = Callable[["Workbook", int], "list[int] | None"]


def prepare(path: str | Path, columns: Columns | None = None, *,
            warm: Callable[[], None] | None = None) -> bool:
    """Start opening ``path`` and parsing its first sheet in the background, when it is a
    regular file that starts like an xlsx (by content, as ``detect_kind``); True if so.
    ``columns``: which columns of a sheet to parse (``xlsx.Workbook``)."""
    path = Path(path)
    ident = _identity(path)
    if ident is None:
        return False
    key = str(path.resolve())
    if key in _prepared:
        return True
    try:
        with path.open("rb") as fh:
            magic = fh.read(4)
    except OSError:
        return False
    if magic[:2] == _GZIP_MAGIC and ident[0] <= SMALL_GZIP:
        return _prepare_gzip(path, key, ident)
    if magic != _XLSX_MAGIC:
        return False
    if warm is not None:  # (imports the parsing threads need, before they start)
        warm()
    box: list[Workbook] = []
    thread = threading.Thread(target=_open, args=(path, box, columns), daemon=True)
    with _lock:
        _prepared[key] = (ident, thread, box)
    thread.start()
    return True


def _open(path: Path, box: list[Workbook], columns: Columns | None) -> None:
    from icestats.xlsx import Workbook

    try:
        book = Workbook(path, columns=columns)
        book.prefetch(0)
        box.append(book)
    except Exception:  # the loader opens it again and reports the problem in its words
        return


def take(path: str | Path, label: str | None = None) -> Workbook | None:
    """The prepared workbook of ``path`` (its first sheet parsing or parsed), or None."""
    book = _taken(_prepared, Path(path), lambda b: b.close())
    if book is not None and label is not None:
        book.label = label
    return book


def _taken(table: dict[str, tuple[tuple[int, int, int], threading.Thread, list[T]]],
           path: Path, drop: Callable[[T], None]) -> T | None:
    """What was prepared for ``path`` in ``table`` (a workbook, an inflated copy), once its
    thread is done; None when nothing was prepared, preparing it failed, or the file
    changed since (what was prepared is then dropped: read it again)."""
    key = str(path.resolve()) if path.exists() else str(path)
    with _lock:
        entry = table.pop(key, None)
    if entry is None:
        return None
    ident, thread, box = entry
    thread.join()
    if not box:
        return None
    if _identity(path) != ident:
        drop(box[0])
        return None
    return box[0]


def discard() -> None:
    """Close every prepared workbook not taken and remove every inflated file (a command
    that stopped early)."""
    import shutil

    with _lock:
        entries = list(_prepared.values())
        inflated = list(_inflated.values())
        _prepared.clear()
        _inflated.clear()
    for _ident, thread, box in entries:
        thread.join()
        for book in box:
            book.close()
    for _ident, thread, files in inflated:
        thread.join()
        for f in files:
            shutil.rmtree(f.parent, ignore_errors=True)


def _prepare_gzip(path: Path, key: str, ident: tuple[int, int, int]) -> bool:
    if key in _inflated:
        return True
    box: list[Path] = []
    thread = threading.Thread(target=_inflate, args=(path, box), daemon=True)
    with _lock:
        _inflated[key] = (ident, thread, box)
    thread.start()
    return True


def _inflate(path: Path, box: list[Path]) -> None:
    """Under the reader's caps (a bomb stops here after a few blocks, not after filling
    the disk in the background)."""
    import shutil
    import tempfile

    from icestats.inflate import copy_capped

    folder = Path(tempfile.mkdtemp(prefix="icestats-gz-"))
    target = folder / "release.csv"
    try:
        with target.open("wb") as dst:
            copy_capped(path, "gzip", dst, str(path))
        box.append(target)
    except Exception:  # the reader inflates it again and reports the problem
        shutil.rmtree(folder, ignore_errors=True)


def take_inflated(path: str | Path) -> Path | None:
    """The inflated copy of the gzip file ``path`` (a temporary file the caller removes
    with its folder), or None when none was prepared or the file changed since."""
    import shutil

    return _taken(_inflated, Path(path), lambda f: shutil.rmtree(f.parent, ignore_errors=True))


def start_from_argv(argv: list[str], columns: Columns | None = None,
                    warm: Callable[[], None] | None = None) -> None:
    """``icestats ingest FILE ...``: prepare the first file before the command's imports
    (typer, rich, DuckDB: most of a second) and the database copy, which then overlap its
    parse. Anything else: nothing."""
    if len(argv) < 3 or argv[1] != "ingest" or os.environ.get("ICESTATS_NO_PREFETCH"):
        return
    for arg in argv[2:]:  # the first argument that is an xlsx file (an option's value is not)
        if not arg.startswith("-") and prepare(arg, columns, warm=warm):
            return
