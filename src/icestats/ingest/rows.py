"""The insert SQL: a source row -> an arrests row, or an ``events`` row for the other kinds
(one ``INSERT ... SELECT`` per sheet, chunk or slice), and the rows that cannot be loaded
-> ``rejects`` with their reason."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import duckdb

from icestats.ingest import normalize as n
from icestats.ingest.dates import date_order
from icestats.ingest.events import per_row_columns
from icestats.ingest.layout import ARRESTS
from icestats.ingest.plan import (
    FLAG_OUTPUTS,
    Plan,
    col,
    planned_columns,
)
from icestats.ingest.sources import Source, unreadable

# what a row's date is called in messages and rejects, per kind
DATE_NAMES = {"arrests": "apprehension date", "encounters": "event date",
              "detainers": "detainer prepare date", "book_ins": "book-in date",
              "removals": "removal date"}


def date_name(source: Source) -> str:
    return DATE_NAMES[source.layout.kind]


def arrest_columns(source: Source, plan: Plan) -> list[tuple[str, str]]:
    """(column, SQL expression) pairs that turn a source row ``s`` (``per_row``) into an
    arrests row."""
    c = partial(col, source, alias="s.")
    cols = [
        ("release_id", "$rid"), ("sheet", "$sheet"), ("sheet_no", "$sheet_no"),
        ("source_row", "s.__row"), ("apprehension_at", "s.__ts"),
        ("apprehension_date", "CAST(s.__ts AS DATE)"),
    ]
    cols += [(name, plan.exprs.get(name, "false" if name in FLAG_OUTPUTS else "NULL"))
             for name, _fld, _expr in planned_columns(source)[0]]
    cols += [
        ("id_hash", f"CASE WHEN s.__id = 'present' "
                    f"THEN md5_number($key || '|' || trim({c('identifier')})) END"),
        ("id_status", "s.__id"),
        ("episode_start", "true"),
        # the newest release usually owns its days: only rows whose ownership differs
        # are updated afterwards (store.recompute_day_owner)
        ("owned", "true"),
    ]
    return cols


def event_columns(source: Source, plan: Plan) -> list[tuple[str, str]]:
    """(column, SQL expression) pairs that turn a source row ``s`` into an events row."""
    c = partial(col, source, alias="s.")
    cols = [
        ("release_id", "$rid"), ("kind", "$kind"), ("sheet", "$sheet"),
        ("sheet_no", "$sheet_no"), ("source_row", "s.__row"), ("event_at", "s.__ts"),
        ("event_date", "CAST(s.__ts AS DATE)"), ("office_from", "$office_from"),
    ]
    cols += [(name, plan.exprs.get(name, "NULL")) for name, _f, _e in planned_columns(source)[0]]
    cols += per_row_columns(c, lambda f: f in source.layout.fields)
    return cols + [
        ("id_hash", f"CASE WHEN s.__id = 'present' "
                    f"THEN md5_number($key || '|' || trim({c('identifier')})) END"),
        ("id_status", "s.__id"), ("episode_start", "true"), ("owned", "true"),
    ]


def per_row(source: Source, first: str | None = None, dates: str | None = None) -> str:
    """The source relation with the per-row values every later expression reads; with
    ``dates`` (``date_table``) each row's timestamp is a join to its parsed distinct date."""
    ident = col(source, "identifier")
    id_state = (f"CASE WHEN {n.blank_sql(ident)} THEN 'blank' "
                f"WHEN {n.redacted_sql(ident)} THEN 'redacted' ELSE 'present' END")
    if dates is None:
        return (f"(SELECT *, {timestamp(source, first)} AS __ts, {id_state} AS __id "
                f"FROM {source.relation} WHERE {source.where}) s")
    return (f"(SELECT r.*, d.__dts AS __ts, {id_state} AS __id FROM {source.relation} r "
            f"LEFT JOIN {dates} d ON r.{source.layout.date_field} IS NOT DISTINCT FROM d.__v "
            f"WHERE {source.where}) s")


DATES_TABLE = "values_apprehension_date"


