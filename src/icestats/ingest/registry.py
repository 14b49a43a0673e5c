"""The known real layouts of ICE arrest releases, each named after its FOIA release, with
its headers in the order the release has them.

Detection (``layout.detect_layout``) maps every header to a canonical field by its
spelling (``layout.FIELDS``); the registry then names the layout: the one whose headers
the file matches best. A file that matches none well enough is loaded as 'unregistered'
(its columns still mapped or listed as not mapped).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

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
}
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


def best_layout(header_keys: Iterable[str], key: Callable[[str], str]) -> str:
    """The registered layout the header matches best: the largest share of its headers
    present, then the fewest headers of the file it lacks; 'unregistered' below MIN_SHARE.
    ``key`` normalizes a header name (``layout.header_key``)."""
    have = set(header_keys)
    best, best_score = UNREGISTERED, (MIN_SHARE, -10**9)
    for name, headers in LAYOUTS.items():
        want = {key(h) for h in headers}
        score = (len(want & have) / len(want), -len(have - want))
        if score >= best_score:
            best, best_score = name, score
    return best
