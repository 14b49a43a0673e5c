"""``icestats sql "SELECT ..."``: one read-only query over the views (``views.py``), never
over the stored records.

The database is opened read-only; the views the query names are computed from it and
copied into a fresh in-memory DuckDB that holds nothing else, with file and network
access disabled and its configuration locked. The query must be one SELECT (or WITH)
statement; anything else (writes, ATTACH, COPY, PRAGMA, SET, LOAD, several statements)
is refused with one line, as are reads of files (``read_csv``, ``'file.csv'``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from icestats.answers import Answer
from icestats.errors import UsageError

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

    from icestats.answers import Source
    from icestats.client import Icestats

MAX_ROWS = 100_000  # a query's answer larger than this is refused (use export datasette)
TIMEOUT_SECONDS = 60.0  # a query running longer is stopped (a cross join never ends)
_FIRST_WORD = re.compile(r"^\s*\(*\s*(\w+)", re.S)


@dataclass
class SqlAnswer(Answer):
    question: ClassVar[str] = "sql"
    query: str
    rows: pa.Table

    def body(self) -> dict[str, Any]:
        return {"query": self.query, "views": sorted(_named_views(self.query)),
                "rows": self.rows}


def check(query: str) -> None:
    """Refuse, with one line, anything but a single SELECT or WITH statement."""
    import duckdb

    try:
        statements = duckdb.extract_statements(query)
    except duckdb.Error as exc:
        raise UsageError(f"the query does not parse: {_first(exc)}") from None
    if len(statements) != 1:
        raise UsageError(f"refused: one statement only (this has {len(statements)})")
    word = _FIRST_WORD.match(_strip_comments(query))
    first = word.group(1).upper() if word else ""
    if statements[0].type != duckdb.StatementType.SELECT or first not in ("SELECT", "WITH"):
        raise UsageError(f"refused: only a read-only SELECT or WITH query is allowed, not "
                         f"{first or 'this statement'}")


def run(ice: Icestats, query: str, max_rows: int = MAX_ROWS,
        timeout: float = TIMEOUT_SECONDS) -> SqlAnswer:
    """The rows of ``query`` over the views of ``ice``'s database; a query still running
    after ``timeout`` seconds is stopped (DuckDB has no statement timeout: a timer
    interrupts the sandbox's connection, and only a stop it made reads as a timeout)."""
    import threading

    import duckdb

    from icestats import views

    check(query)
    names = _named_views(query)
    if not names:
        raise UsageError(f"the query names no view; the views are: {', '.join(views.VIEWS)}")
    mem = sandbox(views.build(ice, sorted(names)))
    stopped = threading.Event()

    def stop() -> None:
        stopped.set()
        mem.interrupt()

    timer = threading.Timer(timeout, stop)
    timer.start()
    rows = None
    try:
        result = mem.sql(query)  # (at most one row more than allowed is ever computed)
        rows = result.limit(max_rows + 1).to_arrow_table() if result is not None else None
    except BaseException as exc:  # the user's query failed, ran too long, or Ctrl-C
        # (DuckDB reports the timer's interrupt as a KeyboardInterrupt: the timeout's error
        # is raised below, outside this handler, so that it is not read as a Ctrl-C)
        if not stopped.is_set():
            if isinstance(exc, duckdb.Error) and not isinstance(exc, duckdb.InterruptException):
                raise UsageError(_explain(exc)) from None
            raise
    finally:
        timer.cancel()
        mem.close()
    if stopped.is_set():
        raise UsageError(f"the query ran longer than {timeout:g} s and was stopped; "
                         "aggregate sooner or narrow it (--timeout SECONDS to wait longer)")
    if rows is None:
        raise UsageError("the query returned nothing")
    if rows.num_rows > max_rows:
        raise UsageError(f"the query's answer has more than {max_rows:,} rows; aggregate "
                         "it or add a LIMIT (or use `icestats export datasette`)")
    return SqlAnswer(query, _plain_numbers(rows), source=_source(ice, names),
                     method="read-only SQL over icestats' views (counted aggregates)")


def _source(ice: Icestats, names: set[str]) -> Source:
    """The files the named views come from: releases (of every kind when a view counts
    every kind), ICE's workbooks or both."""
    from icestats.answers import Source
    from icestats.views import VIEWS, kinds_source

    every = ice.status().source
    books = {VIEWS[n].workbooks for n in names}
    releases = kinds_source(ice) if any(VIEWS[n].kinds for n in names) else every
    return Source(releases.releases if False in books else (),
                  every.workbooks if True in books else (), records=releases.records)


def _plain_numbers(rows: pa.Table) -> pa.Table:
    """Decimal columns as integers (DuckDB's SUM of integers is a 128-bit integer, which
    Arrow gives as a decimal: JSON and the terminal want a plain number) or, with a
    fraction or beyond 64 bits, as floats."""
    import pyarrow as pa

    for i, f in enumerate(rows.schema):
        if pa.types.is_decimal(f.type):
            try:
                col = rows[f.name].cast(pa.int64() if f.type.scale == 0 else pa.float64())
            except pa.ArrowInvalid:  # (out of int64's range)
                col = rows[f.name].cast(pa.float64())
            rows = rows.set_column(i, f.name, col)
    return rows


def sandbox(tables: dict[str, pa.Table]) -> duckdb.DuckDBPyConnection:
    """An in-memory database holding only ``tables``: no files, no network, locked."""
    import duckdb

    mem = duckdb.connect(":memory:")
    for name, table in tables.items():
        mem.register("_incoming", table)
        mem.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _incoming')
        mem.unregister("_incoming")
    for setting in ("SET enable_external_access = false", "SET autoinstall_known_extensions "
                    "= false", "SET autoload_known_extensions = false",
                    "SET memory_limit = '1GB'", "SET lock_configuration = true"):
        mem.execute(setting)
    return mem


def _named_views(query: str) -> set[str]:
    from icestats import views

    return set(re.findall(r"[a-z_]+", query.lower())) & set(views.VIEWS)


def _strip_comments(query: str) -> str:
    return re.sub(r"--[^\n]*|/\*.*?\*/", " ", query, flags=re.S)


def _explain(exc: Exception) -> str:
    from icestats import views

    text = _first(exc)
    if "disabled by configuration" in text or "Permission" in type(exc).__name__:
        return "refused: a query may read only the views, never files or the network"
    if "Table with name" in text and "does not exist" in text:
        return f"{text.split('!')[0]} (the views are: {', '.join(views.VIEWS)})"
    return f"the query failed: {text}"


def _first(exc: BaseException) -> str:
    from icestats.errors import first_line

    return first_line(exc)
