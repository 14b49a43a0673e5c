"""A count table as text: its header, and its rows registered in the connection as a
relation of text columns ``c0``, ``c1``, ... plus ``__row`` (the row a person sees: the
csv line or Excel row, the parquet row counting from 1).

Count tables are small (a row per day, week, month or area), so a file is read whole into
Arrow; only the header is read to decide whether a file is a count table at all, so that a
record-level release is never read twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from icestats.errors import InputError, first_line
from icestats.inflate import MAX_LINE_BYTES, opened
from icestats.schema import SYNTHETIC_MARK

if TYPE_CHECKING:
    import pyarrow as pa

    from icestats.xlsx import Workbook

HEADER_SEARCH = 20  # rows searched for the header (banner lines above it are skipped)
RELATION = "count_src"


@dataclass
class Frame:
    """The rows of a count table, registered as ``RELATION``."""

    columns: list[str]
    rows: int
    sheet: str | None = None


_COMPRESSION = {"none": "none", "gzip": "gzip", "zstd": "zstd"}


def _csv_sql(encoding: str, compression: str) -> str:
    # (one thread: DuckDB's parallel reader refuses padded rows with quoted newlines; count
    # tables are small)
    return (f"SELECT * FROM read_csv($path, header = false, all_varchar = true, "
            f"encoding = '{encoding}', null_padding = true, parallel = false, "
            f"max_line_size = {MAX_LINE_BYTES}, "
            f"compression = '{_COMPRESSION[compression]}')")


def _csv(con: duckdb.DuckDBPyConnection, path: Path, limit: int | None,
         compression: str = "none") -> pa.Table:
    with path.open("rb") as raw, opened(raw, compression) as src:
        head = src.read(HEAD_BYTES + 1)
        ended = len(head) <= HEAD_BYTES  # (the whole file is in the head)
        if not limit or _lines(head) <= limit:  # (the rows asked for are not all there)
            more = src.read(2 * MAX_LINE_BYTES - len(head))
            head, ended = head + more, ended or len(more) < 2 * MAX_LINE_BYTES - len(head)
    if max(map(len, head.replace(b"\r", b"\n").split(b"\n"))) >= MAX_LINE_BYTES:
        # (DuckDB's reader would scan the whole line first: a 512 MB line took 19 s)
        raise InputError(str(path), f"a line longer than {MAX_LINE_BYTES >> 20} MB: not a "
                                    "table of counts")
    if limit and (ended or _lines(head) > limit):  # the first rows: from the head only
        with _head_file(head, ended) as first:
            return _read_csv(con, first, "none", path, limit)
    return _read_csv(con, path, compression, path, limit)


def _lines(text: bytes) -> int:
    return text.replace(b"\r", b"\n").count(b"\n")


HEAD_BYTES = 256 << 10  # the head a count table's first rows are read from


@contextmanager
def _head_file(head: bytes, ended: bool) -> Iterator[Path]:
    """A temporary plain copy of the head of a csv (cut at its last line break unless it is
    the whole file): DuckDB's sniffer then reads the head rather than inflating and
    sampling a whole file (0.2-0.3 s for each real csv.gz release, only to learn that its
    header is not a count table's)."""
    import tempfile

    cut = head if ended or b"\n" not in head else head[:head.rindex(b"\n") + 1]
    with tempfile.TemporaryDirectory(prefix="icestats-head-") as folder:
        target = Path(folder) / "head.csv"
        target.write_bytes(cut)
        yield target


def _read_csv(con: duckdb.DuckDBPyConnection, path: Path, compression: str, name: Path,
              limit: int | None) -> pa.Table:
    sql = "SELECT * FROM (" + _csv_sql("utf-8", compression) + ")" + \
        (f" LIMIT {int(limit)}" if limit else "")
    try:
        return con.sql(sql, params={"path": str(path)}).to_arrow_table()
    except duckdb.InvalidInputException:  # not UTF-8: Latin-1 reads any byte
        sql = sql.replace("'utf-8'", "'latin-1'")
    try:
        return con.sql(sql, params={"path": str(path)}).to_arrow_table()
    except duckdb.Error as exc:
        raise InputError(str(name), f"cannot read csv ({first_line(exc)})") from None


def _parquet(con: duckdb.DuckDBPyConnection, path: Path, limit: int | None) -> pa.Table:
    try:
        names = [r[0] for r in con.execute("DESCRIBE SELECT * FROM read_parquet($path)",
                                           {"path": str(path)}).fetchall()]
        cols = ", ".join(f'CAST("{n.replace(chr(34), chr(34) * 2)}" AS VARCHAR) AS c{i}'
                         for i, n in enumerate(names))
        body = con.sql(f"SELECT {cols} FROM read_parquet($path)"
                       + (f" LIMIT {int(limit)}" if limit else ""),
                       params={"path": str(path)}).to_arrow_table()
    except duckdb.Error as exc:
        raise InputError(str(path), f"cannot read parquet ({first_line(exc)})") from None
    import pyarrow as pa

    header = pa.table({f"c{i}": [n] for i, n in enumerate(names)})
    return pa.concat_tables([header, body]) if body.num_rows else header


def _xlsx(book: Workbook) -> tuple[pa.Table, str]:
    """The first sheet holding anything, as text."""
    import pyarrow as pa

    for i, name in enumerate(book.names):
        batch = book.sheet(i)
        if batch.num_rows:
            return pa.Table.from_batches([batch]), name
    raise InputError(book.label, "the workbook holds no rows")


def raw(con: duckdb.DuckDBPyConnection, path: Path, fmt: str, book: Workbook | None,
        limit: int | None = None, compression: str = "none") -> tuple[pa.Table, str | None]:
    """The file's cells as text, header row included, and the sheet read (xlsx)."""
    if fmt == "csv":
        return _csv(con, path, limit, compression), None
    if fmt == "parquet":
        return _parquet(con, path, limit), None
    assert book is not None
    if limit:  # (the head stays parsed for the loader that reads the sheet next)
        import pyarrow as pa

        head = book.head(0, limit)
        width = max((len(r) for r in head), default=0)
        return pa.table({f"c{i}": pa.array([None if i >= len(r) or r[i] is None else
                                            str(r[i]) for r in head], pa.string())
                         for i in range(width)}), book.names[0]
    return _xlsx(book)


def header(table: pa.Table) -> tuple[list[str], int] | None:
    """(column names, index of the header row): the first row with two or more cells
    among the first ``HEADER_SEARCH`` (a title line above it has one)."""
    cols = [c.to_pylist() for c in table.slice(0, HEADER_SEARCH).columns]
    for r in range(min(HEADER_SEARCH, table.num_rows)):
        cells = [col[r] for col in cols]
        if sum(1 for v in cells if v not in (None, "")) >= 2:
            while cells and cells[-1] in (None, ""):
                cells.pop()  # (trailing empty cells: padding, not columns)
            return ["" if v is None else str(v).strip() for v in cells], r
    return None


def register(con: duckdb.DuckDBPyConnection, table: pa.Table, columns: list[str],
             header_row: int, fmt: str) -> Frame:
    """Register the rows below the header as ``RELATION`` (c0..cn, __row)."""
    import pyarrow as pa

    body = table.slice(header_row + 1)
    first = header_row + 2 if fmt != "parquet" else 1  # a person's row number of body[0]
    data = {f"c{i}": body.column(i).cast(pa.string()) for i in range(len(columns))}
    data["__row"] = pa.array(range(first, first + body.num_rows), pa.int64())
    con.register(RELATION, pa.table(data))
    return Frame(columns, body.num_rows)


def synthetic(con: duckdb.DuckDBPyConnection, table: pa.Table, header_row: int, path: Path,
              fmt: str) -> bool:
    """The generator's mark: a banner line above the header, the xlsx document properties
    or the parquet key-value metadata."""
    above = [v for col in table.slice(0, header_row).columns for v in col.to_pylist()]
    if any(isinstance(v, str) and SYNTHETIC_MARK in v for v in above):
        return True
    if fmt == "xlsx":
        from icestats.xlsx import properties

        return SYNTHETIC_MARK in " ".join(properties(path).values())
    if fmt == "parquet":
        rows = con.execute("SELECT value FROM parquet_kv_metadata(?)", [str(path)]).fetchall()
        return any(SYNTHETIC_MARK.encode() in bytes(v) for (v,) in rows)
    return False
