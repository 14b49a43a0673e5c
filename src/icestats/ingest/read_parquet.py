"""parquet releases: a view over DuckDB's ``read_parquet`` (no copy through Python), read
in slices of SLICE_ROWS rows; a typed apprehension date is read as it is."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb

from icestats.errors import InputError, first_line
from icestats.ingest.layout import LayoutProblem, detect_layout
from icestats.ingest.sources import Source, literal, problem, quote

# Parquet rows per insert: each slice costs about 75 ms (a statement and a commit) and
# takes about 6 s, so progress moves every few seconds at about 1% of the load time.
SLICE_ROWS = 5_000_000
# parquet column types read as they are for the apprehension date (others: as text)
TYPED_DATES = frozenset({"DATE", "TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS"})


def not_parquet(path: Path, exc: BaseException) -> InputError:
    return InputError(str(path), f"not a readable parquet file ({first_line(exc, 160)})")


def parquet_sources(con: duckdb.DuckDBPyConnection, path: Path) -> Iterator[Source]:
    try:
        names = [r[0] for r in con.execute(
            "SELECT name FROM parquet_schema(?) WHERE num_children IS NULL OR num_children = 0",
            [str(path)]).fetchall()]
    except duckdb.Error as exc:
        raise not_parquet(path, exc) from None
    try:
        layout = detect_layout([names])
    except LayoutProblem as p:
        raise problem(str(path), None, p, base=0) from None
    file = literal(str(path))
    try:
        types = {r[0]: r[1] for r in con.execute(
            f"DESCRIBE SELECT * FROM read_parquet({file})").fetchall()}
        rows = int(con.execute(f"SELECT count(*) FROM read_parquet({file})").fetchall()[0][0])
    except duckdb.Error as exc:
        raise not_parquet(path, exc) from None
    # A typed apprehension date is read as it is; everything else as text, like a sheet.
    typed = types.get(layout.columns["apprehension_date"], "") in TYPED_DATES
    cols = ", ".join(f"{quote(src)} AS {field}" if typed and field == "apprehension_date"
                     else f"CAST({quote(src)} AS VARCHAR) AS {field}"
                     for field, src in layout.columns.items())
    # DuckDB reads the file itself, in parallel, with no copy through Python; parquet's
    # dictionary pages make the per-value work cheap. Slices of SLICE_ROWS rows (a filter
    # on file_row_number skips the other row groups) show progress on big files.
    con.execute(f"CREATE OR REPLACE TEMP VIEW src_file AS SELECT {cols}, "
                f"file_row_number AS __pos, CAST(file_row_number + 1 AS INTEGER) AS __row "
                f"FROM read_parquet({file}, file_row_number = true)")
    parts = max(1, -(-rows // SLICE_ROWS))
    for k in range(parts):
        first, last = k * SLICE_ROWS, min(rows, (k + 1) * SLICE_ROWS) - 1
        yield Source(None, 0, layout, "src_file", max(0, last - first + 1), typed_date=typed,
                     where=f"__pos BETWEEN {first} AND {last}",
                     label=f"rows {first + 1:,}-{last + 1:,}", parts=parts)
    con.execute("DROP VIEW src_file")  # (after a failure, the rollback drops it)
