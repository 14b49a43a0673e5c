"""Column layouts of arrest releases: header names -> canonical fields, header-row detection."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from icestats.ingest.registry import UNREGISTERED, best_layout
from icestats.schema import SYNTHETIC_MARK

# Canonical field -> header spellings seen across releases (compared by header_key).
# Identifiers of a person other than the one used for duplicates (Alien File Number, EID
# Case ID, EID Subject ID) are deliberately not fields: never stored, listed as not mapped.
FIELDS: dict[str, tuple[str, ...]] = {
    "apprehension_date": ("Apprehension Date", "Apprehension Date Time", "Apprehension DateTime",
                          "Apprehension Date And Time", "Arrest Date"),
    "state": ("Apprehension State", "State"),
    "county": ("Apprehension County", "County"),
    "aor": ("Apprehension AOR", "TOA Current Duty AOR", "Area of Responsibility",
            "Apprehension Area of Responsibility"),
    "final_program": ("Apprehension Final Program", "Final Program"),
    "final_program_group": ("Final Program Group",),
    "method": ("Apprehension Method", "Arrest Method"),
    "apprehension_type": ("Apprehension Type",),
    "criminality": ("Apprehension Criminality",),
    "case_criminality": ("Case Criminality",),
    "conviction_status": ("Most Serious Criminal Conviction Charge Status",),
    "agency": ("Arresting Agency",),
    "case_status": ("Case Status",),
    "case_category": ("Case Category",),
    "processing_disposition": ("Processing Disposition",),
    "departed_date": ("Departed Date",),
    "departure_country": ("Departure Country",),
    "final_order": ("Final Order Yes No", "Final Order"),
    "final_order_date": ("Final Order Date",),
    "birth_year": ("Birth Year",),
    "birth_date": ("Birth Date",),  # read for its year only (where Birth Year is absent)
    "citizenship": ("Citizenship Country", "Citizenship"),
    "gender": ("Gender",),
    "site_landmark": ("Apprehension Site Landmark", "Apprehension Landmark"),
    "operation": ("Operation",),
    "case_threat_level": ("Case Threat Level",),
    "apprehension_threat_level": ("Apprehension Threat Level",),
    "removal_threat_level": ("Removal Threat Level",),
    "duty_site": ("TOA Current Duty Site",),  # read for the state it names (state_from_site)
    "identifier": ("Unique Identifier", "Anonymized Identifier",
                   "Sequence Number/Unique Identifier"),
}
# fields read to derive another one: stored under that one's name
STORED_AS = {"birth_date": "birth_year", "duty_site": "state_from_site"}
REQUIRED = ("apprehension_date", "aor")
OFFICE_COLUMNS = " or ".join(f"'{a}'" for a in FIELDS["aor"][:3])
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
    ignored: tuple[str, ...]  # source columns not in the canonical schema (not mapped)
    name: str = UNREGISTERED  # the registered layout it matches best (ingest.registry)

    def mapped(self) -> dict[str, str]:
        """Source column -> the field it is stored as (what ``status`` lists)."""
        stored = dict(STORED_AS)
        if "birth_year" in self.columns:
            stored["birth_date"] = ""  # the year comes from Birth Year
        out = {src: stored.get(f, f) for f, src in self.columns.items()}
        return {src: f for src, f in out.items() if f}

    def unmapped(self) -> list[str]:
        """Source columns not stored: unknown ones and those another column supersedes."""
        return sorted({*self.ignored, *(src for src in self.columns.values()
                                        if src not in self.mapped())})


class LayoutProblem(Exception):
    """Raised with (message, row index or None, column or None)."""

    def __init__(self, message: str, row: int | None = None,
                 column: str | None = None) -> None:
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
        if "aor" not in found:
            raise LayoutProblem(
                f"this release has no office column ({OFFICE_COLUMNS}): icestats counts "
                "arrests per field office and cannot place its records", row=index,
                column=FIELDS["aor"][0])
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
        keys = [header_key(c) for c in named if c.strip()]
        return Layout(index, found, ignored, best_layout(keys, header_key))
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


def says_synthetic(rows: Sequence[Sequence[object]]) -> bool:
    """True when a banner line (a row above the header) is icestats' synthetic mark."""
    return any(isinstance(c, str) and c.strip().startswith(SYNTHETIC_MARK)
               for row in rows for c in row)
