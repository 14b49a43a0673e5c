"""Readers: xlsx (fastexcel/calamine, sheet by sheet), csv and parquet (DuckDB).

Each reader yields ``Source`` objects: one sheet (or the whole csv/parquet file) registered
in the DuckDB connection as a relation of text columns plus ``__row``, the row number a
person sees in the file (Excel row, or csv line counting the header).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from icestats.errors import InputError, first_line
from icestats.ingest.layout import HEADER_SCAN_ROWS, Layout, LayoutProblem, detect_layout

if TYPE_CHECKING:  # pyarrow is imported where a sheet or csv chunk is read, not for parquet
    import pyarrow as pa

EXCEL_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")  # xlsx/xlsb/ods zip, legacy xls
PARQUET_MAGIC = b"PAR1"
CSV_DELIMITERS = (",", ";", "\t", "|")


@dataclass
class Source:
    sheet: str | None
    sheet_no: int
    layout: Layout
    relation: str  # name registered in the connection
    rows: int
    table: pa.Table | None = None  # the Arrow data behind the relation (None: a file view)
    typed_date: bool = False  # the apprehension date arrives as a date/timestamp, not text
    where: str = "TRUE"  # this part's rows of the relation (a parquet file is read in slices)
    label: str = ""  # how the progress bar names this part once it is loaded
    parts: int | None = None  # parts in the file, when known before reading it
    # distinct values of the few-valued fields, when the reader knows them (csv chunks)
    values: dict[str, frozenset[str | None]] | None = None


def detect_format(path: Path) -> str:
    """'xlsx', 'parquet' or 'csv', from the file's first bytes, not its name."""
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise InputError(str(path), f"cannot read file ({exc.strerror})") from None
    if not head:
        raise InputError(str(path), "file is empty")
    if head.startswith(EXCEL_MAGIC):
        return "xlsx"
    if head.startswith(PARQUET_MAGIC):
        return "parquet"
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"):
        raise InputError(str(path), "not an Excel workbook (the file does not start like one)")
    if b"\x00" in head:
        raise InputError(str(path), "not a release file: binary content that is not xlsx or "
                                    "parquet")
    return "csv"


def read_sources(con: duckdb.DuckDBPyConnection, path: Path, fmt: str,
                 workbook: Workbook | None = None) -> Iterator[Source]:
    if fmt == "xlsx":
        yield from _xlsx_sources(con, path, workbook or Workbook(path))
    elif fmt == "csv":
        yield from _csv_sources(con, path)
    else:
        yield from _parquet_sources(con, path)


MAX_EXPANDED = 4 << 30  # bytes an xlsx may expand to (override: ICESTATS_MAX_EXPANDED_MB)
MAX_RATIO = 200  # compression ratio beyond which a large member is a bomb, not a sheet


def check_zip(path: Path) -> None:
    """Refuse a decompression bomb from the zip directory, before anything is expanded."""
    import os
    import zipfile

    limit = int(os.environ.get("ICESTATS_MAX_EXPANDED_MB", MAX_EXPANDED >> 20)) << 20
    try:
        with zipfile.ZipFile(path) as z:
            members = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip (legacy .xls) or damaged: the Excel reader says which
    total = sum(m.file_size for m in members)
    worst = max(members, key=lambda m: m.file_size / max(m.compress_size, 1), default=None)
    if total > limit:
        raise InputError(str(path), f"refused: the workbook would expand to "
                                    f"{total / 2**20:,.0f} MB, more than the "
                                    f"{limit >> 20:,} MB allowed (ICESTATS_MAX_EXPANDED_MB)")
    if worst and worst.file_size > 64 << 20 and \
            worst.file_size / max(worst.compress_size, 1) > MAX_RATIO:
        raise InputError(str(path), f"refused: '{worst.filename}' is compressed "
                                    f"{worst.file_size // max(worst.compress_size, 1):,} to 1 "
                                    f"(a decompression bomb?)")


def _open_workbook(path: Path):  # noqa: ANN202 - fastexcel.ExcelReader
    import fastexcel

    check_zip(path)
    try:
        return fastexcel.read_excel(str(path))
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # fastexcel's errors, and Rust panics (BaseException)
        reason = first_line(exc, 160)
        if "zip" in reason.lower():
            reason = "damaged or truncated: its zip container is invalid"
        raise InputError(str(path), f"not a readable Excel workbook ({reason})") from None


