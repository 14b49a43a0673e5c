"""Load one release file into the store, all or nothing, with provenance on every row:
the transaction, its rollback, and the release row."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from icestats import store
from icestats.errors import InputError
from icestats.ingest.digest import AlreadyLoaded, Digest
from icestats.ingest.events import register_facilities
from icestats.ingest.finish import finish_kinds, recompute_owners, record_kinds
from icestats.ingest.plan import Plan, drop, make_plan, register_aliases
from icestats.ingest.read import read_sources
from icestats.ingest.result import IngestResult, KindResult
from icestats.ingest.rows import REJECTS_STORED, file_errors, insert_source, reject_undated
from icestats.ingest.sources import Kind, Source
from icestats.xlsx import Workbook

__all__ = ["DEFAULT_MAX_REJECTS", "IngestResult", "KindResult", "Progress", "ingest_release"]

DEFAULT_MAX_REJECTS = 0.01
Progress = Callable[[str, int, int | None], None]  # (what, parts done, parts or None)


@dataclass
class _Run:
    """One file's load: where it is read from and what has been seen of it so far."""

    path: Path  # the file as given (its name and digest identify the release)
    data: Path  # the file read (a zip's member, extracted)
    kind: Kind
    result: IngestResult
    digest: Digest
    book: Workbook | None = None
    progress: Progress | None = None
    today: date | None = None
    aor: str | None = None  # the --aor option: the office of sheets with no office column


def ingest_release(con: duckdb.DuckDBPyConnection, path: Path, *, kind: Kind,
                   digest: Digest, data: Path | None = None, book: Workbook | None = None,
                   max_rejects: float = DEFAULT_MAX_REJECTS,
                   progress: Progress | None = None, compression: str | None = None,
                   today: date | None = None, aor: str | None = None) -> IngestResult:
    """Load the release ``path`` (read from ``data``, ``path`` itself unless it is
    unwrapped from a zip): its arrests, encounters, detainers, book-ins and removals, every
    kind it holds; loading a file already in the store changes nothing. ``today`` is the day
    of loading (records dated after it are set aside; default: today); ``aor`` the office
    (a code) of sheets with no office column."""
    result = IngestResult(file=path.name, sha256="", file_format=kind.fmt,
                          compression=compression or kind.compression)
    if store.fetch_one(con, "SELECT 1 FROM releases WHERE file_name = ?", [path.name]):
        # a file of this name was loaded: most likely this one again, so the digest
        # decides before anything is read (otherwise it is checked as the chunks load)
        try:
            check_new(con, result, digest)
        except AlreadyLoaded:
            result.already_loaded = True
            return result
    run = _Run(path, data or path, kind, result, digest, book, progress, today, aor)
    row = store.fetch_one(con, "SELECT current_setting('threads')")
    threads = int(row[0]) if row else 1
    if book and len(book.names) > 1:
        con.execute("SET threads = 1")  # the other core parses the next sheet meanwhile
    con.execute("BEGIN TRANSACTION")
    try:
        _load(con, run, max_rejects)
        con.execute("COMMIT")
    except AlreadyLoaded:
        _undo(con, result)
        result = IngestResult(file=path.name, sha256=result.sha256, file_format=kind.fmt,
                              already_loaded=True)
    except BaseException:
        _undo(con, result)
        raise
    finally:
        con.execute(f"SET threads = {threads}")
        if book:
            book.close()
    return result


def _undo(con: duckdb.DuckDBPyConnection, result: IngestResult) -> None:
    con.execute("ROLLBACK")
    con.execute("RESET disabled_optimizers")  # set by rows.parse_once if an insert failed
    if result.release_id is not None:  # chunks already committed: take them out
        _forget(con, result.release_id)


def _forget(con: duckdb.DuckDBPyConnection, release_id: int) -> None:
    """Remove every trace of a release whose load failed part way."""
    con.execute("BEGIN TRANSACTION")
    kinds = [k for (k,) in con.execute("SELECT DISTINCT kind FROM events WHERE release_id = ?",
                                       [release_id]).fetchall()]
    for table in ("arrests", "events", "rejects", "release_kinds", "releases"):
        con.execute(f"DELETE FROM {table} WHERE release_id = ?", [release_id])
    recompute_owners(con, ["arrests", *kinds])
    con.execute("COMMIT")


def _load(con: duckdb.DuckDBPyConnection, run: _Run, max_rejects: float) -> None:
    result = run.result
    row = store.fetch_one(con, "SELECT coalesce(max(release_id), 0) + 1 FROM releases")
    assert row is not None
    rid = result.release_id = int(row[0])
    _load_sources(con, run, rid)
    if run.book is not None:
        result.notes_sheets = list(run.book.notes)
        result.empty_sheets = [s for s in run.book.names
                               if s not in result.sheets and s not in run.book.notes]
    if not result.sha256:
        check_new(con, result, run.digest)
    if not result.sheets:
        raise InputError(str(run.path), "no data: every sheet is empty")
    finish_kinds(con, rid, run.path, result, max_rejects, run.today or date.today())
    run.digest.check_unchanged()
    _record_release(con, run)
    record_kinds(con, rid, result)


