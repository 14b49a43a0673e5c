"""Fixtures: small releases made by the generator, and helpers to run the CLI."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import settings
from typer.testing import CliRunner

from icestats.cli import app
from icestats.generate import Options, records, write

# No timed assertions: hypothesis' per-example deadline fails on a busy machine.
settings.register_profile("icestats", deadline=None)
settings.load_profile("icestats")


@pytest.fixture(scope="session")
def release_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("releases")


def make_release(path: Path, *, seed: int = 1, layout: str = "2025", rows: int = 2500,
                 start: date = date(2025, 3, 1), end: date = date(2025, 6, 30),
                 sheet_rows: int = 1_000, extra: list[dict[str, object]] | None = None) -> Path:
    """A generated release, optionally with hand-made records appended to the file."""
    opts = Options(start=start, end=end, rows=rows, seed=seed, layout=layout)
    cols = records(opts)
    for rec in extra or []:
        for k in cols:
            value = rec.get(k)
            if k == "apprehension_date":
                value = np.datetime64(value, "s")
            cols[k] = np.append(cols[k], np.array([value], dtype=cols[k].dtype))
    write(cols, path, path.suffix.lstrip("."), opts, sheet_rows)
    return path


def loaded_db(tmp: Path, seed: int, rows: int = 30_000) -> Path:
    """A database with a generated release (2025-03-01..10-15) and ICE's FY25 workbook."""
    from datetime import date as _date
    from importlib import resources

    path = tmp / "db.duckdb"
    rel = make_release(tmp / "r.parquet", seed=seed, rows=rows, start=_date(2025, 3, 1),
                       end=_date(2025, 10, 15))
    fy25 = Path(str(resources.files("icestats") / "data" / "FY25_detentionStats_final.xlsx"))
    assert run("ingest", rel, fy25, "--db", path).exit_code == 0
    return path


def release_db(tmp: Path, name: str = "base.csv", **release: Any) -> Path:
    """A database holding one generated release ``tmp/name`` (make_release's options)."""
    path = tmp / "db.duckdb"
    assert run("ingest", make_release(tmp / name, **release), "--db", path).exit_code == 0
    return path


def linked_db(folder: Path, opts: Options) -> tuple[Path, dict[str, Path]]:
    """A database holding a generated linked release (one csv file a kind, sharing
    identifiers, each marked synthetic), and those files by kind."""
    import icestats
    from icestats.generate_linked import write_linked

    summary = write_linked(opts, folder, "csv")
    files = {k: Path(v["file"]) for k, v in summary["kinds"].items()}  # type: ignore[index]
    db = folder / "db.duckdb"
    with icestats.connect(db, write=True) as ice:
        results = ice.ingest(files.values())
    assert all(r.synthetic for r in results)
    return db, files


def small_db(tmp: Path) -> Path:
    """A database holding one small generated csv release (300 records)."""
    return release_db(tmp, rows=300)


def run(*args: str) -> object:
    """Invoke the CLI in-process; returns click's Result (exit_code, stdout, stderr)."""
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


def export_aor(db: Path, tmp: Path, count: str = "arrests") -> dict[tuple[str, str], int]:
    out = tmp / f"daily_{count}.csv"
    result = run("export", "daily", "--db", db, "--by", "aor", "--format", "csv", "-o", out,
                 "--count", count)
    assert result.exit_code == 0, result.output
    with out.open() as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["date", "aor", "arrests", "source_file", "synthetic"]
    # (the export is zero-filled: every office-day of the releases; the expected counts
    # made from the raw files hold the office-days with records)
    return {(d, a): int(n) for d, a, n, _, _ in rows[1:] if int(n)}


@pytest.fixture(scope="session")
def real_full_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped real data: the four FY2016-19 arrest files and the two detention
    workbooks, in one database built once per session (the README's and the demo's)."""
    from importlib import resources

    data = resources.files("icestats") / "data"
    files = sorted(str(f) for f in [*(data / "real").iterdir(), *data.iterdir()]
                   if f.name.endswith((".csv.gz", ".xlsx")))
    db = tmp_path_factory.mktemp("real_full") / "real.duckdb"
    assert run("ingest", *files, "--db", db).exit_code == 0
    return db


@contextmanager
def dashboard(db: Path) -> Iterator[tuple[str, Any]]:
    """(url, a headless Debian chromium) over the dashboard of ``db``; both stopped after."""
    from playwright.sync_api import sync_playwright

    from icestats.web.app import serve_in_thread

    url, srv = serve_in_thread(db)
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--disable-sync"]
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=args)
            try:
                yield url, browser
            finally:
                browser.close()
    finally:
        srv.should_exit = True
