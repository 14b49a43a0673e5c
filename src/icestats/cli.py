"""The ``icestats`` command: parse arguments, call the library, render its answer.

The commands live in ``icestats.commands`` (questions, tools and explore). ``main`` imports them
inside its Ctrl-C guard, so an interrupt while the command starts up is one line and exit
130 too; ``icestats.cli.app`` is the one typer app (for tests and ``python -m``).
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # (no typing import at start-up: see icestats/__init__.py)
if TYPE_CHECKING:
    from typing import Any


def _app() -> Any:
    from icestats.commands import explore, questions, tools  # noqa: F401 - registers them
    from icestats.commands.base import app

    return app


def _command(app: Any) -> Any:
    """The click command typer builds from ``app``, with ``--help`` shown without typer's
    ``<bool>`` type label (the other flags say metavar="" where they are declared)."""
    import click
    import typer.main

    command = typer.main.get_command(app)
    todo: list[Any] = [command]
    while todo:  # every command, those of groups (export ...) too
        cmd = todo.pop()
        todo.extend(getattr(cmd, "commands", {}).values())
        option = cmd.get_help_option(click.Context(cmd, info_name=cmd.name))
        if option is not None:
            option.metavar = ""
    return command


def main() -> None:
    try:
        from icestats.prefetch import start_from_argv

        # `ingest X.xlsx`: parsed during the imports
        start_from_argv(sys.argv, _columns, _import_parsers)
        command = _command(_app())
        command()  # (the commands catch their own; this covers typer parsing the arguments)
    except KeyboardInterrupt:
        _say_interrupted()
        raise SystemExit(130) from None
    except SystemExit as exc:
        # typer turns a Ctrl-C outside the commands (while it builds them) into a silent
        # exit 130: its Exit is raised "from" the KeyboardInterrupt; the commands' own
        # exit 130 (after their one line) is raised from None
        if exc.code == 130 and exc.__context__ is not None and \
                isinstance(exc.__context__.__cause__, KeyboardInterrupt):
            _say_interrupted()
        _flush()
        raise


def _import_parsers() -> None:
    """What the parsing threads use, imported before they start: while the command's own
    imports run beside them, two threads importing the same modules (DuckDB, pyarrow,
    icestats.ingest) can hand one a partly initialized module (CPython breaks an import
    deadlock that way; one run of the DDP-size release in pieces ended with exit 1 and
    "NameError: name 'sys' is not defined" in an import, not seen again in eight runs).
    About 0.3 s, which the command imports anyway."""
    import fastexcel  # noqa: F401
    import pyarrow  # noqa: F401

    from icestats.ingest import read_xlsx  # noqa: F401
    from icestats.xlsx import Workbook  # noqa: F401


def _columns(book: Any, i: int) -> list[int] | None:
    """``read_xlsx.choose_columns``, imported in the parsing thread (not before it)."""
    from icestats.ingest.read_xlsx import choose_columns

    return choose_columns(book, i)


def _flush() -> None:
    """Flush what is left for stdout now: a reader that went away (``| head``) ends the
    command quietly (exit 141) instead of Python's report of the pipe at exit."""
    try:
        sys.stdout.flush()
    except OSError as exc:
        from icestats.errors import EXIT_CLOSED_PIPE, is_closed_pipe, quiet_stdout

        if not is_closed_pipe(exc):
            raise
        quiet_stdout()
        raise SystemExit(EXIT_CLOSED_PIPE) from None


def _say_interrupted() -> None:
    # (imported here, not at the top: an interrupted import is simply done again)
    from icestats.errors import EXIT_INTERRUPTED, INTERRUPTED_MESSAGE

    assert EXIT_INTERRUPTED == 130
    sys.stderr.write(f"error: {INTERRUPTED_MESSAGE}\n")


def __getattr__(name: str) -> Any:
    if name == "app":
        return _app()
    raise AttributeError(f"module 'icestats.cli' has no attribute {name!r}")


if __name__ == "__main__":
    main()
