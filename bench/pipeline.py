"""The enforcement pipeline's ingest targets (issue 22, item 5), side by side in one run,
each reader in its own process (so peak memory is its own), alternating --repeat times:

- a generated DDP-size linked release (about 600k arrests, 1M encounters, 500k detainers,
  1M+ stints, 500k removals; xlsx, one workbook per kind, March 2026 layouts) in one
  `icestats ingest` against the sum of the raw fastexcel reads of every sheet, one file
  after another (target <= 0.8x; peak RSS < 2 GB);
- the 11 real csv.gz files shipped (FOIA 2019-ICFO-53623: arrests FY2016-19, encounters
  FY2016/17/19, removals FY2016-19) in one `icestats ingest` against DuckDB's read_csv of
  the same files, one table per kind, in one process (target <= 1.5x);
- a 300,000-row xlsx through the whole `icestats ingest` process against a process doing
  the raw fastexcel read (target <= 1.3x).

    .venv/bin/python bench/pipeline.py [--scale 1.0] [--repeat 3] [--skip-ddp]

The DDP-size release is generated into bench/out the first time (several minutes).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

from common import OUT, release

WORKER = r"""
import json, sys, tempfile, time
from pathlib import Path
kind, files = sys.argv[1], json.loads(sys.argv[2])
t = time.perf_counter()
if kind == "fastexcel":  # every sheet of every file, one file after another
    import fastexcel
    for p in files:
        r = fastexcel.read_excel(p)
        for name in r.sheet_names:
            r.load_sheet(name, header_row=None, dtypes="string").to_arrow()
elif kind == "duckdb":  # DuckDB's read_csv of the files, one table per header
    import duckdb
    groups = {}
    for p in files:
        groups.setdefault(Path(p).name.split("_FY")[0], []).append(p)
    with tempfile.TemporaryDirectory() as tmp:
        con = duckdb.connect(str(Path(tmp) / "d.duckdb"))
        for k, group in enumerate(groups.values()):
            con.execute(f"CREATE TABLE t{k} AS SELECT * FROM read_csv(?, delim = '|', "
                        "skip = 5, header = true, all_varchar = true)", [group])
        con.close()
elif kind == "cli":  # the whole command, as a user runs it
    import subprocess
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([str(Path(sys.executable).parent / "icestats"), "ingest", *files,
                        "--db", str(Path(tmp) / "c.duckdb")], check=True, capture_output=True)
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM"))
rss = int(hwm.split()[1]) / 1024
if kind == "cli":
    import resource
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"seconds": time.perf_counter() - t, "rss_mb": rss}))
"""


def run(kind: str, files: list[Path]) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", WORKER, kind, json.dumps([str(f) for f in files])],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def side_by_side(kinds: list[str], files: list[Path], repeat: int) -> list[dict[str, float]]:
    runs: list[list[dict[str, float]]] = [[] for _ in kinds]
    for _ in range(repeat):
        for k, kind in enumerate(kinds):
            runs[k].append(run(kind, files))
    return [{"seconds": statistics.median(r["seconds"] for r in rs),
             "rss_mb": max(r["rss_mb"] for r in rs)} for rs in runs]


def table(title: str, rows: list[tuple[str, dict[str, float]]], base: float) -> None:
    print(f"\n{title}")
    print(f"{'what':48} {'median s':>9} {'ratio':>7} {'peak RSS MB':>12}")
    for name, r in rows:
        print(f"{name:48} {r['seconds']:9.2f} {r['seconds'] / base:7.2f} {r['rss_mb']:12.0f}")


def ddp_release(scale: float) -> list[Path]:
    """The linked release at ``scale`` x DDP size, one xlsx per kind (cached)."""
    from datetime import date

    from icestats.generate import Options
    from icestats.generate_linked import KIND_FILES, write_linked

    folder = OUT / f"ddp_linked_{scale:g}"
    files = sorted(folder.glob("*.xlsx"))
    if len(files) == len(KIND_FILES):
        return files
    opts = Options(start=date(2024, 10, 1), end=date(2026, 3, 10), rows=int(600_000 * scale),
                   seed=22, layout="2026-ICLI-00005")
    summary = write_linked(opts, folder, "xlsx")
    print("generated:", {k: v["records"] for k, v in summary["kinds"].items()})
    return sorted(folder.glob("*.xlsx"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scale", type=float, default=1.0, help="of the DDP-size release")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-ddp", action="store_true")
    args = ap.parse_args()
    from importlib import resources

    data = Path(str(resources.files("icestats") / "data"))
    real = sorted((data / "real").glob("*.csv.gz")) + sorted((data / "extra").glob("*.csv.gz"))
    duck, cli = side_by_side(["duckdb", "cli"], real, args.repeat)
    rows = "2,712,963"
    table(f"the 11 real csv.gz files (arrests, encounters, removals), {rows} rows "
          "(target <= 1.5x)", [("DuckDB read_csv, one table per kind (baseline)", duck),
                               ("icestats ingest of the 11 (whole process)", cli)],
          duck["seconds"])
    xlsx = release(300_000, "xlsx")
    raw, cli = side_by_side(["fastexcel", "cli"], [xlsx], args.repeat)
    table(f"xlsx, 300,000 rows, {xlsx.stat().st_size / 1e6:.0f} MB (target <= 1.3x)",
          [("raw fastexcel read, every sheet (its own process)", raw),
           ("icestats ingest (whole process)", cli)], raw["seconds"])
    if args.skip_ddp:
        return
    files = ddp_release(args.scale)
    size = sum(f.stat().st_size for f in files) / 1e6
    raw, cli = side_by_side(["fastexcel", "cli"], files, args.repeat)
    table(f"DDP-size linked release x{args.scale:g}, 5 workbooks, {size:.0f} MB "
          "(target <= 0.8x, RSS < 2 GB)",
          [("raw fastexcel reads, one file after another", raw),
           ("icestats ingest of the 5 (whole process)", cli)], raw["seconds"])


if __name__ == "__main__":
    main()
