"""Load one count table: read, recognize (or take the declared form), tidy, check, store;
all in one transaction (a file loads whole or not at all)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from icestats.counts import read, tidy, vintages
from icestats.counts.forms import Declared, Form, detect
from icestats.errors import InputError
from icestats.store import fetch_one

if TYPE_CHECKING:
    from icestats.xlsx import Workbook

_UNMAPPED = {"derived": "derived from the others: shares, rates, year to date",
             "geo_name": "the same areas by another name", "row_number": "row numbers",
             "month_label": "the month's name, as in the date column"}
REJECTS_STORED = 10_000


@dataclass
class CountResult:
    file: str
    sha256: str
    already_loaded: bool = False
    table_id: int | None = None
    form: str = ""
    kind: str = ""
    grain: str = ""
    week_start: str | None = None
    geo: str = ""
    area: str | None = None
    dims: list[str] = field(default_factory=list)
    coverage_start: date | None = None
    coverage_end: date | None = None
    rows_read: int = 0
    values: int = 0
    not_reported: int = 0
    rows_rejected: int = 0
    vintages: int = 0
    vintages_relabelled: int = 0
    vintages_rejected: int = 0
    synthetic: bool = False
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["what"] = "count table"
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in d.items()}


def recognize(con: duckdb.DuckDBPyConnection, path: Path, fmt: str, book: Workbook | None,
              declared: Declared, name: str, compression: str = "none") -> Form | None:
    """The file's form when it is a count table (from its header, or declared); reads the
    first rows only. A file this reader cannot read is not a count table unless options
    declare one (the release loader then reads it, or says why it cannot)."""
    try:
        table, _ = read.raw(con, path, fmt, book, limit=read.HEADER_SEARCH + 1,
                            compression=compression)
    except InputError:
        if declared.forces():
            raise
        return None
    found = read.header(table)
    if found is None:
        if declared.forces():
            raise InputError(name, "no header row found (a row of two or more column names)")
        return None
    try:
        return detect(found[0], name, declared)
    except InputError as exc:
        if str(exc).startswith(": "):  # (raised without the file's name)
            raise InputError(name, str(exc)[2:]) from None
        raise


def ingest_counts(con: duckdb.DuckDBPyConnection, path: Path, sha: str, fmt: str,
                  book: Workbook | None, form: Form, name: str,
                  compression: str = "none") -> CountResult:
    """Load ``path`` as a count table of ``form``; nothing changes when it fails."""
    result = CountResult(file=name, sha256=sha)
    if fetch_one(con, "SELECT 1 FROM count_tables WHERE file_sha256 = ?", [sha]):
        result.already_loaded = True
        return result
    table, sheet = read.raw(con, path, fmt, book, compression=compression)
    found = read.header(table)
    assert found is not None
    frame = read.register(con, table, found[0], found[1], fmt)
    result.synthetic = read.synthetic(con, table, found[1], path, fmt)
    try:
        rejects, decided = _tidy(con, form, name)
        con.execute("BEGIN TRANSACTION")
        try:
            _store(con, result, form, frame, sheet, rejects, decided, fmt)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    finally:
        _forget(con)
    return result


def _forget(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the load's temporary tables and registered relations."""
    for table in (tidy.RAW, tidy.TIDY):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    for rel in (read.RELATION, "count_area_names"):
        try:
            con.unregister(rel)
        except duckdb.Error:
            pass


def _tidy(con: duckdb.DuckDBPyConnection, form: Form, name: str
          ) -> tuple[list[tuple[int, str, str, str]], list[vintages.Vintage]]:
    tidy.build_raw(con, form)
    tidy.parse(con, form, name)
    rejects = tidy.rejects(con, form)
    decided: list[vintages.Vintage] = []
    if form.vintage == "ddp-detention":
        decided = vintages.apply(con)
        rejects += _rejected_vintages(con, decided)
        tidy.refuse_duplicates(con, name, "vintage_seq")
    elif form.vintage == "column":
        decided = vintages.by_column(con, name)
        tidy.refuse_duplicates(con, name, "vintage_seq")
    else:
        con.execute(f"ALTER TABLE {tidy.TIDY} ADD COLUMN vintage_seq INTEGER")
        tidy.refuse_duplicates(con, name, "vintage_seq")
    tidy.caveats(con, form)
    return rejects, decided


def _rejected_vintages(con: duckdb.DuckDBPyConnection, decided: list[vintages.Vintage]
                       ) -> list[tuple[int, str, str, str]]:
    notes = {(v.file_date, v.pull_date, v.label): v.note for v in decided
             if v.status == "rejected"}
    rows = con.execute(f"""SELECT __row, col, TRY_CAST(vintage_file AS DATE),
                                  TRY_CAST(vintage_pull AS DATE), TRY_CAST(fy_label AS INTEGER),
                                  v FROM {tidy.TIDY} WHERE vintage_seq IS NULL
                           ORDER BY __row""").fetchall()
    con.execute(f"DELETE FROM {tidy.TIDY} WHERE vintage_seq IS NULL")
    return [(r, c, f"vintage of {f} (pull date {p}) {notes[(f, p, label)]}", v)
            for r, c, f, p, label, v in rows]


