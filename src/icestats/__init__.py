"""icestats: field-office performance statistics from U.S. ICE enforcement data releases.

Importing the package is cheap; DuckDB and Arrow load on first use (``connect``), so that
``icestats --help`` starts instantly.
"""

from __future__ import annotations

# Nothing is imported at start-up, not even ``typing``: the ``icestats`` command imports
# this package before its Ctrl-C guard (cli.main) can run, so the shorter that moment,
# the rarer a traceback for a Ctrl-C pressed as the command starts.
TYPE_CHECKING = False  # (mypy reads a name TYPE_CHECKING as typing's)
if TYPE_CHECKING:
    from typing import Any

    from icestats.client import Icestats
    from icestats.errors import IcestatsError

__version__ = "0.1.0"
__all__ = ["Icestats", "IcestatsError", "__version__", "connect"]


def connect(path: Any = None, *, write: bool = False) -> Icestats:
    """Open an icestats database (read-only unless ``write=True``; default
    ``./icestats.duckdb`` or ``$ICESTATS_DB``); see Icestats."""
    from icestats.client import connect as _connect

    return _connect(path, write=write)


def __getattr__(name: str) -> Any:
    if name == "Icestats":
        from icestats.client import Icestats

        return Icestats
    if name == "IcestatsError":
        from icestats.errors import IcestatsError

        return IcestatsError
    raise AttributeError(f"module 'icestats' has no attribute {name!r}")
