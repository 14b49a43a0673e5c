"""Small-cell suppression: applied where a personal attribute meets days or fine geography,
absent where it must not apply."""

from __future__ import annotations

import pyarrow as pa

from icestats import privacy


def table() -> pa.Table:
    return pa.table({"arrests": [3, 9, 10, 250], "share": [1.1, 3.3, 3.7, 91.9]})


def test_citizenship_by_day_is_suppressed_below_ten() -> None:
    out = privacy.suppress(table(), ["citizenship"], "day")
    assert out["arrests"].to_pylist() == [None, None, 10, 250]
    assert out["share"].to_pylist() == [None, None, 3.7, 91.9]
    assert out["suppressed"].to_pylist() == [True, True, False, False]


def test_gender_by_county_is_suppressed_even_monthly() -> None:
    out = privacy.suppress(table(), ["gender", "county"], "month")
    assert out["arrests"].to_pylist() == [None, None, 10, 250]


def test_not_applied_to_offices_days_or_categories() -> None:
    for dims, period in ((["criminality"], "day"), (["aor"], "day"), (["citizenship"], "month"),
                         (["method", "state"], "day")):
        out = privacy.suppress(table(), dims, period)
        assert out.equals(table()), (dims, period)


def test_daily_citizenship_through_the_library(tmp_path) -> None:  # noqa: ANN001
    import icestats

    from conftest import make_release, run

    db = tmp_path / "db.duckdb"
    assert run("ingest", make_release(tmp_path / "r.csv", rows=1500), "--db", db).exit_code == 0
    with icestats.connect(db) as ice:
        rows = ice.daily("citizenship").rows.to_pylist()
        assert all(r["arrests"] is None or r["arrests"] >= 10 for r in rows)
        assert any(r["suppressed"] for r in rows)
        crim = ice.daily("criminality").rows.to_pylist()
        assert any(r["arrests"] < 10 for r in crim) and "suppressed" not in crim[0]
