"""What a count table holds, from its header (and file name) or from options: its event
kind, grain of time, geography, dimensions and vintage, and which column plays which part.

A table is recognized as counts when every column has a part: a time column (a date, a week
start, a month, a fiscal year), a geography column or value columns named after areas, a
dimension's values, a value column named ``count``/``n`` or after an event kind, population
denominators, or columns derived from those (shares, rates per 10,000) that are listed as
not mapped. A header with any other column is not a count table unless options declare it
(``--grain``/``--geo``): it goes to the record-level loader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from icestats import reference
from icestats.errors import InputError

KINDS = ("encounters", "detainers", "arrests", "book_ins", "removals")
GRAINS = ("day", "week", "month", "fy", "period")
GEOS = ("national", "state", "office")
# words naming an event kind, in column and file names (DDP's "detentions" are book-ins)
_KIND_WORDS = (("arrest", "arrests"), ("apprehension", "arrests"), ("detainer", "detainers"),
               ("encounter", "encounters"), ("removal", "removals"), ("book_in", "book_ins"),
               ("bookin", "book_ins"), ("detention", "book_ins"))
# time columns: normalized name -> the grain it implies
_TIME = {"date": "day", "day": "day", "apprehension_date": "day", "arrest_date": "day",
         "event_date": "day", "encounter_date": "day", "detainer_prepare_date": "day",
         "book_in_date": "day", "removal_date": "day", "departed_date": "day",
         "week_start": "week", "week": "week", "week_of": "week", "month": "month",
         "month_year": "month", "year_month": "month", "fiscal_year": "fy", "fy": "fy"}
_GEO = {"apprehension_aor": "office", "aor": "office", "office": "office",
        "area_of_responsibility": "office", "field_office": "office",
        "apprehension_state": "state", "state": "state", "state_name": "state"}
_VALUE = ("count", "n", "value", "total", "arrests", "encounters", "detainers", "removals",
          "book_ins", "detentions")
_POPULATION = {"total_population": "population", "population": "population",
               "immigrant_population": "immigrant", "immigrant_naturalized": "naturalized",
               "immigrant_noncitizen": "noncitizen", "noncitizen_population": "noncitizen"}
_DERIVED = re.compile(r"(_percent|_pct|_share|per10k|per_10k|per100k|per_100k|_rate)")
# values of a dimension seen as column names (a wide table): value -> dimension name
_DIM_VALUES = {"collateral": "apprehension_type", "targeted": "apprehension_type"}
_PERSONAL = re.compile(r"(citizenship|country|gender|sex|birth|age_group|nationality)")
_PERIOD_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})[_.-]+(?:to[_.-]+)?(\d{4}-\d{2}-\d{2})")
_AREA_IN_NAME = re.compile(r"^([a-z]{2})_")
DDP_STACKED_UNTIL = date(2024, 8, 11)  # DDP weekly arrests single-counted from this week on
DDP_STACKED = ("stacked: DDP's weekly arrests before 2024-08-11 add two or three "
               "overlapping releases (about 3x the single-release count)")


@dataclass(frozen=True)
class Declared:
    """What options say about a table (``None``: detect it)."""

    kind: str | None = None
    grain: str | None = None
    geo: str | None = None
    area: str | None = None
    start: date | None = None
    end: date | None = None
    vintage_column: str | None = None
    na_zero: bool = False

    def forces(self) -> bool:
        """Options that make a file a count table whatever its header."""
        return bool(self.grain or self.geo or self.area or self.vintage_column or self.start)


@dataclass
class Form:
    """A count table's form: ``roles`` maps each source column to its part."""

    name: str
    kind: str
    grain: str
    geo: str
    roles: dict[str, str]
    area: str | None = None  # the one area of a table without a geography column
    start: date | None = None  # a one-period table's first and last day
    end: date | None = None
    dims: tuple[str, ...] = ()
    na_zero: bool = False
    zero_is_gap: bool = False  # a national count of zero is a gap in the data, not a count
    vintage: str | None = None  # 'ddp-detention' (file, pull date, fiscal year) or 'column'
    notes: list[str] = field(default_factory=list)
    stacked_until: date | None = None  # periods before this day stack releases (DDP)

    def columns(self, role: str) -> list[str]:
        return [c for c, r in self.roles.items() if r == role]


def norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def kind_in(text: str) -> str | None:
    t = norm(text)
    for word, kind in _KIND_WORDS:
        if word in t:
            return kind
    return None


def area_code(geo: str, value: str) -> str | None:
    """The code of an area's spelling: a USPS state code or an office code."""
    if geo == "state":
        return reference.state_aliases().get(reference.state_key(value))
    return reference.aor_aliases().get(reference.aor_key(value))


def detect(columns: list[str], file_name: str, declared: Declared) -> Form | None:
    """The table's form, or None when the header is not a count table's and no option
    declares one. Raises ``InputError`` for a recognized table icestats does not load."""
    _refuse(columns, file_name)
    if {"fiscal_year", "file_date", "pull_date"} <= {norm(c) for c in columns}:
        return _ddp_detention(columns, file_name, declared)
    roles = _roles(columns, declared)
    if roles is None:
        return None
    form = _form(roles, columns, file_name, declared)
    _known_notes(form, file_name)
    return form


def _refuse(columns: list[str], file_name: str) -> None:
    """Tables that are recognized but are not counts icestats may load."""
    n = [norm(c) for c in columns]
    stem = norm(file_name)
    if n == ["year", "count"] and "_by_year" in stem:
        raise InputError(file_name, "DDP's yearly counts are its weekly table summed by the "
                         "year each week starts in: load the matching *_by_week.csv instead")
    if "rolling" in stem or any("rolling" in c or c.startswith("avg_") for c in n):
        raise InputError(file_name, "a table of rolling means, not counts: load the counts "
                                    "they were computed from")
    personal = [c for c in columns if _PERSONAL.search(norm(c))]
    if personal and any(norm(c) in ("count", "n", "arrests") for c in columns):
        raise InputError(file_name, f"counts by a personal attribute ('{personal[0]}') are "
                         "not loaded from count tables: icestats publishes such counts only "
                         "from records, through its small-cell protection")


def _ddp_detention(columns: list[str], file_name: str, declared: Declared) -> Form:
    """DDP's parse of every vintage of ICE's detention statistics workbooks."""
    if not {"arresting_agency", "date", "n_book_ins"} <= {norm(c) for c in columns}:
        raise InputError(file_name, "a table of DDP's parsed detention statistics that is not "
                         "counts of events by month (stocks, averages or year-to-date "
                         "figures); of these tables icestats reads book-ins-by-arresting-agency")
    parts = {"arresting_agency": "dim", "date": "time", "n_book_ins": "value",
             "fiscal_year": "fy_label", "file_date": "vintage_file", "pull_date": "vintage_pull",
             "n_book_ins_ytd": "derived", "month": "month_label"}
    roles = {c: parts.get(norm(c), "unknown") for c in columns}  # (in the file's order)
    if "unknown" in roles.values():
        raise InputError(file_name, f"unexpected column '{_first(roles, 'unknown')}' in DDP's "
                                    "book-ins by arresting agency")
    return Form("ddp-detention-book-ins", declared.kind or "book_ins", "month", "national",
                roles, dims=("arresting_agency",), vintage="ddp-detention",
                notes=["every vintage of ICE's detention statistics workbooks (DDP's parse): "
                       "file date, pull date and fiscal year per vintage"])


def _first(roles: dict[str, str], role: str) -> str:
    return next(c for c, r in roles.items() if r == role)


