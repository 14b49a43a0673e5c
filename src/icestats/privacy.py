"""Statistical disclosure control: the one protected publication grid for personal
attributes (citizenship, gender, age group), read by every output.

Counts by office, by day and by one category (criminality, method, agency, program) are
published as they are. A personal attribute is published only through the **grid**: one
cell per event kind, attribute, calendar month, office (every ``aor`` value, HQ and
unknown included), scope part (interior or border-related) and count part (the first
record of an episode, or a repeat record), and attribute value (every value the database
holds, zeros included). Each cell's count is **randomly rounded to a multiple of 5, keyed
by the cell** (the cell-key method of the ONS and the ABS, with a perturbation table that
is unbiased random rounding to base 5, as Statistics Canada and Stats NZ publish):

- each record has a record key in 0..4095, a hash of its file's SHA-256, sheet and row
  (Knuth's multiplicative hash of the row's position, offset by the file's digest: the
  same file always gives the same keys, so every database made from it rounds alike
  and two publications of one cell never differ);
- a cell's key is the sum of its records' keys modulo 4096; a count ``5q + r`` becomes
  ``5q + 5`` when ``key * 5 < r * 4096`` (probability r/5), else ``5q``: unbiased, off by
  at most 4, and a published 0 may hide 1 to 4 (a published 5, 1 to 9);
- **audit**: the totals of each group of cells (one office, month, scope part and count
  part: the attribute's values) are public through the unprotected counts. An attacker
  who knows the total T and the rule knows each cell lies in [p-4, p+4] (at least 0); the
  cells are then pinned exactly when T equals the sum of their lower or of their upper
  bounds. In such a group one cell is rounded the other way (:func:`_fix_pinned`), until
  no group is pinned.

Every answer for a personal attribute (a breakdown, a daily chart, an export, an API
answer, a SQL view, Datasette) is a sum of whole grid cells: a range is widened to whole
calendar months and says so (:func:`Protection`). Groups are disjoint, so a sum of cells
reveals nothing its cells do not; no cell is ever hidden, so nothing cascades from a
short or cut month. The grid is rebuilt by every writer before it switches a database in
(:func:`build_grid`), in the table ``personal_grid`` (published counts only: neither the
true counts nor the keys are stored).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from icestats import counting
from icestats.kinds import KINDS

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

PERSONAL = ("citizenship", "gender", "age_group")
# Free-text place fields: a value can determine a personal attribute (a women's prison's
# landmark is a gender; FCI WASECA pinned a Female cell of 1 from `--scope all` minus
# `--scope interior` by day). Published only through the grid too, as its attributes are.
PLACES = ("landmark",)
GRIDDED = PERSONAL + PLACES
BASE = 5  # cells are rounded to a multiple of this
KEYS = 4096  # record and cell keys lie in 0..KEYS-1
GRAIN = "month"  # the grid's one grain of time: periods are composed of whole months
RULE = (f"personal attributes and landmarks are published only as whole calendar months "
        f"per office "
        f"(or their sums), each cell randomly rounded to a multiple of {BASE} keyed by the "
        f"cell (off by at most {BASE - 1}; see docs/reliability.md)")

# What each kind of event contributes to the grid: its records that count (owned by
# their day's release), with the month, office, parts, record key and the attributes.
# Every kind goes through the same rule: the other kinds' rows (``events``) are read under
# the arrest names the expressions use (their date, their landmark).
_SOURCE = f"""
    SELECT CAST(date_trunc('month', a.apprehension_date) AS DATE) AS month, a.aor,
           {counting.INTERIOR_SQL} AS interior, a.episode_start AS first_record,
           CAST(((r.seed + a.sheet_no * 16777216 + a.source_row) * 2654435761
                 % 4294967296) // {2**32 // KEYS} AS BIGINT) AS rkey,
           {counting.DIMENSIONS['citizenship']} AS citizenship,
           {counting.DIMENSIONS['gender']} AS gender,
           {counting.DIMENSIONS['age_group']} AS age_group,
           {counting.DIMENSIONS['landmark']} AS landmark
    FROM {{relation}} a
    JOIN (SELECT release_id, CAST(md5_number(file_sha256) % 4294967296 AS HUGEINT) AS seed
          FROM releases) r USING (release_id)
    WHERE a.owned"""
_EVENTS = ("(SELECT *, event_date AS apprehension_date, landmark AS site_landmark "
           "FROM events WHERE kind = '{kind}')")
SOURCES: dict[str, str] = {
    kind: _SOURCE.format(relation="arrests" if kind == "arrests" else _EVENTS.format(kind=kind))
    for kind in KINDS}


def is_personal(dimensions: Iterable[str]) -> bool:
    """Whether any of ``dimensions`` is published only through the grid (a personal
    attribute, or a place field that can determine one)."""
    return bool(set(dimensions) & set(GRIDDED))


# --- building the grid (once per database version, by the writer) ---------------------

def build_grid(con: duckdb.DuckDBPyConnection, kinds: Iterable[str] | None = None) -> int:
    """Recompute ``personal_grid`` for ``kinds`` (default: every registered kind) from the
    counted records, unless the releases and day owners are those it was built from (a
    re-run that loaded nothing); returns how many groups the audit had to fix."""
    built_from = con.execute(f"""
        SELECT concat_ws(':', '{",".join(SOURCES)}', (SELECT count(*) FROM releases),
                         (SELECT coalesce(max(release_id), 0) FROM releases),
                         (SELECT coalesce(sum(rows_loaded), 0) FROM releases),
                         (SELECT count(*) FROM day_owner),
                         (SELECT coalesce(sum(hash(date, release_id)), 0) FROM day_owner),
                         (SELECT coalesce(sum(hash(kind, date, release_id)), 0)
                          FROM kind_day_owner))
        """).fetchall()[0][0]
    done = con.execute("SELECT value FROM meta WHERE key = 'grid_of'").fetchall()
    if kinds is None and done and done[0][0] == built_from:
        return 0
    fixed = 0  # (the table is part of the schema: store.SCHEMA)
    if kinds is None:  # (every kind: one delete of all, cheaper than one per kind)
        con.execute("DELETE FROM personal_grid")
    for kind in kinds if kinds is not None else SOURCES:
        if kinds is not None:
            con.execute("DELETE FROM personal_grid WHERE kind = ?", [kind])
        con.execute(f"CREATE OR REPLACE TEMP TABLE _grid_src AS {grid_source(kind)}")
        for attribute in GRIDDED:
            _round_cells(con, attribute)
            fixed += _fix_pinned(con)
            # a place's cells rounded to 0 are left out (thousands of values a month):
            # a missing landmark then reads 0 to 4, like a published 0
            con.execute(f"""INSERT INTO personal_grid SELECT ?, ?, month, aor, interior,
                            first_record, value, published FROM _grid_cells
                            WHERE {'published > 0' if attribute in PLACES else 'true'}""",
                        [kind, attribute])
        con.execute("DROP TABLE IF EXISTS _grid_cells")
        con.execute("DROP TABLE _grid_src")
    if kinds is None:
        con.execute("INSERT OR REPLACE INTO meta VALUES ('grid_of', ?)", [built_from])
    return fixed


def grid_source(kind: str) -> str:
    """The kind's counted records summed by group and attribute values (``n`` records,
    their keys' sum ``rkey``): each attribute's cells are sums of these rows, with the same
    counts and keys as from the records, in a pass over far fewer rows, once for the four
    attributes (a quarter of the grid's time on 2.7M real records)."""
    return (f"SELECT {_GROUP}, {', '.join(GRIDDED)}, count(*) AS n, sum(rkey) AS rkey "
            f"FROM ({SOURCES[kind]}) GROUP BY ALL")


def _round_cells(con: duckdb.DuckDBPyConnection, attribute: str) -> None:
    """Every cell of the attribute (every group with records x every value the database
    holds; a place: the values the group holds), its true count ``n`` and its randomly
    rounded count ``published``."""
    assert attribute in GRIDDED  # a column name from a fixed list, never from input
    cross = ("JOIN (SELECT DISTINCT month, aor, interior, first_record, value FROM counts) d "
             "USING (month, aor, interior, first_record)" if attribute in PLACES
             else "CROSS JOIN domain d")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _grid_cells AS
        WITH counts AS (SELECT month, aor, interior, first_record, {attribute} AS value,
                               sum(n) AS n, sum(rkey) % {KEYS} AS ckey
                        FROM _grid_src GROUP BY ALL),
             groups AS (SELECT DISTINCT month, aor, interior, first_record FROM counts),
             domain AS (SELECT DISTINCT value FROM counts)
        SELECT g.*, d.value, coalesce(c.n, 0) AS n,
               coalesce(c.n, 0) - coalesce(c.n, 0) % {BASE}
               + CASE WHEN coalesce(c.ckey, 0) * {BASE} < (coalesce(c.n, 0) % {BASE}) * {KEYS}
                      THEN {BASE} ELSE 0 END AS published
        FROM groups g {cross}
        LEFT JOIN counts c USING (month, aor, interior, first_record, value)""")


_GROUP = "month, aor, interior, first_record"
_PINNED = f"""
    SELECT {_GROUP}, sum(n) = sum(greatest(published - {BASE - 1}, 0)) AS at_low
    FROM _grid_cells GROUP BY ALL
    HAVING count(*) > 1 AND (sum(n) = sum(greatest(published - {BASE - 1}, 0))
                             OR sum(n) = sum(published + {BASE - 1}))"""


def _fix_pinned(con: duckdb.DuckDBPyConnection, rounds: int = 5) -> int:
    """The audit: a group whose public total equals the sum of its cells' lower bounds
    (every cell rounded up from just above a multiple of 5) or of their upper bounds has
    every cell pinned; round one of its cells the other way (down: the largest; up: the
    first value) and check again. Returns the number of groups fixed."""
    fixed = 0
    for _ in range(rounds):
        pinned = con.execute(f"SELECT count(*) FROM ({_PINNED})").fetchall()[0][0]
        if not pinned:
            return fixed
        fixed += int(pinned)
        con.execute(f"""
            UPDATE _grid_cells c SET published = c.published
                + CASE WHEN p.at_low THEN -{BASE} ELSE {BASE} END
            FROM (SELECT c.{_GROUP.replace(', ', ', c.')}, c.value, p.at_low,
                         row_number() OVER (PARTITION BY c.{_GROUP.replace(', ', ', c.')}
                             ORDER BY CASE WHEN p.at_low THEN -c.published ELSE 0 END,
                                      c.value) AS k
                  FROM _grid_cells c JOIN ({_PINNED}) p USING ({_GROUP})
                  WHERE NOT p.at_low OR c.published > 0) p
            WHERE p.k = 1 AND c.month = p.month AND c.aor = p.aor
              AND c.interior = p.interior AND c.first_record = p.first_record
              AND c.value = p.value""")
    raise AssertionError("the grid audit did not converge")  # (two rounds always suffice)


# --- reading the grid (every output) -----------------------------------------------------

@dataclass(frozen=True)
class Protection:
    """What an answer for a personal attribute is made of: whole grid cells (calendar
    months, per office or summed over offices), the range asked and the range answered."""

    attribute: str
    asked: tuple[date | None, date | None]
    answered: tuple[date, date]
    geography: str  # "office" or "nation"
    months: int

    def to_dict(self) -> dict[str, Any]:
        return {"rule": RULE, "attribute": self.attribute, "grain": GRAIN,
                "geography": self.geography,
                "asked": {"from": self.asked[0], "to": self.asked[1]},
                "answered": {"from": self.answered[0], "to": self.answered[1]},
                "months": self.months}

    @property
    def text(self) -> str:
        asked = self.asked
        widened = "" if asked == self.answered or asked == (None, None) else (
            f" (asked {asked[0] or 'the start'} to {asked[1] or 'the end'}, widened to whole "
            f"months)")
        return (f"{self.attribute}: {self.answered[0]} to {self.answered[1]}{widened}; "
                f"{RULE}; totals are exact, so the rounded cells need not add up to them.")


def months_covering(start: date, end: date) -> tuple[date, date]:
    """The whole calendar months that hold ``start`` and ``end``."""
    import calendar

    last = calendar.monthrange(end.year, end.month)[1]
    return start.replace(day=1), end.replace(day=last)


def protection(attribute: str, asked: tuple[date | None, date | None], lo: date, hi: date,
               aor: str | None) -> Protection:
    months = (hi.year - lo.year) * 12 + hi.month - lo.month + 1
    return Protection(attribute, asked, (lo, hi), "office" if aor else "nation", months)


def parts_sql(count: str, scope: str) -> str:
    """The grid's parts a count rule and scope add up: arrests are first records of
    episodes (records: every record); interior leaves out the border-related part."""
    counting.check(count, counting.COUNTS, "count")
    counting.check(scope, counting.SCOPES, "scope")
    where = ["true"]
    if count == "arrests":
        where.append("first_record")
    if scope == "interior":
        where.append("interior")
    return " AND ".join(where)


def cells_sql(attribute: str, period: str, *, count: str, scope: str, aor: bool,
              kind: str = "arrests") -> str:
    """(period, value, arrests): the published grid cells of ``attribute`` for months in
    [$lo, $hi] (whole months), summed over offices (or one, ``$aor``) and into
    ``period`` (month, quarter, year or fy: each a set of whole months)."""
    assert attribute in GRIDDED and kind in SOURCES
    start = counting.period_start_sql(period, "month")
    office = " AND aor = $aor" if aor else ""
    return f"""SELECT {start} AS period, value, CAST(sum(published) AS BIGINT) AS arrests
               FROM personal_grid
               WHERE kind = '{kind}' AND attribute = '{attribute}'
                 AND month BETWEEN $lo AND $hi AND {parts_sql(count, scope)}{office}
               GROUP BY ALL"""


def cells(con: duckdb.DuckDBPyConnection, attribute: str, lo: date, hi: date, *,
          period: str = GRAIN, count: str = "arrests", scope: str = "all",
          aor: str | None = None, kind: str = "arrests") -> pa.Table:
    """The published cells (period, value, arrests) with a non-zero count, ordered."""
    from icestats.store import arrow

    binds: dict[str, Any] = {"lo": lo, "hi": hi}
    if aor:
        binds["aor"] = aor
    sql = cells_sql(attribute, period, count=count, scope=scope, aor=bool(aor), kind=kind)
    return arrow(con, f"SELECT * FROM ({sql}) WHERE arrests > 0 ORDER BY 1, 3 DESC, 2", binds)


# --- status without names: unrecognized office values ---------------------------------

MIN_SHOWN = 10  # an unrecognized office value is shown only this often or more
# words that dress an office's name ("Chicago Area of Responsibility", "Dallas ERO"): left
# out before the rest is compared with the known spellings
OFFICE_WORDS = (r"\b(area of responsibility|field office|sub[- ]?office|aor|ero|district|area"
                r"|office)\b")


def unrecognized_summary(values: list[tuple[str, int]], k: int = MIN_SHOWN) -> dict[str, int]:
    """Unrecognized office values as a reader may see them: a value is shown (at most ten)
    only when it occurs at least ``k`` times and is a known office spelling with a small
    typo (``_office_shaped``). Any other value (a person's name, initials, an identifier)
    is counted by its shape only: words, length, digits."""
    shown: dict[str, int] = {}
    other: dict[str, int] = {}
    for value, n in values:
        text = str(value).strip()
        if n >= k and len(shown) < 10 and _office_shaped(text):
            shown[text] = shown.get(text, 0) + n
        else:
            key = f"({_shape(text)})"
            other[key] = other.get(key, 0) + n
    return {**shown, **other}


def _office_shaped(text: str) -> bool:
    """Whether ``text`` is a known office spelling (a name, city or alias of
    ``reference.offices``, with or without office words such as "AOR") off by a small
    typo (about one letter in six: difflib's ratio of 0.85). 2-4 capital letters are shown
    only when they are a known code or alias exactly: one letter off a three-letter code
    is a third of it, and initials ("JLO", "DALE" beside DAL) are a person's. Two office
    names together ("Dallas Houston") or a name beside an office word ("John Smith AOR")
    are not an office either."""
    import difflib
    import re

    from icestats import reference

    offices = reference.offices()
    if re.fullmatch(r"[A-Z]{2,4}", text):
        return any(text in (o.code, *o.aliases) for o in offices)
    core = _core(text)
    if len(core) < 4:
        return False
    known = {_core(s) for o in offices for s in (o.name, o.city, *o.aliases)} - {""}
    return bool(difflib.get_close_matches(core, known, n=1, cutoff=0.85))


def _core(text: str) -> str:
    """A spelling without office words, punctuation or case: "St. Paul AOR" -> "st paul"."""
    import re

    low = re.sub(OFFICE_WORDS, " ", text.lower())
    return " ".join(re.findall(r"[a-z]+", low))


def _shape(text: str) -> str:
    """A value's shape, never its content: words, a band of lengths, digits or not."""
    import re

    words = len(text.split())
    band = next(f"{lo}-{hi}" for lo, hi in ((0, 9), (10, 19), (20, 39), (40, 10**9))
                if len(text) <= hi).replace("-1000000000", " or more")
    digits = ", with digits" if re.search(r"\d", text) else ""
    return f"other values: {words} word{'s' if words != 1 else ''}, {band} characters{digits}"
