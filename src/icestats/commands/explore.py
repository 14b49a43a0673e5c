"""Exploration: ``icestats sql`` over the read-only views, ``icestats export NAME`` for
every answer (the question's own options, written to a file) and ``export datasette``."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from icestats.commands import questions
from icestats.commands.base import (
    DEFAULT_DB,
    EXPORT,
    Db,
    Fmt,
    Json,
    app,
    console,
    emit,
    export_app,
    handle_errors,
)

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
    and category, personal attributes national by month with suppression, releases,
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


def export_command(name: str, command: Callable[..., Any], **fixed: Any) -> None:
    """Register ``export NAME``: the question ``command``'s own options (less --json,
    --format and ``fixed``), plus -o/--out, --format and --part."""
    own = inspect.signature(command, eval_str=True).parameters.values()
    params = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own
              if p.name not in ("json_out", "fmt", *fixed)]
    params += [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, annotation=a, default=d)
               for n, a, d in (("out", Out, inspect.Parameter.empty),
                               ("file_fmt", FileFormat, None), ("part", Part, None))]

    @handle_errors
    def export(**kwargs: Any) -> None:
        from icestats.export_answer import file_format, write_answer

        out, part = kwargs.pop("out"), kwargs.pop("part")
        fmt = file_format(out, kwargs.pop("file_fmt"))
        db = kwargs.get("db", DEFAULT_DB)

        def write(answer: Any) -> None:
            what = write_answer(answer, out, fmt, str(db), part)
            print(f"wrote {what} to {out} (from database {db})", file=sys.stderr)

        token = EXPORT.set(write)
        try:  # (the question unwrapped: this command's own error path reports for it)
            inspect.unwrap(command)(**kwargs, **fixed, json_out=False, fmt=None)
        finally:
            EXPORT.reset(token)

    export.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    question = command.__name__.replace("_", "-") + "".join(
        f" --{flag}" for flag in ("fair", "underperformers") if fixed.get(flag))
    export.__doc__ = (f"Write the {name} answer (options as `icestats {question}`) to csv, "
                      f"tsv, json, parquet or xlsx.")
    export.__name__ = f"export_{name.replace('-', '_')}"
    export_app.command(name)(export)


for _name, _command, _fixed in (
        ("status", questions.status, {"show_tables": False}),
        ("goal", questions.goal, {}),
        ("offices", questions.offices, {"fair": False, "underperformers": False,
                                        "list_offices": False}),
        ("fair", questions.offices, {"fair": True, "underperformers": False,
                                     "list_offices": False}),
        ("underperformers", questions.offices, {"fair": False, "underperformers": True,
                                                "list_offices": False}),
        ("breakdown", questions.breakdown, {}), ("fiscal-years", questions.fiscal_years, {}),
        ("agency", questions.agency, {}), ("revisions", questions.revisions, {}),
        ("nowcast", questions.nowcast, {}), ("events", questions.events, {"example": False}),
        ("forecast", questions.forecast, {}), ("surges", questions.surges, {})):
    export_command(_name, _command, **_fixed)


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
    """An SQLite file of the read-only views (suppression applied) and a Datasette
    metadata.json (titles, descriptions, columns, sources, real or generated): serve it with
    `datasette DIR/icestats.db -m DIR/metadata.json`."""
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