class Workbook:
    """An xlsx file whose sheets are each parsed once, as text, in sheet order; the next
    sheet is parsed on a background thread while the current one is loaded (so at most
    two sheets are in memory, never the whole release)."""

    def __init__(self, path: Path) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.path = path
        self.reader = _open_workbook(path)
        self.names: list[str] = list(self.reader.sheet_names)
        self._pool = ThreadPoolExecutor(max_workers=1)
        self._pending: dict[int, object] = {}

    def _parse(self, i: int) -> pa.RecordBatch:
        try:
            return self.reader.load_sheet(i, header_row=None, skip_rows=0,
                                          dtypes="string").to_arrow()
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # includes Rust panics from a malformed sheet
            raise InputError(str(self.path), f"cannot read sheet "
                             f"({first_line(exc, 160)})", sheet=self.names[i]) from None

    def prefetch(self, i: int) -> None:
        if i < len(self.names) and i not in self._pending:
            self._pending[i] = self._pool.submit(self._parse, i)

    def sheet(self, i: int) -> pa.RecordBatch:
        """Sheet i as text (absolute rows: row k is the sheet's row k + 1); forgets it."""
        self.prefetch(i)
        return self._pending.pop(i).result()  # type: ignore[attr-defined]

    def head(self, i: int, n: int) -> list[tuple[object, ...]]:
        """The first n rows of sheet i (parsed and kept for ``sheet``)."""
        self.prefetch(i)
        batch = self._pending[i].result()  # type: ignore[attr-defined]
        return _rows(batch.slice(0, n))

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _rows(batch: pa.RecordBatch) -> list[tuple[object, ...]]:
    cols = [c.to_pylist() for c in batch.columns]
    return list(zip(*cols, strict=True)) if cols else []


def _problem(path: Path, sheet: str | None, p: LayoutProblem, base: int) -> InputError:
    row = None if p.row is None else p.row + base
    return InputError(str(path), p.message, sheet=sheet, row=row, column=p.column)


def _xlsx_sources(con: duckdb.DuckDBPyConnection, path: Path, book: Workbook
                  ) -> Iterator[Source]:
    try:
        for sheet_no, name in enumerate(book.names):
            batch = book.sheet(sheet_no)
            book.prefetch(sheet_no + 1)
            if batch.num_columns == 0 or all(c.null_count == len(c) for c in batch.columns):
                continue  # an empty sheet holds no rows to lose; load.py records it
            try:
                layout = detect_layout(_rows(batch.slice(0, HEADER_SCAN_ROWS)))
            except LayoutProblem as p:
                raise _problem(path, name, p, base=1) from None
            table = _select(batch, layout)
            relation = f"src_{sheet_no}"
            con.register(relation, table)
            yield Source(name, sheet_no, layout, relation, table.num_rows, table,
                         label=f"sheet '{name}'", parts=len(book.names))
            con.unregister(relation)
    finally:
        book.close()


def _select(batch: pa.RecordBatch, layout: Layout, chunk: int = 65_536) -> pa.Table:
    """The body below the header: the layout's columns under canonical names, the sheet
    row number in ``__row``, in chunks so that DuckDB can scan them in parallel."""
    header = _rows(batch.slice(layout.header_index, 1))[0]
    index = {field: header.index(src) for field, src in layout.columns.items()}
    body = batch.slice(layout.header_index + 1)
    arrays = [body.column(i) for i in index.values()]
    first = layout.header_index + 2
    import pyarrow as pa

    rows = _row_numbers(first, body.num_rows)
    table = pa.Table.from_arrays([*arrays, rows], names=[*index, "__row"])
    return pa.Table.from_batches(table.to_batches(max_chunksize=chunk), schema=table.schema)


def _row_numbers(first: int, n: int) -> pa.Array:
    """``__row`` for n rows from ``first`` on (the numbers a person sees in the file)."""
    import numpy as np
    import pyarrow as pa

    return pa.array(np.arange(first, first + n, dtype=np.int32))


def _sniff_csv(path: Path) -> tuple[str, str, Layout]:
    raw = path.open("rb").read(256 * 1024)
    for encoding in ("utf-8-sig", "latin-1"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    lines = text.splitlines()[:HEADER_SCAN_ROWS]
    problem: LayoutProblem | None = None
    for delim in CSV_DELIMITERS:
        rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delim))
        try:
            return delim, encoding, detect_layout(rows)
        except LayoutProblem as p:
            problem = problem if problem and problem.row is not None else p
    assert problem is not None
    raise _problem(path, None, problem, base=1)


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


CHUNK_ROWS = 1_000_000  # csv rows per chunk: memory stays bounded by a chunk
# Parquet rows per insert: each slice costs about 75 ms (a statement and a commit) and
# takes about 6 s, so progress moves every few seconds at about 1% of the load time.
SLICE_ROWS = 5_000_000
# parquet column types read as they are for the apprehension date (others: as text)
TYPED_DATES = frozenset({"DATE", "TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS"})


def unreadable(path: Path, exc: BaseException) -> InputError:
    """The one-line error for a file DuckDB fails to read part way."""
    return InputError(str(path), f"cannot read file ({first_line(exc)})")


