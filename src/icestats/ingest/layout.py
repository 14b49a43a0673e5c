"""Column layouts of releases: header names -> canonical fields, header-row detection, and
which kind of event a sheet holds (arrests here; the other kinds' fields in
``kind_fields``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from icestats.ingest import kind_clash, kind_fields
from icestats.ingest.registry import KIND_LAYOUTS, UNREGISTERED, best_kind_layout
from icestats.reference import office_in_title
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
            "Apprehension Area of Responsibility", "AOR"),
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
    "birth_date": ("Birth Date", "Date of Birth"),  # its year only (where Birth Year is absent)
    "citizenship": ("Citizenship Country", "Citizenship", "Country of Citizenship"),
    "gender": ("Gender",),
    "site_landmark": ("Apprehension Site Landmark", "Apprehension Landmark", "Event Landmark"),
    "operation": ("Operation",),
    "case_threat_level": ("Case Threat Level",),
    "apprehension_threat_level": ("Apprehension Threat Level",),
    "removal_threat_level": ("Removal Threat Level",),
    "duty_site": ("TOA Current Duty Site",),  # read for the state it names (state_from_site)
    "identifier": ("Unique Identifier", "Anonymized Identifier",
                   "Sequence Number/Unique Identifier", "Anonymized Unique Identifier"),
}
# fields read to derive another one: stored under that one's name
STORED_AS = {"birth_date": "birth_year", "duty_site": "state_from_site"}
REQUIRED = ("apprehension_date", "aor")
HEADER_SCAN_ROWS = 60
# column names of a count table's counts (compared by header_key)
COUNT_NAMES = frozenset({"count", "n", "total", "value", "number", "arrests", "encounters",
                         "detainers", "removals", "bookins", "detentions"})
MIN_KNOWN_HEADERS = 3


def header_key(name: str) -> str:
    """Compare header names ignoring case, spacing and punctuation."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


_BY_KEY = {header_key(alias): field for field, aliases in FIELDS.items() for alias in aliases}
_ANY_KIND = frozenset(_BY_KEY) | kind_fields.all_keys(header_key)
ARRESTS = "arrests"


@dataclass(frozen=True)
class Layout:
    """Where the header is, which kind of event the rows are, and which source column feeds
    each canonical field."""

    header_index: int  # 0-based row index of the header in the sheet (or file)
    columns: dict[str, str]  # canonical field -> source column name
    ignored: tuple[str, ...]  # source columns not in the canonical schema (not mapped)
    name: str = UNREGISTERED  # the registered layout it matches best (ingest.registry)
    kind: str = ARRESTS  # encounters, detainers, arrests, book_ins or removals (icestats.kinds)
    office_from: str = "column"  # or 'facility code', 'title line', '--aor option'
    office: str | None = None  # the office code of every row (title line or --aor option)
    office_note: str = ""  # the header, title line or option the office comes from

    @property
    def fields(self) -> frozenset[str]:
        """The canonical fields a reader's relation holds: the mapped columns, and 'aor'
        when the office is a constant (title line, --aor) the reader adds."""
        return frozenset(self.columns) | ({"aor"} if self.office is not None else set())

    @property
    def date_field(self) -> str:
        """The canonical field holding the date an event counts on."""
        return "apprehension_date" if self.kind == ARRESTS else "event_date"

    def mapped(self) -> dict[str, str]:
        """Source column -> the field it is stored as (what ``status`` lists)."""
        stored = dict(STORED_AS) if self.kind == ARRESTS else {"birth_date": "birth_year"}
        if "birth_year" in self.columns:
            stored["birth_date"] = ""  # the year comes from Birth Year
        out = {src: stored.get(f, f) for f, src in self.columns.items()}
        return {src: f for src, f in out.items() if f}

    def unmapped(self) -> list[str]:
        """Source columns not stored: unknown ones and those another column supersedes."""
        return sorted({*self.ignored, *(src for src in self.columns.values()
                                        if src not in self.mapped())})


