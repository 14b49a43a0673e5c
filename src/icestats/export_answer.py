"""``icestats export NAME``: an answer's tables written to csv, tsv, json, parquet or xlsx,
each through ``exports.atomic_output`` (a temporary name, renamed when complete).

csv and tsv hold one table (the answer's first main table, or ``--part``) as
``--format csv`` prints it, and nothing else: the source, the question and each column's
label and unit go to a sidecar ``FILE.source.json`` beside it. json is the whole answer
(``--json``); parquet one table with the source in its schema metadata; xlsx one flat
sheet per table (every cell one value: a list of records becomes a sheet of its own,
a list of values one text) and a ``source`` sheet saying REAL or GENERATED and which
files. Text cells are neutralized as in every csv (``exports.neutralize``).
"""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from icestats.errors import UsageError
from icestats.exports import atomic_output, neutralize

if TYPE_CHECKING:
    import pyarrow as pa

    from icestats.answers import Answer, DailyAnswer

FORMATS = ("csv", "tsv", "json", "parquet", "xlsx")


def file_format(path: Path, fmt: str | None) -> str:
    """The format asked for, else the one the file's suffix names."""
    chosen = (fmt or path.suffix.lstrip(".")).lower()
    if chosen not in FORMATS:
        raise UsageError(f"unknown format '{chosen or path.name}' (expected one of "
                         f"{', '.join(FORMATS)}; give --format or a file suffix)")
    return chosen


def write_answer(answer: Answer, path: Path, fmt: str, db: str,
                 table: str | None = None) -> str:
    """Write ``answer`` to ``path``; returns what was written, for the user."""
    from icestats.answer_tables import flat_tables, main_tables, tables
    from icestats.render import formats

    have = tables(answer)
    if table is not None and table not in have:
        raise UsageError(f"unknown --part '{table}' (this answer has: {', '.join(have)})")
    name = table or main_tables(answer)[0]
    with atomic_output(path) as tmp:
        if fmt in ("csv", "tsv", "json"):
            text = formats.render(answer, fmt, db, [name])
            tmp.write_text(text, encoding="utf-8", newline="")
        elif fmt == "parquet":
            _parquet(_ordered(answer, name, have[name]), answer, db, tmp)
        else:
            sheets = {n: _ordered(answer, n, t) for n, t in flat_tables(answer).items()}
            _xlsx(sheets, answer, db, tmp)
    if fmt in ("csv", "tsv"):
        with atomic_output(sidecar(path)) as tmp:
            tmp.write_text(_sidecar(answer, name, db, path), encoding="utf-8")
    if fmt == "json":
        return f"the {answer.question} answer"
    if fmt == "xlsx":
        return f"{len(sheets)} tables ({', '.join(sheets)}) and a source sheet"
    return (f"{have[name].num_rows:,} rows of table '{name}'"
            + (f", its source in {sidecar(path).name}" if fmt in ("csv", "tsv") else ""))


def sidecar(path: Path) -> Path:
    """Where a csv or tsv file's source goes: ``FILE.source.json`` beside it."""
    return path.with_name(f"{path.name}.source.json")


def _sidecar(answer: Answer, name: str, db: str, path: Path) -> str:
    from icestats.jsonout import dumps
    from icestats.render.shown import described

    s = answer.source
    meta = {"file": path.name, "table": name, "question": answer.question,
            "data": "GENERATED" if s.synthetic else "REAL" if s.synthetic is False else None,
            "source": formats_source(answer), **s.to_dict(), "count": answer.count,
            "scope": answer.scope, "method": answer.method or None, "database": db,
            "columns": described(answer, name)}
    meta.pop("text", None)
    return dumps(meta)