def _load_sources(con: duckdb.DuckDBPyConnection, run: _Run, rid: int) -> None:
    """Insert each sheet, chunk or slice, committing as it goes."""
    register_aliases(con)
    register_facilities(con)
    # 128 bits of the database's random key: key, separator and an identifier then fit
    # one md5 block (a third less time per row than the whole key)
    key = store.id_key(con)[:32]
    done = 0
    plan: Plan | None = None
    result = run.result
    for source in read_sources(con, run.data, run.kind, run.book, str(run.path), run.aor):
        if not result.sha256 and run.digest.done():  # a file loaded before stops here
            check_new(con, result, run.digest)
        room = REJECTS_STORED - result.rejects_stored
        tally = result.kind(source.layout.kind)
        if source.undated:  # a sheet with no date column: every row rejected, with why
            blank, rejected = reject_undated(con, rid, run.path.name, source, room)
            tally.rows_undated += rejected
        else:
            plan = _plan_for(con, run, source, plan)
            blank, rejected = insert_source(con, rid, run.path, source, key, plan, room)
        tally.rows_blank += blank
        tally.rows_rejected += rejected
        result.rows_blank += blank
        result.rows_rejected += rejected
        result.rejects_stored = min(REJECTS_STORED, result.rejects_stored + rejected)
        # DuckDB holds a transaction's appends in memory until it commits: commit each
        # sheet or chunk. This is the writer's private copy (writer.Writer), switched in
        # only when the whole file is in; a failure takes the rows out again (_forget).
        con.execute("COMMIT")
        con.execute("BEGIN TRANSACTION")
        _seen(run, source)
        done += 1
        if run.progress:
            run.progress(source.label or run.path.name, done, source.parts)
    if plan is not None:
        drop(con, plan)


def _plan_for(con: duckdb.DuckDBPyConnection, run: _Run, source: Source, plan: Plan | None
              ) -> Plan:
    """A new plan per sheet; slices of a file and chunks with values share one (chunks of
    one csv share its layout; each sheet has its own)."""
    if plan is None or plan.layout is not source.layout or (
            source.values is None and plan.relation != source.relation):
        if plan is not None:
            drop(con, plan)
        with file_errors(run.path, source):
            return make_plan(con, source)
    if source.values is not None:
        return make_plan(con, source, plan)
    return plan


def _seen(run: _Run, source: Source) -> None:
    result = run.result
    layout = source.layout
    sheet = source.sheet or run.path.name
    if sheet not in result.sheets:
        result.sheets.append(sheet)
    result.rows_read += source.rows
    tally = result.kind(layout.kind)
    tally.rows_read += source.rows
    tally.layouts.add(layout.name)
    tally.date_column = layout.columns.get(layout.date_field, tally.date_column)
    if sheet not in tally.sheets:
        tally.sheets.append(sheet)
    tally.office_from, tally.office_rule = layout.office_from, layout.office_note
    result.columns_mapped.update(layout.mapped())
    result.columns_unmapped = sorted({*result.columns_unmapped, *source.layout.unmapped()})
    result.synthetic = result.synthetic or source.synthetic


def _record_release(con: duckdb.DuckDBPyConnection, run: _Run) -> None:
    r = run.result
    values = {
        "release_id": r.release_id, "file_name": run.path.name, "file_sha256": r.sha256,
        "file_format": r.file_format, "layout": r.layout, "sheets": json.dumps(r.sheets),
        "coverage_start": r.coverage_start, "coverage_end": r.coverage_end,
        "rows_read": r.rows_read, "rows_loaded": r.rows_loaded,
        "rows_rejected": r.rows_rejected, "episodes": r.episodes,
        "ignored_columns": json.dumps(r.columns_unmapped), "synthetic": r.synthetic,
        "columns_mapped": json.dumps(r.columns_mapped),
        "columns_unmapped": json.dumps(r.columns_unmapped), "rows_blank": r.rows_blank,
        "rows_implausible": r.rows_implausible, "compression": r.compression,
    }
    con.execute(f"INSERT INTO releases BY NAME SELECT now() AS loaded_at, "
                f"{', '.join(f'${k} AS {k}' for k in values)}", values)


def check_new(con: duckdb.DuckDBPyConnection, result: IngestResult, digest: Digest) -> None:
    """Stop (``AlreadyLoaded``) when a file with this digest is in the store already."""
    result.sha256 = digest.result()
    if store.fetch_one(con, "SELECT 1 FROM releases WHERE file_sha256 = ?", [result.sha256]):
        raise AlreadyLoaded