class LayoutProblem(Exception):
    """Raised with (message, row index or None, column or None); ``undated``: the layout of
    a sheet of a known kind whose header has no date column (its rows cannot be counted by
    day: a workbook loads its other sheets and records these rows as rejected)."""

    def __init__(self, message: str, row: int | None = None,
                 column: str | None = None, undated: Layout | None = None,
                 headerless: bool = False) -> None:
        super().__init__(message)
        self.message, self.row, self.column = message, row, column
        self.undated = undated
        self.headerless = headerless  # no row named three known columns: notes, not data


def match_header(cells: Sequence[object]) -> dict[str, str]:
    """Canonical field -> cell text for the cells of one row that are known arrest header
    names. Two spellings of one field (the 2022-ICFO-22955 arrests carry the lead event's
    `Event Landmark` beside `Apprehension Landmark`): the one listed first in FIELDS feeds
    it, the other is not mapped (a required field's two columns are refused instead,
    ``_duplicate_headers``)."""
    by_key: dict[str, str] = {}
    for cell in cells:
        if isinstance(cell, str):
            by_key.setdefault(header_key(cell), cell)
    found: dict[str, str] = {}
    for field, aliases in FIELDS.items():
        for alias in aliases:
            cell = by_key.get(header_key(alias))
            if cell is not None:
                found[field] = cell
                break
    return found


def _keys(cells: Sequence[object]) -> set[str]:
    return {header_key(c) for c in cells if isinstance(c, str) and c.strip()}


def header_kind(cells: Sequence[object]) -> tuple[str, str]:
    """(kind, registered layout name) of a header row: the registered layout of any kind it
    matches best, else the kind its dates say (``kind_fields.signature``), else arrests;
    then checked against the header as a whole (``_reading``)."""
    keys = _keys(cells)
    kind, name = best_kind_layout(keys, header_key)
    if kind is None:
        kind = kind_fields.signature(keys, header_key) or ARRESTS
    if name != UNREGISTERED and {header_key(h) for h in KIND_LAYOUTS[kind][name]} <= keys:
        return kind, name  # every column of a registered layout: its kind, extra columns
        # that define another kind are refused (kind_clash)
    reads, fits = _reading(cells)
    top = {k for k, n in reads.items() if n == max(reads.values())}
    if kind not in top and top & fits:
        kind = next(k for k in reads if k in top & fits)  # ties: arrests first
        name = best_kind_layout(keys, header_key, kinds=(kind,))[1]
    return kind, name


def _reading(cells: Sequence[object]) -> tuple[dict[str, int], set[str]]:
    """(kind -> how many of the header's columns it reads, the kinds that could hold the
    header whole: their date column is there and no other kind's defining column is).

    The registered layout matched best decides when the header holds all its columns;
    else a kind that reads more of the header and could hold it does. A share of a small
    layout's columns can outscore a large one's: an arrests header of many optional
    columns (Departed Date, Birth Date, Gender, ...) matched a removals or encounters
    layout better than any arrests layout, and was refused or read as that kind
    (a property test found it)."""
    reads: dict[str, int] = {}
    fits: set[str] = set()
    for kind in (ARRESTS, *kind_fields.DATES):
        found = match_header(cells) if kind == ARRESTS else \
            kind_fields.assign(kind, cells, header_key)
        reads[kind] = len(found)
        date = "apprehension_date" if kind == ARRESTS else "event_date"
        if date in found and not kind_clash.clashes(kind, cells, header_key):
            fits.add(kind)
    return reads, fits


