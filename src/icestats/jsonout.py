"""The one JSON encoder: every answer, export and API response goes through ``plain``.

Dates become ISO strings, Arrow tables lists of row objects, numpy numbers plain numbers,
non-finite floats ``null`` (JSON has no NaN)."""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from typing import Any


def plain(value: Any) -> Any:
    """A value made of dicts, lists, str, int, float (finite), bool and None."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k.isoformat() if isinstance(k, date) else k): plain(v)
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "to_dict") and callable(value.to_dict):
        return plain(value.to_dict())
    if hasattr(value, "to_pylist"):  # a pyarrow Table or Array
        return plain(value.to_pylist())
    if hasattr(value, "item"):  # a numpy scalar
        return plain(value.item())
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def dumps(value: Any, *, indent: int | None = 2) -> str:
    return json.dumps(plain(value), indent=indent, ensure_ascii=False)
