"""A rich progress bar for long loads, on stderr: a step per sheet, per million csv rows,
per five million parquet rows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from icestats.ingest.load import Progress


@contextmanager
def ingest_progress(path: Path, quiet: bool = False) -> Iterator[Progress | None]:
    if quiet:
        yield None
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as Bar

    console = Console(stderr=True)
    bar = Bar(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
              TimeElapsedColumn(), console=console, transient=True,
              disable=not console.is_terminal)
    name = escape(path.name)  # a file name is data: never read as markup
    task = bar.add_task(f"loading {name}", total=None)

    def update(what: str, done: int, total: int | None) -> None:
        bar.update(task, completed=done, total=total,
                   description=f"loading {name} [dim](done: {escape(what)})")

    with bar:
        yield update
