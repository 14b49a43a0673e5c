"""xlsx releases: each sheet parsed once as text (``icestats.xlsx``), its header found in
the first rows, its body registered as Arrow with the sheet row numbers in ``__row``."""

from __future__ import annotations

import functools
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
from icestats.xlsx_chunks import Pieces, padded

if TYPE_CHECKING:
    import pyarrow as pa


# A sheet this short where no row names three known columns is a summary or notes sheet
# (a release's "Summary" and "Footnotes" tabs): not loaded, listed with the notes sheets,
# when another sheet of the workbook holds records. A longer one, or one with a header of
# no known layout, is refused (an unknown layout), unless its name says notes (is_notes).
SUMMARY_ROWS = 200


def xlsx_sources(con: duckdb.DuckDBPyConnection, book: Workbook, aor: str | None = None
                 ) -> Iterator[Source]:
    marked = SYNTHETIC_MARK in " ".join(properties(book.path).values())
    pool = ThreadPoolExecutor(2)
    notes: list[tuple[str, LayoutProblem]] = []
    yielded = False
    try:
        for sheet_no in range(len(book.names)):
            parts = book.pieces(sheet_no)
            for ahead in range(1, PARSERS + 1):  # the next sheets parse meanwhile
                book.prefetch(sheet_no + ahead)
            for source in _sheet(con, book, sheet_no, parts, aor, pool, marked, notes):
                yield source
                yielded = True
                con.unregister(source.relation)
        if notes and not yielded:  # no sheet holds records: the first one says why
            raise problem(book.label, notes[0][0], notes[0][1], base=1)
    finally:
        book.close()
        pool.shutdown()


def _sheet(con: duckdb.DuckDBPyConnection, book: Workbook, sheet_no: int,
           parts: list[pa.RecordBatch] | Pieces, aor: str | None, pool: ThreadPoolExecutor,
           marked: bool, notes: list[tuple[str, LayoutProblem]]) -> Iterator[Source]:
    """The sources of one sheet: one, or one per piece of a big sheet (xlsx_chunks: its
    rows loaded while the next pieces parse), the header found in the first."""
    name = book.names[sheet_no]
    cut = parts  # loaded piece by piece while Pieces; [the sheet] once it is read whole
    try:
        batch = parts.first() if isinstance(parts, Pieces) else parts[0]
        if isinstance(parts, Pieces) and _empty(batch):  # (rows further down: all of it)
            cut = [batch := parts.joined()]
        if _empty(batch):
            return  # an empty sheet holds no rows to lose; load.py records it
        checked, head = _checked(book, sheet_no, batch)
        if checked is not batch:  # parsed again, whole
            cut = [batch := checked]
        try:
            layout = detect_layout(head, aor)
        except LayoutProblem as p:
            if isinstance(cut, Pieces):
                batch = cut.joined()
            if is_notes(name, batch.num_rows) or \
                    (p.headerless and batch.num_rows <= SUMMARY_ROWS):
                book.notes.append(name)  # listed in the result, never loaded
                notes.append((name, p))
                return
            if p.undated is None:
                raise problem(book.label, name, p, base=1) from None
            yield undated(con, name, sheet_no, p, batch, len(book.names))
            return
        header = rows(batch.slice(layout.header_index, 1))[0]
        synthetic = marked or says_synthetic(head[: layout.header_index])
        done = 0  # the sheet's rows in the pieces before (row k of a piece: done + k + 1)
        for piece in (_grouped(cut) if isinstance(cut, Pieces) else [batch]):
            skip = layout.header_index + 1 if done == 0 else 0
            # the few-valued columns as dictionaries, as csv chunks (read_csv.encode):
            # their distinct values without a pass in DuckDB, and a cheaper insert
            table, values = encode(select(piece, layout, header, skip, done + skip + 1), pool)
            done += piece.num_rows
            relation = f"src_{sheet_no}"
            con.register(relation, table)
            yield Source(name, sheet_no, layout, relation, table.num_rows, table,
                         label=f"sheet '{name}'", values=values, synthetic=synthetic,
                         parts=None if isinstance(cut, Pieces) else len(book.names))
    finally:
        if isinstance(parts, Pieces):
            parts.close()


# Pieces are loaded in groups of at least this many rows (about one DuckDB row group,
# 122,880 rows): an insert and its commit cost about 0.15 s beyond the rows (measured:
# ten 30,000-row inserts took 4.5-6 s against 1.2-2.1 s for one of 300,000, on the shared
# machine); larger groups hold more in memory (250,000: 2.0 GB at the peak of the DDP-size
# release, against 1.6 GB).
LOAD_ROWS = 125_000


def _grouped(parts: Pieces) -> Iterator[pa.Table]:
    """The pieces in order, consecutive ones joined until they hold ``LOAD_ROWS`` rows."""
    import pyarrow as pa

    def joined(tables: list[pa.Table]) -> pa.Table:  # (a later piece may be wider)
        width = max(t.num_columns for t in tables)
        return pa.concat_tables([padded(t, width) for t in tables])

    held: list[pa.Table] = []
    rows_held = 0
    for piece in parts:
        held.append(piece)
        rows_held += piece.num_rows
        if rows_held >= LOAD_ROWS:
            yield joined(held)
            held, rows_held = [], 0
    if held:
        yield joined(held)


