"""Ingest benchmark, side by side in one run, each reader in its own process (so peak
memory is its own):

- xlsx: raw fastexcel read of every sheet to Arrow (the baseline) vs `icestats ingest`
  end to end vs pandas.read_excel + openpyxl (a slice, scaled per row) vs R readxl when
  Rscript is present;
- csv and parquet: DuckDB's own read of the file into a table (the baseline) vs
  `icestats ingest`.

With --real (issue 12 item 9), only the real shapes: the four shipped UWCHR csv.gz files
in one `icestats ingest` process vs DuckDB's own read_csv of the same four into one table,
and a 300,000-row xlsx through the whole `icestats ingest` process vs a process doing the
raw fastexcel read.

Each reader runs --repeat times (default 3), alternating with the one it is compared to;
the table shows the median time and the largest peak memory.

    .venv/bin/python bench/ingest.py [--rows 1000000] [--big 5000000] [--repeat 3] [--real]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from common import release

WORKER = r"""
import json, sys, tempfile, time
from pathlib import Path
kind, path, extra = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
t = time.perf_counter()
if kind == "fastexcel":  # every sheet of every file matching the name, one after another
    import fastexcel
    for p in sorted(path.parent.glob(path.name)):
        r = fastexcel.read_excel(str(p))
        for name in r.sheet_names:
            r.load_sheet(name, header_row=None, dtypes="string").to_arrow()
elif kind == "icestats":
    import icestats
    with tempfile.TemporaryDirectory() as tmp, icestats.connect(Path(tmp) / "b.duckdb",
                                                                write=True) as ice:
        ice.ingest([path])
elif kind == "pandas":
    import pandas as pd
    pd.read_excel(path, engine="openpyxl", nrows=extra, skiprows=6)
elif kind == "cli":  # the whole command, as a user runs it (imports, writer copy, switch)
    import subprocess
    files = [str(p) for p in sorted(path.parent.glob(path.name))]
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([str(Path(sys.executable).parent / "icestats"), "ingest", *files,
                        "--db", str(Path(tmp) / "c.duckdb")], check=True, capture_output=True)
elif kind == "duckdb_real":  # the same files read by DuckDB into one table
    import duckdb
    files = [str(p) for p in sorted(path.parent.glob(path.name))]
    with tempfile.TemporaryDirectory() as tmp:
        con = duckdb.connect(str(Path(tmp) / "d.duckdb"))
        con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?, delim = '|', skip = 5, "
                    "header = true, all_varchar = true)", [files])
        con.close()
elif kind == "duckdb":
    import duckdb
    with tempfile.TemporaryDirectory() as tmp:
        con = duckdb.connect(str(Path(tmp) / "d.duckdb"))
        reader = "read_parquet" if path.suffix == ".parquet" else "read_csv"
        con.execute(f"CREATE TABLE t AS SELECT * FROM {reader}('{path}')")
        con.close()
