"""icestats: field-office performance statistics from U.S. ICE enforcement data releases.

Importing the package is cheap; DuckDB and Arrow load on first use (``connect``), so that
``icestats --help`` starts instantly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from icestats.errors import IcestatsError
from icestats.schema import DEFAULT_DB

if TYPE_CHECKING:
    from icestats.client import Icestats

__version__ = "0.1.0"
__all__ = ["Icestats", "IcestatsError", "__version__", "connect"]


def connect(path: Any = DEFAULT_DB, *, write: bool = False) -> Icestats:
    """Open an icestats database (read-only unless ``write=True``); see Icestats."""
    from icestats.client import connect as _connect

    return _connect(path, write=write)


def __getattr__(name: str) -> Any:
    if name == "Icestats":
        from icestats.client import Icestats

        return Icestats
    raise AttributeError(f"module 'icestats' has no attribute {name!r}")
