"""Run every benchmark in bench/ (make bench)."""

import runpy
import sys
from pathlib import Path

for script in sorted(Path(__file__).parent.glob("*.py")):
    if script.name != "run_all.py":
        print(f"\n== {script.name}")
        sys.argv = [str(script)]
        runpy.run_path(str(script), run_name="__main__")
