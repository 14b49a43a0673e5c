"""An answer's tables, by name: what ``--format csv|tsv|markdown`` prints and what
``icestats export NAME`` writes, with the answer's exact numbers (never display strings).

Every table of an answer is found in its ``body()``: an Arrow table as it is, a list of row
objects as a table (nested objects flattened to ``parent_child`` columns, lists as JSON
text). The answer's single values (window, as-of day, totals, trend) form the
``summary`` table (name, and its ``value`` as text or its ``number``). ``MAIN`` names
the tables a terminal format prints.
"""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any

from icestats.answers.published import MAIN_TABLES as PUBLISHED_TABLES
from icestats.questions import QUESTIONS

if TYPE_CHECKING:
    import pyarrow as pa

    from icestats.answers import Answer

# The tables ``--format csv|tsv|markdown`` prints, by question: declared in the question
# table (the first one is what ``export NAME --format csv|parquet`` writes unless --table
# names another).
MAIN: dict[str, tuple[str, ...]] = {name: q.tables for name, q in QUESTIONS.items()}
# answers at a count table's grain, filed by their columns_key (answers/published.py)
MAIN.update(PUBLISHED_TABLES)


def tables(answer: Answer) -> dict[str, pa.Table]:
    """Every table of ``answer`` by name, ``summary`` first."""
    import pyarrow as pa

    out: dict[str, pa.Table] = {}
    summary: dict[str, Any] = {}
    main = MAIN.get(answer.question, ())
    for key, value in answer.body().items():
        if isinstance(value, pa.Table):
            out[key] = value
        elif _is_rows(value) or (key in main and value == []):  # (a table with no rows)
            out[key] = table_of(value)
        elif isinstance(value, dict) and value and all(isinstance(k, date) for k in value):
            # its value column named for what it holds ("arrests_per_day" by "month")
            day, what = ("month", key[:-9]) if key.endswith("_by_month") else ("date", key)
            out[key] = pa.table({day: list(value), what: list(value.values())})
        else:
            _flatten(key, value, summary)
    summary.update(count=answer.count, scope=answer.scope, source=answer.source.text,
                   synthetic=answer.source.synthetic)
    numbers = [v if isinstance(v, int | float) and not isinstance(v, bool) else None
               for v in summary.values()]
    rows = {"name": list(summary),
            "value": [None if n is not None else _text(v)
                      for n, v in zip(numbers, summary.values(), strict=True)],
            "number": pa.array(numbers, pa.float64())}
    return {"summary": pa.table(rows), **out}


def main_tables(answer: Answer) -> list[str]:
    """The names of the tables a terminal format prints for ``answer`` (those it has)."""
    have = tables(answer)
    key = str(getattr(answer, "columns_key", answer.question))
    names = [n for n in MAIN.get(key, ()) if n in have]
    return names or [n for n in have if n != "summary"][:1] or ["summary"]


def table_of(rows: list[dict[str, Any]]) -> pa.Table:
    """Row objects as an Arrow table: the union of their keys in order; nested objects
    flattened; a column whose values mix kinds becomes text."""
    import pyarrow as pa

    flat = []
    for r in rows:
        f: dict[str, Any] = {}
        for k, v in r.items():
            _flatten(k, v, f)
        flat.append(f)
    names: dict[str, None] = {}
    for f in flat:
        names.update(dict.fromkeys(f))
    columns = {}
    for n in names:
        values = [f.get(n) for f in flat]
        try:
            columns[n] = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            columns[n] = pa.array([None if v is None else _text(v) for v in values],
                                  pa.string())
    return pa.table(columns) if columns else pa.table({})


def flat_tables(answer: Answer) -> dict[str, pa.Table]:
    """Every table of ``answer`` with one value a cell (an xlsx sheet each): a column of
    lists of records becomes a table of its own (``TABLE_COLUMN``, each record beside its
    row's first value), a list of plain values one text ("a; b"), nested objects
    ``parent_child`` columns."""
    import pyarrow as pa

    out: dict[str, pa.Table] = {}
    for name, t in tables(answer).items():
        raw = answer.body().get(name)
        rows = raw if _is_rows(raw) else t.to_pylist()
        flat, children = _flat_rows(name, rows if isinstance(rows, list) else [])
        table = table_of(flat) if flat else t
        out[name] = table
        out.update(children)
    return {k: v for k, v in out.items() if isinstance(v, pa.Table)}


def _flat_rows(name: str, rows: list[dict[str, Any]]
               ) -> tuple[list[dict[str, Any]], dict[str, pa.Table]]:
    flat: list[dict[str, Any]] = []
    children: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        f: dict[str, Any] = {}
        for k, v in r.items():
            _flatten(k, v, f, lists=True)
        parent = next(iter(r.items()), ("row", None))
        for k, v in list(f.items()):
            if _is_rows(v):
                children.setdefault(f"{name}_{k}", []).extend(
                    {parent[0]: parent[1], **c} for c in v)
                f[k] = f"{len(v)} rows (sheet {name}_{k})"
            elif isinstance(v, list | tuple):
                f[k] = "; ".join("" if x is None else _text(x) or "" for x in v)
            elif isinstance(v, str) and v[:1] in "[{" and v[-1:] in "]}":
                f[k] = _unjson(v)  # (a JSON list or object stored as text, e.g. columns)
        flat.append(f)
    return flat, {n: table_of(_flat_rows(n, rs)[0]) for n, rs in children.items()}


def _unjson(text: str) -> str:
    """JSON text as one plain value: a list as "a; b", an object as "k: v; k2: v2"."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_text(v) or ''}" for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(_text(v) or "" for v in value)
    return text


def _is_rows(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _flatten(key: str, value: object, into: dict[str, Any], lists: bool = False) -> None:
    """``value`` under ``key``: nested objects as ``key_child``; a list as JSON text, or,
    with ``lists``, as it is (for ``flat_tables``)."""
    if isinstance(value, dict) and not (value and all(isinstance(k, date) for k in value)):
        for k, v in value.items():
            _flatten(f"{key}_{k}", v, into, lists)
    elif isinstance(value, list | tuple):
        into[key] = list(value) if lists else json.dumps(_plain(value), ensure_ascii=False)
    elif hasattr(value, "to_dict"):
        _flatten(key, value.to_dict(), into, lists)
    else:
        into[key] = value


def _plain(value: object) -> Any:
    from icestats.jsonout import plain

    return plain(value)


def _text(value: object) -> str | None:
    """A summary value as text: ISO dates, true/false, numbers as Python writes them."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return value
    return json.dumps(_plain(value), ensure_ascii=False)
