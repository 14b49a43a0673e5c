"""icestats: field-office performance statistics from U.S. ICE enforcement data releases."""

from icestats.client import Icestats, connect
from icestats.errors import IcestatsError

__version__ = "0.1.0"
__all__ = ["Icestats", "IcestatsError", "__version__", "connect"]
