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


# a goal or target a day: finite, and sane (1e-308 or 1e308 arrests a day is a typo, and
# dividing by it overflowed the answer into an HTTP 500)
MIN_PER_DAY = 0.01
MAX_PER_DAY = 1_000_000.0
MAX_OFFICES = 30  # offices in one request: the 25, HQ and the unknown group, and a margin
MAX_EVENTS = 50  # events in one request


def positive(value: float, option: str) -> float:
    """A finite number a day from MIN_PER_DAY to MAX_PER_DAY (a goal, a target)."""
    import math

    try:
        x = float(value)
    except (TypeError, ValueError):
        raise UsageError(f"{option} must be a number above 0, not {value!r}") from None
    if not math.isfinite(x) or not MIN_PER_DAY <= x <= MAX_PER_DAY:
        raise UsageError(f"{option} must be a finite number from {MIN_PER_DAY:g} to "
                         f"{MAX_PER_DAY:,.0f} a day, not {value!r}")
    return x


def offices(text: str | None, limit: int = MAX_OFFICES) -> list[str]:
    """Office codes from a comma-separated list (codes or names), each once, at most
    ``limit`` of them (more is refused before any work is done)."""
    parts = [p.strip() for p in (text or "").split(",") if p.strip()]
    if len(parts) > limit:
        raise UsageError(f"at most {limit} offices at a time, not {len(parts):,}")
    return list(dict.fromkeys(office(p) for p in parts))


def count_at_most(items: list[str] | None, what: str, limit: int = MAX_EVENTS) -> list[str]:
    """``items`` (e.g. events), refused when there are more than ``limit``."""
    items = items or []
    if len(items) > limit:
        raise UsageError(f"at most {limit} {what} at a time, not {len(items):,}")
    return items


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
