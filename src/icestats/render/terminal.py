"""An answer table in the terminal, from its column spec (``render/columns.py``): the
columns in order, numbers right-aligned and never wrapped, text that may wrap, rows shown
faint, the order in which a narrow terminal leaves columns out (``render/fit.py``), and,
where a table mixes sources, which files each group of columns comes from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

from icestats.render.columns import Row
from icestats.render.shown import Shown, resolve

if TYPE_CHECKING:
    from rich.console import Console

    from icestats.answers import Answer


def rich_table(shown: Shown, **options: object) -> Table:
    """The resolved table as a rich ``Table`` (data shown as ``Text``, never markup)."""
    options = {"title": shown.title or None, "caption": shown.caption or None, **options}
    t = Table(**options)  # type: ignore[arg-type]
    for c in shown.columns:
        t.add_column(Text(c.label), justify="left" if c.left else "right", no_wrap=not c.wrap)
    for cells, dim, row in zip(shown.cells(), shown.dim, shown.rows, strict=True):
        t.add_row(*(_styled(c.kind, v, row, c.key) for c, v in zip(shown.columns, cells,
                                                                     strict=True)),
                  style="dim" if dim else "")
    t.drop_order = shown.drop_order()  # type: ignore[attr-defined]
    return t


def _styled(kind: str, value: str, row: Row, key: str) -> Text:
    """Signed changes in colour (green up, red down); everything else as it is."""
    if kind == "signed" and value[:1] in "+-" and value.strip("+-0.,%"):
        return Text(value, style="green" if value[0] == "+" else "red")
    return Text(value)


def print_table(console: Console, answer: Answer, name: str, rows: list[Row] | None = None,
                **options: object) -> Shown:
    """Print ``answer``'s table ``name`` and, where its columns come from different files,
    one line per group; returns what was shown (for notes under it)."""
    from rich.measure import Measurement

    shown = resolve(answer, name, rows)
    table = rich_table(shown, **options)
    width = Measurement.get(console, console.options, table).maximum
    long = len(shown.caption) > min(width, console.width)  # (rich would wrap it inside)
    if long:
        table.caption = None
    console.print(table)
    if long:
        console.print(Text(shown.caption, style="dim"))
    for k, (labels, where) in enumerate(shown.sources):
        line = Text(f"{', '.join(labels) if k == 0 else 'the other columns'}: ", style="bold")
        line.append(where, style="green" if where.startswith("REAL") else "yellow")
        console.print(line)
    return shown