def date_table(con: duckdb.DuckDBPyConnection, source: Source, first: str | None
               ) -> str | None:
    """Text dates parsed once per distinct value when a source repeats them (a release
    dated by day holds a few hundred dates: the real csv files), as the one-cell columns
    are (plan.py): the tries of ``timestamp_sql`` cost far more per row than a hash probe.
    None when most dates differ (timestamps to the second): each row is parsed then; and
    for a parquet view (counting its dates would read the file once more)."""
    field = source.layout.date_field
    if source.typed_date or source.file_view or field not in source.layout.columns:
        return None
    row = con.execute(f"SELECT approx_count_distinct({field}) FROM "
                      f"{source.relation} WHERE {source.where}").fetchall()
    if int(row[0][0]) * 4 > source.rows:
        return None
    con.execute(f"CREATE OR REPLACE TEMP TABLE {DATES_TABLE} AS SELECT __v, "
                f"{n.timestamp_sql('__v', first)} AS __dts FROM (SELECT DISTINCT "
                f"{field} AS __v FROM {source.relation} WHERE {source.where})")
    return DATES_TABLE


def timestamp(source: Source, first: str | None = None) -> str:
    c = col(source, source.layout.date_field)
    return f"CAST({c} AS TIMESTAMP)" if source.typed_date else n.timestamp_sql(c, first)


def date_format(con: duckdb.DuckDBPyConnection, source: Source, sample: int = 1000,
                order: str = "mdy") -> str | None:
    """The format most of a source's first dates are written in, when it is not ISO (which
    DuckDB's cast reads first anyway): then tried first for every row. ``order``: month
    or day first in slashed dates (``dates.date_order``); a day-first format returned
    makes every try read day first (``normalize.timestamp_sql``)."""
    c = source.layout.date_field
    if source.typed_date or c not in source.layout.columns:
        return None
    fmts = n.formats(order)
    counts = ", ".join(f"count(try_strptime(trim({c}), '{f}'))" for f in fmts)
    row = con.execute(f"SELECT count(try_cast(trim({c}) AS TIMESTAMP)), {counts} FROM "
                      f"(SELECT {c} FROM {source.relation} WHERE {source.where} "
                      f"LIMIT {int(sample)})").fetchall()[0]
    best = max(range(1, len(row)), key=lambda k: row[k])
    if order == "dmy":  # (ISO too: the day-first slashed forms must be the ones tried)
        return fmts[best - 1] if "%d/%m" in fmts[best - 1] else n.DMY_FORMATS[-1]
    return fmts[best - 1] if row[best] > row[0] else None


def date_ok() -> str:
    return f"(s.__ts IS NOT NULL AND {n.in_range_sql('s.__ts', n.PRIMARY_RANGE)})"


REJECTS_STORED = 10_000  # reject rows stored per file; the rest are counted, not stored


def insert_source(con: duckdb.DuckDBPyConnection, rid: int, path: Path, source: Source,
                  key: str, plan: Plan, room: int = REJECTS_STORED) -> tuple[int, int]:
    """Insert a source's rows; record those without a usable date (at most ``room`` of
    them). Returns (blank rows, rejected rows): blank rows are counted, never stored."""
    ok = date_ok()
    arrests = source.layout.kind == ARRESTS
    table = "arrests" if arrests else "events"
    columns = arrest_columns(source, plan) if arrests else event_columns(source, plan)
    select = ", ".join(f"{expr} AS {name}" for name, expr in columns)
    binds = {"rid": rid, "sheet": source.sheet, "sheet_no": source.sheet_no, "key": key}
    if not arrests:
        binds.update(kind=source.layout.kind, office_from=source.layout.office_from)
    with file_errors(path, source):
        first = date_format(con, source, order=date_order(con, path, source))
        dates = date_table(con, source, first)
    with file_errors(path, source), parse_once(con, source):
        row = con.execute(
            f"INSERT INTO {table} BY NAME SELECT {select} FROM "
            f"{per_row(source, first, dates)} {' '.join(plan.joins.values())} WHERE {ok}",
            binds).fetchall()
    if dates is not None:
        con.execute(f"DROP TABLE {dates}")
    if row[0][0] == source.rows:
        return 0, 0
    return insert_rejects(con, rid, path.name, source, ok, room, first)  # rows with no date


@contextmanager
def parse_once(con: duckdb.DuckDBPyConnection, source: Source) -> Iterator[None]:
    """Text dates are parsed once per row. DuckDB would otherwise parse twice: pushing the
    date filter below the projection that computes ``__ts`` copies the parse into the
    filter, and hoisting common subexpressions computes ``trim`` of every date although
    the first, untrimmed try almost always succeeds. (Not for a parquet view: its row
    filter must be pushed down to skip row groups, and its dates are typed.)"""
    if source.file_view:
        yield
        return
    con.execute("SET disabled_optimizers = 'filter_pushdown,common_subexpressions'")
    yield  # (if the insert fails, the rollback resets it: not before the rollback)
    con.execute("RESET disabled_optimizers")