def _empty(batch: pa.RecordBatch | pa.Table) -> bool:
    return batch.num_columns == 0 or all(c.null_count == len(c) for c in batch.columns)


def choose_columns(book: Workbook, i: int) -> list[int] | None:
    """The columns of sheet i the layout maps (``Workbook.columns``), from its first rows
    read without parsing the sheet (``xlsx_head``); None (every column) when that saves
    nothing or the head names no known layout."""
    from icestats.reference import HQ
    from icestats.xlsx_head import head_grid

    member = book.member(i)
    if member is None:
        return None
    head, book.lefts[i] = head_grid(book.path, member, HEADER_SCAN_ROWS)
    book.heads[i] = head
    try:
        layout = detect_layout(head, HQ)  # (any office: only the columns matter here)
    except LayoutProblem:
        return None
    header = head[layout.header_index]
    keep = sorted(header.index(src) for src in layout.columns.values())
    return keep if len(keep) < sum(1 for c in header if c is not None) else None


def _checked(book: Workbook, i: int, batch: pa.RecordBatch
             ) -> tuple[pa.RecordBatch, list[tuple[object, ...]]]:
    """(the sheet, its first rows for header detection). A sheet parsed with some columns
    only is trusted when its header row is the head's at those columns; else it is parsed
    again whole."""
    cols = book.selected.get(i)
    if cols is None:
        return batch, rows(batch.slice(0, HEADER_SCAN_ROWS))
    head = book.heads.get(i, [])
    parsed = rows(batch.slice(0, HEADER_SCAN_ROWS))
    if len(parsed) == len(head) or len(parsed) == HEADER_SCAN_ROWS:
        for k, row in enumerate(head[:len(parsed)]):
            picked = tuple(row[c] if c < len(row) else None for c in cols)
            text = all(v is None or isinstance(v, str) for v in picked)  # (numbers differ
            if text and picked != parsed[k]:                            # in their form)
                break
        else:
            return batch, head
    return (whole := book.whole(i)), rows(whole.slice(0, HEADER_SCAN_ROWS))


def undated(con: duckdb.DuckDBPyConnection, name: str, sheet_no: int, p: LayoutProblem,
            batch: pa.RecordBatch, parts: int) -> Source:
    """A sheet of a known kind without a date column (the Seattle CAP workbook's encounters):
    its non-blank rows, numbered, for the loader to record as rejected with the reason."""
    import pyarrow as pa
    import pyarrow.compute as pc

    assert p.undated is not None
    layout = p.undated
    body = batch.slice(layout.header_index + 1)
    numbers = row_numbers(layout.header_index + 2, body.num_rows)
    filled = functools.reduce(pc.or_kleene, [pc.is_valid(c) for c in body.columns])
    table = pa.table({"__row": numbers}).filter(filled)
    relation = f"src_{sheet_no}"
    con.register(relation, table)
    return Source(name, sheet_no, layout, relation, body.num_rows, table,
                  label=f"sheet '{name}'", parts=parts, undated=p.message)


NOTES = re.compile(r"(?i)^\s*(notes?|read\s*me|about|info(rmation)?|documentation|"
                   r"definitions?|glossary|metadata|contents|sources?|disclaimers?|cover|"
                   r"data\s+dictionary)\b")
NOTES_ROWS = 1000  # a sheet of notes is short: a longer one without a header is refused


def is_notes(name: str, rows: int) -> bool:
    """A sheet of notes (its name says so: Notes, README, About, Definitions...) with no
    release header and at most NOTES_ROWS rows: skipped and listed, not a reason to refuse
    the file."""
    return rows <= NOTES_ROWS and NOTES.match(name) is not None


def select(batch: pa.RecordBatch | pa.Table, layout: Layout, header: tuple[object, ...],
           skip: int, first: int, chunk: int = 65_536) -> pa.Table:
    """The rows of ``batch`` from ``skip`` on (below the header, or a later piece whole):
    the layout's columns under canonical names (their places in ``header``), the sheet row
    number in ``__row`` (``first``: the first one's), in chunks that DuckDB can scan in
    parallel."""
    import pyarrow as pa

    index = {field: header.index(src) for field, src in layout.columns.items()}
    body = batch.slice(skip)
    arrays = [body.column(i) for i in index.values()]
    names = list(index)
    if layout.office is not None:  # the office of every row (title line or --aor)
        arrays.append(pa.repeat(pa.scalar(layout.office, pa.string()), body.num_rows))
        names.append("aor")
    numbers = row_numbers(first, body.num_rows)
    table = pa.Table.from_arrays([*arrays, numbers], names=[*names, "__row"])
    return pa.Table.from_batches(table.to_batches(max_chunksize=chunk), schema=table.schema)
