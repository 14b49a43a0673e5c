"""Readers by format: xlsx (``read_xlsx``), csv (``read_csv``), parquet (``read_parquet``).

Each yields ``Source`` objects: one sheet (or a csv chunk, or a parquet slice) registered
in the DuckDB connection as a relation of text columns plus ``__row``, the row number a
person sees in the file (Excel row, or csv line counting the header). A zip holding one
file is opened as that file (``unwrapped``).
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from icestats.errors import InputError
from icestats.ingest.read_csv import csv_sources
from icestats.ingest.read_parquet import parquet_sources
from icestats.ingest.read_xlsx import xlsx_sources
from icestats.ingest.sources import Kind, Source, detect_kind
from icestats.xlsx import Workbook, check_members

__all__ = ["Source", "read_sources", "unwrapped"]


def read_sources(con: duckdb.DuckDBPyConnection, path: Path, kind: Kind,
                 workbook: Workbook | None = None, label: str | None = None,
                 aor: str | None = None) -> Iterator[Source]:
    """The sources of a file already unwrapped (``kind.fmt`` is xlsx, csv or parquet).
    ``aor``: the office code of sheets with no office column (the --aor option)."""
    if kind.fmt == "xlsx":
        yield from xlsx_sources(con, workbook or Workbook(path, label), aor)
    elif kind.fmt == "csv":
        yield from csv_sources(con, path, kind.compression, label, kind.serial, aor)
    else:
        yield from parquet_sources(con, path, aor)


@contextmanager
def unwrapped(path: Path, kind: Kind) -> Iterator[tuple[Path, Kind]]:
    """The file to read and what it is: ``path`` itself, or the one member of a zip,
    extracted to a temporary folder (removed afterwards) once its size is checked."""
    if kind.fmt != "zip":
        yield path, kind
        return
    assert kind.member is not None
    folder = Path(tempfile.mkdtemp(prefix="icestats-zip-"))
    try:
        try:
            with zipfile.ZipFile(path) as z:
                check_members(path, z.infolist())
                target = folder / Path(kind.member).name
                with z.open(kind.member) as src, target.open("wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
        except (zipfile.BadZipFile, OSError, RuntimeError) as exc:
            raise InputError(str(path), f"cannot read zip member '{kind.member}' ({exc})"
                             ) from None
        inner = detect_kind(target)
        if inner.fmt == "zip":
            raise InputError(str(path), f"'{kind.member}' is itself a zip; expected one csv "
                                        "or xlsx file")
        yield target, inner
    finally:
        shutil.rmtree(folder, ignore_errors=True)
