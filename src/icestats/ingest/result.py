"""What loading one release file reports: the file's totals and, per kind of event it holds
(a release may hold several: sheets or files of arrests, encounters, detainers, book-ins,
removals), what each kind loaded."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

from icestats.kinds import LABELS


@dataclass
class KindResult:
    """One kind of event in one file (a ``release_kinds`` row)."""

    kind: str
    layouts: set[str] = field(default_factory=set)
    sheets: list[str] = field(default_factory=list)
    office_from: str = "column"  # column, facility code, title line, --aor option
    office_rule: str = ""  # the header, title line or option the office comes from
    date_column: str = ""  # the source column the date is read from
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_blank: int = 0
    rows_implausible: int = 0
    rows_undated: int = 0  # of rows_rejected: rows of sheets with no date column
    episodes: int = 0  # events counted (the kind's duplicate rule applied)
    coverage_start: date | None = None
    coverage_end: date | None = None
    one_office: str | None = None  # the one office every loaded record names, if one

    @property
    def layout(self) -> str:
        return "+".join(sorted(self.layouts))

    def to_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["layouts"] = sorted(self.layouts)
        d["layout"] = self.layout
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in d.items()}

    def line(self) -> str:
        """One line for a reader: what this kind loaded."""
        label = LABELS[self.kind]
        office = "" if self.office_from == "column" else \
            f"; office from the {self.office_from} ({self.office_rule})"
        counted = (f"{self.episodes:,} stays: the other rows are later placements of a stay "
                   "or duplicates" if self.kind == "book_ins" else
                   f"{self.episodes:,} {label} after merging "
                   f"{self.rows_loaded - self.episodes:,} duplicate records")
        if not self.rows_loaded:
            return (f"{label}: none loaded: {self.rows_undated:,} rows rejected, their sheets "
                    f"have no date column ({self.layout} layout; {', '.join(self.sheets)})")
        undated = f" ({self.rows_undated:,} in sheets with no date column)" \
            if self.rows_undated else ""
        return (f"{label}: loaded {self.rows_loaded:,} rows ({counted}), rejected "
                f"{self.rows_rejected:,}{undated}; covers {self.coverage_start} to "
                f"{self.coverage_end}; {self.layout} layout{office}")


@dataclass
class IngestResult:
    file: str
    sha256: str
    already_loaded: bool = False
    release_id: int | None = None
    file_format: str = ""
    layout: str = ""
    sheets: list[str] = field(default_factory=list)
    empty_sheets: list[str] = field(default_factory=list)
    notes_sheets: list[str] = field(default_factory=list)  # notes/README sheets, not loaded
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    episodes: int = 0
    coverage_start: date | None = None
    coverage_end: date | None = None
    compression: str = "none"  # the wrapper the file came in: none, gzip, zstd, zip
    synthetic: bool = False  # the file says it was generated (icestats' banner/properties)
    columns_mapped: dict[str, str] = field(default_factory=dict)  # source column -> field
    columns_unmapped: list[str] = field(default_factory=list)  # source columns not stored
    rows_blank: int = 0  # rows with no value at all: skipped, counted, not stored
    rows_implausible: int = 0  # of rows_rejected: dates that cannot be true (ingest.dates)
    rejects_stored: int = 0  # of rows_rejected: rows stored in rejects (at most 10,000)
    kinds: dict[str, KindResult] = field(default_factory=dict)  # per kind of event held

    @property
    def records_merged(self) -> int:
        return self.rows_loaded - self.episodes

    @property
    def arrests_only(self) -> bool:
        return set(self.kinds) <= {"arrests"}

    def kind(self, kind: str) -> KindResult:
        """The tally of ``kind`` in this file (made when first seen)."""
        return self.kinds.setdefault(kind, KindResult(kind))

    def add_up(self) -> None:
        """The file's totals from its kinds."""
        ks = list(self.kinds.values())
        if not any(k.rows_loaded for k in ks):
            from icestats.errors import InputError

            raise InputError(self.file, "no loadable rows (every row was rejected)")
        for name in ("rows_loaded", "episodes"):
            setattr(self, name, sum(getattr(k, name) for k in ks))
        starts = [k.coverage_start for k in ks if k.coverage_start]
        ends = [k.coverage_end for k in ks if k.coverage_end]
        self.coverage_start = min(starts) if starts else None
        self.coverage_end = max(ends) if ends else None
        self.layout = "+".join(sorted({name for k in ks for name in k.layouts}))

    def to_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["records_merged"] = self.records_merged
        d["kinds"] = {k: v.to_dict() for k, v in self.kinds.items()}
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in d.items()}
