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


class UsageError(IcestatsError):
    """A bad option value (unknown office, bad date, unknown breakdown)."""

    exit_code = 2
