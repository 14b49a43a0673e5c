"""The known real layouts of ICE releases, each named after its FOIA release, with its
headers in the order the release has them: arrests here, the other kinds (encounters,
detainers, book-ins, removals) in ``registry_events``.

Detection (``layout.detect_layout``) maps every header to a canonical field by its
spelling (``layout.FIELDS``); the registry then names the layout: the one whose headers
the file matches best. A file that matches none well enough is loaded as 'unregistered'
(its columns still mapped or listed as not mapped).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from icestats.ingest.registry_events import EVENT_LAYOUTS

LAYOUTS: dict[str, tuple[str, ...]] = {
    # UWCHR, FY2016 - 2019-09-01 (pipe-separated csv.gz, five banner lines, M/D/YYYY)
    "2019-ICFO-53623": (
        "Area of Responsibility", "Apprehension Date", "Apprehension Method",
        "Apprehension Landmark", "Operation", "Processing Disposition", "Birth Date",
        "Citizenship", "Gender"),
    # UWCHR, FY2012-2023
    "2022-ICFO-09023": (
        "Area of Responsibility", "Arrest Date", "Departed Date", "Arrest Method",
        "Apprehension Landmark", "Operation", "Processing Disposition", "Citizenship Country",
        "Gender", "Removal Threat Level", "Apprehension Threat Level", "Alien File Number",
        "Case Closed Date"),
    # Only these columns of this release are known (issue 12): Excel serial date-times.
    "2022-ICFO-22955": (
        "Apprehension Date And Time", "Apprehension AOR", "Apprehension Method",
        "Most Serious Criminal Conviction Charge Status", "Citizenship Country", "Gender",
        "Sequence Number/Unique Identifier"),
    # Deportation Data Project, releases of 2025 through 2025-10-15 (also 2025-ICLI-00019)
    "2024-ICFO-39357": (
        "Apprehension Date", "Apprehension State", "Apprehension County", "Apprehension AOR",
        "Final Program", "Final Program Group", "Apprehension Method",
        "Apprehension Criminality", "Case Status", "Case Category", "Departed Date",
        "Departure Country", "Final Order Yes No", "Final Order Date", "Birth Date",
        "Birth Year", "Citizenship Country", "Gender", "Apprehension Site Landmark",
        "Alien File Number", "EID Case ID", "EID Subject ID", "Unique Identifier"),
    # Deportation Data Project, March 2026 (one workbook per fiscal year FY23-FY26)
    "2026-ICLI-00005": (
        "Apprehension Date", "Apprehension Type", "State", "County", "TOA Current Duty AOR",
        "Apprehension Final Program", "Arresting Agency", "Apprehension Method",
        "Apprehension Criminality", "Case Status", "Case Category", "Departure Country",
        "Final Order Yes No", "Birth Date", "Birth Year", "Citizenship Country", "Gender",
        "Departed Date", "Final Order Date", "Apprehension Site Landmark", "Operation",
        "TOA Current Duty Site", "Case Criminality", "Case Threat Level",
        "Anonymized Identifier"),
    # ACLU v. ICE (Deportation Data Project, 2012-2023): no office column (refused, saying so)
    "2023-ICFO-42034": (
        "Apprehension Date", "Apprehension Method", "Arrest Created By", "Case ID", "Subject ID",
        "Alien File Number", "Anonymized Identifier"),
    # Deportation Data Project, February 2025 (before 'Apprehension Site Landmark')
    "2024-ICFO-39357-feb2025": (
        "Apprehension Date", "Apprehension State", "Apprehension County", "Apprehension AOR",
        "Final Program", "Final Program Group", "Apprehension Method",
        "Apprehension Criminality", "Case Status", "Case Category", "Departed Date",
        "Departure Country", "Final Order Yes No", "Final Order Date", "Birth Date",
        "Birth Year", "Citizenship Country", "Gender", "Alien File Number", "EID Case ID",
        "EID Subject ID", "Unique Identifier"),
    # August 2026 (files Hausman_ARS_*): the office is 'AOR'
    "2026-08-hausman": (
        "AOR", "County", "Apprehension Criminality", "Apprehension Date", "Event Landmark",
        "Apprehension Method", "State", "City", "Birth Year", "Case Category", "Case Status",
        "Case Threat Level", "Citizenship Country", "Departed Date", "Departure Country",
        "Final Order Date", "Final Order Yes No", "Final Program", "Final Program Group",
        "Gender", "Alien File Number", "Anonymized Unique Identifier"),
    # Seattle office workbook, 2012-2019 (UW v. DHS): no office column, the office is named
    # in the title line
    "UW-v-DHS-ICE-Productions": (
        "Arrest Date", "Date of Birth", "Gender", "Country of Citizenship", "Event Number",
        "Apprehension Landmark", "Arrest Method", "Most Serious Conviction"),
    # Seattle CAP workbook, FY2017-18 (FOIA 2018-ICFO-36170): the date column last
    "2018-ICFO-36170": (
        "Event Number", "Area of Responsibility", "Apprehension Landmark", "Operation",
        "Processing Disposition", "Date of Birth", "Country of Citizenship", "Gender",
        "Arrest Method", "Arrest Date"),
}
# Every kind's layouts (arrests above; the other kinds in registry_events)
KIND_LAYOUTS: dict[str, dict[str, tuple[str, ...]]] = {"arrests": LAYOUTS, **EVENT_LAYOUTS}
# Names of releases loaded before the registry (the generator's two layouts), and the
# registry layout each stands for; ``generate --layout`` takes them as aliases.
LEGACY = {"2023": "2024-ICFO-39357", "2025": "2026-ICLI-00005"}
UNREGISTERED = "unregistered"
MIN_SHARE = 0.6  # of a registered layout's headers a file must have to bear its name


def resolve(name: str) -> str:
    """A registry name from a registry name or a legacy alias (KeyError otherwise)."""
    name = LEGACY.get(name, name)
    if name not in LAYOUTS:
        raise KeyError(name)
    return name


def best_layout(header_keys: Iterable[str], key: Callable[[str], str],
                kind: str = "arrests") -> str:
    """The registered layout of ``kind`` the header matches best: the largest share of its
    headers present, then the fewest headers of the file it lacks; 'unregistered' below
    MIN_SHARE. ``key`` normalizes a header name (``layout.header_key``)."""
    return best_kind_layout(header_keys, key, (kind,))[1]


def best_kind_layout(header_keys: Iterable[str], key: Callable[[str], str],
                     kinds: Iterable[str] | None = None) -> tuple[str | None, str]:
    """(kind, layout name) of the registered layout the header matches best among every
    kind's (or ``kinds``'); (None, 'unregistered') below MIN_SHARE."""
    have = set(header_keys)
    best: tuple[str | None, str] = (None, UNREGISTERED)
    best_score = (MIN_SHARE, -10**9)
    for kind in kinds or KIND_LAYOUTS:
        for name, headers in KIND_LAYOUTS[kind].items():
            want = {key(h) for h in headers}
            score = (len(want & have) / len(want), -len(have - want))
            if score >= best_score:
                best, best_score = (kind, name), score
    return best
