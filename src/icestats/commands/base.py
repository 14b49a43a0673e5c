"""The typer app, the options every command shares, and the one error path."""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from icestats import schema
from icestats.errors import IcestatsError

if TYPE_CHECKING:
    from rich.console import Console

    from icestats.answers import Answer

app = typer.Typer(
    help="Field-office performance statistics from U.S. ICE arrest releases. Load releases "
         "with `icestats ingest FILE...`, then ask: status, goal, offices, breakdown, daily, "
         "agency, nowcast, events, forecast; explore with `icestats sql`; write a report or "
         "export. Every command takes --db (default ./icestats.duckdb); every question "
         "--format (table, csv, tsv, markdown, json; --json for short).",
    no_args_is_help=True, add_completion=False, rich_markup_mode="markdown")
export_app = typer.Typer(help="Write answer tables to files.", no_args_is_help=True)
app.add_typer(export_app, name="export")


def _version(value: bool) -> None:
    if value:
        from icestats import __version__

        print(f"icestats {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, metavar="",
        help="Print the version and exit.")] = False) -> None:
    """Field-office performance statistics from U.S. ICE arrest releases."""

Db = Annotated[Path, typer.Option("--db", envvar="ICESTATS_DB",
                                  help="Database file (env ICESTATS_DB).")]
Json = Annotated[bool, typer.Option("--json", metavar="", help="Print machine-readable JSON "
                                                                "(the same as --format json).")]
Fmt = Annotated[str | None, typer.Option(
    "--format", help="table (default), csv, tsv, markdown (the answer's tables, exact numbers, "
                     "with the source) or json.")]
Count = Annotated[str, typer.Option(
    "--count", help="arrests: one per 24-hour episode (default); records: raw rows.")]
Scope = Annotated[str, typer.Option(
    "--scope", help="all (default) or interior: without border-related records (UWCHR's "
                    "rule: border methods, CBP/Border Patrol, ports of entry, airports).")]
AsOf = Annotated[str | None, typer.Option(
    "--as-of", help="Last day of the window (YYYY-MM-DD); default: last complete day.")]
Tail = Annotated[bool, typer.Option(
    "--include-incomplete", metavar="", help="Let windows reach into the incomplete last 14 days.")]
From = Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")]
To = Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD).")]
Office = Annotated[str | None, typer.Option("--aor", help="One office code, e.g. CHI.")]
DEFAULT_DB = Path(schema.DEFAULT_DB)


def err(message: str) -> None:
    from rich.console import Console
    from rich.text import Text

    line = Text("error: ", style="bold red")
    line.append(message)
    Console(stderr=True).print(line, highlight=False, soft_wrap=True)


def handle_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Every failure becomes one line on stderr and a non-zero exit, never a traceback:
    user errors exit 1 (2 for usage), Ctrl-C 130, an operating-system error 1, anything
    else 70 with its traceback written to a file named in the line (errors.last_resort)."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import click

        from icestats.errors import is_interrupt
        try:
            return fn(*args, **kwargs)
        except IcestatsError as exc:
            if is_interrupt(exc):
                raise _interrupted() from None
            err(str(exc))
            raise typer.Exit(exc.exit_code) from None
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException,
                SystemExit, GeneratorExit):
            raise
        except BaseException as exc:
            from icestats.errors import last_resort

            if is_interrupt(exc):
                raise _interrupted() from None
            code, line = last_resort(exc, f"icestats {fn.__name__}")
            err(line)
            raise typer.Exit(code) from None
    return wrapper


def _interrupted() -> typer.Exit:
    import signal
    import sys
    import threading

    from icestats.errors import EXIT_INTERRUPTED, INTERRUPTED_MESSAGE

    err(INTERRUPTED_MESSAGE)
    # The command process is ending: a second SIGINT (a repeated Ctrl-C, or one DuckDB
    # still has pending) must not cut the exit short (exit -2, no line). Only in the
    # icestats process itself, never in a host that calls the app (tests, notebooks).
    if Path(sys.argv[0]).name in ("icestats", "cli.py") and \
            threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    return typer.Exit(EXIT_INTERRUPTED)


def console() -> Console:
    """The terminal: tables that do not fit its width drop optional columns or stack."""
    from icestats.render.fit import FitConsole

    return FitConsole()


# Set by `icestats export NAME`: the answer a question command computes is written to a
# file by this function instead of being printed.
EXPORT: ContextVar[Callable[[Answer], None] | None] = ContextVar("export", default=None)


def emit(db: Path, json_out: bool, answer: Answer,
         render: Callable[[Console, Any], None], fmt: str | None = None) -> None:
    """Print an answer as rich tables, csv, tsv, markdown or JSON (``--format``; the
    database it came from is always named), or hand it to ``export``."""
    from icestats.render import formats

    out = formats.resolve(json_out, fmt)
    export = EXPORT.get()
    if export is not None:
        export(answer)
    elif out == "table":
        render(console(), answer)
        print(f"database: {db}")
    else:
        formats.emit(answer, out, str(db))
