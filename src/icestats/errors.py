"""One exception hierarchy. Every user-facing error carries a one-line message."""

from __future__ import annotations


def first_line(exc: BaseException, limit: int = 200) -> str:
    """A library's error message as one printable line (for "cannot read file (...)")."""
    lines = str(exc).splitlines() or [type(exc).__name__]
    return "".join(ch if ch.isprintable() else "?" for ch in lines[0])[:limit]


class IcestatsError(Exception):
    """A problem the user can act on; the CLI prints the message and exits 1."""

    exit_code = 1


class InputError(IcestatsError):
    """A release file that cannot be loaded (names file, sheet, row, column)."""

    def __init__(
        self,
        file: str,
        message: str,
        *,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        cell: str | None = None,
    ) -> None:
        self.file, self.sheet, self.row, self.column = file, sheet, row, column
        where = [file]
        if sheet is not None:
            where.append(f"sheet '{sheet}'")
        if cell is not None:
            where.append(f"cell {cell}")
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        super().__init__(", ".join(where) + ": " + message)


class StoreError(IcestatsError):
    """The database is missing, locked or from an incompatible version."""


class OutputError(IcestatsError):
    """An output file cannot be written (full disk, read-only folder, a directory)."""


class UsageError(IcestatsError):
    """A bad option value (unknown office, bad date, unknown breakdown)."""

    exit_code = 2


class Interrupted(IcestatsError):
    """Ctrl-C (or DuckDB's interrupt): the unfinished load was discarded."""

    exit_code = 130


EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C
EXIT_CLOSED_PIPE = 141  # 128 + SIGPIPE: the reader of the output went away (`... | head`)
EXIT_INTERNAL = 70  # EX_SOFTWARE (sysexits.h): a bug, with its traceback in a file
INTERRUPTED_MESSAGE = "interrupted; nothing was changed (an unfinished load is discarded)"
# Errors of the machine, not of icestats: one line naming the file, exit 1, no traceback.
_OS_ERRNOS = frozenset({"ENOSPC", "EDQUOT", "EROFS", "EACCES", "EPERM", "EISDIR", "ENOTDIR",
                        "ENOENT", "EFBIG", "EMFILE", "ENAMETOOLONG", "EIO"})


def is_interrupt(exc: BaseException | None) -> bool:
    """True for Ctrl-C: ``KeyboardInterrupt``, DuckDB's ``RuntimeError('Query
    interrupted')`` (what DuckDB 2.0 raises on SIGINT) or ``InterruptException`` (from
    ``con.interrupt()``), here or anywhere in the exception's chain (a rollback that fails
    after an interrupt raises its own error)."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, KeyboardInterrupt | Interrupted):
            return True
        if any(c.__name__ == "InterruptException" for c in type(exc).__mro__):
            return True
        if isinstance(exc, RuntimeError) and str(exc).strip() == "Query interrupted":
            return True
        if type(exc).__module__.lstrip("_").startswith("duckdb") and \
                "KeyboardInterrupt" in first_line(exc):  # Ctrl-C inside a DuckDB callback
            return True  # (register: "reading the schema ... failed: KeyboardInterrupt")
        exc = exc.__cause__ or exc.__context__
    return False


def is_closed_pipe(exc: BaseException | None) -> bool:
    """True when stdout's reader has gone (``icestats ... | head``): nothing is wrong."""
    import errno

    return isinstance(exc, BrokenPipeError) or (isinstance(exc, OSError)
                                                and exc.errno == errno.EPIPE)


def quiet_stdout() -> None:
    """Point stdout at /dev/null: Python flushes stdout at exit and would report the
    closed pipe again (the recipe of Python's signal documentation)."""
    import os
    import sys

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # (no file behind stdout: a test runner)
        pass


def last_resort(exc: BaseException, what: str) -> tuple[int, str]:
    """(exit code, one line) for an exception no other handler knew: an operating-system
    error names its file (exit 1); anything else is a bug: its full traceback goes to a
    file in the temporary directory, named in the line (exit ``EXIT_INTERNAL``)."""
    import errno

    if is_interrupt(exc):
        return EXIT_INTERRUPTED, INTERRUPTED_MESSAGE
    if isinstance(exc, OSError) and errno.errorcode.get(exc.errno or -1) in _OS_ERRNOS:
        where = f" {exc.filename}" if exc.filename else ""
        return 1, f"{what}: cannot use{where} ({exc.strerror or first_line(exc)})"
    full = disk_full(exc)
    if full is not None:  # DuckDB's own write errors carry the text, not an errno
        return 1, (f"{what}: no space left on the device ({full}); nothing was changed (a "
                   f"load is discarded, an output is written whole or not at all)")
    return EXIT_INTERNAL, f"{what} failed unexpectedly ({type(exc).__name__}: " \
        f"{first_line(exc, 120)}); {_write_traceback(exc)}"


_FULL = ("No space left on device", "Disk quota exceeded", "File too large",
         "database or disk is full")


def disk_full(exc: BaseException | None) -> str | None:
    """The first line of an error in ``exc``'s chain that says the disk is full (an
    ``OSError`` with ENOSPC/EDQUOT/EFBIG, or DuckDB's IO error quoting it), else None."""
    import errno

    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            return first_line(exc, 160)
        if any(text in str(exc) for text in _FULL):
            return first_line(exc, 160)
        exc = exc.__cause__ or exc.__context__
    return None


def _write_traceback(exc: BaseException) -> str:
    import os
    import tempfile
    import traceback

    try:
        fd, name = tempfile.mkstemp(prefix="icestats-error-", suffix=".txt")
        with os.fdopen(fd, "w") as fh:
            traceback.print_exception(exc, file=fh)
    except OSError as err:
        return f"the traceback could not be written ({err.strerror})"
    return f"full traceback in {name} (please report it)"
