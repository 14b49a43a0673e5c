"""One command per question, built from the question table: parse the options (the same
``Param`` the API parses with), ask the library, render its answer with the question's
render function ``(console, answer)``.

A few commands add what is not a parameter of the question: ``status --tables`` (what the
table shows), ``offices --list`` and ``events --example`` (print and exit), and the
``offices --fair`` / ``--underperformers`` aliases of ``fair`` and ``underperformers``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from icestats.commands.base import console, emit
from icestats.commands.build import KW, command_help, common, given, options, register
from icestats.errors import UsageError
from icestats.questions import QUESTIONS, Question

if TYPE_CHECKING:
    from rich.console import Console

    from icestats.answers import Answer, StatusAnswer

# Each question's render function, "module:function" (imported when used: --help stays
# instant). The renderers take (console, answer).
RENDER: dict[str, str] = {
    "goal": "icestats.render.tables:goal", "offices": "icestats.render.tables:offices",
    "fair": "icestats.render.stats:fair",
    "underperformers": "icestats.render.underperformers:table",
    "breakdown": "icestats.render.tables:breakdown", "daily": "icestats.render.tables:daily",
    "fiscal_years": "icestats.render.tables:fiscal_years",
    "pipeline": "icestats.render.pipeline_answer:pipeline",
    "agency": "icestats.render.detention:agency",
    "revisions": "icestats.render.detention:revisions",
    "nowcast": "icestats.render.stats:nowcast", "events": "icestats.render.stats:events",
    "forecast": "icestats.render.stats:forecast", "surges": "icestats.render.stats:surges",
    # answers at a count table's grain, by their columns_key (answers/published.py)
    "daily@counts": "icestats.render.published:series",
    "goal@weeks": "icestats.render.published:weekly_goal",
    "offices@period": "icestats.render.published:offices",
}


def renderer(name: str) -> Callable[[Console, Any], None]:
    module, _, function = RENDER[name].partition(":")
    fn: Callable[[Console, Any], None] = getattr(import_module(module), function)
    return fn


def ask(q: Question, values: dict[str, Any]) -> Answer:
    """The question's answer from a command's keywords (parsed before the database is
    opened: a bad value never waits on a locked database)."""
    import icestats

    parsed = read_files(q, q.parse(given(q, values)))
    with icestats.connect(values["db"]) as ice:
        answer: Answer = getattr(ice, q.library)(**parsed)
    return answer


def read_files(q: Question, parsed: dict[str, Any]) -> dict[str, Any]:
    """A goals or events file named by an option, read (and checked) before the database
    is opened; the library takes what was read."""
    if isinstance(parsed.get("goals"), Path):
        from icestats.stats import goals as goals_mod

        parsed["goals"] = goals_mod.load(parsed["goals"])
    if q.name == "events" and (parsed["file"] is not None or parsed["event"]):
        from icestats.stats.events import load_events

        parsed["events"] = load_events(parsed.pop("file"), parsed.pop("event"))
    return parsed


def answer_command(q: Question, extra: list[inspect.Parameter] | None = None,
                   before: Callable[[dict[str, Any]], bool] | None = None) -> None:
    """``icestats NAME``; ``before`` may handle the call itself (returns True)."""
    def body(values: dict[str, Any]) -> None:
        if before is not None and before(values):
            return
        answer = ask(q, values)
        emit(values["db"], values["json_out"], answer,
             renderer(getattr(answer, "columns_key", q.name)), values["fmt"])

    register(q.command, command_help(q.help, q.params),
             [*options(q.params), *(extra or []), *common()], body)


def flag(name: str, option: str, text: str) -> inspect.Parameter:
    return inspect.Parameter(name, KW, default=False, annotation=Annotated[
        bool, typer.Option(option, metavar="", help=text)])


# -- the commands that add to their question -----------------------------------------

def _status(values: dict[str, Any]) -> None:
    db, show = values["db"], values["show_tables"]
    emit(db, values["json_out"], ask(QUESTIONS["status"], values),
         lambda out, a: _print_status(out, a, db, show), values["fmt"])


def _print_status(out: Console, s: StatusAnswer, db: Path, show_tables: bool) -> None:
    from icestats.render import counts, detention, tables

    if s.releases.num_rows:
        tables.status(out, s, str(db))
    detention.workbooks(out, s, show_tables)
    counts.status(out, s)
    if not s.releases.num_rows and not s.workbooks.num_rows and not (
            s.count_tables is not None and s.count_tables.num_rows):
        out.print(f"{db} holds nothing yet; load files with `icestats ingest`.")
    else:
        tables.source_line(out, s)


def _register_status() -> None:
    register("status", QUESTIONS["status"].help, [
        *common(), flag("show_tables", "--tables", "List every workbook table kept without "
                                                   "a name.")], _status)


def _example(values: dict[str, Any]) -> bool:
    if values.pop("example"):
        from icestats.stats.events import example_file

        print(example_file().read_text(), end="")
        return True
    return False


def _register_events() -> None:
    answer_command(QUESTIONS["events"], [flag("example", "--example", "Print the example "
                                                                       "events file and exit.")],
                   _example)

# offices: its own options, those of fair and underperformers (each parsed by the question
# the flags choose), --fair, --underperformers and --list
ALIASES = ("fair", "underperformers")
_OFFICE_PARAMS = {p.name: p for name in ("offices", *ALIASES) for p in QUESTIONS[name].params}


def _offices(values: dict[str, Any]) -> None:
    if values.pop("list_offices"):
        from icestats.render.formats import resolve
        from icestats.render.tables import office_list

        office_list(console(), resolve(values["json_out"], values["fmt"]))
        return
    chosen = [n for n in ALIASES if values.pop(n)]
    if len(chosen) > 1:
        raise UsageError("give --fair or --underperformers, not both")
    q = QUESTIONS[chosen[0] if chosen else "offices"]
    own = {p.name for p in q.params}
    stray = [p.flag for n, p in _OFFICE_PARAMS.items() if n not in own and
             values.get(n) not in (None, False)]
    if stray:
        raise UsageError(f"{', '.join(stray)} goes with `icestats fair` or `underperformers` "
                         f"(or offices --fair / --underperformers)")
    answer = ask(q, values)
    emit(values["db"], values["json_out"], answer,
         renderer(getattr(answer, "columns_key", q.name)), values["fmt"])


def _register_offices() -> None:
    register("offices", QUESTIONS["offices"].help + " With --fair: `icestats fair`; with "
             "--underperformers: `icestats underperformers`.", [
                 *options(list(_OFFICE_PARAMS.values())),
                 flag("fair", "--fair", "The fair evaluation (as `icestats fair`)."),
                 flag("underperformers", "--underperformers", "The lowest offices under each "
                      "yardstick (as `icestats underperformers`)."),
                 flag("list_offices", "--list", "List the offices: codes, names and the "
                                                "spellings --aor accepts; no database needed."),
                 *common()], _offices)


SPECIAL = {"status": _register_status, "offices": _register_offices,
           "events": _register_events}
for _q in QUESTIONS.values():  # (in the table's order: --help lists them so)
    SPECIAL[_q.name]() if _q.name in SPECIAL else answer_command(_q)
