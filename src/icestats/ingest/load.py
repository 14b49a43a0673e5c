"""Load one release file into the store, all or nothing, with provenance on every row."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from icestats import reference, store
from icestats.errors import InputError
from icestats.ingest import normalize as n
from icestats.ingest.episodes import mark_episodes
from icestats.ingest.layout import FIELDS
from icestats.ingest.read import Source, Workbook, detect_format, read_sources, unreadable
from icestats.schema import SECONDARY_DATES, TEXT_FIELDS

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
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    episodes: int = 0
    coverage_start: date | None = None
    coverage_end: date | None = None

    @property
    def records_merged(self) -> int:
        return self.rows_loaded - self.episodes

    def to_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["records_merged"] = self.records_merged
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in d.items()}


def file_sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


class _Digest:
    """A file's SHA-256, computed on a thread while the file is read (hashing a 1.4 GB
    csv takes a second; it releases the GIL). ``result`` waits for it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._value: str | None = None
        self._error: OSError | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = file_sha256(self.path)
        except OSError as exc:
            self._error = exc

    def done(self) -> bool:
        return not self._thread.is_alive()

    def result(self) -> str:
        self._thread.join()
        if self._error is not None:
            raise InputError(str(self.path), f"cannot read file ({self._error.strerror})")
        assert self._value is not None
        return self._value


class _AlreadyLoaded(Exception):
    """The file's digest, known part way through its load, is in the store already."""


def ingest_file(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    *,
    max_rejects: float = DEFAULT_MAX_REJECTS,
    progress: Progress | None = None,
) -> IngestResult:
    """Load ``path``; loading a file already in the store changes nothing."""
    path = Path(path)
    if not path.is_file():
        raise InputError(str(path), "no such file")
    fmt = detect_format(path)
    digest = _Digest(path)
    result = IngestResult(file=path.name, sha256="", file_format=fmt)
    if store.fetch_one(con, "SELECT 1 FROM releases WHERE file_name = ?", [path.name]):
        # a file of this name was loaded: most likely this one again, so the digest
        # decides before anything is read (otherwise it is checked as the chunks load)
        try:
            _check_new(con, result, digest)
        except _AlreadyLoaded:
            result.already_loaded = True
            return result
    book = None
    if fmt == "xlsx":
        book = Workbook(path)
        if _is_detention_workbook(book):
            from icestats.workbooks.load import ingest_workbook, read_grids

            book.close()
            return ingest_workbook(con, path, digest.result(),  # type: ignore[return-value]
                                   read_grids(path))
    threads = store.fetch_one(con, "SELECT current_setting('threads')")[0]  # type: ignore[index]
    if book and len(book.names) > 1:
        con.execute("SET threads = 1")  # the other core parses the next sheet meanwhile
    con.execute("BEGIN TRANSACTION")
    try:
        _load(con, path, result, max_rejects, progress, book, digest)
        con.execute("COMMIT")
    except _AlreadyLoaded:
        _rollback(con)
        if result.release_id is not None:
            _forget(con, result.release_id)
        result = IngestResult(file=path.name, sha256=result.sha256, file_format=fmt,
                              already_loaded=True)
    except BaseException:
        _rollback(con)
        if result.release_id is not None:  # chunks already committed: take them out
            _forget(con, result.release_id)
        raise
    finally:
        con.execute(f"SET threads = {int(threads)}")
        if book:
            book.close()
    return result


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("ROLLBACK")
    con.execute("RESET disabled_optimizers")  # set by _parse_once if an insert failed


def _forget(con: duckdb.DuckDBPyConnection, release_id: int) -> None:
    """Remove every trace of a release whose load failed part way."""
    con.execute("BEGIN TRANSACTION")
    for table in ("arrests", "rejects", "releases"):
        con.execute(f"DELETE FROM {table} WHERE release_id = ?", [release_id])
    store.recompute_day_owner(con)
    con.execute("COMMIT")


