"""Tables that fit the terminal: no number or word is ever cut or split, at any width.

``FitConsole`` fits every table it prints to its width, in this order:

1. as it is, when it fits;
2. headers wrapped over the width of their column's values, and text columns (those
   holding words) narrowed down to their longest word;
3. optional columns left out (``OPTIONAL``, first listed first), said under the table;
4. else stacked: one block per row, each value on its own ``header: value`` line.

Columns of numbers never wrap. Every renderer prints through it, so none needs to know
the width (``commands.base.console``, ``make demo``).
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.table import Column, Table
from rich.text import Text

# Columns a table may leave out when the terminal is too narrow, the least needed first
# (every value stays in --format csv and --json).
OPTIONAL = ("shrunk", "placebos with an effect", "prev. per day", "rows read", "merged", "id",
            "code", "named", "values", "placebo p", "data through", "last 14/day",
            "level/day", "change from first", "days", "age", "share", "CBP share")
_WORDS = re.compile(r"[A-Za-z]{2}")  # a column holding words may wrap between them


class FitConsole(Console):
    """A rich console whose tables always fit its width (see the module docstring)."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        super().print(*(fit(self, o) if isinstance(o, Table) else o for o in objects),
                      **kwargs)


def fit(console: Console, table: Table) -> RenderableType:
    """``table`` as it fits ``console``'s width (steps 1-4 of the module docstring)."""
    width = console.width
    columns = list(table.columns)
    headers = [str(c.header) for c in columns]
    if _natural(console, table) <= width or _narrow(console, table, width):
        return table
    for c, h in zip(columns, headers, strict=True):
        body = max((_max(console, x) for x in c._cells), default=len(h))
        if len(h) > body:
            c.header = Text(textwrap.fill(h, max(body, max(len(w) for w in h.split() or [h]))))
    dropped: list[str] = []
    while not _narrow(console, table, width):
        order = getattr(table, "drop_order", None)  # the column spec's priorities
        victim = next((c for name in (OPTIONAL if order is None else order)
                       for c in table.columns
                       if str(c.header).replace("\n", " ") == name), None)
        if victim is None or len(table.columns) <= 2:
            return stacked(table, columns, headers)
        table.columns.remove(victim)
        for i, c in enumerate(table.columns):
            c._index = i
        dropped.append(str(victim.header).replace("\n", " "))
    if not dropped:
        return table
    note = Text(f"Left out at {width} columns: {', '.join(dropped)} (a wider terminal, "
                "--format csv or --json has every column).", style="dim")
    return Group(table, note)


def _max(console: Console, renderable: Any) -> int:
    from rich.measure import Measurement

    return Measurement.get(console, console.options.update_width(10_000), renderable).maximum


def _measures(console: Console, table: Table) -> list[tuple[int, int, bool]]:
    """(smallest, natural width, may wrap) of each column, padding included."""
    wide = console.options.update_width(10_000)
    out = []
    for c in table.columns:
        m = table._measure_column(console, wide, c)
        cells = [console.render_str(x).plain if isinstance(x, str) else
                 x.plain if isinstance(x, Text) else "" for x in c._cells]
        wraps = not c.no_wrap and any(_WORDS.search(s) for s in cells)
        out.append((m.minimum if wraps else m.maximum, m.maximum, wraps))
    return out


def _natural(console: Console, table: Table) -> int:
    return sum(m[1] for m in _measures(console, table)) + table._extra_width


def _narrow(console: Console, table: Table, width: int) -> bool:
    """Set column widths so that ``table`` fits ``width`` without cutting a word; False
    when it cannot."""
    ms = _measures(console, table)
    room = width - table._extra_width
    if sum(low for low, _, _ in ms) > room:
        return False
    sizes = [high for _, high, _ in ms]
    excess = sum(sizes) - room
    for i in sorted(range(len(ms)), key=lambda i: ms[i][0] - ms[i][1]):
        if excess <= 0:
            break
        cut = min(excess, ms[i][1] - ms[i][0])
        sizes[i] -= cut
        excess -= cut
    for c, size, (_, _, wraps) in zip(table.columns, sizes, ms, strict=True):
        c.no_wrap = not wraps
        if wraps:
            c.width = size - table._get_padding_width(c._index)
    return True


def stacked(table: Table, columns: list[Column], headers: list[str]) -> RenderableType:
    """One block per row: its first value, then ``header: value`` for the others."""
    parts: list[RenderableType] = []
    if table.title:
        parts.append(Text(str(table.title), style="bold"))
    n = len(columns[0]._cells) if columns else 0
    for row in range(n):
        head = _cell(columns[0]._cells[row], style="bold")
        parts.append(Text(f"{headers[0]} ", style="bold") + head if headers[0] else head)
        for c, h in zip(columns[1:], headers[1:], strict=True):
            line = Text("  ")
            line.append(f"{h or 'value'}: ", style="dim")
            line.append_text(_cell(c._cells[row]))
            parts.append(line)
    if table.caption:
        parts.append(_cell(table.caption, style="dim"))
    return Group(*parts)


def _cell(value: Any, style: str = "") -> Text:
    if isinstance(value, Text):
        out = value.copy()
        if style:
            out.stylize(style)
        return out
    return Text.from_markup(str(value), style=style)
