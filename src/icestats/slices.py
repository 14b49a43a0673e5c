"""The slice: what every question is asked over, validated once and resolved once.

A ``Slice`` is a frozen value: the event kind, the count rule, the scope, the offices,
a window of days ending at an as-of day *or* a from/to range, whether the incomplete tail
may be reached, and the grain (time and place). Building one validates it with the
``params`` parsers, so a bad value has one message wherever it comes from.

``resolve(con, slice)`` looks at the store once: the days the data cover, the first and
last day the slice asks for, the covered days in between, the offices the counted
releases have no record of, and the files counted. The result, a ``Window``, is passed
down to metrics, series and the statistics (none of them looks the span up again), and
every answer carries it: its ``to_dict()`` is the ``window`` block of every JSON answer.

To add an event kind, declare it in ``KINDS``; a grain, in ``TIME_GRAINS`` or
``PLACE_GRAINS`` (see docs/architecture.md, "How to declare ...").
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from icestats import params
from icestats.errors import UsageError

if TYPE_CHECKING:
    import duckdb

# Event kinds a slice can count (icestats.kinds: each kind's date, office and counting
# rule), in the order of the pipeline. Arrests are read from ``arrests``; the others from
# ``events`` (``kind_counts.kind_connection`` gives every question the kind's rows).
KINDS: dict[str, str] = {
    "encounters": "ICE ERO encounters (record-level releases)",
    "detainers": "detainers issued by ICE (record-level releases)",
    "arrests": "ICE ERO administrative arrests (record-level releases)",
    "book_ins": "book-ins into ICE detention: stays (record-level releases; the detention "
                "statistics workbooks' monthly book-ins are `icestats agency`)",
    "removals": "removals (record-level releases)",
}
COUNTS = ("arrests", "records")  # one per 24-hour episode, or every record
SCOPES = ("all", "interior")  # interior: UWCHR's rule leaves border-related records out
TIME_GRAINS = ("day", "week", "month", "fy", "period")  # the finest the data allow
PLACE_GRAINS = ("office", "state", "nation")


@dataclass(frozen=True)
class Source:
    """The files an answer was computed from, and whether their numbers are real."""

    releases: tuple[tuple[str, bool | None], ...] = ()  # (file name, synthetic) counted
    workbooks: tuple[str, ...] = ()  # ICE detention statistics workbooks used
    counts: tuple[tuple[str, bool], ...] = ()  # (file name, synthetic) of count tables used
    records: str = "arrest records"  # what the releases' counted rows are
    # each release's own records word where the releases hold several kinds ('removal
    # records': status); empty: every release's is ``records``
    words: tuple[str, ...] = ()

    @property
    def synthetic(self) -> bool | None:
        """True when any counted release or count table is generated; None when that is
        unknown."""
        flags = [s for _, s in self.releases] + [s for _, s in self.counts]
        if not flags:
            return False if self.workbooks else None
        if any(s is None for s in flags):
            return None
        return any(flags)

    @property
    def text(self) -> str:
        """One line for a reader: which numbers are real, which generated, from which file."""
        parts = []
        words = self.words or (self.records,) * len(self.releases)
        for flag, label in ((False, "REAL "), (True, "GENERATED (synthetic) "), (None, "")):
            for word in dict.fromkeys(words):  # (each kind's files in one part)
                names = [n for (n, s), w in zip(self.releases, words, strict=True)
                         if s is flag and w == word]
                if names:
                    parts.append(f"{label}{word} from " + ", ".join(names))
        if self.workbooks:
            parts.append("REAL ICE detention statistics from " + ", ".join(self.workbooks))
        real_counts = [n for n, s in self.counts if not s]
        if real_counts:
            parts.append("REAL published counts from " + ", ".join(real_counts))
        generated_counts = [n for n, s in self.counts if s]
        if generated_counts:
            parts.append("GENERATED (synthetic) counts from " + ", ".join(generated_counts))
        return "; ".join(parts) if parts else "no data loaded"

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "synthetic": self.synthetic,
                # (a release's records word where it is not the answer's: status over a
                # store of several kinds says 'removal records' beside the arrests')
                "releases": [{"file": n, "synthetic": s,
                              **({"records": w} if w != self.records else {})}
                             for (n, s), w in zip(self.releases, self.words or
                                                  (self.records,) * len(self.releases),
                                                  strict=True)],
                "workbooks": list(self.workbooks),
                "count_tables": [{"file": n, "synthetic": s} for n, s in self.counts]}


@dataclass(frozen=True)
class Coverage:
    """The days the loaded releases cover, and the last day before the incomplete tail."""

    start: date | None
    end: date | None
    complete_through: date | None

    @property
    def empty(self) -> bool:
        return self.start is None

    @property
    def incomplete_from(self) -> date | None:
        if self.complete_through and self.end and self.complete_through < self.end:
            return self.complete_through + timedelta(days=1)
        return None

    def incomplete(self, day: date) -> bool:
        """True when ``day`` is inside the incomplete tail (reporting lag)."""
        first = self.incomplete_from
        return first is not None and day >= first

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "complete_through": self.complete_through,
                "incomplete_from": self.incomplete_from}


def counted_as(kind: str, count: str) -> str:
    """The counting rule as an answer states it: 'arrests' (episodes) is a kind's 'events'
    for another kind (removals' JSON said "count": "arrests")."""
    return "events" if kind != "arrests" and count == "arrests" else count


@dataclass(frozen=True)
class Slice:
    """What a question is asked over. ``window`` days ending at ``as_of`` (default: the
    last complete day), or the days from ``start`` to ``end`` (default: the data's first
    day, and its last complete day, or its last day with ``include_incomplete``)."""

    kind: str = "arrests"
    count: str = "arrests"
    scope: str = "all"
    offices: tuple[str, ...] = ()  # office codes; () = every office
    window: int | None = None
    start: date | None = None
    end: date | None = None
    as_of: date | None = None
    include_incomplete: bool = False
    time_grain: str = "day"
    place_grain: str = "office"

    def __post_init__(self) -> None:
        _choice(self.kind, tuple(KINDS), "--kind")
        _choice(self.count, COUNTS, "--count")
        _choice(self.scope, SCOPES, "--scope")
        _choice(self.time_grain, TIME_GRAINS, "grain")
        _choice(self.place_grain, PLACE_GRAINS, "grain")
        fix = object.__setattr__  # (frozen: the parsed values replace the given ones)
        fix(self, "offices", tuple(params.office(o) for o in self.offices))
        fix(self, "start", params.as_date(self.start, "--from"))
        fix(self, "end", params.as_date(self.end, "--to"))
        fix(self, "as_of", params.as_date(self.as_of, "--as-of"))
        if self.window is not None:
            fix(self, "window", params.days(self.window, "--window"))
            if self.start is not None or self.end is not None:
                raise UsageError("give --window (with --as-of) or --from/--to, not both")
        elif self.as_of is not None:
            raise UsageError("--as-of ends a window: it goes with --window, not --from/--to")
        if self.start and self.end and self.end < self.start:
            raise UsageError(f"--from {self.start} is after --to {self.end}")

    @property
    def office(self) -> str | None:
        """The one office asked about, or None for all of them."""
        return self.offices[0] if len(self.offices) == 1 else None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "count": counted_as(self.kind, self.count),
                "scope": self.scope,
                "offices": list(self.offices) or None, "window_days": self.window,
                "include_incomplete": self.include_incomplete,
                "grain": {"time": self.time_grain, "place": self.place_grain}}