def _roles(columns: list[str], declared: Declared) -> dict[str, str] | None:
    """Each column's part; None when some column has none and nothing is declared."""
    roles: dict[str, str] = {}
    for c in columns:
        roles[c] = _role(c, roles, declared)
    rest = [c for c, r in roles.items() if r == "?"]
    if rest and _all_areas(rest, declared.geo):
        for c in rest:
            roles[c] = "value_area"
    elif rest and declared.forces() and len(rest) == 1 and "value" not in roles.values():
        roles[rest[0]] = "value"
    if "?" in roles.values() or not {"value", "value_area", "value_dim"} & set(roles.values()):
        if declared.forces():
            unplaced = [c for c, r in roles.items() if r == "?"]
            raise InputError("", (f"cannot tell what column '{unplaced[0]}' holds" if unplaced
                                  else "no column of counts") + ": name the time column date, "
                             "week_start, month or fiscal_year, the area column state or office, "
                             "the counts count, n or the event kind (arrests ...)")
        return None
    if "time" not in roles.values() and "geo" not in roles.values() and not declared.forces():
        return None
    return roles


def _role(column: str, roles: dict[str, str], declared: Declared) -> str:
    c = norm(column)
    taken = set(roles.values())
    if declared.vintage_column and column == declared.vintage_column:
        return "vintage"
    if not c:
        return "row_number"  # R's unnamed column of row names
    if c in _TIME and "time" not in taken:
        return "time"
    if c in _GEO:
        return "geo_name" if "geo" in taken else "geo"  # (a second column naming the areas)
    if c in _POPULATION:
        return "population:" + _POPULATION[c]
    if _DERIVED.search(c):
        return "derived"
    if c in _VALUE and "value" not in taken:
        return "value"
    if c in _DIM_VALUES:
        return "value_dim"
    return "?"


def _all_areas(columns: list[str], geo: str | None) -> bool:
    return any(all(area_code(g, c) for c in columns) for g in ((geo,) if geo else
                                                               ("state", "office")))


def _form(roles: dict[str, str], columns: list[str], file_name: str,
          declared: Declared) -> Form:
    time = [c for c, r in roles.items() if r == "time"]
    grain = declared.grain or (_TIME[norm(time[0])] if time else "period")
    if grain not in GRAINS:
        raise InputError(file_name, f"--grain {grain}: expected one of {', '.join(GRAINS)}")
    geo = declared.geo or _geo(roles)
    if declared.area and not declared.geo:
        geo = "state" if area_code("state", declared.area) else "office"
    named = _AREA_IN_NAME.match(file_name.lower())
    if geo == "national" and not declared.geo and named and area_code("state", named[1]):
        geo = "state"  # (mn_collateral.csv: Minnesota; said in the table's notes)
    kind = declared.kind or _kind(roles, file_name)
    if kind is None:
        raise InputError(file_name, "cannot tell which event kind the counts are: give --kind "
                                    f"({', '.join(KINDS)})")
    form = Form("counts", kind, grain, geo, roles, na_zero=declared.na_zero)
    dims = sorted({_DIM_VALUES[norm(c)] for c in form.columns("value_dim")})
    form.dims = tuple(dims)
    form.area = _area(form, file_name, declared)
    if grain == "period":
        form.start, form.end = _period(file_name, declared)
    elif not time:
        raise InputError(file_name, f"--grain {grain} needs a column of dates, weeks, months "
                                    "or fiscal years; none was found")
    if declared.vintage_column:
        if declared.vintage_column not in roles:
            raise InputError(file_name, f"--vintage-column '{declared.vintage_column}' is not "
                                        "a column of the file")
        form.vintage = "column"
    form.zero_is_gap = geo == "national" and grain in ("week", "month") and not declared.na_zero
    return form


def _geo(roles: dict[str, str]) -> str:
    if "value_area" in roles.values():
        cols = [c for c, r in roles.items() if r == "value_area"]
        return "state" if all(area_code("state", c) for c in cols) else "office"
    geo_cols = [c for c, r in roles.items() if r == "geo"]
    return _GEO[norm(geo_cols[0])] if geo_cols else "national"


