"""The questions asked of published count tables, at the grain their data allow: a series
of weeks (or months, or days) between two days, the goal week by week, offices ranked over
one period's totals, daily state series with their surges and event changes, and a
dimension's split over named periods. A question the loaded tables cannot answer gets one
line naming the table that would (``CannotAnswer``).

Every answer names its grain and the tables it came from; the rules for choosing among
tables, vintages and records are ``count_metrics``'."""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import duckdb

from icestats import count_metrics, reference
from icestats.answers.base import Source
from icestats.answers.published import (
    CountSeriesAnswer,
    PeriodOfficesAnswer,
    WeeklyGoalAnswer,
)
from icestats.defaults import GOAL_PER_DAY
from icestats.errors import UsageError
from icestats.numbers import round_half_up
from icestats.store import arrow

if TYPE_CHECKING:
    pass

GRAIN_ORDER = ("day", "week", "month", "fy", "period")
GEO_WORDS = {"national": "national", "state": "by state", "office": "by office"}


class CannotAnswer(UsageError):
    """The loaded data hold the kind, but not at the grain or geography asked."""


def grains(con: duckdb.DuckDBPyConnection, kind: str) -> list[tuple[str, str, str]]:
    """(grain, geo_level, file) of every count table holding ``kind``, finest first."""
    rows = con.execute("SELECT DISTINCT grain, geo_level, file_name FROM count_tables "
                       "WHERE kind = ?", [kind]).fetchall()
    return sorted(rows, key=lambda r: (GRAIN_ORDER.index(r[0]), r[1], r[2]))


def check_can(con: duckdb.DuckDBPyConnection, kind: str, grain: str, geo_level: str) -> None:
    """Refuse, in one line naming what would answer, a question finer than the tables."""
    held = grains(con, kind)
    if any(g == grain and lvl == geo_level for g, lvl, _ in held):
        return
    have = "; ".join(f"{kind} by {g}, {GEO_WORDS[lvl]} ({f})" for g, lvl, f in held) or \
        f"no table of {kind}"
    need = (f"a record-level release of {kind}, or a table of {kind} by {grain}"
            f"{'' if geo_level == 'national' else ' and ' + geo_level}")
    raise CannotAnswer(f"{kind} by {grain}, {GEO_WORDS[geo_level]} cannot be answered from "
                       f"the tables loaded ({have}): that needs {need}")


def finest(con: duckdb.DuckDBPyConnection, kind: str, geo_level: str) -> str | None:
    """The finest grain any table of ``kind`` at ``geo_level`` has."""
    found = [g for g, lvl, _ in grains(con, kind) if lvl == geo_level]
    return found[0] if found else None


def _source(units: list[dict[str, Any]], con: duckdb.DuckDBPyConnection) -> Source:
    files = {u["file"] for u in units if u.get("file")}
    counts = tuple(c for c in count_metrics.sources(con) if c[0] in files)
    records = any(u.get("source") == "records" for u in units)
    if records:
        from icestats import metrics

        return Source(metrics.source(con).releases, (), counts)
    return Source((), (), counts)


def series(con: duckdb.DuckDBPyConnection, kind: str, start: date, end: date, *,
           grain: str | None = None, geo_level: str = "national", geo: str = "US",
           prefer: str = "records") -> CountSeriesAnswer:
    """The whole units of the table's grain between ``start`` and ``end`` (a unit reaching
    outside is left out, and said), their total and the total a day."""
    grain = grain or finest(con, kind, geo_level)
    if grain is None:
        check_can(con, kind, "day", geo_level)
    assert grain is not None
    check_can(con, kind, grain, geo_level)
    rows = count_metrics.series(con, kind, grain, start, end, geo_level=geo_level, geo=geo,
                                prefer=prefer).to_pylist()
    for r in rows:
        r["days"] = (r["period_end"] - r["period_start"]).days + 1
        r["per_day"] = round_half_up(r["value"] / r["days"], 1)
    total = sum(r["value"] for r in rows)
    days = sum(r["days"] for r in rows)
    notes = _series_notes(rows, grain, start, end)
    # a unit the table marks incomplete (its newest week holding a partial week) counts in
    # the total but not in the total a day: its days are not all counted (the series' line
    # of totals says over how many days; the notes are shared with the weekly goal)
    whole = [r for r in rows if not (r.get("caveat") or "").startswith("incomplete")]
    whole_n, whole_days = sum(r["value"] for r in whole), sum(r["days"] for r in whole)
    import pyarrow as pa

    units = pa.Table.from_pylist(rows) if rows else pa.table({})
    return CountSeriesAnswer(
        kind, grain, geo_level, geo, start, end, units,
        {kind: total, "days": days, "days_complete": whole_days,
         "per_day": round_half_up(whole_n / whole_days, 1) if whole_days else None},
        notes, source=_source(rows, con), count="published counts",
        method=f"whole {grain}s between the two days; {count_metrics.RULE}")


