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