def _choice(value: str, allowed: tuple[str, ...], option: str) -> None:
    if value not in allowed:
        raise UsageError(f"unknown {option} '{value}' (expected one of {', '.join(allowed)})")


@dataclass(frozen=True)
class Window:
    """A slice resolved against the store: the days it spans, what they cover and which
    files were counted. It reads as the pair ``(first, last)`` too (``start, end =
    answer.window``)."""

    slice: Slice
    first: date
    last: date
    days_with_data: int
    coverage: Coverage | None = None
    not_covered: tuple[str, ...] = ()
    source: Source = field(default_factory=Source)

    def __iter__(self) -> Iterator[date]:
        return iter((self.first, self.last))

    def __getitem__(self, i: int) -> date:
        return (self.first, self.last)[i]

    def __len__(self) -> int:
        return 2

    @property
    def days(self) -> int:
        """Calendar days from the first to the last day."""
        return (self.last - self.first).days + 1

    @property
    def as_of(self) -> date:
        return self.last

    @property
    def as_of_incomplete(self) -> bool:
        return bool(self.coverage and self.coverage.incomplete(self.last))

    def narrowed(self, first: date, last: date, source: Source | None = None) -> Window:
        """The same slice over other days inside the data (no new look at the store)."""
        return replace(self, first=first, last=last, source=source or self.source)

    def to_dict(self) -> dict[str, Any]:
        return {"from": self.first, "to": self.last, "days": self.days,
                "days_with_data": self.days_with_data, "as_of": self.last,
                "as_of_incomplete": self.as_of_incomplete, **self.slice.to_dict(),
                "data": self.coverage, "not_covered": list(self.not_covered)}


