"""A big worksheet parsed in row chunks, two at a time.

fastexcel (calamine) parses a sheet on one core and builds the whole sheet before anything
can be taken from it: a 1.2M-row sheet is one core for ten seconds and gigabytes of cells.
Neither it nor any other reader the machine has parses part of a sheet, so this module cuts
the sheet's XML into pieces of whole ``<row>`` elements while it inflates it, wraps each
piece in a small uncompressed workbook (the original's styles and shared strings, the
other worksheets empty) and has fastexcel parse the pieces on ``SLOTS`` threads (the parse
releases the GIL). The pieces come back in order and make the same sheet as one parse:

- rows: the first piece is parsed from the sheet's row 1 (``skip_rows=0``, as
  ``xlsx.Workbook`` parses a whole sheet); each piece holds an anchor row just before its
  first row and just after its last (a cell in column A, dropped after the parse), so that
  its range starts and ends exactly where its rows do: empty rows between pieces are kept,
  and every piece starts at column A;
- columns: counted from column A (``use_columns`` are absolute indices here); without a
  selection the pieces are padded to the widest.

A sheet that does not look as expected (a namespace prefix, rows without numbers, rows out
of order at a cut) is not cut: ``Unchunkable``, and the caller parses it whole. Hand-written
because no library parses an xlsx sheet in parts (measured: the same CPU time as one parse,
half the wall time on two cores, and a bounded piece of the sheet in memory at a time).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

SLOTS = 2  # pieces parsed at once (one per core)
PIECE_BYTES = 40 << 20  # XML per piece (about 30,000 rows of 25 columns)
AHEAD = SLOTS  # pieces cut and not yet taken (on disk or parsed): one per parser
_BLOCK = 8 << 20
_ROW_NO = re.compile(rb'<row\b[^>]*?\sr="(\d+)"')
_EMPTY_SHEET = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet '
                b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                b'<sheetData/></worksheet>')
_pool = ThreadPoolExecutor(SLOTS, thread_name_prefix="icestats-piece")


class Unchunkable(Exception):
    """The sheet cannot be cut safely: parse it whole."""


def piece_bytes(path: Path, member: str) -> int | None:
    """The XML per piece for the worksheet ``member``, or None when it is not worth cutting
    (under two pieces). Each piece's workbook repeats the shared strings, which each piece's
    parse reads again: a piece is at least four times their size."""
    try:
        with zipfile.ZipFile(path) as z:
            size = z.getinfo(member).file_size
            names = z.namelist()
            shared = z.getinfo("xl/sharedStrings.xml").file_size \
                if "xl/sharedStrings.xml" in names else 0
    except (KeyError, zipfile.BadZipFile, OSError, ValueError):
        return None
    piece = max(PIECE_BYTES, 4 * shared)
    return piece if size >= 2 * piece else None


def parse(path: Path, member: str, index: int, columns: list[int] | None,
          piece: int = PIECE_BYTES) -> pa.Table:
    """Sheet ``index`` (worksheet ``member``) of the workbook as text, as one parse of it
    gives it (absolute rows from row 1), ``columns`` counted from column A."""
    return Pieces(path, member, index, columns, piece).joined()


class Pieces:
    """The pieces of one sheet, cut on a background thread and parsed on the pool as soon
    as they are cut, handed out in order (``__iter__``): at most ``AHEAD`` pieces are cut
    and not yet taken, so a sheet of any size holds a few pieces in memory. A narrower piece
    is padded to the first piece's width, a wider one keeps its own: the pieces joined are
    padded to the widest (``joined`` here, ``_grouped`` in ingest/read_xlsx.py)."""

    def __init__(self, path: Path, member: str, index: int, columns: list[int] | None,
                 piece: int = PIECE_BYTES) -> None:
        import queue
        import tempfile
        import threading

        import fastexcel  # noqa: F401 - (imported here, not by two piece threads at once)
        import pyarrow  # noqa: F401

        self._args = (path, member, index, columns, piece)
        self._folder = Path(tempfile.mkdtemp(prefix="icestats-pieces-"))
        self._queue: queue.SimpleQueue[Future[pa.Table] | BaseException | None] = \
            queue.SimpleQueue()
        self._room = threading.Semaphore(AHEAD)
        self._stop = threading.Event()
        self._first: pa.Table | None = None
        self._width = 0
        self._done = False
        self._thread = threading.Thread(target=self._produce, daemon=True,
                                        name="icestats-cut")
        self._thread.start()

    def _produce(self) -> None:
        path, member, index, columns, piece = self._args
        try:
            with zipfile.ZipFile(path) as z:
                base = {info.filename: (b"" if _is_sheet(info.filename) else z.read(info))
                        for info in z.infolist()}
                right = max(columns) if columns else 0  # (every piece reaches it)
                for k, (parts, anchors) in enumerate(_pieces(z, member, piece, right)):
                    self._room.acquire()
                    if self._stop.is_set():
                        return
                    book = self._folder / f"{k}.xlsx"
                    _workbook(book, base, member, parts)
                    del parts
                    self._queue.put(_pool.submit(_parse_piece, book, index, columns, k == 0,
                                                 anchors))
            self._queue.put(None)
        except BaseException as exc:  # handed to the reader, who parses the sheet whole
            self._queue.put(exc)

    def _next(self) -> pa.Table | None:
        if self._done:
            return None
        item = self._queue.get()
        if item is None:
            self._done = True
            return None
        if isinstance(item, BaseException):
            self._done = True
            raise item
        try:
            table = item.result()
        except Exception as exc:  # (a piece the parser refused: the sheet is read whole,
            self._done = True     # where a damaged sheet says what is wrong)
            raise Unchunkable(f"a piece could not be parsed ({exc})") from exc
        self._room.release()
        if not self._width:
            self._width = table.num_columns
        return padded(table, self._width)

    def first(self) -> pa.Table:
        """The first piece (rows from the sheet's row 1), kept for the iteration."""
        if self._first is None:
            first = self._next()
            if first is None:
                raise Unchunkable("no rows")
            self._first = first
        return self._first

    def __iter__(self) -> Iterator[pa.Table]:
        """Each piece in order (the first one included), its rows the sheet's next rows."""
        yield self.first()
        while (table := self._next()) is not None:
            yield table

    def joined(self) -> pa.Table:
        """Every piece as one table (what one parse of the sheet gives)."""
        import pyarrow as pa

        try:
            parts = list(self)
        finally:
            self.close()
        width = max(t.num_columns for t in parts)
        return pa.concat_tables([padded(t, width) for t in parts])

    def close(self) -> None:
        """Stop cutting, wait for the pieces in flight, remove the pieces' folder."""
        import shutil

        self._stop.set()
        self._room.release()
        self._thread.join()
        while not self._queue.empty():
            item = self._queue.get()
            if isinstance(item, Future):
                item.cancel() or item.exception()
        shutil.rmtree(self._folder, ignore_errors=True)


def padded(table: pa.Table, width: int) -> pa.Table:
    """``table`` under positional names, padded with empty columns to ``width``."""
    import pyarrow as pa

    cols = list(table.columns) + [pa.nulls(table.num_rows, pa.string())] * \
        (width - table.num_columns)
    return pa.Table.from_arrays(cols, names=[f"c{i}" for i in range(len(cols))])


def _is_sheet(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.endswith(".xml")


def _workbook(target: Path, base: dict[str, bytes], member: str, parts: list[bytes]
              ) -> None:
    """An uncompressed workbook at ``target``: ``base``'s members, the worksheet ``member``
    written from ``parts`` (one copy of the XML), the other worksheets empty. A file, not
    bytes: fastexcel copies and scans bytes it is given (measured: 80 ms per 40 MB piece,
    against nothing for a path)."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED, allowZip64=True) as out:
        for name, data in base.items():
            if name == member:
                with out.open(name, "w", force_zip64=True) as fh:
                    for part in parts:
                        fh.write(part)
            else:
                out.writestr(name, _EMPTY_SHEET if _is_sheet(name) else data)


def _parse_piece(book: Path, index: int, columns: list[int] | None, first: bool,
                 anchors: tuple[bool, bool]) -> pa.Table:
    import fastexcel
    import pyarrow as pa

    try:
        reader = fastexcel.read_excel(str(book))
        kw: dict[str, Any] = {"skip_rows": 0} if first else {}
        batch = reader.load_sheet(index, header_row=None, dtypes="string",
                                  use_columns=columns, **kw).to_arrow()
    finally:
        book.unlink(missing_ok=True)
    table = pa.Table.from_batches([batch])
    lead, trail = anchors
    start = 1 if lead else 0
    stop = table.num_rows - (1 if trail else 0)
    return table.slice(start, stop - start)


def _pieces(z: zipfile.ZipFile, member: str, size: int, right: int = 0
            ) -> Iterator[tuple[list[bytes], tuple[bool, bool]]]:
    """(the parts of a worksheet XML holding some rows and its anchors, (leading anchor,
    trailing anchor)) for each piece of the sheet, cut while the sheet is inflated. The
    inflated blocks are kept as they come and only the block holding a cut is split (the
    XML is copied once, into the piece's workbook)."""
    with z.open(member) as fh:
        block = fh.read(_BLOCK)
        at = block.find(b"<sheetData>")
        if at < 0 or at > (1 << 20):
            raise Unchunkable("no plain <sheetData> element in the first megabyte")
        head = re.sub(rb"<dimension\b[^>]*/>", b"", block[:at + len(b"<sheetData>")])
        blocks = [block[at + len(b"<sheetData>"):]]
        held = len(blocks[0])
        previous = 0  # the last row number of the previous piece
        done = False
        while not done:
            while held < size and not done:
                block = fh.read(_BLOCK)
                done = not block
                blocks.append(block)
                held += len(block)
            body, blocks = _cut(blocks, done)
            body = [b for b in body if b]
            held = sum(len(b) for b in blocks)
            first, last = _first_row(body), _last_row(body)
            if first is None or last is None:
                if done and not any(b.strip() for b in body):
                    break
                raise Unchunkable("rows without numbers")
            if first <= previous or last < first:
                raise Unchunkable("rows out of order")
            lead = previous > 0
            yield [head, _anchor(previous, right) if lead else b"", *body,
                   b"" if done else _anchor(last + 1, right), b"</sheetData></worksheet>"], \
                (lead, not done)
            previous = last


def _cut(blocks: list[bytes], done: bool) -> tuple[list[bytes], list[bytes]]:
    """(the blocks up to the last row end, the rest): at ``</sheetData>`` for the last
    piece. A cut never falls inside a tag, since the marks are found whole in one block
    (a mark split across two blocks is found after joining the two's edges)."""
    mark = b"</sheetData>" if done else b"</row>"
    for k in range(len(blocks) - 1, -1, -1):
        at = blocks[k].rfind(mark)
        if at >= 0:
            end = at + (0 if done else len(mark))
            return [*blocks[:k], blocks[k][:end]], ([blocks[k][end:]] if not done else []) \
                + ([] if done else blocks[k + 1:])
        if k > 0 and len(mark) > 1:  # a mark across the edge of blocks k-1 and k
            edge = blocks[k - 1][-len(mark):] + blocks[k][:len(mark)]
            at = edge.find(mark)
            if at >= 0:
                joined = blocks[k - 1] + blocks[k]
                return _cut([*blocks[:k - 1], joined, *blocks[k + 1:]], done)
    raise Unchunkable("no row ends in a piece" if not done else
                      "the sheet does not end with </sheetData>")


_EDGE = 1 << 20  # a row's opening tag is looked for this far from a piece's ends


def _first_row(body: list[bytes]) -> int | None:
    start = b""
    for block in body:  # (the tag may run across blocks)
        start += block[:_EDGE - len(start)]
        if len(start) >= _EDGE:
            break
    at = start.find(b"<row")
    m = _ROW_NO.match(start, at) if at >= 0 else None
    return int(m.group(1)) if m else None


def _last_row(body: list[bytes]) -> int | None:
    end = b""
    for block in reversed(body):
        end = block[-(_EDGE - len(end)):] + end
        if len(end) >= _EDGE:
            break
    at = end.rfind(b"<row")
    m = _ROW_NO.match(end, at) if at >= 0 else None
    return int(m.group(1)) if m else None


def _anchor(row: int, right: int = 0) -> bytes:
    """An anchor row: a cell in column A (every piece starts there) and, with a column
    selection, one in its rightmost column (every piece reaches it: a column empty in a
    whole piece would be "not found" by fastexcel)."""
    cells = [_cell(0, row)] + ([_cell(right, row)] if right > 0 else [])
    return f'<row r="{row}">'.encode() + b"".join(cells) + b"</row>"


def _cell(column: int, row: int) -> bytes:
    letters = ""
    n = column + 1
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(65 + r) + letters
    return f'<c r="{letters}{row}" t="inlineStr"><is><t>.</t></is></c>'.encode()
