"""Write answer tables to csv / parquet / json, safe to open in a spreadsheet."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa

from icestats.errors import UsageError

FORMATS = ("csv", "parquet", "json")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: str | None) -> str | None:
    """Prefix a cell that a spreadsheet would run as a formula with an apostrophe."""
    if value and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_table(table: pa.Table, path: str | Path, fmt: str) -> None:
    if fmt not in FORMATS:
        raise UsageError(f"unknown format '{fmt}' (expected one of {', '.join(FORMATS)})")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, path)
    elif fmt == "json":
        from icestats.jsonout import dumps

        path.write_text(dumps(table, indent=None), encoding="utf-8")
    else:
        path.write_text(csv_text(table), encoding="utf-8", newline="")


def csv_text(table: pa.Table) -> str:
    """RFC 4180 csv (CRLF, so a bare CR in a value is quoted), formula-safe."""
    import csv
    import io

    buf = io.StringIO(newline="")
    out = csv.writer(buf)
    out.writerow(table.column_names)
    columns = [_csv_values(table[name]) for name in table.column_names]
    out.writerows(zip(*columns, strict=True))
    return buf.getvalue()


def _csv_values(column: pa.ChunkedArray) -> list[object]:
    """ISO dates, empty for null, and text that cannot run as a spreadsheet formula."""
    values = column.to_pylist()
    if pa.types.is_string(column.type):
        return [neutralize(v) for v in values]
    return ["" if v is None else v.isoformat() if isinstance(v, date) else v for v in values]
