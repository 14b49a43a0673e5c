"""Where identifiers link the kinds of one release (the Deportation Data Project's 2025-26
releases): the share of arrests followed by a book-in, and by a removal, within 30, 90
and 180 days, per office.

Rules (docs/methods.md):
- An arrest is a counted arrest (its episode's first record, on a day its release owns)
  with a usable identifier; arrests without one cannot be followed and are counted apart.
- It is followed by a book-in when a stay of the same person (identifier) begins on the
  arrest's day or within the window after it; by a removal when a removal of the same
  person is dated so. Identifiers link the kinds of one FOIA release only (each release
  anonymizes anew): a book-in or removal counts only from a release of the same FOIA
  number as the arrest's (its layout's name up to the number).
- Follow-up censoring: an arrest counts toward a window only when the kind it is followed
  into is covered for the whole window (arrest day + window <= the last complete day of
  that kind's data: its incomplete last 14 days left out unless --include-incomplete);
  an arrest two weeks before the data end is in no 30-day share.
"""

from __future__ import annotations

from typing import Any

import duckdb

WINDOWS = (30, 90, 180)
_FAMILY = ("coalesce(nullif(regexp_extract(layout, '^[0-9]{4}-[A-Z]{4}-[0-9]{5}'), ''), "
           "layout)")


def _followed_sql() -> str:
    """Per counted arrest with an identifier: office, day, and the first day on or after
    it of a book-in (stay) and of a removal of the same person in the same release family."""
    return f"""
        WITH fam AS (SELECT release_id, kind, {_FAMILY} AS family FROM release_kinds),
        a AS (SELECT a.aor, a.apprehension_date AS d, a.id_hash, f.family
              FROM arrests a JOIN fam f ON f.release_id = a.release_id AND f.kind = 'arrests'
              WHERE a.owned AND a.episode_start AND a.id_hash IS NOT NULL),
        e AS (SELECT e.kind, e.event_date AS d, e.id_hash, f.family
              FROM events e JOIN fam f ON f.release_id = e.release_id AND f.kind = e.kind
              WHERE e.kind IN ('book_ins', 'removals') AND e.owned AND e.episode_start
                AND e.id_hash IS NOT NULL)
        SELECT a.aor, a.d,
               min(e.d) FILTER (WHERE e.kind = 'book_ins') AS booked,
               min(e.d) FILTER (WHERE e.kind = 'removals') AS removed
        FROM a LEFT JOIN e ON e.id_hash = a.id_hash AND e.family = a.family AND e.d >= a.d
        GROUP BY a.aor, a.d, a.id_hash, a.family"""


def linked_shares(con: duckdb.DuckDBPyConnection, windows: tuple[int, ...] = WINDOWS,
                  include_incomplete: bool = False) -> dict[str, Any]:
    """Per office and window: arrests followed for the whole window (``eligible``), of
    them booked in and removed within it, and the shares (percent, one decimal); the
    nation as office 'all'. Also the follow-up ends and the arrests without identifier.
    The follow-up ends at each kind's last complete day (its incomplete last 14 days
    would read as not booked in, not removed), its last day with ``include_incomplete``."""
    tail = "" if include_incomplete else " AND NOT incomplete"
    ends = con.execute(f"""SELECT max(date) FILTER (WHERE kind = 'book_ins'{tail}),
                                  max(date) FILTER (WHERE kind = 'removals'{tail})
                           FROM kind_day_owner""").fetchall()[0]
    rows = con.execute(f"""
        WITH f AS ({_followed_sql()}), w AS (SELECT unnest(CAST($w AS INTEGER[])) AS w)
        SELECT coalesce(f.aor, 'all') AS aor, w.w AS window_days,
               count(*) FILTER (WHERE f.d + w.w <= $b_end) AS eligible_book_in,
               count(*) FILTER (WHERE f.d + w.w <= $b_end AND f.booked <= f.d + w.w)
                   AS booked_in,
               count(*) FILTER (WHERE f.d + w.w <= $r_end) AS eligible_removal,
               count(*) FILTER (WHERE f.d + w.w <= $r_end AND f.removed <= f.d + w.w)
                   AS removed
        FROM f, w GROUP BY GROUPING SETS ((f.aor, w.w), (w.w)) ORDER BY 1, 2""",
                       {"w": list(windows), "b_end": ends[0], "r_end": ends[1]}).fetchall()
    out = []
    for aor, w, eb, b, er, r in rows:
        out.append({"aor": aor, "window_days": int(w), "eligible_book_in": int(eb),
                    "booked_in": int(b), "booked_in_percent": _pct(b, eb),
                    "eligible_removal": int(er), "removed": int(r),
                    "removed_percent": _pct(r, er)})
    missing = con.execute("""SELECT count(*) FROM arrests WHERE owned AND episode_start
                             AND id_hash IS NULL""").fetchall()[0][0]
    return {"rows": out, "book_ins_through": ends[0], "removals_through": ends[1],
            "arrests_without_identifier": int(missing), "windows": list(windows)}


def _pct(part: int, whole: int) -> float | None:
    from icestats.numbers import round_half_up

    return round_half_up(100.0 * part / whole, 1) if whole else None
