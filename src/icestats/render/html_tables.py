"""An answer table as HTML for the report, from its column spec (``render/columns.py``):
the same columns, labels, rounding and source wording as the terminal and the dashboard."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from icestats.render.columns import Row
from icestats.render.shown import Shown, resolve

if TYPE_CHECKING:
    from icestats.answers import Answer


def html_table(answer: Answer, name: str, table_id: str, rows: list[Row] | None = None,
               title: bool = False) -> str:
    """``<table id=...>`` in a scrolling box (a wide table never widens the page), with
    one note per group of columns where the table mixes sources."""
    return render(resolve(answer, name, rows), table_id, title)


def render(shown: Shown, table_id: str, title: bool = False) -> str:
    head = "".join(f"<th{' class=t' if c.left else ''}>{escape(c.label)}</th>"
                   for c in shown.columns)
    body = "".join(
        f"<tr{' class=dim' if dim else ''}>" + "".join(
            f"<td{' class=t' if c.left else ''}>{escape(v)}</td>"
            for c, v in zip(shown.columns, cells, strict=True)) + "</tr>"
        for cells, dim in zip(shown.cells(), shown.dim, strict=True))
    caption = f"<caption>{escape(shown.title)}</caption>" if title and shown.title else ""
    after = f"<p class='note'>{escape(shown.caption)}</p>" if shown.caption else ""
    notes = "".join(
        f"<p class='note'>{escape(', '.join(labels) if k == 0 else 'The other columns')}: "
        f"{escape(where)}</p>" for k, (labels, where) in enumerate(shown.sources))
    return (f"<div class='scroll'><table id='{escape(table_id)}'>{caption}<tr>{head}</tr>"
            f"{body}</table></div>{after}{notes}")
