"""The five kinds of enforcement event ICE releases, and the facts each kind needs: the
date an event counts on, the office it counts in, and what makes one event (the counting
rule). One place for these words; ingest, the store, counting and the docs read them here.
Nothing here imports another icestats module.

Kinds in the order of the pipeline: an encounter may lead to a detainer (a request to a
jail to hold someone), an arrest, a book-in into ICE detention, and a removal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

KINDS = ("encounters", "detainers", "arrests", "book_ins", "removals")
ARRESTS = "arrests"
EVENT_KINDS = tuple(k for k in KINDS if k != ARRESTS)  # stored in the ``events`` table


@dataclass(frozen=True)
class KindRule:
    """What one event of a kind is, stated once (docs/methods.md prints these)."""

    kind: str
    one: str  # "an encounter"
    date: str  # which column the day comes from
    office: str  # which column the office comes from, and what it means
    counting: str  # duplicates and episodes
    without_id: str = "a record without a usable identifier counts on its own"


RULES = {
    "encounters": KindRule(
        "encounters", "an encounter",
        "Event Date",
        "the office of the event: 'Event Area of Responsibility' (2019-ICFO-53623), "
        "'Area of Responsibility' (2022-ICFO-09023), 'Responsible AOR' (2025-2026: the office "
        "whose docket holds the case)",
        "records of one identifier on one day are one encounter (the Deportation Data "
        "Project's duplicate flag: same identifier and event date)"),
    "detainers": KindRule(
        "detainers", "a detainer",
        "'Detainer Prepare Date' (also spelt 'Detainer Prepared Date', 'Prepare Date'): a "
        "date without a time",
        "the office of the holding facility (the jail or prison asked to hold the person): "
        "'Facility AOR' ('AOR' in August 2026); where blank, the office of the facility "
        "code ('Detention Facility Code') in reference/detloc_aor.csv",
        "records of one identifier prepared on the same day are one detainer (DDP: same "
        "identifier and prepare date; the date has no time)"),
    "arrests": KindRule(
        "arrests", "an arrest",
        "'Apprehension Date' (a date-time in 2025-2026; 'Arrest Date' in 2022-ICFO-09023)",
        "the apprehending office: 'Apprehension AOR', 'TOA Current Duty AOR', "
        "'Area of Responsibility' or 'AOR'",
        "records of one identifier within 24 hours of the previous one are one arrest "
        "episode, counted on its first record ('ERO Reprocessed Arrest' records sort after "
        "others at the same time)"),
    "book_ins": KindRule(
        "book_ins", "a book-in",
        "the stay's book-in: 'Stay Book In Date Time' where the release has stays, else the "
        "placement's 'Book In Date Time' ('Detention Book In Date...', 'Book In Date')",
        "the book-in office: 'Book In AOR' (March 2026), 'Area of Responsibility' "
        "(2022-ICFO-09022); otherwise the office of the first facility's code "
        "('Detention Facility Code') in reference/detloc_aor.csv",
        "a book-in is a stay (DDP): the custody from the first book-in to the final "
        "book-out, possibly across several facilities. A row is one placement (a stint); "
        "the stint whose book-in is the stay's book-in starts the stay; stints of one "
        "identifier with the same stay book-in are one stay. --count records counts "
        "stints", "a row without a usable identifier counts as a stay when its book-in is "
        "its stay's book-in (or the release has no stay column)"),
    "removals": KindRule(
        "removals", "a removal",
        "'Removal Date' where the release has it (2019-ICFO-53623, 2022-ICFO-09023 from "
        "FY2014: ICE's date of record, the one its fiscal-year totals use), else "
        "'Departed Date' ('Departure Date' in 2023-ICFO-42034)",
        "the case's office: 'Area of Responsibility' (2019-ICFO-53623, 2022-ICFO-09023), "
        "'Docket AOR' (2025, August 2026), 'Case AOR' (March 2026)",
        "records of one identifier with the same removal date are one removal (DDP: same "
        "identifier and departed date)"),
}
LABELS = {"encounters": "encounters", "detainers": "detainers", "arrests": "arrests",
          "book_ins": "book-ins", "removals": "removals"}
# How a record's office was found (events.office_from, release_kinds.office_rule)
OFFICE_FROM = ("column", "facility code", "title line", "--aor option")


def say(text: str, kind: str) -> str:
    """``text`` with 'arrest(s)' said in ``kind``'s words: the prose of a question asked of
    another event kind (its method, notes, legends, labels). Only prose goes through it,
    never data (a method value 'ERO Reprocessed Arrest' stays as released)."""
    if kind == ARRESTS:
        return text
    many = LABELS[kind]
    one = many.removesuffix("s")
    text = re.sub(r"\b([Aa])rrests\b",
                  lambda m: many.capitalize() if m.group(1) == "A" else many, text)
    return re.sub(r"\b([Aa])rrest\b",
                  lambda m: one.capitalize() if m.group(1) == "A" else one, text)


def said(value: Any, kind: str) -> Any:
    """``say`` applied to every string in ``value`` (a note, or a dict or list of notes)."""
    if isinstance(value, str):
        return say(value, kind)
    if isinstance(value, dict):
        return {k: said(v, kind) for k, v in value.items()}
    if isinstance(value, list):
        return [said(v, kind) for v in value]
    return value


def check_kind(kind: str) -> str:
    """``kind`` itself when it is one of KINDS (ValueError otherwise: callers that take it
    from a user turn that into their own one-line error)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind '{kind}' (expected one of {', '.join(KINDS)})")
    return kind
