"""One column spec per answer table, rendered by every surface.

A ``Spec`` names, for one table of one question, its columns in order (``Col``: the key in
the answer's table, the label people read, the unit, the decimals shown, the priority when
a narrow terminal must leave columns out, and whose numbers they are), its title, and
which rows people see. The terminal (``render/terminal.py``), the report's HTML tables,
``--format markdown``, the dashboard (the ``display`` block of a JSON answer) and the
csv/tsv/xlsx/parquet headers all render from it:

- people's surfaces show the columns with ``show`` in order, each value written by its
  ``kind`` from the answer's exact value (rounded once, here, by ``render/format.num``);
- files carry every key the spec declares (a cell's ``parts`` too), in the spec's order,
  then any other column of the answer's table, with the exact values.

The declarations are in ``render/column_specs.py`` and ``render/column_specs_stats.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
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


@dataclass
class Shown:
    """A spec resolved against one answer: what every surface renders."""

    name: str
    title: str
    columns: list[Col]  # shown ones, in order, labels marked where sources differ
    rows: list[Row]
    dim: list[bool]
    sources: list[tuple[list[str], str]]  # (column labels, which files) when they differ
    caption: str = ""
    every: list[Col] = field(default_factory=list)  # every declared column (files)

    def cells(self) -> list[list[str]]:
        return [[c.cell(r) for c in self.columns] for r in self.rows]

    def drop_order(self) -> list[str]:
        """The labels a narrow terminal leaves out, first first."""
        optional = [c for c in self.columns if c.priority]
        return [c.label for c in sorted(optional, key=lambda c: -c.priority)]


def registry() -> dict[tuple[str, str], Spec]:
    from icestats.render.column_specs import SPECS
    from icestats.render.column_specs_stats import SPECS as STATS

    return {**SPECS, **STATS}


def spec(question: str, table: str) -> Spec | None:
    return registry().get((question, table))


def declared(answer: Answer, table: str) -> list[Col]:
    """Every column the spec declares for ``table`` (shown or not), or none."""
    s = spec(answer.question, table)
    if s is None:
        return []
    return list(s.columns(answer) if callable(s.columns) else s.columns)


def resolve(answer: Answer, table: str, rows: list[Row] | None = None) -> Shown:
    """``table`` of ``answer`` as people see it (a table without a spec: every column of
    the answer's table, as it is)."""
    s = spec(answer.question, table)
    if s is None:
        data = rows if rows is not None else _table_rows(answer, table)
        cols = [Col(k, k, kind="text" if _is_text(data, k) else "num", digits=2)
                for k in (data[0] if data else {})]
        return Shown(table, "", cols, data, [False] * len(data), [], every=cols)
    every = declared(answer, table)
    data = rows if rows is not None else s.rows(answer) if s.rows else _table_rows(answer, table)
    title = s.title(answer) if callable(s.title) else s.title
    cols, sources = _sourced([c for c in every if c.show], answer)
    return Shown(table, title, cols, data, [bool(s.dim and s.dim(r)) for r in data], sources,
                 s.caption(answer) if s.caption else "", every)


def _table_rows(answer: Answer, table: str) -> list[Row]:
    from icestats.answer_tables import tables

    return list(tables(answer)[table].to_pylist())


def _is_text(rows: list[Row], key: str) -> bool:
    return not any(isinstance(r.get(key), int | float) and not isinstance(r.get(key), bool)
                   for r in rows)


def _sourced(cols: list[Col], answer: Answer) -> tuple[list[Col], list[tuple[list[str], str]]]:
    """Columns whose numbers come from files other than the rest of the table's: their
    label says REAL or GENERATED, and the table says which files each group is from."""
    from icestats.answers import Source

    s = answer.source
    kinds = {c.source for c in cols} - {"answer"}
    if len(kinds) < 2:
        return cols, []
    groups = {"releases": Source(s.releases), "workbooks": Source(workbooks=s.workbooks)}
    out, sources = [], []
    for kind in ("workbooks", "releases"):
        mine = [c for c in cols if c.source == kind]
        sources.append(([c.label for c in mine], groups[kind].text))
    sources.sort(key=lambda s: len(s[0]))  # the fewest columns first, named; then the rest
    for c in cols:
        src = groups.get(c.source)
        if src is not None and c.source == "releases" and src.synthetic is not False:
            c = replace(c, label=f"{c.label} ({'GENERATED' if src.synthetic else '?'})")
        out.append(c)
    return out, sources


def file_columns(answer: Answer, table: str, have: list[str]) -> list[str]:
    """The columns a file carries, in order: every key the spec declares that the table
    has, then the table's other columns (nothing is left out of a file)."""
    keys = [k for c in declared(answer, table) for k in c.keys if k in have]
    order = list(dict.fromkeys(keys))
    return order + [k for k in have if k not in order]


def described(answer: Answer, table: str) -> list[dict[str, Any]]:
    """Each declared column's key, label and unit (a file's metadata)."""
    return [{"name": c.key, "label": c.label, "unit": c.unit or None,
             **({"parts": list(c.parts)} if c.parts else {})}
            for c in declared(answer, table)]
