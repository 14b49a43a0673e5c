"""What the independent review of issue 22 found, each pinned by a test: the surge scan
with one office's own release loaded, the removal goal, files mixing two kinds' headers,
and the kind-named exports."""

from __future__ import annotations

import csv
import re
from datetime import date, timedelta
from pathlib import Path

from conftest import release_db, run

SEATTLE_ARRESTS = ["Arrest Date", "Date of Birth", "Gender", "Country of Citizenship",
                   "Event Number", "Apprehension Landmark", "Arrest Method",
                   "Most Serious Conviction"]


def _scanned(output: str) -> int:
    found = re.search(r"\((\d+) offices scanned\)", output)
    assert found, output
    return int(found.group(1))


def test_one_office_release_does_not_shrink_the_surge_scan(tmp_path: Path) -> None:
    """A Seattle workbook (office from its title line) covering days before a release of
    every office: the scan still covers every office with records in that release."""
    db = release_db(tmp_path)
    with open(tmp_path / "base.csv", newline="") as f:  # the offices with records, by name
        rows = list(csv.reader(f))[1:]  # (after the SYNTHETIC banner line)
    col = rows[0].index("TOA Current Duty AOR")
    offices = len({r[col] for r in rows[1:] if r[col].endswith(" Area of Responsibility")
                   and not r[col].startswith("HQ")})
    before = run("surges", "--db", db)
    assert before.exit_code == 0, before.output
    rows = [["FY2025 ERO Administrative Arrests for the Seattle Area of Responsibility"],
            SEATTLE_ARRESTS]
    rows += [[(date(2025, 1, 1) + timedelta(days=i)).isoformat(), "", "Male", "MEXICO",
              f"e{i}", "x", "Located", ""] for i in range(59)]  # 2025-01-01..02-28
    with open(tmp_path / "sea.csv", "w", newline="") as f:
        csv.writer(f).writerows(rows)
    assert run("ingest", tmp_path / "sea.csv", "--db", db).exit_code == 0
    after = run("surges", "--db", db)
    assert after.exit_code == 0, after.output
    assert _scanned(after.output) == _scanned(before.output) == offices
    assert "Surges, 2025-03-01 to" in after.output  # the days scanned, not Seattle's own
