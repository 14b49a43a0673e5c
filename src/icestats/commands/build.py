"""Typer commands built from the question table (``questions.QUESTIONS``): each parameter's
option (flag, help with its unit, bounds and default, metavar) comes from its ``Param``.

Values arrive as the text typed and are parsed by the same ``Param`` the API uses, so
``--window 3`` gets the same one-line message from both (typer's own int/float checks
would say it differently). A command parses every value before the database is opened.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from icestats.commands.base import DEFAULT_DB, Db, Fmt, Json, app, handle_errors
from icestats.params import Param
from icestats.questions import Question

METAVAR = {"days": "DAYS", "int": "N", "number": "NUMBER", "date": "YYYY-MM-DD",
           "month": "YYYY-MM", "office": "OFFICE", "text": "TEXT", "path": "FILE", "list": "TEXT"}
KW = inspect.Parameter.KEYWORD_ONLY


def metavar(p: Param) -> str:
    if p.kind == "choice":
        shown = "[" + "|".join(p.choices) + "]"
        return shown if len(shown) <= 20 else "NAME"
    return METAVAR.get(p.kind, "")


def long(p: Param) -> bool:
    """Too many choices for one line of --help: they are listed in the command's help."""
    return len(p.choices) > 8


def command_help(text: str, params: Sequence[Param]) -> str:
    """A command's help, with the choices of its parameters that have many."""
    return text + "".join(f" {p.flag}: {', '.join(p.choices)}." for p in params
                          if long(p) and "cli" in p.surfaces)


def option(p: Param) -> inspect.Parameter:
    """The typer option of a parameter (its help says the default: typer's own
    ``[default: ...]`` would show the text the option arrives as)."""
    shown = "One of those listed above." if long(p) else not metavar(p).startswith("[")
    text = p.describe(choices=shown) + (" Required." if p.required else "")
    if p.kind == "flag":
        return inspect.Parameter(p.name, KW, default=bool(p.default), annotation=Annotated[
            bool, typer.Option(p.flag, metavar="", help=text)])
    if p.kind == "list":
        return inspect.Parameter(p.name, KW, default=None, annotation=Annotated[
            list[str] | None, typer.Option(p.flag, metavar=metavar(p), help=text)])
    if p.kind == "path":
        return inspect.Parameter(p.name, KW, default=None, annotation=Annotated[
            Path | None, typer.Option(p.flag, metavar=metavar(p), help=text)])
    return inspect.Parameter(p.name, KW, default=None, annotation=Annotated[
        str | None, typer.Option(p.flag, metavar=metavar(p), help=text, show_default=False)])


def common(*, output: bool = True) -> list[inspect.Parameter]:
    """--db, and for printed answers --json and --format."""
    out = [inspect.Parameter("db", KW, default=DEFAULT_DB, annotation=Db)]
    if output:
        out += [inspect.Parameter("json_out", KW, default=False, annotation=Json),
                inspect.Parameter("fmt", KW, default=None, annotation=Fmt)]
    return out


def options(params: Sequence[Param]) -> list[inspect.Parameter]:
    return [option(p) for p in params if "cli" in p.surfaces]


def given(q: Question, values: dict[str, Any]) -> dict[str, Any]:
    """The question's own values from a command's keywords (an option left out: None)."""
    return {p.name: values.get(p.name) for p in q.on("cli")}


def register(name: str, help_text: str, params: list[inspect.Parameter],
             body: Callable[[dict[str, Any]], None], group: typer.Typer = app) -> None:
    """A command ``name`` taking ``params``; ``body`` gets them as one dict."""
    def command(**kwargs: Any) -> None:
        body(kwargs)

    command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    command.__doc__ = help_text
    command.__name__ = name.replace("-", "_")
    group.command(name, help=help_text)(handle_errors(command))
