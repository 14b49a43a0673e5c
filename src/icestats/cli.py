"""The ``icestats`` command: parse arguments, call the library, render its answer.

The commands live in ``icestats.commands`` (questions, tools and explore). ``main`` imports them
inside its Ctrl-C guard, so an interrupt while the command starts up is one line and exit
130 too; ``icestats.cli.app`` is the one typer app (for tests and ``python -m``).
"""

from __future__ import annotations

import sys
from typing import Any


def _app() -> Any:
    from icestats.commands import explore, questions, tools  # noqa: F401 - registers them
    from icestats.commands.base import app

    return app


def main() -> None:
    from icestats.errors import EXIT_INTERRUPTED, INTERRUPTED_MESSAGE

    try:
        app = _app()
    except KeyboardInterrupt:
        sys.stderr.write(f"error: {INTERRUPTED_MESSAGE}\n")
        raise SystemExit(EXIT_INTERRUPTED) from None
    app()


def __getattr__(name: str) -> Any:
    if name == "app":
        return _app()
    raise AttributeError(f"module 'icestats.cli' has no attribute {name!r}")


if __name__ == "__main__":
    main()
