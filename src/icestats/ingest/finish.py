"""Once a file's rows are in: per kind of event it holds, refuse the file when too many rows
lack a usable date, set impossible dates aside, apply the kind's counting rule, take its
coverage, and record it (``release_kinds``); then recompute day ownership for the kinds
the file holds."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb

from icestats import event_store, store
from icestats.errors import InputError
from icestats.ingest.dates import set_aside
from icestats.ingest.episodes import mark_episodes
from icestats.ingest.events import mark_event_episodes
from icestats.ingest.result import IngestResult, KindResult
from icestats.ingest.rows import DATE_NAMES, REJECTS_STORED


def finish_kinds(con: duckdb.DuckDBPyConnection, rid: int, path: Path, result: IngestResult,
                 max_rejects: float, today: date) -> None:
    """Settle every kind of the file (in pipeline order), then the file's totals."""
    for k in result.kinds.values():
        check_rejects(con, rid, path, k, max_rejects)
    for k in result.kinds.values():
        room = REJECTS_STORED - result.rejects_stored
        k.rows_implausible = set_aside(con, rid, path.name, k.date_column, today, room,
                                       kind=k.kind, what=DATE_NAMES[k.kind])
        k.rows_rejected += k.rows_implausible
        result.rows_rejected += k.rows_implausible
        result.rows_implausible += k.rows_implausible
        result.rejects_stored = min(REJECTS_STORED, result.rejects_stored + k.rows_implausible)
        check_rejects(con, rid, path, k, max_rejects)  # dates that cannot be true count too
        k.episodes = mark_episodes(con, rid) if k.kind == "arrests" else \
            mark_event_episodes(con, rid, k.kind)
        _coverage(con, rid, k)
        if not k.rows_loaded and not k.rows_undated:
            raise _nothing_loaded(con, rid, path, k.kind)
    result.add_up()


ONE_OFFICE = ("CASE WHEN count(DISTINCT aor) FILTER (WHERE aor NOT IN ('UNK', 'HQ')) = 1 "
              "THEN min(aor) FILTER (WHERE aor NOT IN ('UNK', 'HQ')) END")


def _coverage(con: duckdb.DuckDBPyConnection, rid: int, k: KindResult) -> None:
    """The kind's first and last day, rows loaded, and its one office if it names one."""
    if k.kind == "arrests":
        sql = (f"SELECT min(apprehension_date), max(apprehension_date), count(*), {ONE_OFFICE} "
               "FROM arrests WHERE release_id = ?")
        params: list[object] = [rid]
    else:
        sql = (f"SELECT min(event_date), max(event_date), count(*), {ONE_OFFICE} FROM events "
               "WHERE release_id = ? AND kind = ?")
        params = [rid, k.kind]
    row = store.fetch_one(con, sql, params)
    assert row is not None
    k.coverage_start, k.coverage_end, k.rows_loaded, k.one_office = row


def record_kinds(con: duckdb.DuckDBPyConnection, rid: int, result: IngestResult) -> None:
    """One ``release_kinds`` row per kind; day ownership of those kinds recomputed."""
    for k in result.kinds.values():
        con.execute(
            "INSERT INTO release_kinds VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [rid, k.kind, k.layout, json.dumps(k.sheets), k.office_from, k.office_rule,
             k.coverage_start, k.coverage_end, k.rows_read, k.rows_loaded, k.rows_rejected,
             k.rows_blank, k.rows_implausible, k.episodes, k.one_office])
    recompute_owners(con, list(result.kinds))


def recompute_owners(con: duckdb.DuckDBPyConnection, kinds: list[str]) -> None:
    """Day ownership of ``kinds`` (arrests: ``day_owner``; others: ``kind_day_owner``)."""
    for kind in kinds:
        if kind == "arrests":
            store.recompute_day_owner(con)
        else:
            event_store.recompute_kind_owner(con, kind, store.TAIL_DAYS)


def check_rejects(con: duckdb.DuckDBPyConnection, rid: int, path: Path, k: KindResult,
                  limit: float) -> None:
    """Refuse the file when more than ``limit`` of one kind's rows have no usable date
    (missing, unreadable, or, checked again once they are known, dates that cannot be
    true: see ingest.dates; blank rows do not count)."""
    bad = k.rows_rejected - k.rows_undated  # (sheets with no date column: said apart)
    if not bad or bad <= limit * max(k.rows_read - k.rows_undated, 1):
        return
    rows = con.execute(
        "SELECT sheet, source_row, column_name, reason, raw_value FROM rejects "
        "WHERE release_id = ? AND coalesce(kind, 'arrests') = ? ORDER BY sheet, source_row "
        "LIMIT 1", [rid, k.kind]).fetchall()
    sheet, row, column, reason, raw = rows[0] if rows else \
        (None, None, k.date_column, f"unusable {DATE_NAMES[k.kind]}", None)
    shown = f"'{raw}'" if raw is not None else "empty cell"
    what = DATE_NAMES[k.kind]
    raise InputError(
        str(path),
        f"{reason} ({shown}; expected a date such as 2025-01-31 14:05:00); {bad:,} of "
        f"{k.rows_read:,} rows have no usable {what} (missing, unreadable or one that "
        f"cannot be true), more than the "
        f"{limit:.1%} allowed (--max-rejects)",
        sheet=sheet, row=row, column=column)


def _nothing_loaded(con: duckdb.DuckDBPyConnection, rid: int, path: Path, kind: str
                    ) -> InputError:
    """Every row of a kind rejected: the message says why, from its first reject."""
    rows = con.execute(
        "SELECT sheet, source_row, column_name, reason, raw_value FROM rejects "
        "WHERE release_id = ? AND coalesce(kind, 'arrests') = ? ORDER BY sheet, source_row "
        "LIMIT 1", [rid, kind]).fetchall()
    what = "" if kind == "arrests" else f" {kind.replace('_', '-')}"
    if not rows:
        return InputError(str(path), f"no loadable{what} rows: every row was rejected")
    sheet, row, column, reason, raw = rows[0]
    shown = f"'{raw}'" if raw is not None else "empty cell"
    return InputError(str(path), f"no loadable{what} rows: every row was rejected (the "
                      f"first: {reason}, {shown})", sheet=sheet, row=row, column=column)
