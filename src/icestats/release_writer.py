"""Write generated release records as xlsx (banners, several sheets), csv or parquet."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from icestats.errors import UsageError

FORMATS = ("xlsx", "csv", "parquet")


def write(cols: dict[str, np.ndarray], path: Path, fmt: str, opts, sheet_rows: int) -> None:  # noqa: ANN001
    from icestats.generate import header_for

    if fmt not in FORMATS:
        raise UsageError(f"unknown format '{fmt}' (expected one of {', '.join(FORMATS)})")
    header = header_for(opts.layout)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        _xlsx(cols, header, path, opts, sheet_rows)
    else:
        _tabular(cols, header, path, fmt)


def _as_text(values: np.ndarray) -> list[str | None]:
    if values.dtype.kind == "M":
        return [str(v).replace("T", " ") for v in values.astype("datetime64[s]")]
    return [None if v is None else (v.isoformat() if isinstance(v, dt.date) else str(v))
            for v in values]


def _tabular(cols: dict[str, np.ndarray], header: list[tuple[str, str]], path: Path,
             fmt: str) -> None:
    import pyarrow as pa

    arrays = {}
    for field, name in header:
        if fmt == "parquet" and field == "apprehension_date":
            arrays[name] = pa.array(cols[field].astype("datetime64[s]"))
        else:
            arrays[name] = pa.array(_as_text(cols[field]), pa.string())
    table = pa.table(arrays)
    if fmt == "csv":
        import pyarrow.csv as pcsv

        pcsv.write_csv(table, path)
    else:
        import pyarrow.parquet as pq

        pq.write_table(table, path, compression="zstd")


def _xlsx(cols: dict[str, np.ndarray], header: list[tuple[str, str]], path: Path, opts,  # noqa: ANN001
          sheet_rows: int) -> None:
    import xlsxwriter

    from icestats.generate import banner

    rng = np.random.default_rng(opts.seed + 7)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    # Fixed metadata so that a seed always gives the same bytes.
    wb.set_properties({"created": dt.datetime.combine(opts.end, dt.time())})
    stamp = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    day = wb.add_format({"num_format": "yyyy-mm-dd"})
    n = len(cols["aor"])
    columns = [_cells(cols[f], f) for f, _ in header]
    for sheet, first in enumerate(range(0, max(n, 1), sheet_rows)):
        ws = wb.add_worksheet(f"Arrests {sheet + 1}" if n > sheet_rows else "Arrests")
        top = banner(rng, opts, sheet)
        for r, line in enumerate(top):
            if line:
                ws.write_string(r, 0, line)
        h = len(top) + int(rng.integers(0, 2))
        ws.write_row(h, 0, [name for _, name in header])
        _write_body(ws, columns, first, min(first + sheet_rows, n), h + 1, stamp, day)
    wb.close()


def _cells(values: np.ndarray, field: str) -> list[object]:
    if values.dtype.kind == "M":
        return values.astype("datetime64[s]").tolist()
    if field == "birth_year":
        return [v if not isinstance(v, str) else v for v in values.tolist()]
    return values.tolist()


def _write_body(ws, columns: list[list[object]], lo: int, hi: int, top: int, stamp, day) -> None:  # noqa: ANN001
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