# VmHWM: this process's own peak (ru_maxrss would carry the parent's peak across exec);
# the command's own peak when it ran as a child
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM"))
rss = int(hwm.split()[1]) / 1024
if kind == "cli":
    import resource
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"seconds": time.perf_counter() - t, "rss_mb": rss}))
"""


def run(kind: str, path: Path, extra: int = 0) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", WORKER, kind, str(path), str(extra)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def side_by_side(kinds: list[str], path: Path, repeat: int) -> list[dict[str, float]]:
    """Each kind run ``repeat`` times, alternating (so drift on the machine hits all
    alike): the median time and the largest peak memory of each."""
    runs: list[list[dict[str, float]]] = [[] for _ in kinds]
    for _ in range(repeat):
        for k, kind in enumerate(kinds):
            runs[k].append(run(kind, path))
    return [{"seconds": statistics.median(r["seconds"] for r in rs),
             "rss_mb": max(r["rss_mb"] for r in rs)} for rs in runs]


def readxl(path: Path, n: int) -> float | None:
    if not shutil.which("Rscript"):
        return None
    code = (f"t <- Sys.time(); for (s in readxl::excel_sheets('{path}')) "
            f"readxl::read_excel('{path}', sheet = s, n_max = {n}); "
            "cat(as.numeric(Sys.time() - t, units = 'secs'))")
    out = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True)
    return float(out.stdout) if out.returncode == 0 else None


def table(title: str, rows: list[tuple[str, dict[str, float]]], base: float) -> None:
    print(f"\n{title}")
    print(f"{'what':44} {'median s':>9} {'ratio':>7} {'peak RSS MB':>12}")
    for name, r in rows:
        print(f"{name:44} {r['seconds']:9.2f} {r['seconds'] / base:7.2f} {r['rss_mb']:12.0f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000, help="xlsx rows (300000 quick)")
    ap.add_argument("--big", type=int, default=5_000_000, help="csv/parquet rows")
    ap.add_argument("--pandas-rows", type=int, default=5_000)
    ap.add_argument("--sheet-rows", type=int, default=200_000)
    ap.add_argument("--sheet-counts", default="1,2,4,8", help="sheets per workbook")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs of each reader, alternating; the median is shown")
    ap.add_argument("--real", action="store_true", help="only the real shapes (item 9)")
    ap.add_argument("--fy", action="store_true",
                    help="with --real: also four 2026-layout FY workbooks (1.5M rows)")
    args = ap.parse_args()
    if args.real:
        real_shapes(args.repeat)
        if args.fy:
            fy_workbooks(args.repeat)
        return
    xlsx = release(args.rows, "xlsx")
    raw, ours = side_by_side(["fastexcel", "icestats"], xlsx, args.repeat)
    pd = run("pandas", xlsx, args.pandas_rows)
    pd_scaled = {"seconds": pd["seconds"] * args.rows / args.pandas_rows, "rss_mb": pd["rss_mb"]}
    rows = [("raw fastexcel read, every sheet (baseline)", raw), ("icestats ingest", ours),
            (f"pandas+openpyxl ({args.pandas_rows:,} rows, scaled)", pd_scaled)]
    r = readxl(xlsx, args.pandas_rows)
    if r is not None:
        rows.append(("R readxl (slice, scaled)", {"seconds": r * args.rows / args.pandas_rows,
                                                  "rss_mb": 0.0}))
    table(f"xlsx, {args.rows:,} rows, {xlsx.stat().st_size / 1e6:.0f} MB "
          f"(targets: ingest <= 1.3x; pandas >= 10x slower than ingest; RSS < 1.5 GB)",
          rows, raw["seconds"])
    print(f"icestats is {pd_scaled['seconds'] / ours['seconds']:.1f}x faster than "
          f"pandas+openpyxl per row")
    for fmt in ("parquet", "csv"):
        path = release(args.big, fmt)
        duck, mine = side_by_side(["duckdb", "icestats"], path, args.repeat)
        table(f"{fmt}, {args.big:,} rows, {path.stat().st_size / 1e6:.0f} MB (target <= 1.5x)",
              [("DuckDB read into a table (baseline)", duck), ("icestats ingest", mine)],
              duck["seconds"])
    sheets(args.sheet_rows, [int(k) for k in args.sheet_counts.split(",")])


def real_shapes(repeat: int) -> None:
    """The four real csv.gz files in one command vs DuckDB's read_csv of them; a 300k-row
    xlsx through the whole command vs the raw fastexcel read in its own process."""
    from importlib import resources

    real = Path(str(resources.files("icestats") / "data" / "real"))
    pattern = real / "EROArrests_FY*.csv.gz"  # the workers expand it
    size = sum(p.stat().st_size for p in real.glob("*.csv.gz")) / 1e6
    duck, mine = side_by_side(["duckdb_real", "cli"], pattern, repeat)
    table(f"the four real UWCHR csv.gz files, 544,059 rows, {size:.1f} MB (target <= 1.5x)",
          [("DuckDB read_csv of the four into one table", duck),
           ("icestats ingest A B C D (whole process)", mine)], duck["seconds"])
    xlsx = release(300_000, "xlsx")
    raw, cli = side_by_side(["fastexcel", "cli"], xlsx, repeat)
    table(f"xlsx, 300,000 rows, {xlsx.stat().st_size / 1e6:.0f} MB (target <= 1.3x)",
          [("raw fastexcel read, every sheet (its own process)", raw),
           ("icestats ingest (whole process)", cli)], raw["seconds"])


def fy_workbooks(repeat: int, rows: int = 375_000, sheet_rows: int = 100_000) -> None:
    """Four fiscal-year workbooks of the 2026 layout (about 1.5M rows, four sheets each) in
    one command vs the raw fastexcel reads of all their sheets one after another."""
    from datetime import date

    from common import OUT
    from icestats.generate import Options, generate

    for fy in (2022, 2023, 2024, 2025):
        path = OUT / f"fy2026_{fy}.xlsx"
        if not path.exists():
            generate(Options(rows=rows, seed=fy, start=date(fy - 1, 10, 1),
                             end=date(fy, 9, 30), layout="2026-ICLI-00005"), path,
                     sheet_rows=sheet_rows)
    pattern = OUT / "fy2026_*.xlsx"
    raw, cli = side_by_side(["fastexcel", "cli"], pattern, repeat)
    table("four 2026-layout FY workbooks, about 1.5M rows, 4 sheets each "
          "(target <= 0.8x, RSS < 2 GB)",
          [("raw fastexcel reads, one after another", raw),
           ("icestats ingest A B C D (whole process)", cli)], raw["seconds"])


def sheets(sheet_rows: int, counts: list[int]) -> None:
    """Peak memory loading workbooks of 1, 2, 4... sheets of the same size: it should
    not grow with the number of sheets."""
    print(f"\nxlsx with more sheets of {sheet_rows:,} rows each (target: peak RSS flat)")
    print(f"{'sheets':>6} {'about rows':>11} {'seconds':>9} {'peak RSS MB':>12}")
    for k in counts:
        path = sheets_release(sheet_rows, k)
        r = run("icestats", path)
        print(f"{k:6} {k * sheet_rows:11,} {r['seconds']:9.2f} {r['rss_mb']:12.0f}")


def sheets_release(sheet_rows: int, k: int) -> Path:
    from datetime import date

    from common import OUT
    from icestats.generate import Options, generate

    path = OUT / f"sheets_{sheet_rows}x{k}.xlsx"
    if not path.exists():
        # exactly sheet_rows per sheet: the generator's row count is approximate
        generate(Options(rows=k * sheet_rows, seed=7, start=date(2024, 1, 1)), path,
                 sheet_rows=sheet_rows)
    return path


if __name__ == "__main__":
    main()
