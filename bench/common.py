"""Shared benchmark fixtures: generated releases and loaded databases, cached in bench/out.

Large releases are made of 1M-row generator chunks (each its own seed, the same two
years) concatenated by DuckDB, so that 20M rows never sit in Python memory at once.
"""

from __future__ import annotations

import resource
import statistics
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
CHUNK = 1_000_000
START, END = date(2023, 10, 1), date(2025, 10, 15)


def release(rows: int, fmt: str = "parquet") -> Path:
    """A generated release of about ``rows`` records (xlsx, csv or parquet)."""
    from icestats.generate import Options, generate

    OUT.mkdir(exist_ok=True)
    path = OUT / f"release_{rows}.{fmt}"
    if path.exists():
        return path
    if fmt == "xlsx":
        generate(Options(rows=rows, seed=1, start=date(2024, 1, 1)), path, sheet_rows=400_000)
        return path
    import duckdb

    parts = []
    for k in range(max(1, rows // CHUNK)):
        part = OUT / f"part_{min(rows, CHUNK)}_{k}.parquet"
        if not part.exists():
            generate(Options(rows=min(rows, CHUNK), seed=100 + k, start=START, end=END), part)
        parts.append(str(part))
    fmt_opt = "(FORMAT parquet, COMPRESSION zstd)" if fmt == "parquet" else "(FORMAT csv)"
    order = "ORDER BY \"Apprehension Date\"" if fmt == "parquet" else ""
    duckdb.sql(f"COPY (SELECT * FROM read_parquet({parts}) {order}) TO '{path}' {fmt_opt}")
    return path


def database(rows: int) -> Path:
    """A database holding the generated ``rows``-record parquet release."""
    import icestats

    path = OUT / f"db_{rows}.duckdb"
    if not path.exists():
        with icestats.connect(path, write=True) as ice:
            ice.ingest([release(rows)])
    return path


def timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def latency(fn: Callable[[], object], calls: int = 50) -> tuple[float, float]:
    """(median, p95) seconds of ``calls`` warm calls (one warm-up call first)."""
    fn()
    times = sorted(timed(fn) for _ in range(calls))
    return statistics.median(times), times[min(len(times) - 1, int(0.95 * len(times)))]


def peak_rss_mb() -> float:
    """Peak resident memory of this process and its finished children, in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024
