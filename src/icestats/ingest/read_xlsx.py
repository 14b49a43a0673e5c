"""xlsx releases: each sheet parsed once as text (``icestats.xlsx``), its header found in
the first rows, its body registered as Arrow with the sheet row numbers in ``__row``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import duckdb

from icestats.ingest.layout import (
    HEADER_SCAN_ROWS,
    Layout,
    LayoutProblem,
    detect_layout,
    says_synthetic,
)
from icestats.ingest.read_csv import encode
from icestats.ingest.sources import Source, problem, row_numbers
from icestats.schema import SYNTHETIC_MARK
from icestats.xlsx import PARSERS, Workbook, properties, rows

if TYPE_CHECKING:
    import pyarrow as pa


def xlsx_sources(con: duckdb.DuckDBPyConnection, book: Workbook) -> Iterator[Source]:
    marked = SYNTHETIC_MARK in " ".join(properties(book.path).values())
    pool = ThreadPoolExecutor(2)
    try:
        for sheet_no, name in enumerate(book.names):
            batch = book.sheet(sheet_no)
            for ahead in range(1, PARSERS + 1):  # the next sheets parse meanwhile
                book.prefetch(sheet_no + ahead)
            if batch.num_columns == 0 or all(c.null_count == len(c) for c in batch.columns):
                continue  # an empty sheet holds no rows to lose; load.py records it
            head = rows(batch.slice(0, HEADER_SCAN_ROWS))
            try:
                layout = detect_layout(head)
            except LayoutProblem as p:
                if is_notes(name, batch.num_rows):
                    book.notes.append(name)  # listed in the result, never loaded
                    continue
                raise problem(book.label, name, p, base=1) from None
            # the few-valued columns as dictionaries, as csv chunks (read_csv.encode):
            # their distinct values without a pass in DuckDB, and a cheaper insert
            table, values = encode(select(batch, layout), pool)
            del batch
            relation = f"src_{sheet_no}"
            con.register(relation, table)
            yield Source(name, sheet_no, layout, relation, table.num_rows, table,
                         label=f"sheet '{name}'", parts=len(book.names), values=values,
                         synthetic=marked or says_synthetic(head[: layout.header_index]))
            con.unregister(relation)
    finally:
        book.close()
        pool.shutdown()


NOTES = re.compile(r"(?i)^\s*(notes?|read\s*me|about|info(rmation)?|documentation|"
                   r"definitions?|glossary|metadata|contents|sources?|disclaimers?|cover|"
                   r"data\s+dictionary)\b")
NOTES_ROWS = 1000  # a sheet of notes is short: a longer one without a header is refused


def is_notes(name: str, rows: int) -> bool:
    """A sheet of notes (its name says so: Notes, README, About, Definitions...) with no
    release header and at most NOTES_ROWS rows: skipped and listed, not a reason to refuse
    the file."""
    return rows <= NOTES_ROWS and NOTES.match(name) is not None


def select(batch: pa.RecordBatch, layout: Layout, chunk: int = 65_536) -> pa.Table:
    """The body below the header: the layout's columns under canonical names, the sheet
    row number in ``__row``, in chunks so that DuckDB can scan them in parallel."""
    import pyarrow as pa

    header = rows(batch.slice(layout.header_index, 1))[0]
    index = {field: header.index(src) for field, src in layout.columns.items()}
    body = batch.slice(layout.header_index + 1)
    arrays = [body.column(i) for i in index.values()]
    first = layout.header_index + 2
    numbers = row_numbers(first, body.num_rows)
    table = pa.Table.from_arrays([*arrays, numbers], names=[*index, "__row"])
    return pa.Table.from_batches(table.to_batches(max_chunksize=chunk), schema=table.schema)
