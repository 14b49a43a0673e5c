"""The one xlsx reader (fastexcel/calamine) under both release ingest and the detention
workbooks: a guarded open (decompression bombs refused from the zip directory), each sheet
parsed once as text, the next sheet on a background thread."""

from __future__ import annotations

import os
import queue
import re
import zipfile
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from icestats.errors import InputError, first_line
from icestats.xlsx_chunks import Pieces, Unchunkable

if TYPE_CHECKING:  # pyarrow is imported where a sheet is read
    import pyarrow as pa

MAX_EXPANDED = 4 << 30  # bytes an xlsx may expand to (override: ICESTATS_MAX_EXPANDED_MB)
MAX_RATIO = 200  # compression ratio beyond which a large member is a bomb, not a sheet


def expand_limit() -> int:
    return int(os.environ.get("ICESTATS_MAX_EXPANDED_MB", MAX_EXPANDED >> 20)) << 20


def check_zip(path: Path) -> None:
    """Refuse a decompression bomb from the zip directory, before anything is expanded."""
    try:
        with zipfile.ZipFile(path) as z:
            members = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip (legacy .xls) or damaged: the Excel reader says which
    check_members(path, members)


def check_members(path: Path, members: list[zipfile.ZipInfo]) -> None:
    limit = expand_limit()
    total = sum(m.file_size for m in members)
    worst = max(members, key=lambda m: m.file_size / max(m.compress_size, 1), default=None)
    if total > limit:
        raise InputError(str(path), f"refused: the file would expand to "
                                    f"{total / 2**20:,.0f} MB, more than the "
                                    f"{limit >> 20:,} MB allowed (ICESTATS_MAX_EXPANDED_MB)")
    if worst and worst.file_size > 64 << 20 and \
            worst.file_size / max(worst.compress_size, 1) > MAX_RATIO:
        raise InputError(str(path), f"refused: '{worst.filename}' is compressed "
                                    f"{worst.file_size // max(worst.compress_size, 1):,} to 1 "
                                    f"(a decompression bomb?)")


SPARSE_SCAN_BYTES = 64 << 20  # sheets up to this size (expanded) are checked for stray rows
SPARSE_MIN_ROW = 100_000  # a last row beyond this, on a sheet this sparse, is refused
SPARSE_RATIO = 20  # last row number / rows that hold cells
_ROW = re.compile(rb"<row\b[^>]*?\br=\"(\d+)\"")


def check_sparse(path: Path) -> None:
    """Refuse a sheet whose last row is absurd for its bytes (a 6 KB sheet with a cell in
    row 1,048,576): the Excel reader would build every row in between (a million rows of
    work and a gigabyte for 25 columns) to find 20 rows of data."""
    try:
        with zipfile.ZipFile(path) as z:
            names = _sheet_names(z)
            for info in z.infolist():
                if info.filename in names and info.file_size <= SPARSE_SCAN_BYTES:
                    _check_rows(path, names[info.filename], z.read(info))
    except InputError:
        raise
    except Exception:  # a damaged zip (zlib, CRC, ...): the Excel reader says why
        return


def _check_rows(path: Path, sheet: str, xml: bytes) -> None:
    rows = [int(r) for r in _ROW.findall(xml)]
    if not rows:
        return
    last = max(rows)
    if last > SPARSE_MIN_ROW and last > SPARSE_RATIO * len(rows):
        cell = re.search(rb'<c\b[^>]*?\br="([A-Z]+)' + str(last).encode() + rb'"', xml)
        raise InputError(str(path), f"refused: the sheet's last row is {last:,} but only "
                         f"{len(rows):,} rows hold cells ({len(xml):,} bytes); remove the stray "
                         f"cells below the data and save it again", sheet=sheet,
                         cell=f"{cell.group(1).decode()}{last}" if cell else None)