def detect_layout(rows: Sequence[Sequence[object]], office: str | None = None) -> Layout:
    """Find the header among the first rows (the first row naming enough known columns of
    any kind) and the kind of event below it. A sheet without an office column takes its
    office from ``office`` (the --aor option) or from a title line above the header naming
    one office ('... for the Seattle Area of Responsibility'); detainers and book-ins from
    the facility code.

    Raises LayoutProblem for an unknown layout or a header lacking a required column."""
    seen = False
    for index, cells in enumerate(rows[:HEADER_SCAN_ROWS]):
        few = len(_keys(cells) & _ANY_KIND) < MIN_KNOWN_HEADERS
        placed = _placed_kinds(cells) if few else set()
        if few and not placed:
            continue
        seen = True
        kind, name = header_kind(cells)
        found = match_header(cells) if kind == ARRESTS else \
            kind_fields.assign(kind, cells, header_key)
        if kind == ARRESTS and len(found) < MIN_KNOWN_HEADERS or \
                few and kind not in placed:
            continue
        date_field = "apprehension_date" if kind == ARRESTS else "event_date"
        if date_field not in found:
            spelled = FIELDS["apprehension_date"] if kind == ARRESTS else \
                kind_fields.DATES[kind]
            raise LayoutProblem(
                f"this {kind.replace('_', '-')} sheet has no date column "
                f"({' or '.join(repr(s) for s in spelled[:3])}): icestats counts events by day",
                row=index, column=spelled[0], undated=Layout(index, found, (), name, kind))
        clash = kind_clash.clashes(kind, cells, header_key)
        if clash:
            raise LayoutProblem(kind_clash.message(kind, clash), row=index,
                                column=next(iter(clash.values()))[0])
        dupes = _duplicate_headers(cells) if kind == ARRESTS else _two_offices(kind, cells)
        if dupes:
            raise LayoutProblem(dupes[1], row=index, column=dupes[0])
        named = {c for c in cells if isinstance(c, str)}
        ignored = tuple(sorted(c.strip() for c in named if c not in found.values() and c.strip()))
        where = _office(kind, found, rows[:index], office, index)
        return Layout(index, found, ignored, name, kind, *where)
    raise _unknown(rows[:HEADER_SCAN_ROWS], seen)


def _placed_kinds(cells: Sequence[object]) -> set[str]:
    """The kinds other than arrests whose own date column and own office column (or, for
    detainers and book-ins, facility code) the row names: such a row is a header though it
    names fewer than three known columns ('Departed Date, Docket AOR, Prior Deport Yes No'
    is a removals extract). Not arrests: 'Apprehension Date' and 'Area of Responsibility'
    are also the linked arrest date and the office of removals and book-in releases, so two
    of them alone do not say the rows are arrests (a trimmed removals file would be
    counted as arrests on their arrest dates); an arrests header still names three."""
    kinds: set[str] = set()
    if _counts_column(cells):
        return kinds  # a date, an office and a count: a count table's row, not records
    for kind in kind_fields.DATES:
        found = kind_fields.assign(kind, cells, header_key)
        facility = kind in ("detainers", "book_ins") and "facility_code" in found
        if "event_date" in found and ("aor" in found or facility):
            kinds.add(kind)
    return kinds


def _counts_column(cells: Sequence[object]) -> str | None:
    """A column named as counts (count, n, total, removals...): the header is a count
    table's that ``counts`` did not recognize (e.g. its office column is 'Docket AOR')."""
    return next((c.strip() for c in cells if isinstance(c, str)
                 and header_key(c) in COUNT_NAMES), None)


def _unknown(rows: Sequence[Sequence[object]], seen: bool) -> LayoutProblem:
    """The refusal of rows with no header: says what a header needs and, for the row that
    names the most known columns, which ones it names (and which its kind reads)."""
    need = ("a header names three known columns of one kind, or the date and office "
            "columns of a kind other than arrests, e.g. 'Departed Date' and 'Docket AOR'")
    known = [[c.strip() for c in cells if isinstance(c, str) and header_key(c) in _ANY_KIND]
             for cells in rows]
    best = max(range(len(known)), key=lambda i: len(known[i]), default=None)
    if best is None or not known[best]:
        scope = f" of the first {HEADER_SCAN_ROWS}" if len(rows) >= HEADER_SCAN_ROWS else ""
        return LayoutProblem(f"unknown layout: no row{scope} names a known column ({need})",
                             headerless=not seen)
    cells, names = rows[best], _listed(known[best])
    counts = _counts_column(cells)
    if counts is not None:  # (a count table's own loader read the file first)
        return LayoutProblem(
            f"unknown layout: the row most like a header names {names} beside {counts!r}, "
            "a column of counts: a count table names its columns date (or week_start, "
            "month), office (or state) and count", row=best, headerless=not seen)
    kind = header_kind(cells)[0]
    own = [c.strip() for c in (match_header(cells) if kind == ARRESTS else
                               kind_fields.assign(kind, cells, header_key)).values()]
    said = f"names only {names}"
    if sorted(own) != sorted(known[best]):  # known columns of several kinds
        label = kind.replace("_", "-")
        said = (f"names {names}, of which {'an' if label[0] in 'ae' else 'a'} {label} "
                f"header reads only {_listed(own)}")
    return LayoutProblem(f"unknown layout: the row most like a header {said} ({need})",
                         row=best, headerless=not seen)


