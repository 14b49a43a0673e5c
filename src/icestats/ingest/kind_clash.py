"""Columns that say a sheet holds another kind of event: a sheet detected as one kind that
also carries another kind's defining column (its date, or a column only that kind has) is
refused, rather than loaded with the column listed as not mapped (two kinds' headers in one
sheet are a joined or mislabelled file, whose rows are not one kind's events).

Real layouts share many columns across kinds (`Departed Date` is in arrests, encounters,
detainers and book-ins; `Apprehension Date` in detainers and removals; `Arrest Date` in the
Seattle CAP removals), so a kind's defining columns are computed from the registry: its
date spellings and kind-only columns that no registered layout of another kind carries.
One real exception that the registry does not list whole: the 2022-ICFO-22955 arrests
(113 columns, `/shared/data/reference/layouts.md` 3.3) carry a detainer's `Detainer
Prepare Date`, `Detainer Type` and `Detainer Lift Reason`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache

from icestats.ingest import kind_fields
from icestats.ingest.registry import KIND_LAYOUTS

Key = Callable[[str], str]

# Beside each kind's dates, the columns only that kind has (layouts.md 2, 4).
KIND_ONLY = {
    "detainers": ("Detainer Type", "Detainer Lift Reason", "Detainer Lift Reason Code"),
    "book_ins": ("Stay Book In Date Time", "Stay Book In Date", "Stay Release Reason",
                 "Detention Release Reason"),
    "removals": ("Removal Case COL",),  # 2018-ICFO-36170: removals dated by arrest only
}
ARREST_DATES = ("Apprehension Date And Time", "Apprehension Date Time",
                "Apprehension DateTime")
# (sheet kind, column): a real layout of that kind carries another kind's column
ALLOWED = {("arrests", c) for c in ("Detainer Prepare Date", "Detainer Type",
                                    "Detainer Lift Reason")}


def _candidates(kind: str) -> tuple[str, ...]:
    dates = ARREST_DATES if kind == "arrests" else kind_fields.DATES[kind]
    return (*dates, *KIND_ONLY.get(kind, ()))


@cache
def defining(key: Key) -> dict[str, dict[str, str]]:
    """kind -> {key of a defining column: its spelling}: the candidates no registered
    layout of another kind carries."""
    seen = {k: {key(h) for headers in layouts.values() for h in headers}
            for k, layouts in KIND_LAYOUTS.items()}
    out: dict[str, dict[str, str]] = {}
    for kind in KIND_LAYOUTS:
        elsewhere = set().union(*(v for k, v in seen.items() if k != kind))
        out[kind] = {key(c): c for c in _candidates(kind) if key(c) not in elsewhere}
    return out


def clashes(kind: str, cells: Iterable[object], key: Key) -> dict[str, list[str]]:
    """Other kind -> the header cells of a ``kind`` sheet that define that kind."""
    allowed = {key(c) for k, c in ALLOWED if k == kind}
    found: dict[str, list[str]] = {}
    for other, columns in defining(key).items():
        if other == kind:
            continue
        hits = [c.strip() for c in cells if isinstance(c, str) and key(c) in columns
                and key(c) not in allowed]
        if hits:
            found[other] = hits
    return found


def message(kind: str, found: dict[str, list[str]]) -> str:
    """One line: the sheet's kind, the clashing columns and the kinds they define."""
    said = "; ".join(f"{', '.join(repr(c) for c in cols)} of {other.replace('_', '-')}"
                     for other, cols in found.items())
    return (f"this {kind.replace('_', '-')} sheet also has another kind's defining "
            f"column(s): {said}; a sheet holds one kind of event (split the file, or remove "
            f"the columns)")