def _kind(roles: dict[str, str], file_name: str) -> str | None:
    for role in ("value", "time"):
        for c, r in roles.items():
            if r == role and kind_in(c):
                return kind_in(c)
    return kind_in(file_name)


def _area(form: Form, file_name: str, declared: Declared) -> str | None:
    """The one area of a state or office table without a geography column."""
    if form.geo == "national" or form.columns("geo") or form.columns("value_area"):
        if declared.area:
            raise InputError(file_name, "--area is for a table of one state or office; this "
                                        "one names its areas itself")
        return None
    spelled = declared.area
    if spelled is None:
        m = _AREA_IN_NAME.match(file_name.lower())
        spelled = m.group(1) if m and form.geo == "state" else None
        if spelled:
            form.notes.append(f"one state, {reference.states().get(spelled.upper())}, from the "
                              f"file name's prefix '{spelled}_' (--area to say otherwise)")
    code = area_code(form.geo, spelled) if spelled else None
    if code is None:
        raise InputError(file_name, f"a table of one {form.geo} that does not say which: give "
                                    f"--area (a {form.geo} name or code)")
    return code


def _period(file_name: str, declared: Declared) -> tuple[date, date]:
    if declared.start and declared.end:
        return declared.start, declared.end
    m = _PERIOD_IN_NAME.search(file_name)
    if m is None:
        raise InputError(file_name, "a table of totals over one period that does not say "
                                    "which: give --from and --to (the period's first and last "
                                    "day)")
    return date.fromisoformat(m.group(1)), date.fromisoformat(m.group(2))


def _known_notes(form: Form, file_name: str) -> None:
    """What is known of the published tables this form was recognized from."""
    if re.fullmatch(r"(arrests|detentions|detainers|encounters|removals)_by_week\.csv",
                    file_name) and form.grain == "week" and form.geo == "national":
        form.name = "ddp-weekly-event-counts"
        form.notes.append("DDP's national weekly counts (weeks start on Sunday); a week "
                          "reported as 0 is a gap in DDP's data, not a count")
        if form.kind == "arrests":
            form.stacked_until = DDP_STACKED_UNTIL
            form.notes.append(DDP_STACKED)
    if form.grain == "period" and form.geo in ("office", "state") and \
            "population:population" in form.roles.values():
        form.name = f"{form.kind}-by-{form.geo}-over-a-period"
        form.notes.append("ACS 2024 population, immigrant and noncitizen counts per area "
                          "kept as denominators; shares and rates per 10,000 not mapped "
                          "(derived)")



def declare(*, kind: str | None = None, grain: str | None = None, geo: str | None = None,
            area: str | None = None, start: str | date | None = None,
            end: str | date | None = None, vintage_column: str | None = None,
            na_zero: bool = False) -> Declared:
    """Options declaring a count table's form, checked (``UsageError`` names the option)."""
    from icestats.errors import UsageError
    from icestats.params import as_date

    for value, allowed, option in ((kind, KINDS, "--kind"), (grain, GRAINS, "--grain"),
                                   (geo, GEOS, "--geo")):
        if value is not None and value not in allowed:
            raise UsageError(f"{option} {value}: expected one of {', '.join(allowed)}")
    first, last = as_date(start, "--from"), as_date(end, "--to")
    if (first is None) != (last is None):
        raise UsageError("--from and --to go together (a one-period count table's first and "
                         "last day)")
    if first and last and last < first:
        raise UsageError("--to is before --from")
    if area is not None and geo == "national":
        raise UsageError("--area names a state or office; --geo national has none")
    if area is not None and area_code(geo or "state", area) is None and \
            area_code("office", area) is None:
        raise UsageError(f"--area {area}: not a state or office name or code")
    return Declared(kind, grain, geo, area, first, last, vintage_column, na_zero)
