"""Hostile sizes: files small on disk that expand to gigabytes, or hold one enormous line.
Each is loaded by a real `icestats ingest` process; prints its exit code, the time until
it was refused, its peak memory (the child's maximum RSS) and its one line, beside a
baseline run side by side: loading a real 1.3 MB FY2016 release.

    .venv/bin/python bench/hostile_sizes.py
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

ICESTATS = Path(sys.executable).with_name("icestats")
HEADER = b"Apprehension Date,Apprehension AOR,Apprehension Criminality,Gender\n"
ROW = b"2025-03-01,Chicago,3 Other Immigration Violator,Male\n"


def gz_long_line(path: Path, gib: int = 2) -> None:
    """About 2 MB of gzip: a header, then one line of 2 GiB."""
    with gzip.open(path, "wb", compresslevel=9) as gz:
        gz.write(HEADER)
        block = b"A" * (1 << 20)
        for _ in range(gib * 1024):
            gz.write(block)


def gz_many_rows(path: Path, mib: int = 2048) -> None:
    """Valid short rows that expand about a thousand times (2 GiB from ~2 MB)."""
    with gzip.open(path, "wb", compresslevel=9) as gz:
        gz.write(HEADER)
        block = ROW * ((1 << 20) // len(ROW))
        for _ in range(mib):
            gz.write(block)


def zst_long_line(path: Path, mib: int = 512) -> None:
    import zstandard

    with path.open("wb") as raw, zstandard.ZstdCompressor(level=3).stream_writer(raw) as z:
        z.write(HEADER)
        block = b"A" * (1 << 20)
        for _ in range(mib):
            z.write(block)


def plain_long_line(path: Path, header: bool) -> None:
    """10 MB on one line: the header itself, or the first row after a header."""
    with path.open("wb") as fh:
        if header:
            fh.write(b"A" * 10_000_000 + b"\n" + ROW)
        else:
            fh.write(HEADER + b"2025-03-01,Chicago," + b"A" * 10_000_000 + b",Male\n")


def run(path: Path, db: Path) -> tuple[int, float, float, str]:
    """(exit code, seconds, peak RSS in MB, the last line of stderr)."""
    t = time.perf_counter()
    p = subprocess.Popen([str(ICESTATS), "ingest", str(path), "--db", str(db)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    elapsed = time.perf_counter() - t
    err = (p.stderr.read().decode(errors="replace") if p.stderr else "").strip()
    code = os.waitstatus_to_exitcode(status)
    return code, elapsed, usage.ru_maxrss / 1024, (err.splitlines() or [""])[-1][:150]


def in_process(path: Path, db: Path) -> float:
    """Seconds from the call to the refusal (or the load) inside one process: the work
    itself, without the interpreter's start-up."""
    import icestats
    from icestats.errors import IcestatsError

    t = time.perf_counter()
    try:
        with icestats.connect(db, write=True) as ice:
            ice.ingest([path])
    except IcestatsError:
        pass
    return time.perf_counter() - t


def main() -> None:
    real = Path(str(resources.files("icestats") / "data" / "real" / "EROArrests_FY2016.csv.gz"))
    with tempfile.TemporaryDirectory(prefix="icestats-hostile-") as tmp:
        folder = Path(tmp)
        cases = {
            "gzip, 2 GiB line": (folder / "line.csv.gz", gz_long_line),
            "gzip, 2 GiB of rows": (folder / "rows.csv.gz", gz_many_rows),
            "zstd, 512 MiB line": (folder / "line.csv.zst", zst_long_line),
            "plain, 10 MB header line": (folder / "header.csv",
                                         lambda p: plain_long_line(p, True)),
            "plain, 10 MB row": (folder / "row.csv", lambda p: plain_long_line(p, False)),
        }
        for path, make in cases.values():
            make(path)
        # every process first: a child forked after this process grew (the in-process
        # runs) would report this process's pages as its peak
        procs = {name: run(path, folder / f"{path.stem}.duckdb")
                 for name, (path, _) in {"baseline": (real, None), **cases}.items()}
        inner = {name: in_process(path, folder / f"{path.stem}-2.duckdb")
                 for name, (path, _) in {"baseline": (real, None), **cases}.items()}
        print("| file | size on disk | exit | seconds (process) | seconds (in process) "
              "| peak RSS MB | line |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        code, base, rss, _ = procs["baseline"]
        print(f"| baseline: real FY2016 release (loads) | {real.stat().st_size / 1e6:.1f} MB "
              f"| {code} | {base:.2f} | {inner['baseline']:.2f} | {rss:.0f} "
              f"| (110,104 rows loaded) |")
        for name, (path, _) in cases.items():
            code, secs, rss, line = procs[name]
            print(f"| {name} | {path.stat().st_size / 1e6:.1f} MB | {code} | {secs:.2f} "
                  f"({secs / base:.2f}x baseline) | {inner[name]:.2f} "
                  f"({inner[name] / inner['baseline']:.2f}x) | {rss:.0f} "
                  f"| {line.replace('|', '/')} |")

if __name__ == "__main__":
    main()
