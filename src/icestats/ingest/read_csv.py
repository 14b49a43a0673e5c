"""csv releases (plain, gzip or zstd: a compressed file is inflated to a temporary file under
``inflate``'s caps first): delimiter, encoding
and header found in the first 256 KB; DuckDB streams the file as Arrow chunks of
CHUNK_ROWS rows, numbered in file order; the few-valued columns are dictionary-encoded so
each chunk arrives with its distinct values. A csv of about one chunk or less is read whole
into a temporary table instead (``small_csv``: gzip inflated by Python, then read by
DuckDB's parallel reader; no Arrow)."""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from icestats.errors import InputError, first_line
from icestats.inflate import CP1252, MAX_LINE_BYTES, copy_capped
from icestats.ingest.layout import (
    HEADER_SCAN_ROWS,
    Layout,
    LayoutProblem,
    detect_layout,
    says_synthetic,
)
from icestats.ingest.sources import (
    Source,
    head_bytes,
    literal,
    problem,
    quote,
    row_numbers,
    unreadable,
)

if TYPE_CHECKING:
    import pyarrow as pa

CSV_DELIMITERS = (",", ";", "\t", "|")
CHUNK_ROWS = 1_000_000  # csv rows per chunk: memory stays bounded by a chunk
SNIFF_BYTES = 256 * 1024
# Fields with few distinct values (every field but these two): csv chunks carry them as
# Arrow dictionaries, so their distinct values are known without a pass over the rows.
_MANY_VALUES = frozenset({"apprehension_date", "event_date", "identifier", "stay_book_in",
                          "book_out"})


class Sniffed:
    """What the first bytes of a csv say: delimiter, encoding, layout, quoted newlines."""

    def __init__(self, delim: str, encoding: str, layout: Layout, newlines: bool,
                 synthetic: bool = False) -> None:
        self.delim, self.encoding, self.layout, self.newlines = delim, encoding, layout, newlines
        self.synthetic = synthetic


