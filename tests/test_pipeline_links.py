"""The generated linked release: five files (one per kind) in the March 2026 layouts, marked
synthetic, sharing identifiers. The shares of arrests booked in and removed within 30 and
90 days, per office, equal a count made here from the csv files with Python alone (the
24-hour episode rule, stays and removals by identifier, follow-up censoring)."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

import icestats
from icestats.generate import Options
from icestats.generate_linked import KIND_FILES, write_linked
from icestats.pipeline_links import linked_shares
from icestats.reference import aor_aliases, aor_key
from icestats.schema import SYNTHETIC_MARK

from conftest import linked_db

OPTS = Options(start=date(2025, 1, 1), end=date(2025, 6, 30), rows=4000, seed=5,
               layout="2026-ICLI-00005")


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Path]]:
    return linked_db(tmp_path_factory.mktemp("linked"), OPTS)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        first = fh.readline()
        assert SYNTHETIC_MARK in first  # the banner line says so
        return list(csv.DictReader(fh))


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("T", " "))


def _arrests(path: Path) -> list[tuple[str, date, str]]:
    """(office, day, identifier) of each arrest episode with an identifier: records of
    one identifier within 24 hours of the previous one are one arrest."""
    by_id: dict[str, list[tuple[datetime, bool, int, str]]] = defaultdict(list)
    for k, r in enumerate(_rows(path)):
        ident = r["Anonymized Identifier"]
        if not ident or "(" in ident or "b(" in ident.lower():
            continue
        office = aor_aliases().get(aor_key(r["TOA Current Duty AOR"] or ""), "UNK")
        by_id[ident].append((_when(r["Apprehension Date"]),
                             r["Apprehension Method"] == "ERO Reprocessed Arrest", k, office))
    out = []
    for ident, recs in by_id.items():
        recs.sort()
        last = None
        for at, _rep, _k, office in recs:
            if last is None or at - last > timedelta(hours=24):
                out.append((office, at.date(), ident))
            last = at
    return out


def _firsts(path: Path, kind: str) -> dict[str, list[date]]:
    """Identifier -> days of its stays (book-ins) or removals."""
    out: dict[str, list[date]] = defaultdict(list)
    for r in _rows(path):
        ident = r["Anonymized Identifier"]
        if not ident:
            continue
        if kind == "book_ins":
            if r["Book In Date Time"] != r["Stay Book In Date Time"]:
                continue
            out[ident].append(_when(r["Book In Date Time"]).date())
        else:
            out[ident].append(_when(r["Departed Date"]).date())
    return out


def test_shares_equal_an_independent_count(linked: tuple[Path, dict[str, Path]]) -> None:
    db, files = linked
    with icestats.connect(db) as ice:
        got = linked_shares(ice.con, (30, 90), include_incomplete=True)
        censored = linked_shares(ice.con, (30, 90))
    arrests = _arrests(files["arrests"])
    stays, removals = _firsts(files["book_ins"], "book_ins"), _firsts(files["removals"], "")
    b_end = max(d for days in stays.values() for d in days)
    r_end = max(d for days in removals.values() for d in days)
    assert (got["book_ins_through"], got["removals_through"]) == (b_end, r_end)
    # by default the follow-up ends at each kind's last complete day: the newest 14 days
    # of its data are incomplete (reporting lag), not "not booked in"
    assert (censored["book_ins_through"], censored["removals_through"]) == \
        (b_end - timedelta(14), r_end - timedelta(14))
    expected: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for office, day, ident in arrests:
        for w in (30, 90):
            for key in ((office, w), ("all", w)):
                cell = expected[key]
                if day + timedelta(w) <= b_end:
                    cell[0] += 1
                    cell[1] += any(day <= d <= day + timedelta(w) for d in stays.get(ident, []))
                if day + timedelta(w) <= r_end:
                    cell[2] += 1
                    cell[3] += any(day <= d <= day + timedelta(w)
                                   for d in removals.get(ident, []))
    mine = {(r["aor"], r["window_days"]): [r["eligible_book_in"], r["booked_in"],
                                           r["eligible_removal"], r["removed"]]
            for r in got["rows"]}
    assert mine == dict(expected)
    everyone = mine[("all", 30)]
    assert everyone[0] > 2000 and 0.5 < everyone[1] / everyone[0] < 0.8  # most booked in
    assert 0 < everyone[3] < everyone[1]  # some removed within 30 days, fewer than booked


def test_every_kind_is_in_its_real_layout(linked: tuple[Path, dict[str, Path]]) -> None:
    db, files = linked
    with icestats.connect(db) as ice:
        rows = ice.con.execute("SELECT kind, layout FROM release_kinds ORDER BY kind"
                               ).fetchall()
    assert sorted(files) == sorted(KIND_FILES)
    assert rows == [(k, "2026-ICLI-00005") for k in sorted(KIND_FILES)]


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
def test_the_linked_release_as_workbooks(tmp_path: Path) -> None:
    opts = Options(start=date(2025, 3, 1), end=date(2025, 4, 30), rows=300, seed=9,
                   layout="2024-ICFO-39357")
    summary = write_linked(opts, tmp_path, "xlsx")
    files = [Path(v["file"]) for v in summary["kinds"].values()]
    with icestats.connect(tmp_path / "db.duckdb", write=True) as ice:
        results = ice.ingest(files)
    assert [sorted(r.kinds) for r in results] == [[k] for k in KIND_FILES]
    assert all(r.synthetic and r.layout.startswith("2024-ICFO-39357") for r in results)
