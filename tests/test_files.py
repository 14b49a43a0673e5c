"""Issue 16, item 9: what is not a regular file gets its own message, and a file that
changes while it is read is refused with nothing loaded."""

from __future__ import annotations

import os
import shutil
import socket
from importlib import resources
from pathlib import Path

import pytest

import icestats
from icestats.errors import InputError
from test_bad_input import snapshot
from test_hardening import _files, _one_line

from conftest import make_release, run, small_db


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return small_db(tmp_path)


def _fifo(tmp: Path) -> Path:
    os.mkfifo(tmp / "pipe.csv")
    return tmp / "pipe.csv"


def _socket(tmp: Path) -> Path:
    path = tmp / "sock.csv"
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(path))  # (left bound for the test; the directory is removed afterwards)
    return path


def _directory(tmp: Path) -> Path:
    (tmp / "folder.csv").mkdir()
    return tmp / "folder.csv"


@pytest.mark.parametrize(("make", "words"), [
    (_directory, "is a directory, not a file"),
    (_fifo, "is a named pipe (FIFO), not a regular file"),
    (lambda tmp: Path("/dev/zero"), "is a device, not a regular file"),
    (lambda tmp: Path("/dev/null"), "is a device, not a regular file"),
    (_socket, "is a socket, not a regular file"),
    (lambda tmp: tmp / "missing.csv", "no such file"),
])
def test_what_is_not_a_regular_file_says_what_it_is(tmp_path: Path, db: Path, make: object,
                                                    words: str) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    before, files = snapshot(db), _files(tmp_path)
    result = run("ingest", path, "--db", db)  # (a FIFO would block here if it were opened)
    assert result.exit_code == 1
    assert _one_line(result).startswith(f"error: {path}: {words}")
    assert snapshot(db) == before and _files(tmp_path) == files


def test_a_csv_that_grows_while_it_is_read_is_refused(tmp_path: Path, db: Path) -> None:
    new = make_release(tmp_path / "growing.csv", rows=400, seed=5)
    size = new.stat().st_size
    before = snapshot(db)
    tail = new.read_bytes().splitlines(keepends=True)[-3:]

    def grow(label: str, done: int, parts: int | None) -> None:
        with new.open("ab") as fh:  # another program appends while the load runs
            fh.writelines(tail)

    with icestats.connect(db, write=True) as ice, pytest.raises(InputError) as err:
        ice.ingest([new], progress=grow)
    grown = new.stat().st_size
    assert str(err.value) == (f"{new}: the file changed size ({size:,} to {grown:,} bytes) "
                              "while it was read; nothing was loaded from it (load it again "
                              "once it is complete)")
    assert snapshot(db) == before


def test_a_file_rewritten_in_place_while_it_is_read_is_refused(tmp_path: Path, db: Path
                                                              ) -> None:
    new = make_release(tmp_path / "rewritten.csv", rows=400, seed=6)
    before = snapshot(db)

    def rewrite(label: str, done: int, parts: int | None) -> None:
        data = new.read_bytes()  # same size, different bytes, a later modification time
        new.write_bytes(data[:-2] + b"9\n")
        os.utime(new, ns=(new.stat().st_atime_ns, new.stat().st_mtime_ns + 10**9))

    with icestats.connect(db, write=True) as ice, pytest.raises(InputError,
                                                                 match="was modified while"):
        ice.ingest([new], progress=rewrite)
    assert snapshot(db) == before


def test_a_workbook_replaced_while_it_is_read_is_refused(tmp_path: Path, db: Path,
                                                        monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    import icestats.loading as loading

    src = Path(str(resources.files("icestats") / "data" / "FY26_detentionStats_02122026.xlsx"))
    book = tmp_path / "FY26.xlsx"
    shutil.copy(src, book)
    real_read = loading.read_grids

    def read_then_replace(data: Path) -> object:
        grids = real_read(data)
        other = tmp_path / "other.xlsx"
        shutil.copy(src, other)
        other.replace(book)  # a new file under the same name (a new inode)
        return grids

    monkeypatch.setattr(loading, "read_grids", read_then_replace)
    before = snapshot(db)
    result = run("ingest", book, "--db", db)
    assert result.exit_code == 1
    assert _one_line(result) == (f"error: {book}: the file was removed or replaced while it "
                                 "was read; nothing was loaded from it (load it again once it "
                                 "is complete)\n")
    assert snapshot(db) == before


@pytest.mark.parametrize("command", ["status", "offices", "ingest"])
def test_a_db_that_is_a_fifo_or_device_is_refused_at_once(tmp_path: Path, command: str
                                                          ) -> None:
    release = make_release(tmp_path / "r.csv", rows=50)
    for db in (_fifo(tmp_path), Path("/dev/null")):
        args = (command, release) if command == "ingest" else (command,)
        result = run(*args, "--db", db)  # (opening the FIFO would block: it is never opened)
        assert result.exit_code == 1
        assert _one_line(result) == (f"error: --db {db} is not a regular file (a pipe, device "
                                     "or socket), not a database file\n")
        (tmp_path / "pipe.csv").unlink(missing_ok=True)
