"""Column layouts of arrest releases: header names -> canonical fields, header-row detection."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# Canonical field -> header spellings seen across releases (compared by header_key).
FIELDS: dict[str, tuple[str, ...]] = {
    "apprehension_date": ("Apprehension Date", "Apprehension Date Time", "Apprehension DateTime"),
    "state": ("Apprehension State",),
    "county": ("Apprehension County",),
    "aor": ("Apprehension AOR", "TOA Current Duty AOR", "Area of Responsibility"),
    "final_program": ("Apprehension Final Program", "Final Program"),
    "method": ("Apprehension Method",),
    "apprehension_type": ("Apprehension Type",),
    "criminality": ("Apprehension Criminality",),
    "agency": ("Arresting Agency",),
    "case_status": ("Case Status",),
    "case_category": ("Case Category",),
    "departed_date": ("Departed Date",),
    "departure_country": ("Departure Country",),
    "final_order": ("Final Order Yes No", "Final Order"),
    "final_order_date": ("Final Order Date",),
    "birth_year": ("Birth Year",),
    "citizenship": ("Citizenship Country",),
    "gender": ("Gender",),
    "site_landmark": ("Apprehension Site Landmark", "Apprehension Landmark"),
    "operation": ("Operation",),
    "case_threat_level": ("Case Threat Level",),
    "identifier": ("Unique Identifier", "Anonymized Identifier"),
}
REQUIRED = ("apprehension_date", "aor")
HEADER_SCAN_ROWS = 60
MIN_KNOWN_HEADERS = 3


def header_key(name: str) -> str:
    """Compare header names ignoring case, spacing and punctuation."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


_BY_KEY = {header_key(alias): field for field, aliases in FIELDS.items() for alias in aliases}


@dataclass(frozen=True)
class Layout:
    """Where the header is and which source column feeds each canonical field."""

    header_index: int  # 0-based row index of the header in the sheet (or file)
    columns: dict[str, str]  # canonical field -> source column name
    ignored: tuple[str, ...]  # source columns not in the canonical schema

    @property
    def name(self) -> str:
        """'2025' when the late-2025 columns are present, else '2023'."""
        return "2025" if "agency" in self.columns else "2023"


class LayoutProblem(Exception):
    """Raised with (message, row index or None, column or None)."""

    def __init__(self, message: str, row: int | None = None, column: str | None = None):
        super().__init__(message)
        self.message, self.row, self.column = message, row, column


def match_header(cells: Sequence[object]) -> dict[str, str]:
    """Canonical field -> cell text for the cells of one row that are known header names."""
    found: dict[str, str] = {}
    for cell in cells:
        if isinstance(cell, str):
            field = _BY_KEY.get(header_key(cell))
            if field is not None and field not in found:
                found[field] = cell
    return found


def detect_layout(rows: Sequence[Sequence[object]]) -> Layout:
    """Find the header among the first rows: the first row naming enough known columns.

    Raises LayoutProblem for an unknown layout or a header lacking a required column.
    """
    for index, cells in enumerate(rows[:HEADER_SCAN_ROWS]):
        found = match_header(cells)
        if len(found) < MIN_KNOWN_HEADERS:
            continue
        missing = [f for f in REQUIRED if f not in found]
        if missing:
            expected = " or ".join(f"'{a}'" for a in FIELDS[missing[0]][:2])
            raise LayoutProblem(f"header has no {expected} column", row=index,
                                column=FIELDS[missing[0]][0])
        dupes = _duplicate_headers(cells)
        if dupes:
            raise LayoutProblem("column appears twice in the header", row=index, column=dupes)
        named = {c for c in cells if isinstance(c, str)}
        ignored = tuple(sorted(c.strip() for c in named if c not in found.values() and c.strip()))
        return Layout(index, found, ignored)
    raise LayoutProblem(
        "unknown layout: no header row with 'Apprehension Date' and an AOR column "
        f"in the first {HEADER_SCAN_ROWS} rows"
    )


def _duplicate_headers(cells: Sequence[object]) -> str | None:
    seen: set[str] = set()
    for cell in cells:
        if isinstance(cell, str) and header_key(cell) in _BY_KEY:
            key = _BY_KEY[header_key(cell)]
            if key in seen:
                return cell
            seen.add(key)
    return None