def _is_detention_workbook(book: Workbook) -> bool:
    """ICE's detention statistics workbooks are recognized by content (the banners on
    their first sheet), not by file name."""
    from icestats.workbooks.load import is_detention_workbook

    return bool(book.names) and is_detention_workbook([(book.names[0],
                                                        [list(r) for r in book.head(0, 12)])])


def _load(con, path, result, max_rejects, progress, book, digest) -> None:  # noqa: ANN001
    row = store.fetch_one(con, "SELECT coalesce(max(release_id), 0) + 1 FROM releases")
    rid = result.release_id = int(row[0])
    _register_aliases(con)
    # 128 bits of the database's random key: key, separator and an identifier then fit
    # one md5 block (a third less time per row than the whole key)
    key = store.id_key(con)[:32]
    layouts: set[str] = set()
    ignored: set[str] = set()
    done = 0
    plan: _Plan | None = None
    for source in read_sources(con, path, result.file_format, book):
        if not result.sha256 and digest.done():  # a file loaded before stops here
            _check_new(con, result, digest)
        if plan is None or (source.values is None and plan.relation != source.relation):
            if plan is not None:  # (slices of a file and chunks with values share one)
                _drop(con, plan)
            with _file_errors(path, source):
                plan = _plan(con, source)
        elif source.values is not None:
            plan = _plan(con, source, plan)
        _insert_source(con, rid, path, source, key, plan)
        # DuckDB holds a transaction's appends in memory until it commits: commit each
        # sheet or chunk. This is the writer's private copy (store.Writer), switched in
        # only when the whole file is in; a failure takes the rows out again (_forget).
        con.execute("COMMIT")
        con.execute("BEGIN TRANSACTION")
        if (source.sheet or path.name) not in result.sheets:
            result.sheets.append(source.sheet or path.name)
        result.rows_read += source.rows
        layouts.add(source.layout.name)
        ignored.update(source.layout.ignored)
        done += 1
        if progress:
            progress(source.label or path.name, done, source.parts)
    if plan is not None:
        _drop(con, plan)
    if book is not None:
        result.empty_sheets = [s for s in book.names if s not in result.sheets]
    if not result.sha256:
        _check_new(con, result, digest)
    if not result.sheets:
        raise InputError(str(path), "no data: every sheet is empty")
    _check_rejects(con, rid, path, result, max_rejects)
    result.episodes = mark_episodes(con, rid)
    cov = store.fetch_one(
        con, "SELECT min(apprehension_date), max(apprehension_date), count(*) FROM arrests "
        "WHERE release_id = ?", [rid])
    result.coverage_start, result.coverage_end, result.rows_loaded = cov
    if not result.rows_loaded:
        raise InputError(str(path), "no loadable rows (every row was rejected)")
    result.layout = "+".join(sorted(layouts))
    con.execute(
        "INSERT INTO releases VALUES (?, ?, ?, ?, ?, ?, now(), ?, ?, ?, ?, ?, ?, ?)",
        [rid, path.name, result.sha256, result.file_format, result.layout,
         json.dumps(result.sheets), result.coverage_start, result.coverage_end,
         result.rows_read, result.rows_loaded, result.rows_rejected, result.episodes,
         json.dumps(sorted(ignored))])
    store.recompute_day_owner(con)


def _check_new(con: duckdb.DuckDBPyConnection, result: IngestResult, digest: _Digest) -> None:
    """Stop (``_AlreadyLoaded``) when a file with this digest is in the store already."""
    result.sha256 = digest.result()
    if store.fetch_one(con, "SELECT 1 FROM releases WHERE file_sha256 = ?", [result.sha256]):
        raise _AlreadyLoaded


def _register_aliases(con: duckdb.DuckDBPyConnection) -> None:
    aliases = reference.aor_aliases()
    con.execute("CREATE OR REPLACE TEMP TABLE aor_alias AS "
                "SELECT unnest($key) AS key, unnest($code) AS code",
                {"key": list(aliases), "code": list(aliases.values())})


