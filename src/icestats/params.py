"""Parameters as every surface takes them (CLI, API, Python): one declaration (``Param``)
and one parser for each kind, so that a value is accepted or refused with the same
one-line message everywhere. The question table (``questions.py``) declares each
question's parameters with these.

Every parser takes the value as the library gets it (an int, a date, ...) or as text (a
command-line option, a query string), and gives the same value back for the same input:
parsing twice changes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from icestats.errors import UsageError

Day = date | str | None
MAX_DAYS = 3660  # ten years: the longest window, horizon or fit a question takes
SURFACES = ("cli", "api")  # (the Python library takes every parameter)


def iso_date(text: str) -> date:
    """``YYYY-MM-DD`` and nothing else (Python's ``fromisoformat`` also takes 20190101 and
    2019-W01-1, which the messages never promise); ValueError otherwise."""
    import re

    text = text.strip()
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        raise ValueError(text)
    return date.fromisoformat(text)


def as_date(value: Day, option: str = "date") -> date | None:
    """A date from a ``date`` or an ISO ``YYYY-MM-DD`` string (None stays None): the one
    place the command line's and the API's dates are read."""
    if value is None or isinstance(value, date):
        return value
    try:
        return iso_date(str(value))
    except ValueError:
        raise UsageError(f"{option} '{value}' is not a date (expected YYYY-MM-DD)") from None


def as_month(value: Day, option: str = "month") -> date | None:
    """A month as its first day, from ``YYYY-MM`` (or a date: its month; None stays None)."""
    import re

    if value is None or isinstance(value, date):
        return None if value is None else value.replace(day=1)
    text = str(value).strip()
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}", text):
        try:
            return date(int(text[:4]), int(text[5:]), 1)
        except ValueError:
            pass
    raise UsageError(f"{option} '{value}' is not a month (expected YYYY-MM)")


def days(value: int, option: str, low: int = 1, high: int = MAX_DAYS) -> int:
    """A number of days within [low, high]."""
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise UsageError(f"{option} must be a whole number of days from {low} to {high}, "
                         f"not {_shown(value)}")
    return value


# a goal or target a day: finite, and sane (1e-308 or 1e308 arrests a day is a typo, and
# dividing by it overflowed the answer into an HTTP 500)
MIN_PER_DAY = 0.01
MAX_PER_DAY = 1_000_000.0
MAX_OFFICES = 30  # offices in one request: the 25, HQ and the unknown group, and a margin
MAX_EVENTS = 50  # events in one request


def positive(value: float, option: str) -> float:
    """A finite number a day from MIN_PER_DAY to MAX_PER_DAY (a goal, a target)."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise UsageError(f"{option} must be a finite number above 0, not {_shown(value)}"
                         ) from None
    if not math.isfinite(x) or not MIN_PER_DAY <= x <= MAX_PER_DAY:
        raise UsageError(f"{option} must be a finite number from {_num(MIN_PER_DAY)} to "
                         f"{_num(MAX_PER_DAY)}, not {_shown(value)}")  # (as the Param says)
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