def _decode(raw: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM), else Windows-1252 (smart quotes, dashes; the five
    bytes it leaves undefined read as Latin-1): such a file is transcoded to UTF-8 before
    DuckDB reads it (``prepared``), since DuckDB reads only UTF-8 and Latin-1."""
    try:
        return raw.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError as exc:
        if exc.start >= len(raw) - 3 and len(raw) == SNIFF_BYTES:  # a character cut short
            return raw[:exc.start].decode("utf-8-sig"), "utf-8-sig"
    return raw.decode("cp1252", errors=CP1252), CP1252


def sniff_csv(path: Path, compression: str = "none", label: str | None = None,
              aor: str | None = None) -> Sniffed:
    label = label or str(path)
    raw = head_bytes(path, compression, SNIFF_BYTES)
    if b"\x00" in raw[:4096]:
        raise InputError(label, "not a release file: binary content that is not xlsx, "
                                "parquet, csv (plain, gzip, zstd) or zip")
    text, encoding = _decode(raw)
    if len(raw) == SNIFF_BYTES:  # the last line may be cut: leave it out
        end = max(text.rfind("\n"), text.rfind("\r"))
        if end < 0:
            raise InputError(label, f"no line break in the first {SNIFF_BYTES >> 10} KB: a "
                                    "header or row that long is not a release's")
        text = text[: end + 1]
    lines = text.splitlines()[:HEADER_SCAN_ROWS]
    found: LayoutProblem | None = None
    for delim in CSV_DELIMITERS:
        try:
            rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delim))
        except csv.Error as exc:
            raise InputError(label, f"cannot read the first lines as csv ({exc})") from None
        try:
            layout = detect_layout(rows, aor)
        except LayoutProblem as p:
            found = found if found and found.row is not None else p
            continue
        return Sniffed(delim, encoding, layout, _quoted_newlines(label, text, delim),
                       says_synthetic(rows[: layout.header_index]))
    assert found is not None
    raise problem(label, None, found, base=1)


def _quoted_newlines(label: str, text: str, delim: str) -> bool:
    """Whether a quoted cell holds a line break (CR alone too) in the sample."""
    try:
        return any("\n" in cell or "\r" in cell for row in csv.reader(
            text.splitlines(keepends=True), delimiter=delim) for cell in row)
    except csv.Error as exc:
        raise InputError(label, f"cannot read the first lines as csv ({exc})") from None


# DuckDB's parallel scanner refuses quoted newlines with null padding: a file whose first
# quoted newline comes after the sample is read again by one thread (``NeedsSerial``)
PARALLEL_REFUSED = "does not support null_padding in conjunction with quoted new lines"


class NeedsSerial(InputError):
    """The file holds quoted newlines past the sniffed sample: read it with one thread."""


def csv_sources(con: duckdb.DuckDBPyConnection, path: Path, compression: str = "none",
                label: str | None = None, serial: bool = False, aor: str | None = None
                ) -> Iterator[Source]:
    label = label or str(path)
    s = sniff_csv(path, compression, label, aor)
    if is_small(path, compression) or s.encoding == CP1252:  # (transcoded: a copy)
        yield from small_csv(con, path, compression, label, s, serial)
        return
    # a larger compressed file is inflated to a temporary file too, under the same caps
    # (DuckDB's own inflate caps nothing but a line), then streamed from it in chunks;
    # DuckDB's parallel scanner refuses quoted newlines with null padding
    with inflated(path, compression, label) as plain:
        query = read_query(plain, s, "none", not (serial or s.newlines))
        for source in _chunks(con, label, query, s.layout,
                              first_row=s.layout.header_index + 2):
            source.synthetic = s.synthetic
            yield source


def read_query(path: Path, s: Sniffed, compression: str, parallel: bool) -> str:
    """DuckDB's read of the csv: every column as text, under the layout's field names."""
    cols = ", ".join([f"{quote(src)} AS {field}" for field, src in s.layout.columns.items()]
                     + ([f"{literal(s.layout.office)} AS aor"] if s.layout.office else []))
    # DDP's processed csv files (R's write.csv) write a missing value as NA
    nulls = "nullstr = ['NA', ''], " if s.layout.name.endswith("-processed") else ""
    return (f"SELECT {cols} FROM read_csv({literal(str(path))}, delim = {literal(s.delim)}, "
            f"skip = {s.layout.header_index}, header = true, all_varchar = true, {nulls}"
            f"null_padding = true, encoding = 'utf-8', quote = '\"', "
            f"max_line_size = {MAX_LINE_BYTES}, "
            f"compression = {literal(compression)}, parallel = {str(parallel).lower()})")


# a csv of at most about one chunk (CHUNK_ROWS rows) is read whole: bytes per row allowed
SMALL_ROW_BYTES = {"none": 256, "gzip": 24, "zstd": 24}


def is_small(path: Path, compression: str) -> bool:
    """A csv of about a chunk or less (the real releases: 1-2 MB of gzip each) is read
    whole into a temporary table: no Arrow (pyarrow's import alone is 0.3 s of a
    process), and a gzip file is inflated by Python's zlib, then read by DuckDB's parallel
    reader (both cores) rather than by DuckDB's one-thread inflate."""
    per_row = SMALL_ROW_BYTES.get(compression)
    return per_row is not None and path.stat().st_size <= per_row * CHUNK_ROWS


