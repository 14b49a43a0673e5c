"""The one number formatter for every output (terminal, report, exports' labels).

Numbers are rounded by the one rounding rule (half away from zero) before they are
written, so a value shown with one decimal equals the answer's value rounded the same way.
Text that comes from the data is turned into ``rich.text.Text`` by ``text`` so that a value
such as ``[redacted]`` is shown as it is, never read as markup.
"""

from __future__ import annotations

from rich.text import Text

from icestats.numbers import round_half_up

NONE = "–"


def num(v: object, digits: int = 1) -> str:
    """A number as people read it: thousands separators, ``digits`` decimals for floats."""
    if v is None:
        return NONE
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        return f"{round_half_up(v, digits):,.{digits}f}"
    return str(v)


def pct(v: float | None, digits: int = 1) -> str:
    return NONE if v is None else num(float(v), digits) + "%"


def signed(v: float | None, digits: int = 1, suffix: str = "%") -> Text:
    """+12.0% in green, -3.1% in red."""
    if v is None:
        return Text(NONE)
    r = round_half_up(v, digits)
    return Text(f"{r:+,.{digits}f}{suffix}", style="green" if r > 0 else "red" if r < 0 else "")


def interval(v: object, lo: object, hi: object, digits: int = 2) -> str:
    """0.71 [0.63–0.80]"""
    if v is None:
        return NONE
    return f"{num(v, digits)} [{num(lo, digits)}–{num(hi, digits)}]"


def text(value: object) -> Text:
    """Data shown as text (never as rich markup)."""
    return Text(NONE if value is None else str(value))
