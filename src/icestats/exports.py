"""Write answer tables to csv / parquet / json, safe to open in a spreadsheet."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from icestats.errors import OutputError, UsageError

if TYPE_CHECKING:
    from icestats.answers import DailyAnswer

FORMATS = ("csv", "parquet", "json")
# What a spreadsheet may run as a formula or a DDE command when a cell starts with it:
# the OWASP list, the pipe and semicolon (LibreOffice, some locales) and the fullwidth
# forms that spreadsheets fold to ASCII (U+FF1D, U+FF0B, U+FF0D, U+FF20).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "|", ";",
                  "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralize(value: str | None) -> str | None:
    """Prefix a cell that a spreadsheet would run as a formula with an apostrophe."""
    if value and value.startswith(_FORMULA_START):
        return "'" + value
    return value


@contextmanager
def atomic_output(path: str | Path) -> Iterator[Path]:
    """Write to a temporary name beside ``path``; it is renamed over ``path`` only when the
    block completes (after fsync), and removed otherwise: a full disk, a read-only folder or
    Ctrl-C never leaves a truncated or 0-byte output. OS errors become ``OutputError``."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"cannot write {path}: it is a directory")
    tmp = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        yield tmp
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"cannot write {path} ({exc.strerror or exc}); nothing was "
                          "written") from None
    finally:
        tmp.unlink(missing_ok=True)


def write_table(table: pa.Table, path: str | Path, fmt: str) -> None:
    if fmt not in FORMATS:
        raise UsageError(f"unknown format '{fmt}' (expected one of {', '.join(FORMATS)})")
    with atomic_output(path) as tmp:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            pq.write_table(table, tmp)
        elif fmt == "json":
            from icestats.jsonout import dumps

            tmp.write_text(dumps(table, indent=None), encoding="utf-8")
        else:
            tmp.write_text(csv_text(table), encoding="utf-8", newline="")


def daily_csv(answers: list[DailyAnswer]) -> str:
    """Daily answers' rows as one csv: one office's as they are; several offices' side by
    side in one long table with an ``aor`` column (the dashboard's "Download CSV")."""
    if len(answers) == 1:
        return csv_text(answers[0].export_rows())
    parts = []
    for a in answers:
        rows = a.export_rows()
        if "aor" not in rows.column_names:
            rows = rows.add_column(1, "aor", pa.array([a.aor] * rows.num_rows, pa.string()))
        parts.append(rows)
    return csv_text(pa.concat_tables(parts, promote_options="default"))


def csv_text(table: pa.Table, delimiter: str = ",") -> str:
    """RFC 4180 csv (CRLF, so a bare CR in a value is quoted), formula-safe; with a tab
    ``delimiter``, the same as tsv."""
    import csv
    import io

    buf = io.StringIO(newline="")
    out = csv.writer(buf, delimiter=delimiter)
    out.writerow(table.column_names)
    columns = [_csv_values(table[name]) for name in table.column_names]
    out.writerows(zip(*columns, strict=True))
    return buf.getvalue()


def _csv_values(column: pa.ChunkedArray) -> list[object]:
    """ISO dates, true/false, empty for null, and text that cannot run as a formula."""
    values = column.to_pylist()
    if pa.types.is_string(column.type):
        return [neutralize(v) for v in values]
    if pa.types.is_boolean(column.type):
        return ["" if v is None else "true" if v else "false" for v in values]
    return ["" if v is None else v.isoformat() if isinstance(v, date) else v for v in values]
