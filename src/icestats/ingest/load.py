"""Load one release file into the store, all or nothing, with provenance on every row:
the transaction, its rollback, and the release row."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from icestats import store
from icestats.errors import InputError
from icestats.ingest.dates import set_aside
from icestats.ingest.digest import AlreadyLoaded, Digest
from icestats.ingest.episodes import mark_episodes
from icestats.ingest.plan import Plan, drop, make_plan, register_aliases
from icestats.ingest.read import read_sources
from icestats.ingest.rows import REJECTS_STORED, file_errors, insert_source
from icestats.ingest.sources import Kind, Source
from icestats.xlsx import Workbook

DEFAULT_MAX_REJECTS = 0.01
Progress = Callable[[str, int, int | None], None]  # (what, parts done, parts or None)


@dataclass
class IngestResult:
    file: str
    sha256: str
    already_loaded: bool = False
    release_id: int | None = None
    file_format: str = ""
    layout: str = ""
    sheets: list[str] = field(default_factory=list)
    empty_sheets: list[str] = field(default_factory=list)
    notes_sheets: list[str] = field(default_factory=list)  # notes/README sheets, not loaded
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    episodes: int = 0
    coverage_start: date | None = None
    coverage_end: date | None = None
    compression: str = "none"  # the wrapper the file came in: none, gzip, zstd, zip
    synthetic: bool = False  # the file says it was generated (icestats' banner/properties)
    columns_mapped: dict[str, str] = field(default_factory=dict)  # source column -> field
    columns_unmapped: list[str] = field(default_factory=list)  # source columns not stored
    rows_blank: int = 0  # rows with no value at all: skipped, counted, not stored
    rows_implausible: int = 0  # of rows_rejected: dates that cannot be true (ingest.dates)
    rejects_stored: int = 0  # of rows_rejected: rows stored in rejects (at most 10,000)

    @property
    def records_merged(self) -> int:
        return self.rows_loaded - self.episodes

    def to_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["records_merged"] = self.records_merged
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in d.items()}


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
    layouts: set[str] = field(default_factory=set)


def ingest_release(con: duckdb.DuckDBPyConnection, path: Path, *, kind: Kind,
                   digest: Digest, data: Path | None = None, book: Workbook | None = None,
                   max_rejects: float = DEFAULT_MAX_REJECTS,
                   progress: Progress | None = None, compression: str | None = None,
                   today: date | None = None) -> IngestResult:
    """Load the arrest release ``path`` (read from ``data``, ``path`` itself unless it is
    unwrapped from a zip); loading a file already in the store changes nothing. ``today``
    is the day of loading (records dated after it are set aside; default: today)."""
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
    run = _Run(path, data or path, kind, result, digest, book, progress, today)
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
    for table in ("arrests", "rejects", "releases"):
        con.execute(f"DELETE FROM {table} WHERE release_id = ?", [release_id])
    store.recompute_day_owner(con)
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
    check_rejects(con, rid, run.path, result, max_rejects)
    column = next((s for s, f in result.columns_mapped.items() if f == "apprehension_date"), "")
    result.rows_implausible = set_aside(con, rid, run.path.name, column,
                                        run.today or date.today(),
                                        REJECTS_STORED - result.rejects_stored)
    result.rows_rejected += result.rows_implausible
    result.rejects_stored = min(REJECTS_STORED, result.rejects_stored + result.rows_implausible)
    check_rejects(con, rid, run.path, result, max_rejects)  # dates that cannot be true too
    result.episodes = mark_episodes(con, rid)
    cov = store.fetch_one(
        con, "SELECT min(apprehension_date), max(apprehension_date), count(*) FROM arrests "
        "WHERE release_id = ?", [rid])
    assert cov is not None
    result.coverage_start, result.coverage_end, result.rows_loaded = cov
    if not result.rows_loaded:
        raise InputError(str(run.path), "no loadable rows (every row was rejected)")
    result.layout = "+".join(sorted(run.layouts))
    run.digest.check_unchanged()
    _record_release(con, run)
    store.recompute_day_owner(con)


def _load_sources(con: duckdb.DuckDBPyConnection, run: _Run, rid: int) -> None:
    """Insert each sheet, chunk or slice, committing as it goes."""
    register_aliases(con)
    # 128 bits of the database's random key: key, separator and an identifier then fit
    # one md5 block (a third less time per row than the whole key)
    key = store.id_key(con)[:32]
    done = 0
    plan: Plan | None = None
    result = run.result
    for source in read_sources(con, run.data, run.kind, run.book, str(run.path)):
        if not result.sha256 and run.digest.done():  # a file loaded before stops here
            check_new(con, result, run.digest)
        plan = _plan_for(con, run, source, plan)
        blank, rejected = insert_source(con, rid, run.path, source, key, plan,
                                        REJECTS_STORED - result.rejects_stored)
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
    if (source.sheet or run.path.name) not in result.sheets:
        result.sheets.append(source.sheet or run.path.name)
    result.rows_read += source.rows
    run.layouts.add(source.layout.name)
    result.columns_mapped.update(source.layout.mapped())
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


def check_rejects(con: duckdb.DuckDBPyConnection, rid: int, path: Path, result: IngestResult,
                  limit: float) -> None:
    """Refuse the file when more than ``limit`` of its rows have no usable date: missing,
    unreadable, or (checked again once they are known) dates that cannot be true (see
    ingest.dates). Blank rows do not count."""
    bad = result.rows_rejected
    if not bad or bad <= limit * max(result.rows_read, 1):
        return
    rows = con.execute(
        "SELECT sheet, source_row, column_name, reason, raw_value FROM rejects "
        "WHERE release_id = ? ORDER BY sheet, source_row LIMIT 1", [rid]).fetchall()
    sheet, row, column, reason, raw = rows[0]
    shown = f"'{raw}'" if raw is not None else "empty cell"
    raise InputError(
        str(path),
        f"{reason} ({shown}; expected a date such as 2025-01-31 14:05:00); {bad:,} of "
        f"{result.rows_read:,} rows have no usable apprehension date (missing, unreadable "
        f"or one that cannot be true), more than the {limit:.1%} allowed (--max-rejects)",
        sheet=sheet, row=row, column=column)
