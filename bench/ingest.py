"""Ingest benchmark: icestats ingest against the raw fastexcel read of the same file, and
pandas + openpyxl on a slice (scaled per row), measured side by side in one run.

    .venv/bin/python bench/ingest.py [--rows 300000]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from icestats.generate import Options, generate  # noqa: E402

CACHE = Path(__file__).resolve().parent / "out"


def release(rows: int, fmt: str) -> Path:
    path = CACHE / f"release_{rows}.{fmt}"
    if not path.exists():
        CACHE.mkdir(exist_ok=True)
        generate(Options(rows=rows, seed=1, start=__import__("datetime").date(2024, 1, 1)),
                 path, sheet_rows=400_000)
    return path


def timed(fn) -> float:  # noqa: ANN001
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def raw_fastexcel(path: Path) -> None:
    import fastexcel

    reader = fastexcel.read_excel(str(path))
    for name in reader.sheet_names:
        reader.load_sheet(name, header_row=None, dtypes="string").to_arrow()


def icestats_ingest(path: Path) -> None:
    import icestats

    with tempfile.TemporaryDirectory() as tmp, \
            icestats.connect(Path(tmp) / "b.duckdb", write=True) as ice:
        ice.ingest([path])


def pandas_slice(path: Path, n: int) -> None:
    import pandas as pd

    pd.read_excel(path, engine="openpyxl", nrows=n, skiprows=6)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=300_000)
    ap.add_argument("--pandas-rows", type=int, default=20_000)
    args = ap.parse_args()
    path = release(args.rows, "xlsx")
    raw = timed(lambda: raw_fastexcel(path))
    ours = timed(lambda: icestats_ingest(path))
    pd_slice = timed(lambda: pandas_slice(path, args.pandas_rows))
    pd_scaled = pd_slice * args.rows / args.pandas_rows
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"xlsx ingest, {args.rows:,} rows ({path.stat().st_size / 1e6:.0f} MB)")
    print(f"{'what':38} {'seconds':>9} {'ratio':>8}")
    print(f"{'raw fastexcel read (baseline)':38} {raw:9.2f} {1:8.2f}")
    print(f"{'icestats ingest end to end':38} {ours:9.2f} {ours / raw:8.2f}")
    print(f"{'pandas+openpyxl (scaled from slice)':38} {pd_scaled:9.2f} {pd_scaled / raw:8.2f}")
    print(f"icestats is {pd_scaled / ours:.1f}x faster than pandas+openpyxl per row; "
          f"peak RSS of this process {rss:.0f} MB")


if __name__ == "__main__":
    main()
