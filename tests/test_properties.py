"""Property-based tests (hypothesis) for header detection, AOR normalization, redaction
markers and the episode rule."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from icestats import reference, store
from icestats.ingest import normalize
from icestats.ingest.episodes import mark_episodes
from icestats.ingest.layout import FIELDS, LayoutProblem, detect_layout, header_key

from reference_impl import episode_starts

pytestmark = pytest.mark.slow  # run by `make test` and CI; plain `pytest` skips it

KNOWN_HEADERS = {header_key(a) for aliases in FIELDS.values() for a in aliases}
banner_text = st.text(min_size=0, max_size=40).filter(lambda s: header_key(s) not in KNOWN_HEADERS)
banner_row = st.lists(st.one_of(st.none(), banner_text, st.integers()), max_size=6)
optional_fields = [f for f in FIELDS if f not in ("apprehension_date", "aor")]


def _respell(name: str, draw: st.DrawFn) -> str:
    style = draw(st.sampled_from(["same", "upper", "lower", "spaces"]))
    return {"same": name, "upper": name.upper(), "lower": name.lower(),
            "spaces": f"  {name}  "}[style]


@given(st.data())
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
def test_header_found_below_any_banner(data: st.DataObject) -> None:
    banners = data.draw(st.lists(banner_row, max_size=12))
    extra = data.draw(st.lists(st.sampled_from(optional_fields), min_size=1, unique=True))
    fields = ["apprehension_date", "aor", *extra]
    order = data.draw(st.permutations(fields))
    header = [_respell(data.draw(st.sampled_from(FIELDS[f])), data.draw) for f in order]
    body = [["2025-01-01 00:00:00"] * len(header)]
    layout = detect_layout([*banners, header, *body])
    assert layout.header_index == len(banners)
    assert set(layout.columns) == set(fields)
    for field, column in layout.columns.items():
        assert header[order.index(field)] == column


@given(st.lists(banner_row, max_size=8))
def test_no_header_means_unknown_layout(banners: list[list[object]]) -> None:
    try:
        detect_layout(banners)
    except LayoutProblem as p:
        assert "unknown layout" in p.message
    else:
        raise AssertionError("a banner alone was taken for a header")


def _spellings() -> st.SearchStrategy[tuple[str, str]]:
    def variants(o: reference.Office) -> list[str]:
        base = [o.code, o.name,
                *(a for a in o.aliases if not a.upper().endswith("AREA OF RESPONSIBILITY"))]
        return base + [f"{n} Area of Responsibility" for n in base] + \
            [f"  {n.lower()}   " for n in base] + [n.upper() + " AOR" for n in base]
    pairs = [(v, o.code) for o in reference.offices() for v in variants(o)]
    return st.sampled_from(pairs)


@given(_spellings())
def test_every_spelling_maps_to_its_office(pair: tuple[str, str]) -> None:
    spelling, code = pair
    assert reference.aor_aliases()[reference.aor_key(spelling)] == code


@given(st.text(st.characters(codec="ascii"), max_size=60))
@settings(max_examples=300, deadline=None)  # no timed assertion: the machine is shared
def test_sql_and_python_normalizers_agree(value: str) -> None:
    con = duckdb.connect()
    sql_key, sql_redacted = con.execute(
        f"SELECT {reference.aor_key_sql('$1')}, {normalize.redacted_sql('$1')}", [value]
    ).fetchall()[0]
    assert sql_key == reference.aor_key(value)
    assert sql_redacted == normalize.is_redacted(value)


@given(st.sampled_from(["b(6), b(7)c", "(b)(6)(b)(7)(c)", "B(6)", "b(7)(E)", "(b)(6), (b)(7)(C)",
                        "b6 and b7c"]), st.sampled_from(["", " ", "  "]))
def test_redaction_markers_recognized(marker: str, pad: str) -> None:
    assert normalize.is_redacted(pad + marker + pad)


@given(st.sampled_from(["", "Bob", "MEXICO", "b", "(b)", "b(8)", "2025-01-01", "B6X"]))
def test_values_are_not_markers(value: str) -> None:
    assert not normalize.is_redacted(value)


T0 = dt.datetime(2025, 5, 1, 8, 0, 0)
offsets = st.sampled_from([0, 1, 3600, 86399, 86400, 86401, 2 * 86400, 3 * 86400 + 5])
record = st.tuples(st.sampled_from(["A", "B", "C", None]), st.integers(0, 4), offsets,
                   st.booleans(), st.sampled_from(["CHI", "DAL", "MIA"]))


@given(st.lists(record, min_size=1, max_size=25))
@settings(max_examples=150, deadline=None)
def test_episode_rule_matches_reference(recs: list[tuple]) -> None:
    con = duckdb.connect()
    store.migrate(con)
    rows = []
    for i, (ident, hops, off, repro, aor) in enumerate(recs):
        when = T0 + dt.timedelta(seconds=hops * off)
        rows.append({"when": when, "aor": aor, "id": ident, "reprocessed": repro,
                     "order": (0, i)})
        con.execute(
            "INSERT INTO arrests (release_id, sheet, sheet_no, source_row, apprehension_at, "
            "apprehension_date, aor, aor_status, id_hash, id_status, reprocessed, episode_start)"
            " VALUES (1, 's', 0, ?, ?, ?, ?, 'ok', ?, 'present', ?, true)",
            [i, when, when.date(), aor, None if ident is None else ord(ident), repro])
    episodes = mark_episodes(con, 1)
    expected = sorted(r["order"][1] for r in episode_starts(rows))
    got = [r[0] for r in con.execute(
        "SELECT source_row FROM arrests WHERE episode_start ORDER BY 1").fetchall()]
    assert got == expected and episodes == len(expected)