@contextmanager
def file_errors(path: Path, source: Source) -> Iterator[None]:
    """DuckDB reads a parquet file while the statement runs: its errors (damaged pages,
    bad metadata) are the file's, reported as one line. Errors in our own SQL are not."""
    try:
        yield
    except (duckdb.BinderException, duckdb.ParserException, duckdb.CatalogException,
            duckdb.ConstraintException):
        raise
    except duckdb.Error as exc:
        if not source.file_view:  # a sheet, chunk or small csv already read
            raise
        raise unreadable(path, exc) from None


def reject_reason(source: Source) -> str:
    """Why a row without a usable date is not loaded (SQL over ``s``)."""
    c = partial(col, source, alias="s.")
    field, what = source.layout.date_field, date_name(source)
    when = f"{c(field)} IS NULL" if source.typed_date else n.blank_sql(c(field))
    blank_row = " AND ".join([n.blank_sql(c(f)) for f in sorted(source.layout.columns)
                              if f != field] + [when])
    redacted = "" if source.typed_date else \
        f"WHEN {n.redacted_sql(c(field))} THEN 'redacted {what}' "
    return (f"CASE WHEN {blank_row} THEN 'blank row' "
            f"WHEN {when} THEN 'missing {what}' {redacted}"
            f"WHEN s.__ts IS NULL THEN 'unparseable {what}' "
            f"ELSE '{what} out of range' END")


def insert_rejects(con: duckdb.DuckDBPyConnection, rid: int, file_name: str, source: Source,
                   ok: str, room: int = REJECTS_STORED, first: str | None = None
                   ) -> tuple[int, int]:
    """(blank rows, rejected rows) among the rows without a usable date; the first
    ``room`` rejected ones are stored with their reason."""
    c = partial(col, source, alias="s.")
    bad = (f"(SELECT s.__row AS row, {reject_reason(source)} AS reason, "
           f"left(CAST({c(source.layout.date_field)} AS VARCHAR), 200) AS raw "
           f"FROM {per_row(source, first)} WHERE NOT coalesce({ok}, false))")
    counts = con.execute(f"SELECT count(*) FILTER (WHERE reason = 'blank row'), "
                         f"count(*) FILTER (WHERE reason <> 'blank row') FROM {bad}").fetchall()
    blank, rejected = int(counts[0][0]), int(counts[0][1])
    if rejected and room > 0:
        con.execute(
            f"INSERT INTO rejects BY NAME SELECT $rid AS release_id, $file AS file_name, "
            f"$sheet AS sheet, row AS source_row, $column AS column_name, reason, "
            f"raw AS raw_value, $kind AS kind "
            f"FROM {bad} WHERE reason <> 'blank row' ORDER BY row LIMIT $room",
            {"rid": rid, "file": file_name, "sheet": source.sheet, "room": room,
             "column": source.layout.columns[source.layout.date_field],
             "kind": source.layout.kind})
    return blank, rejected


def reject_undated(con: duckdb.DuckDBPyConnection, rid: int, file_name: str, source: Source,
                   room: int = REJECTS_STORED) -> tuple[int, int]:
    """Every non-blank row of a sheet with no date column, recorded as rejected with the
    reason (the first ``room`` stored); returns (blank rows, rejected rows)."""
    rejected = int(con.execute(f"SELECT count(*) FROM {source.relation}").fetchall()[0][0])
    if rejected and room > 0:
        con.execute(
            f"INSERT INTO rejects BY NAME SELECT $rid AS release_id, $file AS file_name, "
            f"$sheet AS sheet, __row AS source_row, NULL AS column_name, $reason AS reason, "
            f"NULL AS raw_value, $kind AS kind FROM {source.relation} ORDER BY __row "
            f"LIMIT $room",
            {"rid": rid, "file": file_name, "sheet": source.sheet, "room": room,
             "reason": f"no date column: {source.layout.kind.replace('_', '-')} without a "
                       f"date cannot be counted by day", "kind": source.layout.kind})
    return source.rows - rejected, rejected
