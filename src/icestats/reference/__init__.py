"""Reference tables shipped with the package (sources in SOURCES.md) and their loaders."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TextIO

HQ = "HQ"
UNKNOWN = "UNK"
_SUFFIXES = (" AREA OF RESPONSIBILITY", " FIELD OFFICE", " AOR")
SPACE = "[ \\t\\n\\r\\f\\v]"  # one whitespace class, the same in Python and in SQL


@dataclass(frozen=True)
class Office:
    code: str
    name: str
    city: str
    state: str
    aliases: tuple[str, ...]


def _open(name: str) -> TextIO:
    """A shipped table as text (newline='' for the csv module)."""
    raw = resources.files(__package__).joinpath(name).open("rb")
    return io.TextIOWrapper(raw, encoding="utf-8", newline="")


@cache
def offices() -> tuple[Office, ...]:
    """The 25 field offices plus HQ, in the order of aor.csv."""
    with _open("aor.csv") as fh:
        return tuple(
            Office(r["code"], r["name"], r["office_city"], r["office_state"],
                   tuple(a for a in r["aliases"].split("|") if a))
            for r in csv.DictReader(fh)
        )


def field_office_codes() -> list[str]:
    """The 25 field-office codes (HQ excluded)."""
    return [o.code for o in offices() if o.code != HQ]


def aor_key(value: str) -> str:
    """The matching key of an AOR spelling: upper case, no dots, single spaces, no suffix.

    ``aor_key_sql`` is the same function in SQL; a property test keeps them equal.
    """
    key = re.sub(SPACE + "+", " ", value.replace(".", "")).strip(" ").upper()
    for suffix in _SUFFIXES:
        if key.endswith(suffix):
            key = key[: -len(suffix)].strip(" ")
            break
    return key


def aor_key_sql(col: str) -> str:
    """SQL expression computing ``aor_key`` of column ``col``."""
    base = f"upper(trim(regexp_replace(replace({col}, '.', ''), '{SPACE}+', ' ', 'g')))"
    suffixes = "|".join(s.strip() for s in _SUFFIXES)
    return f"trim(regexp_replace({base}, '\\s(?:{suffixes})$', ''))"


@cache
def published_arrests() -> dict[int, tuple[int, str]]:
    """ICE's published administrative arrests by fiscal year: {year: (arrests, source)}."""
    with _open("published.csv") as fh:
        return {int(r["fiscal_year"]): (int(r["administrative_arrests"]), r["source"])
                for r in csv.DictReader(fh)}


@cache
def aor_aliases() -> dict[str, str]:
    """Map of aor_key(spelling) -> code, for every name, code and alias."""
    table: dict[str, str] = {}
    for o in offices():
        for spelling in (o.code, o.name, *o.aliases):
            table[aor_key(spelling)] = o.code
    return table


@cache
def office_arrests_2025() -> dict[str, dict[str, float]]:
    """Real arrests per office 2025-01-20..2026-08-06 with ACS 2024 populations, by code."""
    by_name = {aor_key(o.name): o.code for o in offices()}
    out: dict[str, dict[str, float]] = {}
    with _open("arrests_by_office_2025.csv") as fh:
        for r in csv.DictReader(fh):
            code = by_name[aor_key(r["office"])] if aor_key(r["office"]) in by_name else \
                aor_aliases()[aor_key(r["apprehension_aor"])]
            out[code] = {
                "arrests": float(r["arrests"]),
                "population": float(r["total_population"]),
                "noncitizen": float(r["immigrant_noncitizen"]),
            }
    return out


@cache
def office_states() -> dict[str, list[tuple[str, str]]]:
    """Office code -> list of (state name, county name or '') it covers (2025 map)."""
    by_name = {aor_key(o.name): o.code for o in offices()}
    out: dict[str, list[tuple[str, str]]] = {}
    with _open("county_to_office_2025.csv") as fh:
        rows = csv.reader(fh, skipinitialspace=True)
        next(rows)
        for office, state, county, _notes in rows:
            out.setdefault(by_name[aor_key(office)], []).append((state, county))
    return out


@cache
def populations() -> dict[str, dict[str, float]]:
    """Per office: ACS 2024 total and noncitizen population (Harlingen included), and the
    2019 estimated undocumented population (Harlingen carved out of San Antonio in
    proportion to their ACS 2024 noncitizen populations)."""
    acs = office_arrests_2025()
    undoc: dict[str, float] = {}
    with _open("aor_population_2012_2019.psv") as fh:
        for r in csv.DictReader(fh, delimiter="|"):
            if r["year"] == "2019":
                undoc[r["aor"]] = float(r["undocu_pop"])
    hal, sna = acs["HAL"]["noncitizen"], acs["SNA"]["noncitizen"]
    undoc["HAL"] = undoc["SNA"] * hal / (hal + sna)
    undoc["SNA"] -= undoc["HAL"]
    return {code: {"population": v["population"], "noncitizen": v["noncitizen"],
                   "undocumented": undoc[code]} for code, v in acs.items()}


