"""Which loader a file goes to: an ICE detention statistics workbook (``workbooks``), a
published count table (``counts``: recognized by its header, or declared by options) or a
record-level release (``ingest``), recognized by content, not by name. This module sits
above the three; none imports another."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from functools import partial
from pathlib import Path

import duckdb

from icestats.counts.forms import Declared
from icestats.counts.load import CountResult, ingest_counts, recognize
from icestats.ingest.digest import Digest
from icestats.ingest.load import DEFAULT_MAX_REJECTS, IngestResult, Progress, ingest_release
from icestats.ingest.read import unwrapped
from icestats.ingest.read_csv import NeedsSerial
from icestats.ingest.read_xlsx import choose_columns
from icestats.ingest.sources import detect_kind
from icestats.workbooks.load import (
    WorkbookResult,
    ingest_workbook,
    is_detention_workbook,
    read_grids,
)
from icestats.xlsx import Workbook
from icestats.xlsx_chunks import Unchunkable

__all__ = ["DEFAULT_MAX_REJECTS", "CountResult", "Declared", "IngestResult", "Progress",
           "WorkbookResult", "ingest_file"]


def ingest_file(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    *,
    max_rejects: float = DEFAULT_MAX_REJECTS,
    progress: Progress | None = None,
    today: date | None = None,
    declared: Declared | None = None,
    aor: str | None = None,
) -> IngestResult | WorkbookResult | CountResult:
    """Load ``path``; loading a file already in the store changes nothing. ``today``: the
    day of loading (records dated after it cannot be true; default: the clock's).
    ``declared``: what options say of a count table (its kind, grain, geography...);
    ``aor``: the office (code or name) of a release's sheets that have no office column."""
    declared = declared or Declared()
    path = Path(path)
    if aor is not None:
        from icestats.params import office

        aor = office(aor)
    digest = Digest(path)  # (refuses what is not a regular file, each kind in its own words)
    kind = detect_kind(path)
    with unwrapped(path, kind) as (data, inner):
        book = None
        if inner.fmt == "xlsx":
            from icestats import prefetch

            book = (prefetch.take(data, str(path)) if data == path else None) or \
                Workbook(data, str(path), columns=choose_columns)
            if _is_detention_workbook(book):
                book.close()
                grids = read_grids(data)
                sha = digest.result()
                digest.check_unchanged()
                return ingest_workbook(con, path, sha, grids)
        form = None if _holds_records(book) and not declared.forces() else \
            recognize(con, data, inner.fmt, book, declared, path.name, inner.compression)
        if form is not None:
            sha = digest.result()
            digest.check_unchanged()
            result = ingest_counts(con, data, sha, inner.fmt, book, form, path.name,
                                   inner.compression)
            if book is not None:
                book.close()
            return result
        load = partial(ingest_release, con, path, digest=digest, data=data, book=book,
                       max_rejects=max_rejects, progress=progress, today=today, aor=aor,
                       compression=kind.compression if kind.fmt == "zip" else None)
        try:
            return load(kind=inner)
        except NeedsSerial:  # (the failed try left the store as it was)
            return load(kind=replace(inner, serial=True))
        except Unchunkable:  # a big sheet not cut safely past its first piece: read whole
            return load(kind=inner, book=Workbook(data, str(path), columns=choose_columns,
                                                  cut=False))


def _holds_records(book: Workbook | None) -> bool:
    """A workbook of several sheets one of which has a release's header (of any kind) is a
    release, though another sheet (a Summary of counts by year) reads as a count table."""
    if book is None or len(book.names) < 2:
        return False
    from icestats.ingest.layout import HEADER_SCAN_ROWS, LayoutProblem, detect_layout
    from icestats.reference import HQ

    for i in range(len(book.names)):
        try:
            detect_layout(book.head(i, HEADER_SCAN_ROWS), HQ)  # (the columns only matter)
            return True
        except LayoutProblem:
            continue
    return False


def _is_detention_workbook(book: Workbook) -> bool:
    """ICE's detention statistics workbooks are recognized by content (the banners on
    their first sheet), not by file name."""
    head = [[None if v is None else str(v) for v in r] for r in book.head(0, 12)]
    return bool(book.names) and is_detention_workbook([(book.names[0], head)])