def _col(source: Source, name: str, alias: str = "") -> str:
    return alias + name if name in source.layout.columns else "CAST(NULL AS VARCHAR)"


def _value_columns(c) -> list[tuple[str, str, str]]:  # noqa: ANN001
    """(output column, source field, SQL over that field) for the columns whose value
    depends on one source cell alone: text fields, secondary dates, birth year, and
    whether the method marks a reprocessed record."""
    aor = c("aor")
    out = [
        ("aor", "aor", f"CASE WHEN {n.blank_sql(aor)} OR {n.redacted_sql(aor)} THEN "
                       f"'{reference.UNKNOWN}' ELSE coalesce(a.code, '{reference.UNKNOWN}') END"),
        ("aor_status", "aor", f"CASE WHEN {n.blank_sql(aor)} THEN 'blank' "
                              f"WHEN {n.redacted_sql(aor)} THEN 'redacted' "
                              f"WHEN a.code IS NULL THEN 'unrecognized' ELSE 'ok' END"),
        ("aor_raw", "aor", f"CASE WHEN a.code IS NULL AND NOT {n.blank_sql(aor)} "
                           f"THEN trim({aor}) END"),
    ]
    out += [(f, f, n.criminality_sql(c(f)) if f == "criminality" else n.text_sql(c(f)))
            for f in TEXT_FIELDS]
    for f in SECONDARY_DATES:
        value, raw = n.secondary_date_sql(c(f))
        out += [(f, f, value), (f"{f}_raw", f, raw)]
    value, raw = n.birth_year_sql(c("birth_year"))
    out += [("birth_year", "birth_year", value), ("birth_year_raw", "birth_year", raw)]
    return out + [("reprocessed", "method",
                   f"coalesce(trim({c('method')}) ILIKE 'ERO Reprocessed Arrest', false)")]


@dataclass
class _Plan:
    """How each one-cell output column is read from a source row ``s``. A file read in
    chunks keeps one plan, each chunk adding only the values it brings that are new."""

    relation: str
    exprs: dict[str, str] = field(default_factory=dict)
    joins: dict[str, str] = field(default_factory=dict)  # source field -> its join
    tables: list[str] = field(default_factory=list)
    seen: dict[str, frozenset[str | None]] = field(default_factory=dict)  # field -> values


def _drop(con: duckdb.DuckDBPyConnection, plan: _Plan) -> None:
    for table in plan.tables:
        con.execute(f"DROP TABLE IF EXISTS {table}")