def _series_notes(rows: list[dict[str, Any]], grain: str, start: date,
                  end: date) -> list[str]:
    notes = []
    if rows and (rows[0]["period_start"] > start or rows[-1]["period_end"] < end):
        notes.append(f"the table counts by {grain}: answered over the whole {grain}s inside "
                     f"{start}..{end}, {rows[0]['period_start']} to {rows[-1]['period_end']}")
    caveats = sorted({r["caveat"].split(":")[0] for r in rows if r.get("caveat")})
    notes += [f"{c}: see each {grain}'s caveat" for c in caveats]
    return notes


def weekly_goal(con: duckdb.DuckDBPyConnection, goal: float = GOAL_PER_DAY, *,
                start: date | None = None, end: date | None = None) -> WeeklyGoalAnswer:
    """National arrests a day, week by week, against ``goal``; by default from the first
    week the table counts once (after its stacked weeks) to its newest."""
    check_can(con, "arrests", "week", "national")
    first, last = weeks_span(con)
    s = series(con, "arrests", start or first, end or last, grain="week")
    weeks = []
    for u in s.units.to_pylist():
        weeks.append({"week": u["period_start"], "to": u["period_end"], "arrests": u["value"],
                      "per_day": u["per_day"],
                      "percent_of_goal": round_half_up(100 * u["value"] / 7 / goal, 1),
                      "shortfall_per_day": round_half_up(goal - u["value"] / 7, 1),
                      "caveat": u["caveat"], "source": u["source"]})
    complete = [w for w in weeks if not (w["caveat"] or "").startswith(("incomplete",
                                                                        "stacked"))]
    if not complete:
        raise CannotAnswer("no complete week of national arrests counted once in that range")
    peak = max(complete, key=lambda w: w["arrests"])
    n = sum(w["arrests"] for w in complete)
    days = 7 * len(complete)
    import pyarrow as pa

    return WeeklyGoalAnswer(
        goal, "week", pa.Table.from_pylist(weeks), peak, complete[-1],
        {"from": complete[0]["week"], "to": complete[-1]["to"], "arrests": n, "days": days,
         "per_day": round_half_up(n / days, 1),
         "percent_of_goal": round_half_up(100 * n / days / goal, 1)},
        s.notes, source=s.source, count="published counts",
        method="each week's arrests / 7 against the goal; the peak, latest and span over the "
               "complete weeks counted once (not stacked, not the partial newest week)")


def weeks_span(con: duckdb.DuckDBPyConnection) -> tuple[date, date]:
    row = con.execute("""SELECT min(period_start) FILTER (WHERE caveat IS NULL OR caveat NOT
                                    LIKE 'stacked%'), max(period_end)
                         FROM count_values WHERE kind = 'arrests' AND grain = 'week'
                           AND geo_level = 'national' AND value IS NOT NULL""").fetchall()[0]
    return row[0], row[1]


YARDSTICKS = {"per_day": "arrests a day", "per_100k_residents": "per 100,000 residents",
              "per_100k_noncitizens": "per 100,000 noncitizens"}


def offices(con: duckdb.DuckDBPyConnection, start: date | None = None,
            end: date | None = None, n: int = 12) -> PeriodOfficesAnswer:
    """The offices over one period's totals (the office table's own period), ranked by
    arrests a day, per 100,000 residents and per 100,000 noncitizens (over the period), the
    ``n`` lowest under each yardstick and how far the three lists agree."""
    check_can(con, "arrests", "period", "office")
    rows = _office_rows(con, start, end)
    first, last = rows[0]["period_start"], rows[0]["period_end"]
    days = (last - first).days + 1
    for r in rows:
        r["per_day"] = round_half_up(r["arrests"] / days, 1)
        r["per_100k_residents"] = _per_100k(r["arrests"], r["residents"])
        r["per_100k_noncitizens"] = _per_100k(r["arrests"], r["noncitizens"])
    rows.sort(key=lambda r: -r["arrests"])
    lowest: dict[str, list[str]] = {}
    for key in YARDSTICKS:
        ranked = sorted((r for r in rows if r[key] is not None), key=lambda r: r[key])
        for i, r in enumerate(ranked):
            r[f"rank_{key}"] = len(ranked) - i  # 1 = the most
        lowest[key] = [r["aor"] for r in ranked[:n]]
    import pyarrow as pa

    table = pa.Table.from_pylist([{k: v for k, v in r.items() if k not in
                                   ("period_start", "period_end", "file")} for r in rows])
    return PeriodOfficesAnswer(
        "period", first, last, days, n, table, lowest, _agreement(lowest),
        [f"one total per office over {first}..{last} ({days} days): no trend, no window",
         "residents and noncitizens: ACS 2024 5-year estimates, as the table gives them"],
        source=Source((), (), tuple(c for c in count_metrics.sources(con)
                                    if c[0] == rows[0]["file"])),
        count="published counts", method="arrests over the period / days; per 100,000 "
                                         "residents or noncitizens over the whole period")