@dataclass(frozen=True)
class Param:
    """One parameter of a question, declared once: the CLI option, the API query parameter,
    the library keyword, ``--help``, the README and the bounds all come from here.

    ``kind``: days, int, number, choice, date, month (YYYY-MM), office, flag, text, list
    (repeatable text) or path (a file: the command line and Python only, never a request).
    ``low``/``high`` bound days, int and number (``low_open``/``high_open``: the bound
    itself is refused); ``step``: days must be a multiple of it. ``slice``: the Slice field
    it sets (the question's window, dates, offices, count rule ...), else it is the
    question's own."""

    name: str  # the library keyword, and the API query name unless ``query`` says
    kind: str
    help: str
    default: Any = None
    unit: str = ""
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    step: int = 1
    choices: tuple[str, ...] = ()
    option: str = ""  # the CLI flag (default: --name, with dashes)
    query: str = ""  # the API name (default: name)
    required: bool = False
    surfaces: tuple[str, ...] = SURFACES
    slice: str = ""

    @property
    def flag(self) -> str:
        return self.option or "--" + self.name.replace("_", "-")

    @property
    def api_name(self) -> str:
        return self.query or self.name

    def parse(self, value: Any) -> Any:
        """The value as the library takes it (None: the default), or a UsageError."""
        if value is None or (isinstance(value, list | tuple) and not value
                             and self.kind == "list"):
            if self.required:
                raise UsageError(f"{self.flag} is required"
                                 + (f" (one of {', '.join(self.choices)})" if self.choices
                                    else f": {self.help}"))
            return self.default
        return PARSERS[self.kind](self, value)

    @property
    def bounds(self) -> str:
        """The accepted values in words: 'from 1 to 3660', 'above 0 and below 1'."""
        if self.choices:
            return "one of " + ", ".join(self.choices)
        lo = None if self.low is None else \
            f"{'above' if self.low_open else 'from'} {_num(self.low)}"
        hi = None if self.high is None else \
            f"{'below' if self.high_open else 'to' if lo and not self.low_open else 'at most'}" \
            f" {_num(self.high)}"
        if lo and self.high is not None and self.low_open:
            hi = ("and below " if self.high_open else "and at most ") + _num(self.high)
        return " ".join(p for p in (lo, hi) if p)

    def describe(self, choices: bool | str = True) -> str:
        """The help line: what it is, its bounds and unit, its choices (unless the CLI's
        metavar shows them: ``choices=False``; a text: said instead) and its default."""
        parts = [self.help.rstrip(".") + "."]
        if self.kind in ("days", "int", "number") and self.bounds:
            unit = f" {self.unit}" if self.unit else ""
            step = f", a multiple of {self.step}" if self.step > 1 else ""
            parts.append(f"{self.bounds[0].upper()}{self.bounds[1:]}{unit}{step}.")
        if self.choices and choices:
            parts.append(choices if isinstance(choices, str) else
                         f"One of {', '.join(self.choices)}.")
        if self.default not in (None, False):
            value = self.default
            parts.append(f"Default {_num(value) if isinstance(value, float) else value}.")
        return " ".join(parts)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _shown(value: object) -> str:
    """A refused value as the message shows it: numbers as they are, text quoted."""
    text = str(value).strip()
    try:
        float(text)
        return text
    except ValueError:
        return repr(text)


def _inside(p: Param, x: float) -> bool:
    low_ok = p.low is None or (x > p.low if p.low_open else x >= p.low)
    high_ok = p.high is None or (x < p.high if p.high_open else x <= p.high)
    return low_ok and high_ok


def _whole(p: Param, value: Any) -> int:
    what = "a whole number of days" if p.kind == "days" else "a whole number"
    if p.step > 1:
        what = f"a whole number of weeks in days ({p.step}, {2 * p.step}, {4 * p.step}, ...)"
    n: int | None = value if isinstance(value, int) and not isinstance(value, bool) else None
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        n = int(value.strip())
    if n is None or not _inside(p, n) or n % p.step:
        raise UsageError(f"{p.flag} must be {what} {p.bounds}, not {_shown(value)}")
    return n


def _number(p: Param, value: Any) -> float:
    try:
        x = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError):
        x = math.nan
    if not math.isfinite(x) or not _inside(p, x):
        raise UsageError(f"{p.flag} must be a finite number {p.bounds}, not {_shown(value)}")
    return x


def _choice(p: Param, value: Any) -> str:
    text = str(value).strip()
    if text not in p.choices:
        raise UsageError(f"unknown {p.flag} '{value}' (expected one of "
                         f"{', '.join(p.choices)})")
    return text


def _flag(p: Param, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise UsageError(f"{p.flag} must be true or false, not {_shown(value)}")


def _list(p: Param, value: Any) -> list[str]:
    """Repeatable text; ``high``: at most that many (more is refused before any work)."""
    items = [str(v) for v in (value if isinstance(value, list | tuple) else [value])]
    if p.high is not None:
        count_at_most(items, p.name + "s", int(p.high))
    return items


PARSERS: dict[str, Callable[[Param, Any], Any]] = {
    "days": _whole, "int": _whole, "number": _number, "choice": _choice, "flag": _flag,
    "date": lambda p, v: as_date(v, p.flag),
    "month": lambda p, v: as_month(v, p.flag),
    "office": lambda p, v: office(v),
    "text": lambda p, v: str(v),
    "list": _list,
    "path": lambda p, v: Path(v) if isinstance(v, str) else v,  # (or what Python gives)
}
