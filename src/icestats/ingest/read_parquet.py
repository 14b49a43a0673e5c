"""parquet releases: a view over DuckDB's ``read_parquet`` (no copy through Python), read
in slices of SLICE_ROWS rows; a typed apprehension date is read as it is."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import duckdb

from icestats.errors import InputError, first_line
from icestats.ingest.layout import LayoutProblem, detect_layout
from icestats.ingest.sources import Source, literal, problem, quote
from icestats.schema import SYNTHETIC_MARK

# Parquet rows per insert: each slice costs about 75 ms (a statement and a commit) and
# takes about 6 s, so progress moves every few seconds at about 1% of the load time.
SLICE_ROWS = 5_000_000
# parquet column types read as they are for the apprehension date (others: as text)
TYPED_DATES = frozenset({"DATE", "TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS",
                         "TIMESTAMP WITH TIME ZONE"})
ZONED = "TIMESTAMP WITH TIME ZONE"


def not_parquet(path: Path, exc: BaseException) -> InputError:
    return InputError(str(path), f"not a readable parquet file ({first_line(exc, 160)})")


def parquet_sources(con: duckdb.DuckDBPyConnection, path: Path, aor: str | None = None
                    ) -> Iterator[Source]:
    try:
        names = [r[0] for r in con.execute(
            "SELECT name FROM parquet_schema(?) WHERE num_children IS NULL OR num_children = 0",
            [str(path)]).fetchall()]
    except duckdb.Error as exc:
        raise not_parquet(path, exc) from None
    try:
        layout = detect_layout([names], aor)
    except LayoutProblem as p:
        raise problem(str(path), None, p, base=0) from None
    file = literal(str(path))
    try:
        types = {r[0]: r[1] for r in con.execute(
            f"DESCRIBE SELECT * FROM read_parquet({file})").fetchall()}
        rows = int(con.execute(f"SELECT count(*) FROM read_parquet({file})").fetchall()[0][0])
    except duckdb.Error as exc:
        raise not_parquet(path, exc) from None
    # A typed date is read as it is; everything else as text, like a sheet.
    date_col = layout.columns[layout.date_field]
    typed = types.get(date_col, "") in TYPED_DATES
    when = quote(date_col)
    if types.get(date_col) == ZONED:
        when = wall_clock(when, _zone(path, date_col))
    cols = ", ".join([f"{when} AS {field}" if typed and field == layout.date_field
                      else f"CAST({quote(src)} AS VARCHAR) AS {field}"
                      for field, src in layout.columns.items()]
                     + ([f"{literal(layout.office)} AS aor"] if layout.office else []))
    # DuckDB reads the file itself, in parallel, with no copy through Python; parquet's
    # dictionary pages make the per-value work cheap. Slices of SLICE_ROWS rows (a filter
    # on file_row_number skips the other row groups) show progress on big files.
    con.execute(f"CREATE OR REPLACE TEMP VIEW src_file AS SELECT {cols}, "
                f"file_row_number AS __pos, CAST(file_row_number + 1 AS INTEGER) AS __row "
                f"FROM read_parquet({file}, file_row_number = true)")
    parts = max(1, -(-rows // SLICE_ROWS))
    synthetic = _says_synthetic(con, path)
    for k in range(parts):
        first, last = k * SLICE_ROWS, min(rows, (k + 1) * SLICE_ROWS) - 1
        yield Source(None, 0, layout, "src_file", max(0, last - first + 1), typed_date=typed,
                     where=f"__pos BETWEEN {first} AND {last}",
                     label=f"rows {first + 1:,}-{last + 1:,}", parts=parts,
                     synthetic=synthetic)
    con.execute("DROP VIEW src_file")  # (after a failure, the rollback drops it)


def _says_synthetic(con: duckdb.DuckDBPyConnection, path: Path) -> bool:
    """The generator's mark in the file's key-value metadata (a parquet has no banner)."""
    rows = con.execute("SELECT value FROM parquet_kv_metadata(?) WHERE key = 'icestats.title'",
                       [str(path)]).fetchall()
    return any(SYNTHETIC_MARK.encode() in bytes(v) for (v,) in rows)


def _zone(path: Path, column: str) -> str:
    """The time zone a zoned column was written in (pyarrow keeps it in the file's Arrow
    schema); UTC when the file does not say (parquet itself stores only the instant)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        kind = pq.read_schema(path).field(column).type
    except (KeyError, OSError, pa.ArrowException):
        return "UTC"
    return str(getattr(kind, "tz", None) or "UTC")


_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")


def wall_clock(col: str, zone: str) -> str:
    """SQL for a zoned instant as the local date-time where it happened (the wall clock a
    csv would show), so that evening arrests keep their day."""
    m = _OFFSET.match(zone)
    if m:
        minutes = (1 if m.group(1) == "+" else -1) * (int(m.group(2)) * 60 + int(m.group(3)))
        return f"(timezone('UTC', {col}) + INTERVAL ({minutes}) MINUTE)"
    return f"timezone({literal(zone)}, {col})"
