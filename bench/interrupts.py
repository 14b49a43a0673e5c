"""Ctrl-C and SIGKILL at random moments of `icestats ingest`: never a mixed database.

Each trial copies a database holding one release, starts `icestats ingest` of a second
generated release (about 200k rows by default) into the copy, sends SIGINT or SIGKILL at a
random moment between the start of the process and a little past the time a full load
takes, and compares what is left with the old state (the first release alone) and the new
state (both releases complete): release rows, arrests per release, rejects, days owned,
rows that belong to no release, and `.loading-*` working files left beside the database.

    .venv/bin/python bench/interrupts.py --ctrl-c 200 --kill 100      # the full run
    .venv/bin/python bench/interrupts.py --ctrl-c 10 --kill 10 --rows 30000
"""

from __future__ import annotations

import argparse
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

CLI = [sys.executable, "-m", "icestats.cli"]


def state(db: Path) -> tuple:
    """What a user can observe of a database (loaded_at aside), as plain tuples."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        q = con.execute
        return (
            tuple(q("SELECT release_id, file_name, file_sha256, rows_loaded, rows_rejected, "
                    "episodes, coverage_start, coverage_end FROM releases ORDER BY 1"
                    ).fetchall()),
            tuple(q("SELECT release_id, count(*), count(*) FILTER (WHERE episode_start), "
                    "count(*) FILTER (WHERE owned) FROM arrests GROUP BY 1 ORDER BY 1"
                    ).fetchall()),
            tuple(q("SELECT release_id, count(*) FROM rejects GROUP BY 1 ORDER BY 1"
                    ).fetchall()),
            tuple(q("SELECT release_id, count(*) FROM day_owner GROUP BY 1 ORDER BY 1"
                    ).fetchall()),
            q("SELECT count(*) FROM arrests ANTI JOIN releases USING (release_id)"
              ).fetchall()[0][0],
        )
    finally:
        con.close()


def strays(db: Path) -> list[Path]:
    return sorted(db.parent.glob(db.name + ".loading-*"))


def _copy_db(src: Path, dst: Path) -> None:
    for suffix in ("", ".key"):
        target = Path(str(dst) + suffix)
        target.unlink(missing_ok=True)
        if Path(str(src) + suffix).exists():
            shutil.copy2(str(src) + suffix, target)
    for stale in strays(dst):
        stale.unlink()


@dataclass
class Trial:
    signal: str
    delay: float
    outcome: str  # clean-old, clean-new, mixed, unreadable
    exit_code: int
    stderr_lines: int
    traceback: bool
    strays: int
    strays_after_next_writer: int = 0
    after_exit: bool = False  # the load had finished before the signal was sent
    startup: bool = False  # Ctrl-C while Python imported the modules: no icestats code ran


def _during_imports(err: str) -> bool:
    """A KeyboardInterrupt traceback whose icestats frames are all module imports (Python
    prints it before `icestats.cli` has defined its handler; nothing was opened)."""
    if "Could not import runpy module" in err:  # Ctrl-C before Python found `-m`'s module
        return True
    frames = [line for line in err.splitlines() if line.startswith('  File "')]
    ours = [f for f in frames if "icestats" in f]
    return err.rstrip().endswith("KeyboardInterrupt") and all(f.endswith("in <module>")
                                                              for f in ours)


@dataclass
class Summary:
    trials: list[Trial] = field(default_factory=list)
    load_seconds: float = 0.0
    rows: int = 0

    def counts(self, sig: str) -> Counter:
        return Counter(t.outcome for t in self.trials if t.signal == sig)

    def exit_codes(self, sig: str) -> Counter:
        return Counter((t.outcome, t.exit_code, t.stderr_lines) for t in self.trials
                       if t.signal == sig)

    def report(self) -> str:
        lines = [f"release of {self.rows:,} rows; a full load takes {self.load_seconds:.1f} s "
                 "(process start to exit)"]
        for sig in ("SIGINT", "SIGKILL"):
            mine = [t for t in self.trials if t.signal == sig]
            if not mine:
                continue
            c = self.counts(sig)
            late = sum(t.after_exit for t in mine)
            lines.append(f"{sig}: {len(mine)} trials ({late} sent after the load had ended): "
                         f"clean-old {c['clean-old']}, clean-new "
                         f"{c['clean-new']}, mixed {c['mixed']}, unreadable {c['unreadable']}")
            codes = ", ".join(f"{o} exit {e} ({lines} line{'s' * (lines != 1)}): {n}"
                              for (o, e, lines), n in sorted(self.exit_codes(sig).items()))
            lines.append(f"  exit codes: {codes}")
            lines.append(f"  tracebacks: {sum(t.traceback for t in mine)} (of which while Python "
                         f"imported the modules: {sum(t.startup for t in mine)}); stderr of more "
                         f"than one line: {sum(t.stderr_lines > 1 for t in mine)}; "
                         f"working files left: {sum(t.strays > 0 for t in mine)} trials, "
                         f"after the next writer: {sum(t.strays_after_next_writer for t in mine)}")
        return "\n".join(lines)


def _default_sigint() -> None:
    # A process started in the background inherits SIGINT ignored, and Python then keeps
    # it ignored: the trials would measure nothing. Ctrl-C at a terminal is SIG_DFL.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _ingest(release: Path, db: Path) -> subprocess.Popen:
    return subprocess.Popen([*CLI, "ingest", str(release), "--db", str(db)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_default_sigint)


def _next_writer(db: Path) -> None:
    """What any later load does first: take the lock and remove stale working copies."""
    from icestats import writer

    writer.Writer(db).abort()


def run_trials(ctrl_c: int, kill: int, *, rows: int = 200_000, base_rows: int = 5_000,
               seed: int = 0, workdir: Path | None = None, verbose: bool = False) -> Summary:
    tmp = Path(workdir or tempfile.mkdtemp(prefix="icestats-interrupts-"))
    tmp.mkdir(parents=True, exist_ok=True)
    base_csv, big_csv = tmp / "base.csv", tmp / "big.csv"
    for path, n, start, end, s in ((base_csv, base_rows, "2024-10-01", "2025-01-31", 1),
                                   (big_csv, rows, "2024-12-01", "2025-10-15", 2)):
        if not path.exists():
            subprocess.run([*CLI, "generate", str(path), "--rows", str(n), "--start", start,
                            "--end", end, "--seed", str(s)], check=True,
                           stdout=subprocess.DEVNULL)
    base_db = tmp / "base.duckdb"
    if not base_db.exists():
        subprocess.run([*CLI, "ingest", str(base_csv), "--db", str(base_db)], check=True,
                       stdout=subprocess.DEVNULL)
    old = state(base_db)
    ref = tmp / "new.duckdb"
    _copy_db(base_db, ref)
    t0 = time.perf_counter()
    subprocess.run([*CLI, "ingest", str(big_csv), "--db", str(ref)], check=True,
                   stdout=subprocess.DEVNULL)
    summary = Summary(load_seconds=time.perf_counter() - t0, rows=rows)
    new = state(ref)
    assert new != old
    rng = random.Random(seed)
    plan = ["SIGINT"] * ctrl_c + ["SIGKILL"] * kill
    rng.shuffle(plan)
    trial_db = tmp / "trial.duckdb"
    for k, sig in enumerate(plan):
        _copy_db(base_db, trial_db)
        delay = rng.uniform(0.0, 1.1 * summary.load_seconds)
        proc = _ingest(big_csv, trial_db)
        time.sleep(delay)
        after_exit = proc.poll() is not None
        proc.send_signal(signal.SIGINT if sig == "SIGINT" else signal.SIGKILL)
        _, err = proc.communicate()
        try:
            now = state(trial_db)
            outcome = "clean-old" if now == old else "clean-new" if now == new else "mixed"
        except duckdb.Error:
            outcome = "unreadable"
        trial = Trial(sig, delay, outcome, proc.returncode, len(err.splitlines()),
                      "Traceback" in err, len(strays(trial_db)), after_exit=after_exit,
                      startup=sig == "SIGINT" and bool(err) and _during_imports(err))
        if trial.strays:
            _next_writer(trial_db)
            trial.strays_after_next_writer = len(strays(trial_db))
        summary.trials.append(trial)
        if verbose:
            print(f"{k + 1:4d} {sig:7s} at {delay:5.2f} s{' (ended)' * after_exit}: "
                  f"{outcome:9s} exit "
                  f"{proc.returncode:4d} {err.strip()[:100]}", flush=True)
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ctrl-c", type=int, default=20, help="SIGINT trials")
    parser.add_argument("--kill", type=int, default=10, help="SIGKILL trials")
    parser.add_argument("--rows", type=int, default=200_000, help="rows of the loaded release")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dir", type=Path, default=None, help="work directory (kept)")
    parser.add_argument("-v", "--verbose", action="store_true", help="one line per trial")
    args = parser.parse_args()
    summary = run_trials(args.ctrl_c, args.kill, rows=args.rows, seed=args.seed,
                         workdir=args.dir, verbose=args.verbose)
    print(summary.report())
    mixed = sum(t.outcome in ("mixed", "unreadable") for t in summary.trials)
    sys.exit(1 if mixed else 0)


if __name__ == "__main__":
    main()
