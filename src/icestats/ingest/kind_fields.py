"""Header names -> canonical fields for the event kinds other than arrests (encounters,
detainers, book-ins, removals), and which kind a header row holds.

Arrests keep their own map (``layout.FIELDS``). For these kinds a field takes the first
of its spellings that the header has (so a removals file with both 'Removal Date' and
'Departed Date' is dated by the removal date and keeps the departure as a second date),
each header feeding one field at most. The spellings are those of
``/shared/data/reference/layouts.md`` (every real layout of every kind).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from icestats.schema import EVENT_SECONDARY, EVENT_TEXT, EVENT_TIMES

# Fields every event kind may have (stored in the ``events`` table under these names).
COMMON: dict[str, tuple[str, ...]] = {
    "facility_code": ("Detention Facility Code", "Detainer Facility Code"),
    "site": ("Responsible Site", "TOD Current Duty Site", "Book In Site", "Docket Control Office"),
    "state": ("Facility State", "Apprehension State", "State"),
    "criminality": ("Encounter Criminality", "Detainer Prepared Criminality",
                    "Detainer Criminality", "Book In Criminality", "Case Criminality"),
    "threat_level": ("Encounter Threat Level", "Detainer Prep Threat Level",
                     "Detainer Threat Level", "Detainer Prepared Threat Level",
                     "Case Threat Level", "RC Threat Level", "Removal Threat Level"),
    "processing_disposition": ("Processing Disposition", "Processing Disposition Code",
                               "Progrocessing Disposition"),
    "method": ("Apprehension Method", "Event Type", "Arrest Method"),
    "final_program": ("Final Program", "Apprehension Final Program", "TOD Final Program"),
    "agency": ("Arresting Agency",),
    "case_status": ("Case Status",),
    "case_category": ("Case Category",),
    "departure_country": ("Departure Country",),
    "citizenship": ("Citizenship Country", "Citizenship", "Country of Citizenship",
                    "Citizenship County"),
    "gender": ("Gender",),
    "landmark": ("Landmark", "Event Landmark", "Apprehension Landmark"),
    "operation": ("Operation",),
    "lift_reason": ("Detainer Lift Reason",),
    "detainer_type": ("Detainer Type",),
    "release_reason": ("Detention Release Reason",),
    "stay_release_reason": ("Stay Release Reason",),
    "charge_section": ("Final Charge Section", "Final Charge Section Code"),
    "departed_date": ("Departed Date",),
    "linked_arrest_date": ("Apprehension Date", "Arrest Date", "Latest Person Apprehension Date",
                           "Latest Apprehension Date"),
    "stay_book_in": ("Stay Book In Date Time", "Stay Book In Date"),
    "book_out": ("Detention Book Out Date Time", "Book Out Date Time", "Detention Book Out Date"),
    "birth_year": ("Birth Year", "Numeric Birth Year"),
    "birth_date": ("Birth Date", "Date of Birth"),
    "identifier": ("Unique Identifier", "Anonymized Identifier", "Anonymized Identifer",
                   "Anonymized Unique Identifier"),
}
# The kind's own date and office columns, in order of preference.
DATES: dict[str, tuple[str, ...]] = {
    "encounters": ("Event Date",),
    "detainers": ("Detainer Prepare Date", "Detainer Prepared Date", "Prepare Date"),
    "book_ins": ("Book In Date Time", "Detention Book In Date Time",
                 "Detention Book In Date And Time", "Detention Book In Date", "Book In Date"),
    "removals": ("Removal Date", "Departed Date", "Departure Date"),
}
OFFICES: dict[str, tuple[str, ...]] = {
    "encounters": ("Event Area of Responsibility", "Responsible AOR", "Area of Responsibility"),
    "detainers": ("Facility AOR", "AOR", "Detainer AOR", "Area of Responsibility"),
    "book_ins": ("Book In AOR", "Area of Responsibility"),
    "removals": ("Area of Responsibility", "Docket AOR", "Case AOR"),
}
# What each office column means (release_kinds.office_rule)
OFFICE_MEANING = {
    "Event Area of Responsibility": "office of the encounter",
    "Responsible AOR": "responsible office (the case's docket)",
    "Facility AOR": "office of the holding facility",
    "AOR": "office of the holding facility",
    "Detainer AOR": "office that issued the detainer",
    "Book In AOR": "book-in office",
    "Docket AOR": "docket office of the case",
    "Case AOR": "office of the case",
    "Area of Responsibility": "area of responsibility as released",
}
TEXT, SECONDARY, TIMES = EVENT_TEXT, EVENT_SECONDARY, EVENT_TIMES


def fields_for(kind: str) -> dict[str, tuple[str, ...]]:
    """Every field of ``kind`` with its spellings: its date and office first."""
    return {"event_date": DATES[kind], "aor": OFFICES[kind], **COMMON}


def assign(kind: str, cells: Iterable[object], key: Callable[[str], str]) -> dict[str, str]:
    """Canonical field -> header text for a header row of ``kind``: each field takes its
    first spelling present; a header feeds one field at most."""
    by_key: dict[str, str] = {}
    for cell in cells:
        if isinstance(cell, str) and cell.strip():
            by_key.setdefault(key(cell), cell)
    used: set[str] = set()
    found: dict[str, str] = {}
    for fld, spellings in fields_for(kind).items():
        for spelling in spellings:
            k = key(spelling)
            if k in by_key and k not in used:
                found[fld] = by_key[k]
                used.add(k)
                break
    return found


def all_keys(key: Callable[[str], str]) -> frozenset[str]:
    """Every header spelling of every event kind (header-row detection)."""
    names = {s for kind in DATES for spellings in fields_for(kind).values() for s in spellings}
    return frozenset(key(s) for s in names)


ARREST_DATES = ("Apprehension Date And Time", "Apprehension Date Time")


def signature(keys: set[str], key: Callable[[str], str]) -> str | None:
    """The kind a header of no registered layout holds, by the date it carries (stated
    order: a book-in date, a detainer date, an event date or an encounter's office, a
    removal date; else None, for arrests). A departure date alone is a removal only when
    nothing dates an arrest."""
    def has(*names: str) -> bool:
        return any(key(n) in keys for n in names)

    if has(*DATES["book_ins"], "Stay Book In Date Time"):
        return "book_ins"
    arrest_dated = has(*ARREST_DATES, "Apprehension Date", "Arrest Date")
    if has(*DATES["detainers"]) and not has(*ARREST_DATES):
        return "detainers"
    if has("Event Date", "Event Area of Responsibility") or (
            has("Responsible AOR") and not arrest_dated):
        return "encounters"
    if has("Removal Date", "Departure Date") or has("Departed Date") and (
            not arrest_dated or has("Port of Departure", "Docket AOR", "Case AOR",
                                    "Processing Disposition Code")):
        return "removals"
    return None
