"""One rounding rule for every number icestats shows: half away from zero, as DuckDB's
``round()`` does, so an answer rounded in SQL and one rounded in Python agree."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def round_half_up(x: float, digits: int = 1) -> float:
    """Round half away from zero to ``digits`` decimals (``repr`` keeps 0.15 as 0.15)."""
    return float(Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP))


def round_or_none(x: float | None, digits: int = 1) -> float | None:
    return None if x is None else round_half_up(x, digits)
