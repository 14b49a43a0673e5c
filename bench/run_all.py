"""Run every benchmark in bench/ (`make bench`): ingest, pipeline, queries, report, scale,
and validate (the statistics harness: coverage and errors, docs/methods.md).

Fixtures are generated once and cached in bench/out (several GB at 20M rows).
"""

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
for name in ("ingest", "pipeline", "queries", "report", "scale", "validate"):
    print(f"\n== bench/{name}.py", flush=True)
    sys.argv = [str(HERE / f"{name}.py")]
    runpy.run_path(str(HERE / f"{name}.py"), run_name="__main__")
