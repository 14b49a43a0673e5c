"""The questions asked over another event kind (``--kind``): the offices' removals a day and
the daily encounters per office (``export daily --by aor --kind encounters``) equal a
count made here from the generated csv files with Python alone (the kind's date, office
and duplicate rule: one per identifier and day); the tables say the kind's word, not
"arrests"; arrests are unchanged by the other kinds beside them."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

import icestats
from icestats.cli import app
from icestats.generate import Options
from icestats.reference import aor_aliases, aor_key
from icestats.schema import SYNTHETIC_MARK

from conftest import linked_db

OPTS = Options(start=date(2025, 1, 1), end=date(2025, 4, 30), rows=3000, seed=11,
               layout="2026-ICLI-00005")


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Path]]:
    return linked_db(tmp_path_factory.mktemp("kinds"), OPTS)


def _per_office_day(path: Path, date_col: str, office_col: str) -> Counter[tuple[date, str]]:
    """(day, office) -> events: one per identifier and day (every row without one)."""
    seen: set[tuple[str, date]] = set()
    out: Counter[tuple[date, str]] = Counter()
    with path.open(newline="") as fh:
        assert SYNTHETIC_MARK in fh.readline()
        for r in csv.DictReader(fh):
            day = datetime.fromisoformat(r[date_col]).date()
            ident = r["Anonymized Identifier"]
            if ident:
                if (ident, day) in seen:
                    continue
                seen.add((ident, day))
            out[(day, aor_aliases().get(aor_key(r[office_col]), "UNK"))] += 1
    return out


def test_offices_over_removals(linked: tuple[Path, dict[str, Path]]) -> None:
    db, files = linked
    expected = _per_office_day(files["removals"], "Departed Date", "Case AOR")
    with icestats.connect(db) as ice:
        answer = ice.offices(kind="removals", window=28, as_of="2025-03-31")
        arrests = ice.offices(window=28, as_of="2025-03-31")
    first = date(2025, 3, 31) - timedelta(days=27)
    for row in answer.offices.to_pylist():
        mine = sum(n for (d, a), n in expected.items()
                   if a == row["aor"] and first <= d <= date(2025, 3, 31))
        assert row["arrests"] == mine, row["aor"]
    assert answer.window.slice.kind == "removals"
    assert "removal records" in answer.source.text
    assert answer.offices.to_pylist() != arrests.offices.to_pylist()


def test_export_daily_encounters_per_office(linked: tuple[Path, dict[str, Path]],
                                            tmp_path: Path) -> None:
    db, files = linked
    out = tmp_path / "enc.csv"
    result = CliRunner().invoke(app, ["export", "daily", "--by", "aor", "--kind",
                                      "encounters", "--format", "csv", "-o", str(out),
                                      "--db", str(db)])
    assert result.exit_code == 0, result.output
    expected = _per_office_day(files["encounters"], "Event Date", "Responsible AOR")
    with out.open(newline="") as fh:
        got = {(date.fromisoformat(r["date"]), r["aor"]): int(r["encounters"])
               for r in csv.DictReader(fh) if int(r["encounters"])}
    assert got == dict(expected)


def test_tables_say_the_kind(linked: tuple[Path, dict[str, Path]]) -> None:
    db, _ = linked
    result = CliRunner().invoke(app, ["offices", "--kind", "detainers", "--db", str(db)],
                                env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    assert "by detainers per day" in result.output
    assert "arrests" not in result.output.split("GENERATED")[0]
    bad = CliRunner().invoke(app, ["offices", "--kind", "stays", "--db", str(db)])
    assert bad.exit_code == 2 and "--kind" in bad.output


def test_pipeline_side_by_side(linked: tuple[Path, dict[str, Path]]) -> None:
    """`icestats pipeline`: each kind's events per office over its complete days equal the
    csv count (removals, encounters); the API gives the same answer as the library."""
    db, files = linked
    with icestats.connect(db) as ice:
        answer = ice.pipeline(period="fy")
        one = ice.pipeline(aor="CHI", period="fy", goal=365000)
    for kind, path, day_col, office_col in (
            ("removals", files["removals"], "Departed Date", "Case AOR"),
            ("encounters", files["encounters"], "Event Date", "Responsible AOR")):
        expected = _per_office_day(path, day_col, office_col)
        for row in answer.kinds:
            last = OPTS.start + timedelta(days=row[f"{kind}_days"] - 1)
            mine = sum(n for (d, a), n in expected.items()
                       if d <= last and row["aor"] in (a, "all"))
            assert row[kind] == mine, (kind, row["aor"])
    assert {r["aor"] for r in one.kinds} == {"CHI", "all"}
    assert one.removal_goal["goal_per_day"] == 1000.0  # 365,000 a year
    result = CliRunner().invoke(app, ["pipeline", "--db", str(db)], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "Removals against a goal" in result.output and "removals per arrest:" in result.output


def test_personal_attributes_of_a_kind_come_from_its_own_grid(
        linked: tuple[Path, dict[str, Path]]) -> None:
    """``breakdown --by gender --kind removals``: the removals' own protected cells (each
    within the rounding base of the count made here), never the arrests' cells."""
    db, files = linked
    true: Counter[tuple[str, str, str]] = Counter()
    seen: set[tuple[str, str]] = set()
    with files["removals"].open(newline="") as fh:
        fh.readline()
        for r in csv.DictReader(fh):
            day, ident = r["Departed Date"][:10], r["Anonymized Identifier"]
            if ident and (ident, day) in seen:
                continue
            seen.add((ident, day))
            office = aor_aliases().get(aor_key(r["Case AOR"]), "UNK")
            true[(office, day[:7], r["Gender"] or "(blank)")] += 1
    office = max({o for o, _, _ in true}, key=lambda o: sum(
        n for (a, m, _), n in true.items() if a == o and m == "2025-03"))
    with icestats.connect(db) as ice:
        got = ice.breakdown(by="gender", kind="removals", period="month", aor=office,
                            start="2025-03-01", end="2025-03-31")
        arrests = ice.breakdown(by="gender", period="month", aor=office,
                                start="2025-03-01", end="2025-03-31")
    cells = {r["gender"]: r["arrests"] for r in got.to_dict()["rows"]}
    assert cells and cells != {r["gender"]: r["arrests"] for r in arrests.to_dict()["rows"]}
    for gender, n in cells.items():
        assert abs(n - true[(office, "2025-03", gender)]) <= 4, (office, gender, n)