def _listed(names: Sequence[str]) -> str:
    quoted = [repr(n) for n in names] or ["none"]
    return " and ".join([", ".join(quoted[:-1]), quoted[-1]] if len(quoted) > 1 else quoted)


def _office(kind: str, found: dict[str, str], above: Sequence[Sequence[object]],
            option: str | None, index: int) -> tuple[str, str | None, str]:
    """(office_from, office code, note): where the rows' office comes from."""
    if "aor" in found:
        return "column", None, found["aor"]
    if option is not None:
        return "--aor option", option, f"--aor {option}"
    titled = office_in_title([c for row in above for c in row if isinstance(c, str)])
    if titled is not None:
        return "title line", titled[0], titled[1]
    if kind in ("detainers", "book_ins") and "facility_code" in found:
        return "facility code", None, found["facility_code"]
    offices = FIELDS["aor"][:3] if kind == ARRESTS else kind_fields.OFFICES[kind]
    lacks = f"no office column ({' or '.join(repr(c) for c in offices)})"
    if kind in ("detainers", "book_ins"):  # their rows are placed by the facility too
        codes = " or ".join(repr(c) for c in kind_fields.COMMON["facility_code"])
        lacks += f", no facility code ({codes})"
    raise LayoutProblem(
        f"this {kind.replace('_', '-')} release has {lacks} and no title line naming an "
        "office: icestats counts events per field office and cannot place its records "
        "(give the office with --aor CODE)", row=index, column=offices[0])


def _duplicate_headers(cells: Sequence[object]) -> tuple[str, str] | None:
    """(cell, why) for a header cell that repeats another (the same name twice), or a
    second column for a required field (two dates or two offices: which one counts cannot
    be chosen silently)."""
    names: set[str] = set()
    first: dict[str, str] = {}
    for cell in cells:
        if isinstance(cell, str) and header_key(cell) in _BY_KEY:
            key, field = header_key(cell), _BY_KEY[header_key(cell)]
            if key in names:
                return cell, "column appears twice in the header"
            if field in REQUIRED and field in first:
                what = "date" if field == "apprehension_date" else "office"
                return cell, _two(what, first[field], cell, "counts")
            names.add(key)
            first.setdefault(field, cell)
    return None


def _two_offices(kind: str, cells: Sequence[object]) -> tuple[str, str] | None:
    """(cell, why) for a second office column of another kind's header: which one places
    the records cannot be chosen silently (no real layout has two). Two dates can be: a
    removal's Removal Date and Departed Date are both real, the first listed counts."""
    spellings = {header_key(s) for s in kind_fields.OFFICES[kind]}
    hits = [c for c in cells if isinstance(c, str) and header_key(c) in spellings]
    if len({header_key(c) for c in hits}) < 2:
        return None
    return hits[1], _two("office", hits[0], hits[1], "places the records")


def _two(what: str, first: str, second: str, does: str) -> str:
    return (f"two {what} columns, '{first.strip()}' and '{second.strip()}': icestats cannot "
            f"tell which one {does} (remove one)")


def says_synthetic(rows: Sequence[Sequence[object]]) -> bool:
    """True when a banner line (a row above the header) is icestats' synthetic mark."""
    return any(isinstance(c, str) and c.strip().startswith(SYNTHETIC_MARK)
               for row in rows for c in row)