def _sheet_names(z: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet member -> sheet name (from the workbook and its relationships)."""
    book = z.read("xl/workbook.xml").decode("utf-8", "replace")
    rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    targets = {}
    for m in re.finditer(r"<Relationship\b([^>]*)>", rels):
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
        target = attrs.get("Target", "").lstrip("/")
        targets[attrs.get("Id", "")] = target if target.startswith("xl/") else f"xl/{target}"
    out = {}
    for m in re.finditer(r"<sheet\b([^>]*)/?>", book):
        attrs = dict(re.findall(r'([\w:]+)="([^"]*)"', m.group(1)))
        rid = attrs.get("r:id", "")
        if rid in targets:
            out[targets[rid]] = attrs.get("name", "")
    return out


def open_workbook(path: Path) -> Any:  # fastexcel.ExcelReader (no type stubs)
    import fastexcel

    check_zip(path)
    check_sparse(path)
    try:
        return fastexcel.read_excel(str(path))
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # fastexcel's errors, and Rust panics (BaseException)
        reason = first_line(exc, 160)
        if "zip" in reason.lower():
            reason = "damaged or truncated: its zip container is invalid"
        raise InputError(str(path), f"not a readable Excel workbook ({reason})") from None


# A worksheet dimension naming rows only (`<dimension ref="1:1416"/>`, in the Seattle
# office's 2018-ICFO-36170 workbook): Excel ignores it, calamine refuses the sheet
# ("Range is missing the expected column component"). Such a workbook is read from a copy
# without it (the cells are the same).
_ROWS_ONLY_DIMENSION = re.compile(rb'<dimension ref="[0-9]+:[0-9]+"\s*/>')


def rows_only_dimension(path: Path) -> bool:
    """True when a worksheet of ``path`` opens with a rows-only dimension."""
    try:
        with zipfile.ZipFile(path) as z:
            for info in z.infolist():
                if info.filename.startswith("xl/worksheets/") and \
                        info.filename.endswith(".xml"):
                    with z.open(info) as fh:
                        if _ROWS_ONLY_DIMENSION.search(fh.read(4096)):
                            return True
    except Exception:  # not a zip, or damaged: the Excel reader says why
        return False
    return False


def without_dimension(path: Path, folder: Path) -> Path:
    """A copy of the workbook in ``folder`` with its rows-only dimensions removed."""
    target = folder / path.name
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                data = _ROWS_ONLY_DIMENSION.sub(b"", data, count=1)
            dst.writestr(info, data)
    return target


PARSERS = 2  # sheets parsed at once (one per core), each by its own reader


class Workbook:
    """An xlsx file whose sheets are each parsed once, as text, in sheet order. The next
    sheets are parsed on background threads (``PARSERS``, each with its own fastexcel
    reader: one reader parses one sheet at a time; the parse releases the GIL) while the
    current one is loaded, so at most ``PARSERS + 1`` sheets are in memory, never the
    whole release."""

    def __init__(self, path: Path, label: str | None = None,
                 columns: Callable[[Workbook, int], list[int] | None] | None = None,
                 cut: bool = True) -> None:
        self.path = path
        self.cut = cut  # big sheets parsed in pieces (xlsx_chunks); False: whole
        self.label = label or str(path)  # how errors name the file
        # which columns of sheet i to parse (None: all); what was parsed of each sheet
        self.columns = columns
        self.selected: dict[int, list[int] | None] = {}
        self.heads: dict[int, list[tuple[object, ...]]] = {}  # first rows, as the chooser read
        self.lefts: dict[int, int] = {}  # the head's first column (0: A), as the chooser read
        self._copy: Path | None = None  # a repaired copy read instead (removed on close)
        if rows_only_dimension(path):
            import tempfile

            check_zip(path)
            self._copy = Path(tempfile.mkdtemp(prefix="icestats-xlsx-"))
            self.path = without_dimension(path, self._copy)
        self.reader = open_workbook(self.path)
        self.names: list[str] = list(self.reader.sheet_names)
        self.notes: list[str] = []  # sheets of notes (a README) skipped: ingest.read_xlsx
        self._pool = ThreadPoolExecutor(max_workers=min(PARSERS, max(len(self.names), 1)))
        self._pending: dict[int, Future[pa.RecordBatch | Pieces]] = {}
        self._readers: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._readers.put(self.reader)

    def _parse(self, i: int) -> pa.RecordBatch | Pieces:
        try:
            reader = self._readers.get_nowait()
        except queue.Empty:  # a second parser: the file was checked when it was opened
            reader = _reopen(self.path, self.label)
        try:
            cols = self._choose(i)
            self.selected[i] = cols
            # fastexcel counts ``use_columns`` from column A; a selection counts from the
            # head's first column (calamine's range: a sheet may start at column B)
            absolute = None if cols is None else [self.lefts.get(i, 0) + c for c in cols]
            pieces = self._pieces(i, absolute)
            if pieces is not None:
                return pieces
            return reader.load_sheet(i, header_row=None, skip_rows=0, dtypes="string",
                                     use_columns=absolute).to_arrow()
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # includes Rust panics from a malformed sheet
            raise InputError(self.label, f"cannot read sheet "
                             f"({first_line(exc, 160)})", sheet=self.names[i]) from None
        finally:
            self._readers.put(reader)

    def _pieces(self, i: int, cols: list[int] | None) -> Pieces | None:
        """A big sheet parsed in row pieces on both cores (``xlsx_chunks``; ``cols`` counted
        from column A), its first piece parsed; or None (parse it whole: small, or not cut
        safely; the whole parse then says what is wrong)."""
        from icestats import xlsx_chunks

        member = self.member(i) if self.cut else None
        piece = None if member is None else xlsx_chunks.piece_bytes(self.path, member)
        if member is None or piece is None:
            return None
        pieces = xlsx_chunks.Pieces(self.path, member, i, cols, piece)
        try:
            pieces.first()
        except (KeyboardInterrupt, SystemExit):
            pieces.close()
            raise
        except BaseException:  # cut unsafely, or a damaged sheet: the whole parse tells
            pieces.close()
            return None
        return pieces

    def _choose(self, i: int) -> list[int] | None:
        if self.columns is None or i in self.selected:  # (a sheet parsed again: whole)
            return None
        try:
            return self.columns(self, i)
        except Exception:  # (a head that cannot be read: the whole sheet is parsed)
            return None

    def member(self, i: int) -> str | None:
        """The zip member of sheet i (its worksheet XML), or None."""
        try:
            with zipfile.ZipFile(self.path) as z:
                members = list(_sheet_names(z))
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        return members[i] if i < len(members) else None

    def whole(self, i: int) -> pa.RecordBatch:
        """Sheet i parsed again with every column (when a selection did not check out)."""
        self.selected[i] = None
        _close(self._pending.pop(i, None))
        return self.sheet(i)

    def prefetch(self, i: int) -> None:
        if i < len(self.names) and i not in self._pending:
            self._pending[i] = self._pool.submit(self._parse, i)

    def sheet(self, i: int) -> pa.RecordBatch | pa.Table:
        """Sheet i as text (absolute rows: row k is the sheet's row k + 1); forgets it."""
        parsed = self.pieces(i)
        if not isinstance(parsed, list):
            try:
                return parsed.joined()
            except Unchunkable:  # (found past the first piece: parsed again whole)
                self.cut = False
                self.prefetch(i)
                return self.sheet(i)
        return parsed[0]

    def pieces(self, i: int) -> list[pa.RecordBatch] | Pieces:
        """Sheet i as the pieces it is parsed in, in order (one: the whole sheet); forgets
        it. ``Pieces.__iter__`` may raise ``Unchunkable`` past the first piece."""
        self.prefetch(i)
        parsed = self._pending.pop(i).result()
        return [parsed] if not isinstance(parsed, Pieces) else parsed

    def head(self, i: int, n: int) -> list[tuple[object, ...]]:
        """The first n rows of sheet i (parsed and kept for ``sheet``)."""
        self.prefetch(i)
        parsed = self._pending[i].result()
        top: pa.RecordBatch = parsed.first() if isinstance(parsed, Pieces) else parsed
        return rows(top.slice(0, n))

    def close(self) -> None:
        for future in self._pending.values():  # (now, or when a parse running ends)
            future.add_done_callback(_close)
        self._pool.shutdown(wait=self._copy is not None, cancel_futures=True)
        if self._copy is not None:
            import shutil

            shutil.rmtree(self._copy, ignore_errors=True)
            self._copy = None


def _close(parsed: Future[pa.RecordBatch | Pieces] | None) -> None:
    """Stop a sheet's pieces that nobody will take (their cutting, their files)."""
    if parsed is not None and parsed.done() and not parsed.cancelled() \
            and parsed.exception() is None:  # (a cancelled future's exception() raises)
        result = parsed.result()
        if isinstance(result, Pieces):
            result.close()


def _reopen(path: Path, label: str) -> Any:  # fastexcel.ExcelReader
    import fastexcel

    try:
        return fastexcel.read_excel(str(path))
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:
        raise InputError(label, f"not a readable Excel workbook ({first_line(exc, 160)})"
                         ) from None


def rows(batch: pa.RecordBatch) -> list[tuple[object, ...]]:
    cols = [c.to_pylist() for c in batch.columns]
    return list(zip(*cols, strict=True)) if cols else []


def properties(path: Path) -> dict[str, str]:
    """The workbook's document properties (title, subject, creator, keywords, description)
    from ``docProps/core.xml``; empty when it has none or is not a zip."""
    try:
        with zipfile.ZipFile(path) as z:
            info = z.getinfo("docProps/core.xml")
            if info.file_size > 1 << 20:
                return {}
            xml = z.read(info).decode("utf-8", "replace")
    except Exception:  # missing or damaged: no properties to read
        return {}
    return {m.group(1): m.group(2) for m in
            re.finditer(r"<(?:\w+:)?(title|subject|creator|keywords|description)[^>]*>"
                        r"([^<]*)<", xml)}
