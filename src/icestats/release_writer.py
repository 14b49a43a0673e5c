"""Write generated release records as xlsx (banners, several sheets), csv or parquet.

The writer knows nothing of the generator: it is handed the header (canonical field,
header text, in column order), the banner lines and the document properties (``Spec``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path
from typing import Any

import numpy as np

from icestats.errors import UsageError

FORMATS = ("xlsx", "csv", "parquet")
Banner = Callable[[np.random.Generator, int], list[str | None]]  # (rng, sheet) -> lines


@dataclass(frozen=True)
class Spec:
    """What a file says besides its records."""

    header: list[tuple[str, str]]  # (canonical field, header text) in column order
    banner: Banner  # title lines above the header of each sheet
    seed: int = 0  # the banner and header position are drawn from it
    created: dt.datetime = dt.datetime(2025, 1, 1)  # fixed: a seed always gives the same bytes
    properties: dict[str, str] = dc_field(default_factory=dict)  # xlsx document properties
    csv_banner: tuple[str, ...] = ()  # lines above a csv header
    sheet_name: str = "Arrests"  # the sheet's name ("Arrests 2" ... when several)


def write(cols: dict[str, np.ndarray], path: Path, fmt: str, spec: Spec,
          sheet_rows: int) -> None:
    if fmt not in FORMATS:
        raise UsageError(f"unknown format '{fmt}' (expected one of {', '.join(FORMATS)})")
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        _xlsx(cols, spec, path, sheet_rows)
    else:
        _tabular(cols, spec, path, fmt)


def _as_text(values: np.ndarray) -> list[str | None]:
    if values.dtype.kind == "M":
        return [str(v).replace("T", " ") for v in values.astype("datetime64[s]")]
    return [None if v is None else (v.isoformat() if isinstance(v, dt.date) else str(v))
            for v in values]


def _tabular(cols: dict[str, np.ndarray], spec: Spec, path: Path, fmt: str) -> None:
    import pyarrow as pa

    arrays = []  # (a list: a real layout may repeat a header, e.g. 'Final Order Yes No')
    for name, _header in spec.header:
        if fmt == "parquet" and name in ("apprehension_date", "event_date"):
            arrays.append(pa.array(cols[name].astype("datetime64[s]")))
        else:
            arrays.append(pa.array(_as_text(cols[name]), pa.string()))
    table = pa.Table.from_arrays(arrays, names=[h for _, h in spec.header])
    if fmt == "csv":
        import pyarrow.csv as pcsv

        with path.open("wb") as fh:
            for line in spec.csv_banner:  # a title line in column A, as real files have
                fh.write((pcsv_quote(line) + "\n").encode())
            pcsv.write_csv(table, fh)
    else:
        import pyarrow.parquet as pq

        meta = {f"icestats.{k}": v for k, v in spec.properties.items()}
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **meta})
        pq.write_table(table, path, compression="zstd")


def pcsv_quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _xlsx(cols: dict[str, np.ndarray], spec: Spec, path: Path, sheet_rows: int) -> None:
    import xlsxwriter

    header = spec.header
    rng = np.random.default_rng(spec.seed + 7)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    wb.use_zip64()  # a sheet of a million rows can pass 4 GB of XML
    # Fixed metadata so that a seed always gives the same bytes.
    wb.set_properties({**spec.properties, "created": spec.created})
    stamp = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    day = wb.add_format({"num_format": "yyyy-mm-dd"})
    n = len(next(iter(cols.values())))
    columns = [_cells(cols[f], f) for f, _ in header]
    for sheet, first in enumerate(range(0, max(n, 1), sheet_rows)):
        name = spec.sheet_name
        ws = wb.add_worksheet(f"{name} {sheet + 1}" if n > sheet_rows else name)
        top = spec.banner(rng, sheet)
        for r, line in enumerate(top):
            if line:
                ws.write_string(r, 0, line)
        h = len(top) + int(rng.integers(0, 2))
        ws.write_row(h, 0, [name for _, name in header])
        _write_body(ws, columns, first, min(first + sheet_rows, n), h + 1, stamp, day)
    wb.close()


def _cells(values: np.ndarray, field: str) -> list[object]:
    if values.dtype.kind == "M":
        return list(values.astype("datetime64[s]").tolist())
    return list(values.tolist())


def _write_body(ws: Any, columns: list[list[object]], lo: int, hi: int, top: int, stamp: Any,
                day: Any) -> None:
    write_string, write_number, write_datetime = ws.write_string, ws.write_number, \
        ws.write_datetime
    for i in range(lo, hi):
        r = top + i - lo
        for c, col in enumerate(columns):
            v = col[i]
            if v is None:
                continue
            if isinstance(v, str):
                write_string(r, c, v)
            elif isinstance(v, dt.datetime):
                write_datetime(r, c, v, stamp)
            elif isinstance(v, dt.date):
                write_datetime(r, c, dt.datetime.combine(v, dt.time()), day)
            else:
                write_number(r, c, v)
