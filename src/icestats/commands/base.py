"""The typer app, the options every command shares, and the one error path."""

from __future__ import annotations

import functools
from collections.abc import Callable
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
         "with `icestats ingest FILE...`, then ask: status, goal, offices, fair, "
         "underperformers, breakdown, daily, agency, nowcast, events, forecast, surges; "
         "explore with `icestats sql`; write a report or export. Every command takes --db "
         "(default ./icestats.duckdb); every question --format (table, csv, tsv, markdown, "
         "json; --json for short).",
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
    else 70 with its traceback written to a file named in the line (errors.last_resort).
    A closed pipe (``icestats ... | head``) is no failure: exit 141 (as a Unix tool killed
    by SIGPIPE), nothing said."""
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
            from icestats.errors import (
                EXIT_CLOSED_PIPE,
                is_closed_pipe,
                last_resort,
                quiet_stdout,
            )

            if is_closed_pipe(exc):
                quiet_stdout()
                raise typer.Exit(EXIT_CLOSED_PIPE) from None
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
    """The terminal: tables that do not fit its width drop optional columns or stack. A
    closed pipe ends the command quietly, with the same exit as everywhere (141; rich's
    own handler would exit 1)."""
    from icestats.render.fit import FitConsole

    out = FitConsole()
    out.on_broken_pipe = _closed_pipe  # type: ignore[method-assign]
    return out


def _closed_pipe() -> None:
    from icestats.errors import EXIT_CLOSED_PIPE, quiet_stdout

    quiet_stdout()
    raise SystemExit(EXIT_CLOSED_PIPE)


def emit(db: Path, json_out: bool, answer: Answer,
         render: Callable[[Console, Any], None], fmt: str | None = None) -> None:
    """Print an answer as rich tables, csv, tsv, markdown or JSON (``--format``; the
    database it came from is always named)."""
    from icestats.render import formats

    out = formats.resolve(json_out, fmt)
    if out == "table":
        render(console(), answer)
        print(f"database: {db}")
    else:
        formats.emit(answer, out, str(db))
