"""Ctrl-C while `icestats` starts: one line and exit 130 once icestats code runs.

Sends SIGINT to `icestats status` at a random moment in its first half second (Python
starting, the modules importing, typer building the commands, the query running) and
sorts what happened:

- `one line`: exit 130 and `error: interrupted; nothing was changed ...`;
- `before Python's handler`: killed by SIGINT (the shell shows 130), nothing printed;
- `Python start-up`: a KeyboardInterrupt traceback from the interpreter's own start-up
  (site, io) or the console script's `from icestats.cli import main` line, before any
  icestats code can catch it;
- `finished`: the command had ended (exit 0);
- `other`: anything else: a failure of icestats (the script exits 1).

    .venv/bin/python bench/startup_interrupts.py --trials 300 --db demo/real.duckdb
"""

from __future__ import annotations

import argparse
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ICESTATS = Path(sys.executable).with_name("icestats")
ONE_LINE = b"error: interrupted; nothing was changed"


def kind(code: int, err: bytes) -> str:
    text = err.decode(errors="replace")
    if code == 130 and err.startswith(ONE_LINE) and err.count(b"\n") == 1:
        return "one line"
    if code == -signal.SIGINT and not err:
        return "before Python's handler"
    frames = [ln for ln in text.splitlines() if ln.startswith('  File "')]
    ours = [f for f in frames if "/icestats/" in f]
    if "KeyboardInterrupt" in text and not ours and (
            "Fatal Python error" in text or "<frozen site>" in text
            or "from icestats.cli import main" in text
            or "_get_module_lock" in text or "Failed checking if argv[0]" in text):
        return "Python start-up"
    if code == 0 and not err:
        return "finished"
    return "other"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--db", type=Path, default=Path("demo/real.duckdb"))
    parser.add_argument("--within", type=float, default=0.5, help="seconds after the start")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    kinds: Counter[str] = Counter()
    others = []
    for _ in range(args.trials):
        proc = subprocess.Popen([str(ICESTATS), "status", "--db", str(args.db)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0, args.within))
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate()
        k = kind(proc.returncode, err)
        kinds[k] += 1
        if k == "other":
            others.append((proc.returncode, err.decode(errors="replace")[-1500:]))
    print(f"{args.trials} Ctrl-C within {args.within} s of `icestats status` starting: "
          + ", ".join(f"{k} {n}" for k, n in kinds.most_common()))
    for code, err in others[:5]:
        print(f"--- exit {code}\n{err}")
    sys.exit(1 if others else 0)


if __name__ == "__main__":
    main()
