"""The ``icestats`` command: parse arguments, call the library, render its answer.

The commands live in ``icestats.commands`` (questions and tools); importing them here
registers them on the one typer app.
"""

from __future__ import annotations

from icestats.commands import questions, tools
from icestats.commands.base import app

__all__ = ["app", "main", "questions", "tools"]


def main() -> None:
    app()


if __name__ == "__main__":
    main()
