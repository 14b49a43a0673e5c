"""The column spec's types: ``Col`` (one column of an answer table, as every surface
shows it) and ``Spec`` (one answer table: its columns, title, the rows people see, the rows
shown faint, a caption), and ``KINDS``, how a value is written (rounded once, here, by
``render/format.num``, from the answer's exact value).

The specs are declared in ``render/column_specs.py`` and ``render/column_specs_stats.py``
and resolved against an answer by ``render/shown.py``; the terminal, the report, markdown,
the dashboard's ``display`` block and the files' headers all draw from them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from icestats.render.format import NONE, num, pct

if TYPE_CHECKING:
    from icestats.answers import Answer

Row = dict[str, Any]


def _number(c: Col, r: Row) -> str:
    return num(r.get(c.key), c.digits)


def _percent(c: Col, r: Row) -> str:
    v = r.get(c.key)
    return pct(None if v is None else float(v), c.digits)


def _signed(c: Col, r: Row) -> str:
    from icestats.numbers import round_half_up

    v = r.get(c.key)
    if v is None:
        return NONE
    return f"{round_half_up(float(v), c.digits):+,.{c.digits}f}{c.unit if c.unit == '%' else ''}"


def _text(c: Col, r: Row) -> str:
    v = r.get(c.key)
    if v is None:
        return NONE
    return v.isoformat() if isinstance(v, date) else str(v)


def _interval(c: Col, r: Row) -> str:
    """0.71 [0.63–0.80]: the value and the interval its ``parts`` bound."""
    v = r.get(c.key)
    if v is None:
        return NONE
    lo, hi = (r.get(p) for p in c.parts)
    return f"{num(v, c.digits)} [{num(lo, c.digits)}–{num(hi, c.digits)}]"


def _bounds(c: Col, r: Row) -> str:
    """297–433: the two ``parts`` (the key is the lower bound)."""
    lo, hi = r.get(c.key), r.get(c.parts[0])
    if lo is None or hi is None:
        return NONE
    return f"{num(lo, c.digits)}–{num(hi, c.digits)}"


KINDS: dict[str, Callable[[Col, Row], str]] = {
    "num": _number, "pct": _percent, "signed": _signed, "text": _text,
    "interval": _interval, "bounds": _bounds}


@dataclass(frozen=True)
class Col:
    """One column of an answer table, as every surface shows it."""

    key: str  # the answer table's column (the csv header)
    label: str  # the header people read
    unit: str = ""  # what a value counts ("arrests a day", "%"): said in files' metadata
    digits: int = 0  # decimals shown (the exact value stays in files)
    kind: str = "num"  # how a value is written: a name in KINDS
    priority: int = 0  # 0: always shown; else left out of a narrow terminal, highest first
    source: str = "answer"  # whose numbers: "answer", "releases" or "workbooks"
    parts: tuple[str, ...] = ()  # further keys the cell shows (an interval's bounds)
    show: bool = True  # False: in files only
    write: Callable[[Row], str] | None = None  # a cell made of several values
    wrap: bool = False  # words may wrap (a label); numbers never do
    header: str = ""  # a file's name for a column whose key is generic (daily's "key")

    @property
    def left(self) -> bool:
        return self.kind == "text"

    @property
    def keys(self) -> tuple[str, ...]:
        return (self.key, *self.parts)

    def cell(self, row: Row) -> str:
        """The value as people read it, rounded once from the exact value."""
        return self.write(row) if self.write else KINDS[self.kind](self, row)


def text(key: str, label: str, **kw: Any) -> Col:
    return Col(key, label, kind="text", **kw)


Columns = tuple[Col, ...] | Callable[["Answer"], tuple[Col, ...]]


@dataclass(frozen=True)
class Spec:
    """One answer table: its columns, title, the rows people see, and the rows shown dim."""

    columns: Columns
    title: str | Callable[[Answer], str] = ""
    rows: Callable[[Answer], list[Row]] | None = None  # default: the answer table's rows
    dim: Callable[[Row], bool] | None = None  # rows shown faint (unranked, not covered)
    caption: Callable[[Answer], str] | None = None
