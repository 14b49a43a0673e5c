"""A column spec resolved against one answer: what every surface renders (``Shown``), the
columns a file carries, and each column's description for a file's metadata. The specs
are declared in ``render/column_specs.py`` and ``render/column_specs_stats.py``; their
types in ``render/columns.py``."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from icestats.kinds import say
from icestats.render.column_specs import SPECS
from icestats.render.column_specs_pipeline import SPECS as PIPELINE
from icestats.render.column_specs_published import SPECS as PUBLISHED
from icestats.render.column_specs_stats import SPECS as STATS
from icestats.render.columns import Col, Row, Spec

if TYPE_CHECKING:
    import pyarrow as pa

    from icestats.answers import Answer

REGISTRY: dict[tuple[str, str], Spec] = {**SPECS, **STATS, **PIPELINE, **PUBLISHED}


def spec_key(answer: Answer) -> str:
    """The question an answer's specs are filed under (an answer at a count table's grain
    has its own: ``offices@period``)."""
    return str(getattr(answer, "columns_key", answer.question))


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


def spec(question: str, table: str) -> Spec | None:
    return REGISTRY.get((question, table))


def declared(answer: Answer, table: str) -> list[Col]:
    """Every column the spec declares for ``table`` (shown or not), or none."""
    s = spec(spec_key(answer), table)
    if s is None:
        return []
    return list(s.columns(answer) if callable(s.columns) else s.columns)


def resolve(answer: Answer, table: str, rows: list[Row] | None = None) -> Shown:
    """``table`` of ``answer`` as people see it (a table without a spec: every column of
    the answer's table, as it is)."""
    s = spec(spec_key(answer), table)
    if s is None:
        data = rows if rows is not None else _table_rows(answer, table)
        cols = [Col(k, k, kind="text" if _is_text(data, k) else "num", digits=2)
                for k in (data[0] if data else {})]
        return Shown(table, "", cols, data, [False] * len(data), [], every=cols)
    every = declared(answer, table)
    data = rows if rows is not None else s.rows(answer) if s.rows else _table_rows(answer, table)
    title = s.title(answer) if callable(s.title) else s.title
    caption = s.caption(answer) if s.caption else ""
    kind = answer_kind(answer)
    if kind != "arrests":  # the same questions over another event kind: its own word
        title, caption = say(title, kind), say(caption, kind)
        every = [replace(c, label=say(c.label, kind), unit=say(c.unit, kind))
                 if c.source != "workbooks" else c for c in every]
    cols, sources = _sourced([c for c in every if c.show], answer)
    return Shown(table, title, cols, data, [bool(s.dim and s.dim(r)) for r in data], sources,
                 caption, every)


def answer_kind(answer: Answer) -> str:
    """The event kind a question taking ``--kind`` was asked about (else 'arrests': a
    workbook answer's window is of book-ins, and its tables say so themselves)."""
    from icestats.questions import QUESTIONS

    q = QUESTIONS.get(answer.question)
    w = getattr(answer, "window", None)
    if q is None or w is None or "kind" not in {p.name for p in q.params}:
        return "arrests"
    return str(w.slice.kind)


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
    groups = {"releases": Source(s.releases, records=s.records),
              "workbooks": Source(workbooks=s.workbooks, counts=s.counts)}  # (and vintages)
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


def file_table(answer: Answer, table: str, data: pa.Table) -> pa.Table:
    """``data`` as a file carries it (``file_columns``); a table with no rows and so no
    columns (e.g. no office covered) still carries the header its spec declares."""
    import pyarrow as pa

    if data.num_columns == 0:
        keys = dict.fromkeys(k for c in declared(answer, table) for k in c.keys)
        data = pa.table({k: pa.nulls(0) for k in keys}) if keys else data
    data = data.select(file_columns(answer, table, data.column_names))
    rename = {c.key: c.header for c in declared(answer, table) if c.header}
    return data.rename_columns([rename.get(n, n) for n in data.column_names])


def described(answer: Answer, table: str) -> list[dict[str, Any]]:
    """Each declared column's key, label and unit (a file's metadata)."""
    return [{"name": c.header or c.key, "label": c.label, "unit": c.unit or None,
             **({"parts": list(c.parts)} if c.parts else {})}
            for c in declared(answer, table)]
