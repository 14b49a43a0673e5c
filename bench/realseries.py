"""Loaders of the real count tables shipped in the package, for the validation harness
(bench/validate.py) and its quick versions in the tests, until the count-table ingestion
(`icestats ingest` of count tables) reads them into the store. Plain csv / parquet reads,
no statistics; every rule that drops or fixes a value is written here and counted.

- ``five_states``: daily ICE arrests in Texas, Wisconsin, Illinois, Minnesota and Oregon,
  2025-08-02..2026-03-10 (NA = none reported, read as 0; the one stray row dated
  2026-09-17 is dropped and counted). Each state's office from the 2025 county map: a
  state covered whole by one office gets it; a state split across offices (Texas) stays a
  state-level series (``office`` None), never split by invented shares.
- ``mn_types``: Minnesota daily arrests by Apprehension Type (Targeted, Collateral).
- ``ddp_weekly``: DDP's national weekly arrests, single-counted part only (weeks from
  2024-08-11), complete weeks only (the last week, 2025-10-12, is partial).
- ``vintages``: ICE's monthly initial book-ins (all agencies) in each of the 130 parsed
  workbook vintages: a real reporting triangle (see ``vintages``' docstring for the
  vintages that are left out and why).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib import resources
from pathlib import Path

import numpy as np

COUNTS = Path(str(resources.files("icestats") / "data" / "counts"))
STATES = {"TEXAS": "TX", "WISCONSIN": "WI", "ILLINOIS": "IL", "MINNESOTA": "MN",
          "OREGON": "OR"}


@dataclass
class Daily:
    """A days x series matrix of real daily counts (consecutive days)."""

    days: list[date]
    names: list[str]
    counts: np.ndarray
    source: str
    offices: dict[str, str | None] = field(default_factory=dict)  # series -> office
    dropped: list[str] = field(default_factory=list)  # rows left out, with why

    def column(self, name: str) -> np.ndarray:
        return self.counts[:, self.names.index(name)]


def state_offices() -> dict[str, str | None]:
    """State name (upper case) -> the office covering it whole, None when split."""
    from icestats import reference

    whole: dict[str, set[str]] = {}
    for code, areas in reference.office_states().items():
        for state, _county in areas:
            whole.setdefault(state.upper(), set()).add(code)
    return {s: next(iter(c)) if len(c) == 1 else None for s, c in whole.items()}


def _consecutive(rows: dict[date, list[float]], width: int) -> tuple[list[date], np.ndarray]:
    first, last = min(rows), max(rows)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return days, np.array([rows.get(d, [0.0] * width) for d in days], dtype=float)


def five_states() -> Daily:
    path = COUNTS / "five-states-daily-2025-26" / "daily_arrests_5_states.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        cols = header[2:]
        rows: dict[date, list[float]] = {}
        dropped = []
        for r in reader:
            d = date.fromisoformat(r[1])
            if d > date(2026, 3, 10):  # the one stray row past the release's data
                dropped.append(f"{d} (a stray row after the data's end, 2026-03-10)")
                continue
            rows[d] = [0.0 if v == "NA" else float(v) for v in r[2:]]
    days, y = _consecutive(rows, len(cols))
    offices = state_offices()
    names = [STATES[c] for c in cols]
    return Daily(days, names, y, str(path.relative_to(COUNTS)),
                 {STATES[c]: offices.get(c) for c in cols}, dropped)


def mn_types() -> Daily:
    path = COUNTS / "mn-ddp-2026" / "mn_collateral.csv"
    rows: dict[date, list[float]] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            rows[date.fromisoformat(r["apprehension_date"])] = [float(r["Targeted"]),
                                                                float(r["Collateral"])]
    days, y = _consecutive(rows, 2)
    return Daily(days, ["Targeted", "Collateral"], y, str(path.relative_to(COUNTS)),
                 {"Targeted": "SPM", "Collateral": "SPM"})


SINGLE_COUNTED = date(2024, 8, 11)  # DDP: earlier weeks stack overlapping releases


def ddp_weekly() -> tuple[list[date], np.ndarray, str]:
    """(week starts, national arrests) for the complete single-counted weeks."""
    path = COUNTS / "ddp-weekly-event-counts" / "arrests_by_week.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        rows = [(date.fromisoformat(r["week_start"]), float(r["count"]))
                for r in csv.DictReader(fh)]
    last = max(d for d, _ in rows)
    kept = [(d, n) for d, n in rows if SINGLE_COUNTED <= d < last]  # the last is partial
    return [d for d, _ in kept], np.array([n for _, n in kept]), str(path.relative_to(COUNTS))


@dataclass
class Triangle:
    """Monthly values by vintage: ``values[m, v]`` is month ``months[m]`` as vintage ``v``
    reported it (NaN: not in that vintage); ``newest[v]`` is the index of the newest month
    the vintage reports (usually in progress)."""

    months: list[date]
    vintages: list[tuple[date, date]]  # (file date, pull date)
    values: np.ndarray
    newest: np.ndarray
    final: np.ndarray  # each month's value in its fiscal year's last workbook (NaN: none,
    # or the month was still in progress when that workbook was filed)
    final_vintage: np.ndarray  # the index of the vintage that gave it (a large number: none)
    left_out: dict[str, int]
    source: str


def _month_index(d: date) -> int:
    return d.year * 12 + d.month - 1


FIRST_FY = 2022  # FY2019-20 have one vintage each; FY2021's contradict each other


def vintages(agency: str = "Total", first_fy: int = FIRST_FY) -> Triangle:
    """ICE's monthly initial book-ins of ``agency`` in every parsed workbook vintage of the
    fiscal years from ``first_fy`` (default 2022: FY2019 and FY2020 have one vintage each,
    and FY2021's parsed vintages contradict each other: September 2021 is 28,344 in one
    and 10,616, its mid-September value, in three later ones).

    A vintage is one (fiscal year, file date, pull date) group of 12 months. Months after
    the newest reported month are 0 in the Total row ("not yet reported", not a count)
    and are read as absent. Left out, and counted in ``left_out``:
    - misdated: the newest reported month starts after the file date or ended more than
      100 days before it (DDP's parse files FY2020's final under FY2023 and FY2026 dates,
      FY2022 data as FY2023 and one FY2025 vintage as FY2024, its months a year early);
    - misparsed: a month more than 50% away from that month's median over the vintages
      that report it after its end (another table read in its place);
    - repeats: the same values as the vintage before it (no revision).
    Vintages are ordered by their newest month, then by file date. A month's final value
    is the one in the last kept vintage of its fiscal year that reports all 12 months."""
    import pyarrow.parquet as pq

    path = COUNTS / "ddp-detention-management" / "book-ins-by-arresting-agency.parquet"
    t = pq.read_table(path, columns=["arresting_agency", "date", "n_book_ins",
                                     "fiscal_year", "file_date", "pull_date"]).to_pylist()
    groups: dict[tuple[int, date, date], dict[int, float]] = {}
    for r in t:
        if r["arresting_agency"] == agency and r["fiscal_year"] >= first_fy:
            key = (r["fiscal_year"], r["file_date"], r["pull_date"])
            groups.setdefault(key, {})[_month_index(r["date"])] = r["n_book_ins"] or 0.0
    return _clean(groups, str(path.relative_to(COUNTS)))


def _reported(v: dict[int, float]) -> dict[int, float]:
    nonzero = [m for m, x in v.items() if x > 0]
    if not nonzero:
        return {}
    newest = max(nonzero)
    return {m: x for m, x in v.items() if m <= newest}


def _month_start(m: int) -> date:
    return date(m // 12, m % 12 + 1, 1)


def _dated_right(filed: date, newest: int) -> bool:
    return _month_start(newest) <= filed <= _month_start(newest + 1) + timedelta(days=100)


def _clean(groups: dict[tuple[int, date, date], dict[int, float]], source: str) -> Triangle:
    left = {"misdated (its newest month after, or long before, its file date)": 0,
            "misparsed (a month more than 50% off its median)": 0,
            "repeat of the vintage before": 0, "nothing reported": 0}
    kept: dict[tuple[int, date, date], dict[int, float]] = {}
    for key, v in groups.items():
        if not (rep := _reported(v)):
            left["nothing reported"] += 1
        elif not _dated_right(key[1], max(rep)):
            left["misdated (its newest month after, or long before, its file date)"] += 1
        else:
            kept[key] = rep
    med = _complete_medians(kept)
    for key in list(kept):
        v = kept[key]
        newest = max(v)
        if any(m < newest and med.get(m) and abs(x / med[m] - 1) > 0.5 for m, x in v.items()):
            left["misparsed (a month more than 50% off its median)"] += 1
            del kept[key]
    order = sorted(kept, key=lambda k: (max(kept[k]), k[1], k[2]))
    out: list[tuple[int, date, date]] = []
    for k in order:
        if out and kept[out[-1]] == kept[k]:
            left["repeat of the vintage before"] += 1
            continue
        out.append(k)
    return _triangle([(k, kept[k]) for k in out], left, source)


def _complete_medians(kept: dict[tuple[int, date, date], dict[int, float]]
                      ) -> dict[int, float]:
    seen: dict[int, list[float]] = {}
    for v in kept.values():
        newest = max(v)
        for m, x in v.items():
            if m < newest:
                seen.setdefault(m, []).append(x)
    return {m: float(np.median(x)) for m, x in seen.items()}


def _triangle(ordered: list[tuple[tuple[int, date, date], dict[int, float]]],
              left: dict[str, int], source: str) -> Triangle:
    months = sorted({m for _, v in ordered for m in v})
    row = {m: i for i, m in enumerate(months)}
    values = np.full((len(months), len(ordered)), np.nan)
    newest = np.zeros(len(ordered), dtype=int)
    final = np.full(len(months), np.nan)
    final_vintage = np.full(len(months), 10 ** 6)
    for j, ((fy, filed, _), v) in enumerate(ordered):
        for m, x in v.items():
            values[row[m], j] = x
        newest[j] = row[max(v)]
        if len(v) == 12 and max(v) == fy * 12 + 8:  # every month to September
            for m, x in v.items():  # a later vintage of the year replaces an earlier one
                end = _month_start(m + 1)
                # a month still in progress when the year's last workbook was filed
                # (September 2025 in the FY2025 final) has no final value
                final[row[m]] = x if filed >= end + timedelta(days=14) else np.nan
                final_vintage[row[m]] = j
    labels = [_month_start(m) for m in months]
    return Triangle(labels, [(k[1], k[2]) for k, _ in ordered], values, newest, final,
                    final_vintage, left, source)


def uwchr_offices(path: Path, last: date = date(2019, 8, 18)) -> Daily:
    """UWCHR's daily arrests per office FY2016-19 (``tests/data/enforcement_final_*.psv.gz``,
    after UWCHR's filters: icestats' count of the whole release is higher by 1 to 17 on
    696 of the 34,000 office-days), through ``last`` (the release's last complete day;
    its last 14 days are its incomplete tail); office-days the file does not list are 0.
    The tests' quick stand-in for the ingested release."""
    import gzip

    rows: dict[tuple[date, str], float] = {}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for r in csv.DictReader(fh, delimiter="|"):
            d = date.fromisoformat(r["date"])
            if d <= last:
                rows[(d, r["aor"])] = float(r["n_arrests"])
    codes = sorted({c for _, c in rows})
    first = min(d for d, _ in rows)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    y = np.array([[rows.get((d, c), 0.0) for c in codes] for d in days])
    return Daily(days, codes, y, path.name, {c: c for c in codes})