def _plan(con: duckdb.DuckDBPyConnection, source: Source, plan: _Plan | None = None) -> _Plan:
    """Normalize the one-cell columns once per distinct value (they hold few), then choose
    per output column the cheapest exact way to fill it from a row: the source column
    itself when normalization changes none of its values (the common case), a membership
    test for a flag, else a join to the normalized distinct values (a hash probe: cheaper
    per row than any CASE). The rules are the SQL of ``_value_columns``, applied to the
    distinct values: read from the source, or, for chunks that arrive with their values
    (``Source.values``), the values so far, redone only for columns with new ones."""
    plan = plan or _Plan(source.relation)
    by_field: dict[str, list[tuple[str, str]]] = {}
    for name, fld, expr in _value_columns(lambda f: "v"):
        if fld in source.layout.columns:
            by_field.setdefault(fld, []).append((name, expr))
    for fld, outputs in by_field.items():
        table = f"values_{fld}"
        params = None
        values = source.values.get(fld) if source.values is not None else None
        if values is None:
            distinct = f"SELECT DISTINCT {fld} AS v FROM {source.relation}"
        else:
            known = plan.seen.get(fld)
            if known is not None and values <= known:
                continue  # nothing new: the plan holds for this column
            plan.seen[fld] = values | (known or frozenset())
            distinct = "SELECT unnest(CAST($v AS VARCHAR[])) AS v"
            params = {"v": list(plan.seen[fld])}
        exprs = ", ".join(f"{expr} AS {name}" for name, expr in outputs)
        spellings = (f"LEFT JOIN aor_alias a ON a.key = {reference.aor_key_sql('v')}"
                     if fld == "aor" else "")
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT v, {exprs} FROM "
                    f"({distinct}) {spellings}", params)
        if table not in plan.tables:
            plan.tables.append(table)
        # per output: does it hold any value (a flag: any true); is it the source value
        # itself (text only)
        checks = ", ".join(
            (f"coalesce(bool_or({name}), false), " if name in _FLAG_OUTPUTS
             else f"count({name}) > 0, ")
            + (f"bool_and({name} IS NOT DISTINCT FROM v)" if name in _TEXT_OUTPUTS else "false")
            for name, _expr in outputs)
        row = store.fetch_one(con, f"SELECT {checks} FROM {table}")
        assert row is not None
        plan.joins.pop(fld, None)
        for k, (name, _expr) in enumerate(outputs):
            any_value, same = row[2 * k], row[2 * k + 1]
            if name in _FLAG_OUTPUTS:  # a membership test: cheaper per row than a join
                plan.exprs[name] = (f"coalesce(s.{fld} IN (SELECT v FROM {table} "
                                    f"WHERE {name}), false)" if any_value else "false")
            elif not any_value:
                plan.exprs[name] = "NULL"
            elif same:
                plan.exprs[name] = f"s.{fld}"
            else:
                plan.exprs[name] = f"d_{fld}.{name}"
                plan.joins[fld] = (f"LEFT JOIN {table} d_{fld} ON s.{fld} IS NOT DISTINCT FROM "
                                   f"d_{fld}.v")
    return plan


_TEXT_OUTPUTS = frozenset({"aor", *TEXT_FIELDS})  # outputs of the same type as the source
_FLAG_OUTPUTS = frozenset({"reprocessed"})  # true or false, never NULL


def _arrest_columns(source: Source, plan: _Plan) -> list[tuple[str, str]]:
    """(column, SQL expression) pairs that turn a source row ``s`` (``_per_row``) into an
    arrests row."""
    c = lambda name: _col(source, name, "s.")  # noqa: E731
    cols = [
        ("release_id", "$rid"), ("sheet", "$sheet"), ("sheet_no", "$sheet_no"),
        ("source_row", "s.__row"), ("apprehension_at", "s.__ts"),
        ("apprehension_date", "CAST(s.__ts AS DATE)"),
    ]
    cols += [(name, plan.exprs.get(name, "false" if name in _FLAG_OUTPUTS else "NULL"))
             for name, _fld, _expr in _value_columns(c)]
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


def _per_row(source: Source) -> str:
    """The source relation with the per-row values every later expression reads."""
    c = lambda name: _col(source, name)  # noqa: E731
    ident = c("identifier")
    id_state = (f"CASE WHEN {n.blank_sql(ident)} THEN 'blank' "
                f"WHEN {n.redacted_sql(ident)} THEN 'redacted' ELSE 'present' END")
    return (f"(SELECT *, {_timestamp(source)} AS __ts, {id_state} AS __id "
            f"FROM {source.relation} WHERE {source.where}) s")


def _timestamp(source: Source) -> str:
    col = _col(source, "apprehension_date")
    return f"CAST({col} AS TIMESTAMP)" if source.typed_date else n.timestamp_sql(col)


def _insert_source(con, rid: int, path: Path, source: Source, key: str, plan: _Plan  # noqa: ANN001
                   ) -> None:
    date_ok = f"(s.__ts IS NOT NULL AND {n.in_range_sql('s.__ts', n.PRIMARY_RANGE)})"
    select = ", ".join(f"{expr} AS {name}" for name, expr in _arrest_columns(source, plan))
    with _file_errors(path, source), _parse_once(con, source):
        row = con.execute(
            f"INSERT INTO arrests BY NAME SELECT {select} FROM {_per_row(source)} "
            f"{' '.join(plan.joins.values())} WHERE {date_ok}",
            {"rid": rid, "sheet": source.sheet, "sheet_no": source.sheet_no, "key": key}
        ).fetchall()
    if row[0][0] < source.rows:  # some rows have no usable date: record each
        _insert_rejects(con, rid, path.name, source, date_ok)


