"""Terminal tables of the event kinds besides arrests (the pipeline): under ``status``, a
table of every kind each release holds."""

from __future__ import annotations

from typing import TYPE_CHECKING

from icestats.kinds import LABELS
from icestats.render.format import num, text

if TYPE_CHECKING:
    from rich.console import Console

    from icestats.answers import StatusAnswer


def kinds_table(console: Console, s: StatusAnswer) -> None:
    """Every kind of event each release holds, with its office rule; printed only when a
    release holds a kind besides arrests (a database of arrests alone shows none)."""
    from rich.table import Table

    rows = s.kinds.to_pylist() if s.kinds is not None else []
    if all(r["kind"] == "arrests" for r in rows):
        return
    t = Table(title="Event kinds")
    t.add_column("id", justify="right", no_wrap=True)
    t.add_column("kind", no_wrap=True)
    t.add_column("layout", overflow="fold")
    for col in ("from", "to", "loaded", "rejected", "counted"):
        t.add_column(col, justify="right", no_wrap=True)
    t.add_column("office from", overflow="fold")
    for r in rows:
        t.add_row(str(r["release_id"]), LABELS[r["kind"]], text(r["layout"]),
                  str(r["coverage_start"]), str(r["coverage_end"]), num(r["rows_loaded"]),
                  num(r["rows_rejected"]), num(r["counted"]), text(r["office_from"]))
    console.print(t)

