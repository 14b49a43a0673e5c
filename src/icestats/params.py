"""Parameters as every output takes them (CLI, API, Python): one parser for each kind, so
that a bad value gets the same one-line message everywhere."""

from __future__ import annotations

from datetime import date

from icestats.errors import UsageError

Day = date | str | None


def as_date(value: Day, option: str = "date") -> date | None:
    """A date from a ``date`` or an ISO ``YYYY-MM-DD`` string (None stays None)."""
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise UsageError(f"{option} '{value}' is not a date (expected YYYY-MM-DD)") from None


MAX_DAYS = 3660  # ten years: the longest window, horizon or fit a question takes


def days(value: int, option: str, low: int = 1, high: int = MAX_DAYS) -> int:
    """A number of days within [low, high]."""
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise UsageError(f"{option} must be a whole number of days from {low} to {high}, "
                         f"not {value!r}")
    return value


def positive(value: float, option: str) -> float:
    """A finite number above zero (a goal, a target)."""
    import math

    try:
        x = float(value)
    except (TypeError, ValueError):
        raise UsageError(f"{option} must be a number above 0, not {value!r}") from None
    if not math.isfinite(x) or x <= 0:
        raise UsageError(f"{option} must be a finite number above 0, not {value!r}")
    return x


def office(value: str) -> str:
    """An office code from its code or any spelling ingest accepts ('Chicago', 'St. Paul',
    'San Antonio Area of Responsibility'); UNK for the unknown/blank group."""
    from icestats import reference

    text = str(value).strip()
    if text.upper() == reference.UNKNOWN:
        return reference.UNKNOWN
    code = reference.aor_aliases().get(reference.aor_key(text))
    if code is None:
        raise UsageError(f"unknown office '{value}' (expected a code such as CHI or a name "
                         "such as Chicago; `icestats offices --list` lists them)")
    return code
