"""Write answer tables to csv / parquet / json, safe to open in a spreadsheet."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from icestats.errors import UsageError

FORMATS = ("csv", "parquet", "json")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: str | None) -> str | None:
    """Prefix a cell that a spreadsheet would run as a formula with an apostrophe."""
    if value and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _safe_strings(table: pa.Table) -> pa.Table:
    for i, name in enumerate(table.column_names):
        if pa.types.is_string(table.schema.field(name).type):
            col = pa.array([neutralize(v) for v in table[name].to_pylist()], pa.string())
            table = table.set_column(i, name, col)
    return table


def json_default(value: object) -> object:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def write_table(table: pa.Table, path: str | Path, fmt: str) -> None:
    if fmt not in FORMATS:
        raise UsageError(f"unknown format '{fmt}' (expected one of {', '.join(FORMATS)})")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, path)
    elif fmt == "json":
        path.write_text(json.dumps(table.to_pylist(), default=json_default))
    else:
        import pyarrow.csv as pcsv

        table = _safe_strings(table)
        for i, name in enumerate(table.column_names):  # ISO dates, not Arrow's default
            if pa.types.is_date(table.schema.field(name).type):
                table = table.set_column(i, name, pc.strftime(table[name], "%Y-%m-%d"))
        pcsv.write_csv(table, path, pcsv.WriteOptions(quoting_style="needed"))