def resolve(con: duckdb.DuckDBPyConnection, s: Slice) -> Window:
    """The slice against the store: its days, coverage, offices not covered, files."""
    cov = coverage(con)
    if cov.empty:
        raise nothing_loaded(con)
    first, last = span(cov, s)
    return Window(s, first, last, days_with_data(con, first, last), cov,
                  tuple(uncovered_offices(con, first, last)), source(con, first, last))


def nothing_loaded(con: duckdb.DuckDBPyConnection) -> UsageError:
    """The error for a question over a kind the store holds no records of: the kinds it
    does hold, and how to ask them (a store of removals only said it held no releases)."""
    from icestats.kinds import LABELS

    asked = "arrests"  # (another kind's cursor names it: kind_counts.kind_connection)
    if con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'counted_kind' "
                   "AND temporary").fetchall()[0][0]:
        asked = str(con.execute("SELECT kind FROM counted_kind").fetchall()[0][0])
    held = con.execute("SELECT kind, min(coverage_start), max(coverage_end) "
                       "FROM main.release_kinds WHERE kind <> ? GROUP BY kind ORDER BY kind",
                       [asked]).fetchall()
    if not held:
        return UsageError("the database holds no releases yet; load one with `icestats ingest`")
    what = ", ".join(f"{LABELS[k]} ({a} to {b})" for k, a, b in held)
    return UsageError(f"no {LABELS[asked].removesuffix('s')} records are loaded; this "
                      f"database holds {what}: ask with --kind {held[0][0]}")


def days_with_data(con: duckdb.DuckDBPyConnection, first: date, last: date) -> int:
    """The days from ``first`` to ``last`` some loaded release covers."""
    row = con.execute("SELECT count(*) FROM day_owner WHERE date BETWEEN $a AND $b",
                      {"a": first, "b": last}).fetchall()
    return int(row[0][0])


def narrow(con: duckdb.DuckDBPyConnection, w: Window, first: date, last: date,
           src: Source | None = None) -> Window:
    """``w`` over other days inside the data, its days with data counted over them (so
    that they never exceed its days)."""
    return replace(w.narrowed(first, last, src), days_with_data=days_with_data(con, first, last))


def earlier(con: duckdb.DuckDBPyConnection, w: Window, last: date) -> Window:
    """A window of ``w``'s length ending on ``last`` (inside the data), over the same
    coverage: the days before an answer's window, without a new look at the data's span."""
    cov = w.coverage
    assert cov is not None and cov.start is not None
    first = max(last - timedelta(days=w.days - 1), cov.start)
    s = replace(w.slice, window=w.days, start=None, end=None, as_of=last,
                include_incomplete=True)
    row = con.execute("SELECT count(*) FROM day_owner WHERE date BETWEEN $a AND $b",
                      {"a": first, "b": last}).fetchall()
    return Window(s, first, last, int(row[0][0]), cov,
                  tuple(uncovered_offices(con, first, last)), source(con, first, last))


def span(cov: Coverage, s: Slice) -> tuple[date, date]:
    """The first and last day a slice asks for, checked against the data's days."""
    assert cov.start is not None and cov.end is not None
    if s.window is not None:
        last = window_end(cov, s.as_of, s.include_incomplete)
        return max(last - timedelta(days=s.window - 1), cov.start), last
    default_end = cov.end if s.include_incomplete else cov.complete_through or cov.end
    first, last = s.start or cov.start, s.end or default_end
    if last < cov.start or first > cov.end:
        raise UsageError(f"--from {first} --to {last} is outside the data ({cov.start} to "
                         f"{cov.end})")
    if last < first:
        raise UsageError(f"--from {first} is after --to {last} (the data cover {cov.start} "
                         f"to {cov.end})")
    return first, last


