"""Nothing personal in status: unrecognized office values are shown only when they have
the shape of an office name or code and occur often; anything else (a person's name, an
identifier) is counted by its shape: words, length, digits."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

import icestats
from icestats.privacy import unrecognized_summary

from conftest import make_release, run


def test_summary_rule() -> None:
    got = unrecognized_summary([("Chicgo Area", 40), ("A1B2C3D4E5", 10), ("Chicagoo", 3),
                                ("X", 50), ("John Smith", 12), ("NOLA", 20),
                                ("San Antonio AOR", 15), ("Maria Lopez Garcia", 30)])
    assert got == {"Chicgo Area": 40, "San Antonio AOR": 15,
                   "(other values: 1 word, 10-19 characters, with digits)": 10,
                   "(other values: 1 word, 0-9 characters)": 73,
                   "(other values: 2 words, 10-19 characters)": 12,
                   "(other values: 3 words, 10-19 characters)": 30}


def test_names_beside_office_words_and_initials_are_counted_by_shape() -> None:
    """The red team's names (each 10+ times): an office word, a second office name or
    2-4 capitals made them "office-shaped" before; only known spellings with a small
    typo are shown now."""
    names = ["John Smith AOR", "Ana Lopez ERO", "Tim Ero", "Jose Aor", "Maria HQ",
             "Dallas Houston", "JLO", "DALE", "NOLA"]
    typos = ["Chicgo Area", "Houstn", "Denvr AOR", "St Paul ERO", "Los Angels",
             "Headquaters", "Chicago Field Office"]
    got = unrecognized_summary([(v, 12) for v in names + typos], k=10)
    assert got == {**{t: 12 for t in typos},
                   "(other values: 1 word, 0-9 characters)": 36,
                   "(other values: 2 words, 0-9 characters)": 36,
                   "(other values: 2 words, 10-19 characters)": 12,
                   "(other values: 3 words, 10-19 characters)": 24}


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
def test_identifiers_under_the_office_header_are_never_printed(tmp_path: Path) -> None:
    ids = [f"9F{i:014X}" for i in range(15)]
    extra = [{"apprehension_date": datetime(2025, 4, 2, 10), "aor": i, "identifier": i,
              "criminality": "3 Other Immigration Violator"} for i in ids]
    extra += [{"apprehension_date": datetime(2025, 4, 3, 9), "aor": "Chicgo Area",
               "criminality": "3 Other Immigration Violator"} for _ in range(12)]
    extra += [{"apprehension_date": datetime(2025, 4, 3, 9), "aor": "Jonathan Q Public",
               "criminality": "3 Other Immigration Violator"} for _ in range(11)]
    release = make_release(tmp_path / "r.csv", rows=800, extra=extra)
    db = tmp_path / "db.duckdb"
    assert run("ingest", release, "--db", db).exit_code == 0
    outputs = [run("status", "--db", db).stdout, run("status", "--db", db, "--json").stdout]
    for text in outputs:
        assert not any(i in text for i in ids) and "Jonathan" not in text
    s = json.loads(outputs[1])["unrecognized_aor_values"]
    assert s["Chicgo Area"] == 12
    assert s["(other values: 1 word, 10-19 characters, with digits)"] == 15
    assert s["(other values: 3 words, 10-19 characters)"] == 11
    with icestats.connect(db) as ice:
        assert ice.status().unrecognized_aor_values == s