def _per_100k(arrests: float, people: float | None) -> float | None:
    return round_half_up(1e5 * arrests / people, 1) if people else None


def _office_rows(con: duckdb.DuckDBPyConnection, start: date | None,
                 end: date | None) -> list[dict[str, Any]]:
    rows = arrow(con, f"""
        WITH n AS ({count_metrics.NEWEST})
        SELECT n.geo AS aor, CAST(n.value AS BIGINT) AS arrests, n.period_start, n.period_end,
               n.file_name AS file,
               (SELECT max(p.value) FROM count_populations p WHERE p.table_id = n.table_id
                  AND p.geo = n.geo AND p.measure = 'population') AS residents,
               (SELECT max(p.value) FROM count_populations p WHERE p.table_id = n.table_id
                  AND p.geo = n.geo AND p.measure = 'noncitizen') AS noncitizens
        FROM n WHERE kind = 'arrests' AND grain = 'period' AND geo_level = 'office'
        ORDER BY n.period_end DESC, n.geo""").to_pylist()
    periods = sorted({(r["period_start"], r["period_end"]) for r in rows}, reverse=True)
    wanted = [p for p in periods if (start is None or p[0] == start) and
              (end is None or p[1] == end)]
    if not wanted:
        held = ", ".join(f"{a}..{b}" for a, b in periods)
        raise CannotAnswer(f"the office tables give one total per office over {held}: they "
                           f"cannot be cut to {start}..{end}; ask for that period (--from "
                           f"{periods[0][0]} --to {periods[0][1]}), or load a daily or weekly "
                           "table by office")
    chosen = [r for r in rows if (r["period_start"], r["period_end"]) == wanted[0]]
    names = {o.code: o.name for o in reference.offices()}
    for r in chosen:
        r["name"] = names.get(r["aor"], r["aor"])
        if r["residents"] is None:  # a table without denominators: the shipped ACS 2024
            pop = reference.populations().get(r["aor"], {})
            r["residents"], r["noncitizens"] = pop.get("population"), pop.get("noncitizen")
    return chosen


def _agreement(lowest: dict[str, list[str]]) -> dict[str, Any]:
    sets = {k: set(v) for k, v in lowest.items()}
    every = set.intersection(*sets.values()) if sets else set()
    some = set.union(*sets.values()) - every if sets else set()
    keys = list(sets)
    pairs = {f"{a} & {b}": len(sets[a] & sets[b]) for i, a in enumerate(keys)
             for b in keys[i + 1:]}
    return {"in_every_list": sorted(every), "in_some_lists": sorted(some),
            "in_every_count": len(every), "in_some_count": len(some), "pairs": pairs}


def ratio_interval(before: list[float], after: list[float]) -> dict[str, Any]:
    """The ratio of mean arrests a day after to before, with a 95% interval from the days'
    own variance (delta method on the log ratio; weekdays not adjusted)."""
    a, b = sum(before) / len(before), sum(after) / len(after)
    if a <= 0 or b <= 0:
        return {"before_per_day": a, "after_per_day": b, "ratio": None, "low": None,
                "high": None}
    va = sum((x - a) ** 2 for x in before) / max(len(before) - 1, 1)
    vb = sum((x - b) ** 2 for x in after) / max(len(after) - 1, 1)
    se = math.sqrt(va / (len(before) * a * a) + vb / (len(after) * b * b))
    r = b / a
    return {"before_per_day": round_half_up(a, 1), "after_per_day": round_half_up(b, 1),
            "ratio": round_half_up(r, 2), "low": round_half_up(r * math.exp(-1.96 * se), 2),
            "high": round_half_up(r * math.exp(1.96 * se), 2)}


def days_between(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]