_COUNTY_SUFFIX = re.compile(r"\s+(county|parish|borough|census area|city and borough|"
                            r"municipality|municipio)$")


def _county_key(name: str) -> str:
    name = name.lower().replace(".", "").replace("'", "").replace("-", " ").strip()
    return re.sub(r"\s+", " ", _COUNTY_SUFFIX.sub("", name))


@cache
def county_offices() -> dict[str, str]:
    """County FIPS code -> 2025 field office. States covered whole by one office take it;
    split states (Texas five ways, New York, California, ...) go by county name; a county
    the 2025 table does not name keeps its office in the older county table."""
    by_name = {aor_key(o.name): o.code for o in offices()}
    whole: dict[str, str] = {}
    named: dict[tuple[str, str], str] = {}
    with _open("county_to_office_2025.csv") as fh:
        rows = csv.reader(fh, skipinitialspace=True)
        next(rows)
        for office, state, county, _notes in rows:
            code = by_name[aor_key(office)]
            if county:
                named[(state.lower(), _county_key(county))] = code
            else:
                whole[state.lower()] = code
    out: dict[str, str] = {}
    with _open("county_population_aor.csv") as fh:
        for r in csv.DictReader(fh):
            county, _, state = r["name"].rpartition(", ")
            key = (state.strip(), _county_key(county))
            out[r["geoid"]] = whole.get(key[0]) or named.get(key) or r["aor"]
    return out


@cache
def office_locations() -> dict[str, tuple[float, float]]:
    """Office code -> (latitude, longitude) of its city (two decimals)."""
    with _open("office_locations.csv") as fh:
        return {r["code"]: (float(r["lat"]), float(r["lon"])) for r in csv.DictReader(fh)}


def distance_km(a: str, b: str) -> float:
    """Great-circle distance between two offices' cities (haversine, Earth radius 6,371 km)."""
    import math

    (la1, lo1), (la2, lo2) = office_locations()[a], office_locations()[b]
    p1, p2, dl = math.radians(la1), math.radians(la2), math.radians(lo2 - lo1)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def state_key(value: str) -> str:
    """The matching key of a state spelling: upper case, no dots, single spaces."""
    return re.sub(SPACE + "+", " ", value.replace(".", "")).strip(" ").upper()


@cache
def states() -> dict[str, str]:
    """USPS code -> state (or territory) name, in the order of states.csv."""
    with _open("states.csv") as fh:
        return {r["code"]: r["name"] for r in csv.DictReader(fh)}


@cache
def state_aliases() -> dict[str, str]:
    """Map of state_key(spelling) -> USPS code, for every code, name and alias."""
    table: dict[str, str] = {}
    with _open("states.csv") as fh:
        for r in csv.DictReader(fh):
            for spelling in (r["code"], r["name"], *r["aliases"].split("|")):
                if spelling:
                    table[state_key(spelling)] = r["code"]
    return table


@cache
def state_offices() -> dict[str, list[str]]:
    """USPS code -> the field offices covering some part of the state (2025 map): one
    office for most states, five for Texas."""
    out: dict[str, list[str]] = {}
    for code, places in office_states().items():
        for state, _county in places:
            st = state_aliases()[state_key(state)]
            if code not in out.setdefault(st, []):
                out[st].append(code)
    return out
@cache
def facility_offices() -> dict[str, str]:
    """Detention facility code -> office code (UWCHR's detloc_aor.csv: 1,147 codes), for the
    book-ins and detainers of releases that name a facility but no office."""
    aliases = aor_aliases()
    with _open("detloc_aor.csv") as fh:
        return {r["detention_facility_code"].strip().upper():
                aliases[aor_key(r["area_of_responsibility"])]
                for r in csv.DictReader(fh) if aor_key(r["area_of_responsibility"]) in aliases}


_TITLE_OFFICE = re.compile(r"\b(?:for|in) the (.+?) (?:Area of Responsibility|AOR)\b", re.I)


def office_in_title(lines: list[str]) -> tuple[str, str] | None:
    """(office code, the line) when a title line names one field office ('... for the
    Seattle Area of Responsibility', '... in the Seattle AOR'): the first such line whose
    name is a known office. A line naming an unknown place names no office."""
    aliases = aor_aliases()
    for line in lines:
        for m in _TITLE_OFFICE.finditer(line):
            code = aliases.get(aor_key(m.group(1)))
            if code is not None and code != HQ:
                return code, line
    return None
