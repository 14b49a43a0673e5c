"""Exploration: ``icestats sql`` over the read-only views, ``icestats export NAME`` for
every answer (the question's own options, written to a file) and ``export datasette``."""

from __future__ import annotations

import inspect
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from icestats.commands.base import (
    DEFAULT_DB,
    Db,
    Fmt,
    Json,
    app,
    console,
    emit,
    export_app,
    handle_errors,
)
from icestats.commands.build import KW, command_help, common, options, register
from icestats.commands.questions import ask
from icestats.questions import QUESTIONS, Question

Out = Annotated[Path, typer.Option("-o", "--out", help="File to write (.csv, .tsv, .json, "
                                                       ".parquet or .xlsx).")]
FileFormat = Annotated[str | None, typer.Option(
    "--format", help="csv, tsv, json, parquet or xlsx (default: from the suffix).")]
Part = Annotated[str | None, typer.Option(
    "--part", help="For csv, tsv and parquet: which of the answer's tables (default: its "
                   "main one; xlsx has them all, json the whole answer).")]


@app.command()
@handle_errors
def sql(
    query: Annotated[str | None, typer.Argument(help="One SELECT or WITH query over the "
                                                     "views.")] = None,
    db: Db = DEFAULT_DB, json_out: Json = False, fmt: Fmt = None,
    list_views: Annotated[bool, typer.Option("--views", metavar="",
                                             help="List the views and their columns.")] = False,
    timeout: Annotated[float, typer.Option(
        min=0.1, max=3600, help="Stop a query still running after this many seconds.")] = 60.0,
) -> None:
    """Read-only SQL over documented views of counted aggregates (arrests a day by office
    and category, personal attributes by month from the protected grid, releases,
    rejects, book-ins): never the records themselves."""
    from icestats.render.formats import resolve

    if list_views or query is None:
        _print_views(resolve(json_out, fmt))
        return
    import icestats
    from icestats import sql as sql_mod
    from icestats.render.tables import rows_table

    sql_mod.check(query)  # refused before the database is opened
    with icestats.connect(db) as ice:
        answer = sql_mod.run(ice, query, timeout=timeout)
    emit(db, json_out, answer, lambda out, a: rows_table(
        out, a, a.rows, f"{a.rows.num_rows:,} rows"), fmt)


def _print_views(fmt: str) -> None:
    from icestats.views import VIEWS

    if fmt == "json":
        from icestats.jsonout import dumps

        print(dumps({n: {"title": v.title, "description": v.description,
                         "columns": v.described_columns()} for n, v in VIEWS.items()}))
        return
    out = console()
    for name, v in VIEWS.items():
        out.print(f"[bold]{name}[/bold]: {v.title}. {v.description}", highlight=False)
        for col, text in v.described_columns().items():
            out.print(f"  {col}: {text}", highlight=False, markup=False)


def export_command(q: Question) -> None:
    """``export NAME``: the question's own options, -o/--out, --format and --part."""
    def body(values: dict[str, Any]) -> None:
        from icestats.export_answer import file_format, write_answer

        out, db = values["out"], values["db"]
        fmt = file_format(out, values["file_fmt"])  # (checked before the question is asked)
        what = write_answer(ask(q, values), out, fmt, str(db), values["part"])
        print(f"wrote {what} to {out} (from database {db})", file=sys.stderr)

    register(q.name.replace("_", "-"), command_help(
        f"Write the {q.name} answer (options as `icestats {q.command}`) to csv, tsv, json, "
        f"parquet or xlsx.", q.params), [
                 *options(q.params), *common(output=False),
                 inspect.Parameter("out", KW, annotation=Out),
                 inspect.Parameter("file_fmt", KW, default=None, annotation=FileFormat),
                 inspect.Parameter("part", KW, default=None, annotation=Part)],
             body, group=export_app)


for _q in QUESTIONS.values():
    if _q.name != "daily":  # (export daily: the daily rows, tools.export_daily)
        export_command(_q)


@export_app.command("datasette")
@handle_errors
def export_datasette(
    out_dir: Annotated[Path | None, typer.Argument(
        help="Folder to write icestats.db and metadata.json to.")] = None,
    db: Db = DEFAULT_DB,
    output: Annotated[Path | None, typer.Option(
        "-o", "--output", help="FILE.db to write instead (its metadata beside it, "
                               "FILE.metadata.json).")] = None,
) -> None:
    """An SQLite file of the read-only views (personal attributes from the protected grid)
    and a Datasette metadata.json (titles, descriptions, columns, sources, real or
    generated): serve it with `datasette DIR/icestats.db -m DIR/metadata.json`."""
    import icestats
    from icestats.datasette import write
    from icestats.errors import UsageError

    if (out_dir is None) == (output is None):
        raise UsageError("give a folder or -o FILE.db (one of them)")
    if output is not None and output.suffix != ".db":
        raise UsageError(f"-o {output}: expected a file name ending in .db")
    target = output or out_dir
    assert target is not None
    with icestats.connect(db) as ice:
        path, meta, counts = write(ice, target)
    print(f"wrote {path} ({len(counts)} tables, {sum(counts.values()):,} rows) and {meta} "
          f"(from database {db}); serve with: datasette {path} -m {meta}", file=sys.stderr)