def window_end(cov: Coverage, as_of: date | None, include_incomplete: bool) -> date:
    """The last day of a window: ``as_of`` if given, else the last complete day."""
    assert cov.start is not None and cov.end is not None
    if as_of is not None:
        if not cov.start <= as_of <= cov.end:
            raise UsageError(f"--as-of {as_of} is outside the data ({cov.start} to {cov.end})")
        return as_of
    if include_incomplete or cov.complete_through is None:
        return cov.end
    return cov.complete_through


def coverage(con: duckdb.DuckDBPyConnection) -> Coverage:
    rows = con.execute("SELECT min(date), max(date), max(date) FILTER (WHERE NOT incomplete)"
                       " FROM day_owner").fetchall()
    return Coverage(*rows[0]) if rows else Coverage(None, None, None)


def source(con: duckdb.DuckDBPyConnection, start: date | None = None,
           end: date | None = None) -> Source:
    """The releases counted for the days in [start, end] (all days by default)."""
    rows = con.execute("""
        SELECT r.file_name, r.synthetic FROM releases r
        WHERE r.release_id IN (SELECT release_id FROM day_owner
                               WHERE date BETWEEN $start AND $end)
        ORDER BY r.release_id""", {"start": start or date.min, "end": end or date.max}
    ).fetchall()
    one = counted_kind(con).removesuffix("s").replace("_", "-")  # 'removal', 'book-in'
    return Source(releases=tuple((str(n), s) for n, s in rows), records=f"{one} records")


def counted_kind(con: duckdb.DuckDBPyConnection) -> str:
    """The event kind this connection counts ('arrests' unless it is a kind's cursor from
    ``kind_counts.kind_connection``)."""
    if not con.execute("SELECT count(*) FROM duckdb_views() WHERE temporary AND "
                       "view_name = 'counted_kind'").fetchall()[0][0]:
        return "arrests"
    return str(con.execute("SELECT kind FROM counted_kind").fetchall()[0][0])


def covered_spans(con: duckdb.DuckDBPyConnection) -> list[tuple[date, date]]:
    """The runs of consecutive days some release of the counted kind covers (a kind's
    releases may leave a gap: the encounters of FY2018 were never released)."""
    rows = con.execute("""
        SELECT min(date), max(date) FROM (
            SELECT date, date - CAST(row_number() OVER (ORDER BY date) AS INTEGER) AS run
            FROM day_owner) GROUP BY run ORDER BY 1""").fetchall()
    return [(a, b) for a, b in rows]


def several_office_span(con: duckdb.DuckDBPyConnection) -> tuple[date, date] | None:
    """The first and last day a release of several offices is counted for (the counted
    kind's), or None when only one office's releases are loaded. One office's own release
    (the Seattle workbooks) extends that office's series only: a question over every
    office's whole series (the surge scan) runs over these days, else every other office
    would be uncovered (or read as zero) on the days only that office's file covers."""
    row = con.execute("""
        SELECT min(o.date), max(o.date) FROM day_owner o
        JOIN release_kinds r ON r.release_id = o.release_id AND r.kind = $kind
        WHERE r.one_office IS NULL""", {"kind": counted_kind(con)}).fetchall()[0]
    return (row[0], row[1]) if row[0] is not None else None


def uncovered_offices(con: duckdb.DuckDBPyConnection, start: date, end: date) -> list[str]:
    """Field offices that a release counted for some day in [start, end] has no record of
    at all (a partial release, e.g. one state's FOIA answer): they are not covered, so not
    ranked, flagged or forecast, rather than scored as zero."""
    from icestats import reference

    rows = con.execute("""
        WITH owners AS (SELECT DISTINCT release_id FROM day_owner
                        WHERE date BETWEEN $start AND $end)
        SELECT o.release_id, list(DISTINCT a.aor) FROM owners o
        LEFT JOIN arrests a ON a.release_id = o.release_id GROUP BY 1""",
        {"start": start, "end": end}).fetchall()
    codes = reference.field_office_codes()
    return sorted({c for _, have in rows for c in codes if c not in set(have or [])})