def write_daily_sidecar(answer: DailyAnswer, table: pa.Table, path: Path, db: str) -> Path:
    """``export daily``'s csv or tsv source, as ``write_answer``'s: what each column holds,
    at which grain, from which files, REAL or GENERATED."""
    from icestats.jsonout import dumps

    kind = answer.window.slice.kind if answer.window else "arrests"
    what = answer.count_column.replace("_", "-")
    units = {"date": "day", "source_file": "the release file counted for the day",
             "synthetic": "true: that file is generated, not real ICE data",
             answer.count_column: f"{what} on the day" + (
                 " at the office (every office the day's file has a record of; 0: none)"
                 if answer.by == "aor" else f" by {answer.by}" if answer.by else
                 " (the nation)" if not answer.aor else f" at {answer.aor}")}
    if answer.by:
        units[answer.by] = "field office code" if answer.by == "aor" else answer.by
    s = answer.source
    meta = {"file": path.name, "table": "rows", "question": "daily", "kind": kind,
            "grain": "day" + (f" x {answer.by}" if answer.by else ""),
            "office": answer.aor, "from": answer.start, "to": answer.end,
            "data": "GENERATED" if s.synthetic else "REAL" if s.synthetic is False else None,
            "source": formats_source(answer), **s.to_dict(), "count": answer.count,
            "scope": answer.scope, "method": answer.method or None, "database": db,
            "columns": [{"name": c, "unit": units.get(c)} for c in table.column_names]}
    meta.pop("text", None)
    with atomic_output(sidecar(path)) as tmp:
        tmp.write_text(dumps(meta), encoding="utf-8")
    return sidecar(path)


def _ordered(answer: Answer, name: str, table: pa.Table) -> pa.Table:
    from icestats.render.shown import file_table

    return file_table(answer, name, table)


def source_rows(answer: Answer, db: str) -> list[tuple[str, str]]:
    s = answer.source
    kind = "GENERATED" if s.synthetic else "REAL" if s.synthetic is False else "unknown"
    rows = [("data", kind), ("source", formats_source(answer)), ("question", answer.question),
            ("count", answer.count), ("scope", answer.scope), ("database", db)]
    rows += [("release file", f"{n} ({'GENERATED' if g else 'REAL' if g is False else '?'})")
             for n, g in s.releases]
    rows += [("workbook", f"{w} (REAL)") for w in s.workbooks]
    if answer.method:
        rows.append(("method", answer.method))
    return rows


def formats_source(answer: Answer) -> str:
    from icestats.render.formats import source_text

    return source_text(answer)


def _parquet(table: pa.Table, answer: Answer, db: str, tmp: Path) -> None:
    import pyarrow.parquet as pq

    meta: dict[str, str] = {}
    for k, v in source_rows(answer, db):  # (several release files: one key, "; " between)
        key = f"icestats.{k.replace(' ', '_')}"
        meta[key] = f"{meta[key]}; {v}" if key in meta else v
    pq.write_table(table.replace_schema_metadata({**(table.schema.metadata or {}), **meta}),
                   tmp)


def _xlsx(have: dict[str, pa.Table], answer: Answer, db: str, tmp: Path) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False,
                                          "strings_to_urls": False,
                                          "strings_to_numbers": False})
    bold, day = book.add_format({"bold": True}), book.add_format({"num_format": "yyyy-mm-dd"})
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    src = book.add_worksheet("source")
    for r, (k, v) in enumerate(source_rows(answer, db)):
        src.write_string(r, 0, k, bold)
        src.write_string(r, 1, neutralize(v) or "")
    for name, t in have.items():
        sheet = book.add_worksheet(_sheet_name(name))
        sheet.freeze_panes(1, 0)
        for c, col in enumerate(t.column_names):
            sheet.write_string(0, c, col, bold)
            for r, v in enumerate(t[col].to_pylist(), start=1):
                _cell(sheet, r, c, v, day, stamp)
    book.close()


def _cell(sheet: object, r: int, c: int, v: object, day: object, stamp: object) -> None:
    ws = sheet  # an xlsxwriter Worksheet (untyped)
    if v is None:
        return
    if isinstance(v, bool):
        ws.write_boolean(r, c, v)  # type: ignore[attr-defined]
    elif isinstance(v, int | float) and math.isfinite(v):
        ws.write_number(r, c, v)  # type: ignore[attr-defined]
    elif isinstance(v, datetime):
        ws.write_datetime(r, c, v.replace(tzinfo=None), stamp)  # type: ignore[attr-defined]
    elif isinstance(v, date):
        ws.write_datetime(r, c, datetime(v.year, v.month, v.day), day)  # type: ignore[attr-defined]
    else:
        ws.write_string(r, c, neutralize(str(v)) or "")  # type: ignore[attr-defined]


def _sheet_name(name: str) -> str:
    """A worksheet name Excel accepts: 31 characters, none of []:*?/\\."""
    import re

    return re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "table"