@contextmanager
def _parse_once(con: duckdb.DuckDBPyConnection, source: Source) -> Iterator[None]:
    """Text dates are parsed once per row. DuckDB would otherwise parse twice: pushing the
    date filter below the projection that computes ``__ts`` copies the parse into the
    filter, and hoisting common subexpressions computes ``trim`` of every date although
    the first, untrimmed try almost always succeeds. (Not for a parquet view: its row
    filter must be pushed down to skip row groups, and its dates are typed.)"""
    if source.table is None:
        yield
        return
    con.execute("SET disabled_optimizers = 'filter_pushdown,common_subexpressions'")
    yield  # (if the insert fails, _rollback resets it: not before the rollback)
    con.execute("RESET disabled_optimizers")


@contextmanager
def _file_errors(path: Path, source: Source) -> Iterator[None]:
    """DuckDB reads a parquet file while the statement runs: its errors (damaged pages,
    bad metadata) are the file's, reported as one line. Errors in our own SQL are not."""
    try:
        yield
    except (duckdb.BinderException, duckdb.ParserException, duckdb.CatalogException,
            duckdb.ConstraintException):
        raise
    except duckdb.Error as exc:
        if source.table is not None:  # a sheet or chunk already in memory
            raise
        raise unreadable(path, exc) from None


def _insert_rejects(con, rid: int, file_name: str, source: Source, date_ok: str) -> None:  # noqa: ANN001
    c = lambda name: _col(source, name, "s.")  # noqa: E731
    when = f"{c('apprehension_date')} IS NULL" if source.typed_date else \
        n.blank_sql(c("apprehension_date"))
    blank_row = " AND ".join([n.blank_sql(c(f)) for f in FIELDS if f in source.layout.columns
                              and f != "apprehension_date"] + [when])
    redacted = "" if source.typed_date else \
        f"WHEN {n.redacted_sql(c('apprehension_date'))} THEN 'redacted apprehension date' "
    reason = (f"CASE WHEN {blank_row} THEN 'blank row' "
              f"WHEN {when} THEN 'missing apprehension date' {redacted}"
              f"WHEN s.__ts IS NULL THEN 'unparseable apprehension date' "
              f"ELSE 'apprehension date out of range' END")
    con.execute(
        f"""
        INSERT INTO rejects
        SELECT $rid, $file, $sheet, s.__row, $column, {reason},
               left(CAST({c('apprehension_date')} AS VARCHAR), 200)
        FROM {_per_row(source)}
        WHERE NOT coalesce({date_ok}, false)
        """,
        {"rid": rid, "file": file_name, "sheet": source.sheet,
         "column": source.layout.columns["apprehension_date"]},
    )


def _check_rejects(con, rid: int, path: Path, result: IngestResult, limit: float) -> None:  # noqa: ANN001
    rows = con.execute(
        "SELECT sheet, source_row, column_name, reason, raw_value, "
        "count(*) FILTER (WHERE reason <> 'blank row') OVER (), count(*) OVER () "
        "FROM rejects WHERE release_id = ? ORDER BY reason = 'blank row', sheet, source_row "
        "LIMIT 1", [rid]).fetchall()
    if not rows:
        return
    sheet, row, column, reason, raw, bad, rejected = rows[0]
    result.rows_rejected = int(rejected)
    if bad and bad > limit * max(result.rows_read, 1):
        shown = f"'{raw}'" if raw is not None else "empty cell"
        raise InputError(
            str(path),
            f"{reason} ({shown}; expected a date such as 2025-01-31 14:05:00); {bad:,} of "
            f"{result.rows_read:,} rows have no usable apprehension date, more than the "
            f"{limit:.1%} allowed (--max-rejects)",
            sheet=sheet, row=row, column=column)
