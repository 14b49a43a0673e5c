"""The faster reading paths store exactly what the plain ones store: a small csv read whole
(gzip inflated in Python, dates parsed per distinct value) against the same file read in
chunks, and sheets parsed two at a time against one at a time."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from conftest import make_release

REAL = Path(str(resources.files("icestats") / "data" / "real"))


def _stored(db: Path, files: list[Path]) -> tuple[list[object], ...]:
    import icestats

    with icestats.connect(db, write=True) as ice:
        results = ice.ingest(files)
        con = ice.con
        return (
            [r.to_dict() | {"release_id": None} for r in results],
            con.execute("SELECT * EXCLUDE (id_hash) FROM arrests "
                        "ORDER BY release_id, sheet_no, source_row").fetchall(),
            con.execute("SELECT * FROM rejects ORDER BY release_id, sheet, source_row"
                        ).fetchall(),
            con.execute("SELECT * FROM day_owner ORDER BY date").fetchall(),
            con.execute("SELECT * EXCLUDE (loaded_at) FROM releases ORDER BY release_id"
                        ).fetchall(),
        )


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
@pytest.mark.parametrize("form", ["real gzip", "generated plain csv"])
def test_small_csv_read_whole_stores_what_chunks_store(tmp_path: Path, monkeypatch,  # noqa: ANN001
                                                      form: str) -> None:
    from icestats.ingest import read_csv

    if form == "real gzip":
        files = [REAL / "EROArrests_FY2016.csv.gz"]
    else:
        files = [make_release(tmp_path / "r.csv", rows=3000)]
    whole = _stored(tmp_path / "whole.duckdb", files)
    assert read_csv.is_small(files[0], "gzip" if form == "real gzip" else "none")
    monkeypatch.setattr(read_csv, "SMALL_ROW_BYTES", {})  # nothing is small: chunks
    monkeypatch.setattr(read_csv, "CHUNK_ROWS", 50_000)
    chunked = _stored(tmp_path / "chunked.duckdb", files)
    assert whole == chunked
    assert len(whole[1]) > 1000


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
def test_dates_per_distinct_value_match_per_row(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    from icestats.ingest import rows

    files = [REAL / "EROArrests_FY2019.csv.gz"]
    distinct = _stored(tmp_path / "d.duckdb", files)
    monkeypatch.setattr(rows, "date_table", lambda *a: None)
    per_row = _stored(tmp_path / "r.duckdb", files)
    assert distinct == per_row


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
def test_sheets_parsed_two_at_a_time_store_what_one_at_a_time_stores(
        tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    from icestats import xlsx

    book = make_release(tmp_path / "r.xlsx", rows=1500, sheet_rows=300)
    two = _stored(tmp_path / "two.duckdb", [book])
    monkeypatch.setattr(xlsx, "PARSERS", 1)
    from icestats.ingest import read_xlsx

    monkeypatch.setattr(read_xlsx, "PARSERS", 1)
    one = _stored(tmp_path / "one.duckdb", [book])
    assert two == one
    assert len(two[0][0]["sheets"]) >= 4 and len(two[1]) > 1000