def _store(con: duckdb.DuckDBPyConnection, result: CountResult, form: Form, frame: read.Frame,
           sheet: str | None, rejects: list[tuple[int, str, str, str]],
           decided: list[vintages.Vintage], fmt: str) -> None:
    row = fetch_one(con, "SELECT coalesce(max(table_id), 0) + 1 FROM count_tables")
    assert row is not None
    tid = result.table_id = int(row[0])
    con.execute(f"""INSERT INTO count_values
        SELECT ?, ?, ?, period_start, period_end, ?, geo, dims, vintage_seq, value,
               coalesce(missing, caveat), ?, __row, col FROM {tidy.TIDY}""",
                [tid, form.kind, form.grain, form.geo, sheet])
    _populations(con, tid, form)
    for v in decided:
        con.execute("INSERT INTO count_vintages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [tid, v.seq, v.as_of, v.file_date, v.pull_date, v.fiscal_year, v.label,
                     v.status, v.note])
    if rejects:
        con.executemany("INSERT INTO count_rejects VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [[tid, result.file, sheet, r, c, why, raw]
                         for r, c, why, raw in rejects[:REJECTS_STORED]])
    _summarize(con, result, form, frame, rejects, decided)
    con.execute("INSERT INTO count_tables VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now(), "
                "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [tid, result.file, result.sha256, fmt, form.name, _describe(form, result),
                 form.kind, form.grain, result.week_start, form.geo, form.area,
                 json.dumps(form.dims), result.synthetic, result.coverage_start,
                 result.coverage_end, result.rows_read,
                 result.values, result.not_reported, result.rows_rejected, result.vintages,
                 json.dumps(_mapped(form)), json.dumps(_unmapped(form)),
                 json.dumps(form.notes), json.dumps(_declared(form))])


def _populations(con: duckdb.DuckDBPyConnection, tid: int, form: Form) -> None:
    cols = list(form.roles)
    for c, role in form.roles.items():
        if role.startswith("population:"):
            con.execute(f"""INSERT INTO count_populations
                SELECT ?, ?, t.geo, ?, TRY_CAST(s.c{cols.index(c)} AS DOUBLE), s.__row, ?
                FROM {read.RELATION} s JOIN (SELECT DISTINCT __row, geo FROM {tidy.TIDY}) t
                USING (__row)""", [tid, form.geo, role.split(":", 1)[1], c])


def _summarize(con: duckdb.DuckDBPyConnection, result: CountResult, form: Form,
               frame: read.Frame, rejects: list[tuple[int, str, str, str]],
               decided: list[vintages.Vintage]) -> None:
    row = fetch_one(con, f"""SELECT min(period_start) FILTER (WHERE value IS NOT NULL),
        max(period_end) FILTER (WHERE value IS NOT NULL), count(*) FILTER (WHERE value IS NOT
        NULL), count(*) FILTER (WHERE value IS NULL), min(dayname(period_start))
        FROM {tidy.TIDY}""")
    assert row is not None
    result.coverage_start, result.coverage_end, result.values, result.not_reported = row[:4]
    result.week_start = row[4] if form.grain == "week" else None
    result.rows_read, result.rows_rejected = frame.rows, len({r for r, *_ in rejects})
    result.form, result.kind, result.grain, result.geo = form.name, form.kind, form.grain, \
        form.geo
    result.area, result.dims, result.notes = form.area, list(form.dims), list(form.notes)
    result.vintages = sum(v.status != "rejected" for v in decided)
    result.vintages_relabelled = sum(v.status == "relabelled" for v in decided)
    result.vintages_rejected = sum(v.status == "rejected" for v in decided)


def _mapped(form: Form) -> dict[str, str]:
    return {c: r for c, r in form.roles.items() if r not in _UNMAPPED}


def _unmapped(form: Form) -> list[str]:
    return [f"{c or '(unnamed)'} ({_UNMAPPED[r]})" for c, r in form.roles.items()
            if r in _UNMAPPED]


def _declared(form: Form) -> dict[str, object]:
    return {"start": form.start and form.start.isoformat(),
            "end": form.end and form.end.isoformat(), "na_zero": form.na_zero}


def _describe(form: Form, result: CountResult) -> str:
    """'arrests by week (from Sunday), national'; 'book_ins by month and arresting_agency,
    national; 132 vintages'."""
    grain = {"period": "one period", "fy": "fiscal year"}.get(form.grain, form.grain)
    if result.week_start:
        grain += f" (from {result.week_start})"
    where = form.geo if form.area is None else f"{form.geo} {form.area}"
    return f"{form.kind} by {' and '.join([grain, *form.dims])}, {where}" + (
        f"; {result.vintages} vintages" if result.vintages else "")