def small_csv(con: duckdb.DuckDBPyConnection, path: Path, compression: str, label: str,
              s: Sniffed, serial: bool) -> Iterator[Source]:
    """The whole file as one source: a temporary table in file order (DuckDB keeps
    insertion order), its row ids giving each row's line."""
    with inflated(path, compression, label, s.encoding) as plain:
        query = read_query(plain, s, "none", not (serial or s.newlines))
        try:
            con.execute(f"CREATE OR REPLACE TEMP TABLE src_csv_rows AS {query}")
        except duckdb.Error as exc:
            raise _unreadable(label, exc) from None
    # rows appended in an open transaction have provisional row ids (from 2**55): commit
    # (nothing of the release is in yet; load.py commits after each source anyway)
    con.execute("COMMIT")
    con.execute("BEGIN TRANSACTION")
    first = s.layout.header_index + 2
    con.execute(f"CREATE OR REPLACE TEMP VIEW src_csv AS SELECT *, "
                f"CAST(rowid + {first} AS INTEGER) AS __row FROM src_csv_rows")
    row = con.execute("SELECT count(*) FROM src_csv_rows").fetchall()
    rows = int(row[0][0])
    yield Source(None, 0, s.layout, "src_csv", rows, materialized=True,
                 synthetic=s.synthetic, label=f"rows {first:,}-{first + rows - 1:,}")
    # (after a failure the rollback drops the view; the table is replaced by the next
    # small csv or goes with the connection)
    con.execute("DROP VIEW src_csv")
    con.execute("DROP TABLE src_csv_rows")


@contextmanager
def inflated(path: Path, compression: str, label: str, encoding: str = "utf-8"
             ) -> Iterator[Path]:
    """A plain UTF-8 file DuckDB can read: a gzip file inflated and a Windows-1252 one
    transcoded to a temporary file (removed afterwards), a plain UTF-8 one as it is. The
    copy is refused as soon as it expands beyond ``inflate.MAX_EXPANSION`` times what it
    has read (past a floor) or a line exceeds MAX_LINE_BYTES (``inflate.copy_capped``): a
    file that inflates to gigabytes is refused after a few blocks, not all of them."""
    if compression == "none" and encoding != CP1252:
        yield path
        return
    from icestats import prefetch

    ready = prefetch.take_inflated(path) if compression == "gzip" else None
    folder = ready.parent if ready else Path(tempfile.mkdtemp(prefix="icestats-gz-"))
    try:
        target = folder / "release.csv"
        if ready is not None:  # inflated while the previous file loaded
            yield target
            return
        try:
            with target.open("wb") as dst:
                copy_capped(path, compression, dst, label, encoding)
        except Exception as exc:  # OSError, EOFError, zlib.error, zstandard.ZstdError
            if isinstance(exc, InputError):
                raise
            raise InputError(label, f"cannot read file ({first_line(exc, 160)})") from None
        yield target
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _chunks(con: duckdb.DuckDBPyConnection, label: str, query: str, layout: Layout,
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
            raise _unreadable(label, exc) from None
        first = first_row
        for k, table in enumerate(_batches(stream, label)):
            table, values = encode(table, pool)
            table = table.append_column("__row", row_numbers(first, len(table)))
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


def _unreadable(label: str, exc: BaseException) -> InputError:
    if PARALLEL_REFUSED in str(exc):
        return NeedsSerial(label, "quoted newlines past the first 256 KB")
    if "Maximum line size" in str(exc):
        import re

        line = re.search(r"CSV Error on Line: (\d+)", str(exc))
        return InputError(label, f"a line longer than {MAX_LINE_BYTES >> 20} MB"
                                 + (f" (line {line.group(1)} of the data)" if line else "")
                                 + ": not a release's")
    if "sniffing file" in str(exc) or "state machine reached an invalid state" in str(exc):
        return InputError(label, "cannot read file as csv: its lines end in different ways "
                                 "(CR LF and LF) or a quote is not closed; save it with one "
                                 f"kind of line ending ({first_line(exc)})")
    return unreadable(label, exc)


def encode(table: pa.Table, pool: ThreadPoolExecutor
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


def _batches(stream: pa.RecordBatchReader, label: str) -> Iterator[pa.Table]:
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
        except (duckdb.Error, pa.ArrowException, OSError) as exc:
            raise _unreadable(label, exc) from None
        pending.append(batch)
        size += len(batch)
        if size >= CHUNK_ROWS:
            yield pa.Table.from_batches(pending)
            pending, size = [], 0
    if size:
        yield pa.Table.from_batches(pending)