def _chunks(con: duckdb.DuckDBPyConnection, path: Path, query: str, layout: Layout,
            first_row: int) -> Iterator[Source]:
    """Stream a DuckDB read of a csv file as Arrow chunks, numbering the rows as they come
    (DuckDB keeps file order): ``first_row`` is the line of the first record."""
    import pyarrow as pa

    reader = con.cursor()  # a second connection: the loading one has a transaction open
    pool = ThreadPoolExecutor(2)
    try:
        try:
            stream = reader.sql(query).to_arrow_reader(CHUNK_ROWS)
        except duckdb.Error as exc:
            raise unreadable(path, exc) from None
        first = first_row
        for k, table in enumerate(_batches(stream, path)):
            table, values = _encode(table, pool)
            table = table.append_column("__row", _row_numbers(first, len(table)))
            table = pa.Table.from_batches(table.to_batches(max_chunksize=65_536),
                                          schema=table.schema)
            relation = f"src_chunk_{k}"
            con.register(relation, table)
            yield Source(None, 0, layout, relation, len(table), table, values=values,
                         label=f"rows {first:,}-{first + len(table) - 1:,}")
            con.unregister(relation)
            first += len(table)
    finally:
        reader.close()
        pool.shutdown()


# Fields with few distinct values (every field but these two): csv chunks carry them as
# Arrow dictionaries, so their distinct values are known without a pass over the rows.
_MANY_VALUES = frozenset({"apprehension_date", "identifier"})


def _encode(table: pa.Table, pool: ThreadPoolExecutor
            ) -> tuple[pa.Table, dict[str, frozenset[str | None]]]:
    """Dictionary-encode the few-valued columns (two at a time: pyarrow releases the GIL)
    and return their distinct values. Loading then costs less too: DuckDB reads a
    dictionary column as dictionary vectors. (The C library's allocator keeps freed pages
    for the next chunk; pyarrow's default gives them back and faults them in again: 2% of
    a csv load.)"""
    import pyarrow as pa
    import pyarrow.compute as pc

    memory = pa.system_memory_pool()
    names = [n for n in table.column_names if n not in _MANY_VALUES]
    encoded = dict(zip(names, pool.map(
        lambda n: pc.dictionary_encode(table.column(n), memory_pool=memory), names),
        strict=True))
    values = {}
    for name, column in encoded.items():
        found: set[str | None] = {None} if column.null_count else set()
        for chunk in column.chunks:
            found.update(chunk.dictionary.to_pylist())
        values[name] = frozenset(found)
    table = pa.table({n: encoded.get(n, table.column(n)) for n in table.column_names})
    return table, values


def _batches(stream, path: Path) -> Iterator[pa.Table]:  # noqa: ANN001
    """DuckDB's batches (about 28K rows from a csv) gathered into chunks of CHUNK_ROWS:
    the work per chunk (a statement, a plan update, a commit) is then paid a few times,
    not hundreds."""
    import pyarrow as pa

    pending: list[pa.RecordBatch] = []
    size = 0
    while True:
        try:
            batch = stream.read_next_batch()
        except StopIteration:
            break
        except (duckdb.Error, pa.ArrowException) as exc:
            raise unreadable(path, exc) from None
        pending.append(batch)
        size += len(batch)
        if size >= CHUNK_ROWS:
            yield pa.Table.from_batches(pending)
            pending, size = [], 0
    if size:
        yield pa.Table.from_batches(pending)


def _csv_sources(con: duckdb.DuckDBPyConnection, path: Path) -> Iterator[Source]:
    delim, encoding, layout = _sniff_csv(path)
    enc = "latin-1" if encoding == "latin-1" else "utf-8"
    cols = ", ".join(f"{_quote(src)} AS {field}" for field, src in layout.columns.items())
    query = (f"SELECT {cols} FROM read_csv({_literal(str(path))}, delim = {_literal(delim)}, "
             f"skip = {layout.header_index}, header = true, all_varchar = true, "
             f"null_padding = true, encoding = {_literal(enc)}, quote = '\"')")
    yield from _chunks(con, path, query, layout, first_row=layout.header_index + 2)


def _not_parquet(path: Path, exc: BaseException) -> InputError:
    return InputError(str(path), f"not a readable parquet file ({first_line(exc, 160)})")


def _parquet_sources(con: duckdb.DuckDBPyConnection, path: Path) -> Iterator[Source]:
    try:
        names = [r[0] for r in con.execute(
            "SELECT name FROM parquet_schema(?) WHERE num_children IS NULL OR num_children = 0",
            [str(path)]).fetchall()]
    except duckdb.Error as exc:
        raise _not_parquet(path, exc) from None
    try:
        layout = detect_layout([names])
    except LayoutProblem as p:
        raise _problem(path, None, p, base=0) from None
    file = _literal(str(path))
    try:
        types = {r[0]: r[1] for r in con.execute(
            f"DESCRIBE SELECT * FROM read_parquet({file})").fetchall()}
        rows = int(con.execute(f"SELECT count(*) FROM read_parquet({file})").fetchall()[0][0])
    except duckdb.Error as exc:
        raise _not_parquet(path, exc) from None
    # A typed apprehension date is read as it is; everything else as text, like a sheet.
    typed = types.get(layout.columns["apprehension_date"], "") in TYPED_DATES
    cols = ", ".join(f"{_quote(src)} AS {field}" if typed and field == "apprehension_date"
                     else f"CAST({_quote(src)} AS VARCHAR) AS {field}"
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

