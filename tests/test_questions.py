"""The question table and the slice: every surface is built from one declaration.

The CLI and the API accept and refuse the same values with the same one-line message
(every question's every parameter, walked here); the library's signatures are the
table's; the goal, window and FDR defaults are written once in ``src/``; a slice is
resolved once per answer; every answer carries the same ``window`` block."""

from __future__ import annotations

import ast
import inspect
import json
import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

import pytest
from fastapi.testclient import TestClient

import icestats
from icestats import questions as qmod
from icestats.answers import Answer
from icestats.client import Icestats
from icestats.params import Param
from icestats.questions import QUESTIONS
from icestats.web.app import create_app

from conftest import release_db, run

SRC = Path(__file__).resolve().parents[1] / "src" / "icestats"
README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated release, 2025-03-01..06-30 (the library is mostly stubbed)."""
    return release_db(tmp_path_factory.mktemp("questions"), rows=3000)


@dataclass
class Probe(Answer):
    """What a stubbed library method was called with, as JSON (both surfaces print it)."""

    question: ClassVar[str] = "probe"
    got: dict[str, Any]

    def body(self) -> dict[str, Any]:
        return {"got": self.got}


def _normal(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Both surfaces' library call in one form: the CLI reads an events file or texts
    before the database is opened (``events``), the API hands the texts over."""
    from icestats.stats.events import load_events

    out = dict(kwargs)
    if out.get("event") or out.get("events"):
        evs = out.pop("events", None) or load_events(out.pop("file", None), out.pop("event"))
        out["events"] = [(e.date.isoformat(), e.office, e.label) for e in evs]
    return json.loads(json.dumps(out, default=str))


@pytest.fixture()
def stubbed(monkeypatch: pytest.MonkeyPatch) -> None:
    for q in QUESTIONS.values():
        monkeypatch.setattr(Icestats, q.library,
                            lambda self, **kw: Probe(_normal(kw)))


def candidates(p: Param) -> list[str]:
    """Values to try: inside, on and outside the bounds, of the wrong kind, unknown."""
    if p.kind in ("days", "int", "number"):
        lo, hi = p.low, p.high
        out = ["abc", "1.5" if p.kind != "number" else "nan"]
        for x in (lo, hi):
            if x is not None:
                out += [_num(x), _num(x - 1 if x == lo else x + 1)]
        if p.step > 1 and lo is not None:
            out.append(_num(lo + 1))
        return out
    return {"choice": [*p.choices[-1:], "nope"], "date": ["2025-04-01", "2025-02-30"],
            "month": ["2025-04", "2025-4", "2025-04-01"],
            "office": ["Chicago", "XYZ"], "text": ["book_ins_by_agency"],
            "list": ["2025-04-01,CHI,x", "2025-04-01", "2025-04-01,ZZZ,x"],
            "flag": [], "path": []}[p.kind]


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def cli(db: Path, q: qmod.Question, p: Param | None, value: str | None
        ) -> tuple[str, Any]:
    args = [q.command, "--db", str(db), "--json"] + ([p.flag, value] if p and value else [])
    r = run(*args)
    if r.exit_code == 0:
        return "ok", json.loads(r.stdout)["got"]
    assert r.exit_code == 2 and r.stderr.startswith("error: ") and \
        r.stderr.count("\n") == 1, (args, r.exit_code, r.stderr)
    return "refused", r.stderr.removeprefix("error: ").strip()


def api(client: TestClient, q: qmod.Question, p: Param | None, value: str | None
        ) -> tuple[str, Any]:
    r = client.get(q.route, params={p.api_name: value} if p and value else {})
    if r.status_code == 200:
        return "ok", r.json()["got"]
    assert r.status_code == 422, (q.route, p, value, r.text)
    return "refused", r.json()["detail"]


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
def test_cli_and_api_agree_on_every_parameter(db: Path, stubbed: None) -> None:
    """Every question's every parameter (on both surfaces): the same values accepted and
    handed to the library the same, the same values refused with the same message."""
    client = TestClient(create_app(db), base_url="http://127.0.0.1")
    tried = refused = 0
    for q in QUESTIONS.values():
        assert cli(db, q, None, None) == api(client, q, None, None), q.name
        for p in q.params:
            if not {"cli", "api"} <= set(p.surfaces):
                continue
            for value in candidates(p):
                a, b = cli(db, q, p, value), api(client, q, p, value)
                assert a == b, (q.name, p.name, value)
                tried, refused = tried + 1, refused + (a[0] == "refused")
    assert tried > 120 and 50 < refused < tried


def test_flags_agree(db: Path, stubbed: None) -> None:
    client = TestClient(create_app(db), base_url="http://127.0.0.1")
    for q in QUESTIONS.values():
        for p in q.params:
            if p.kind == "flag":
                on = json.loads(run(q.command, p.flag, "--db", db, "--json").stdout)["got"]
                assert on == client.get(q.route, params={p.name: "true"}).json()["got"]
                assert on[p.name] is True
                bad = client.get(q.route, params={p.name: "maybe"})
                assert bad.json()["detail"] == f"{p.flag} must be true or false, not 'maybe'"


@pytest.mark.parametrize("args,message", [
    (["offices", "--fair", "--fdr", "5"],
     "--fdr must be a finite number above 0 and below 1, not 5"),
    (["fair", "--fdr", "2"], "--fdr must be a finite number above 0 and below 1, not 2"),
    (["offices", "--fair", "--window", "3"],
     "--window must be a whole number of days from 7 to 3660, not 3"),
    (["forecast", "--fit-days", "5000"],
     "--fit-days must be a whole number of days from 28 to 3660, not 5000"),
    (["underperformers", "--n", "0"], "--n must be a whole number from 1 to 24, not 0"),
])
def test_what_the_cli_answered_and_the_api_refused_is_refused_by_both(
        db: Path, args: list[str], message: str) -> None:
    """Before the table, the CLI answered these and the API refused them (422)."""
    r = run(*args, "--db", db)
    assert r.exit_code == 2 and r.stderr == f"error: {message}\n"
    q = QUESTIONS["fair" if args[0] == "offices" else args[0]]
    client = TestClient(create_app(db), base_url="http://127.0.0.1")
    answer = client.get(q.route, params={args[-2].lstrip("-").replace("-", "_"): args[-1]})
    assert answer.status_code == 422 and answer.json()["detail"] == message


def test_the_library_takes_the_tables_parameters() -> None:
    """Each question's library method has a keyword per parameter, with its default."""
    for q in QUESTIONS.values():
        sig = inspect.signature(getattr(Icestats, q.library))
        own = {n: p for n, p in sig.parameters.items() if n not in ("self", "events")}
        assert set(own) == {p.name for p in q.params}, q.name
        for p in q.params:
            expected = inspect.Parameter.empty if p.required else p.default
            assert own[p.name].default == expected, (q.name, p.name)


def test_help_and_readme_name_every_parameter() -> None:
    """Every parameter is in its command's --help (with its default) and in the README's
    option reference, which is the table's own text (``python -m icestats.questions``)."""
    text = README.read_text(encoding="utf-8")
    start, end = "<!-- questions:start -->\n", "<!-- questions:end -->"
    assert text[text.index(start) + len(start):text.index(end)] == qmod.markdown(), \
        "the README's option reference is stale: python -m icestats.questions"
    for q in QUESTIONS.values():
        out = run(q.command, "--help").stdout
        for p in q.on("cli"):
            assert p.flag in out, (q.name, p.flag)


def test_goal_window_and_fdr_are_written_once() -> None:
    """3000, 28 and 0.05 as the goal, window and FDR defaults: only in defaults.py; no
    parameter named after them has a number written as its default anywhere else."""
    named = {"goal", "goal_per_day", "window", "trend_window", "fdr", "q"}
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        here = path.name == "defaults.py"
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, int | float) \
                    and not isinstance(node.value, bool) and node.value == 3000:
                assert here, f"{path.name}:{node.lineno}: the goal written again"
            if isinstance(node, ast.arguments):
                args = [*node.posonlyargs, *node.args, *node.kwonlyargs]
                defaults = [*[None] * (len(node.posonlyargs) + len(node.args)
                                       - len(node.defaults)), *node.defaults, *node.kw_defaults]
                for a, d in zip(args, defaults, strict=True):
                    if a.arg in named and isinstance(d, ast.Constant) and d.value is not None:
                        raise AssertionError(f"{path.name}:{d.lineno}: {a.arg}={d.value}")
            if isinstance(node, ast.keyword) and node.arg in named and \
                    isinstance(node.value, ast.Constant) and not here:
                raise AssertionError(f"{path.name}:{node.value.lineno}: {node.arg}= written")
            if isinstance(node, ast.Assign) and not here:
                for t in node.targets:
                    if isinstance(t, ast.Name) and t.id in ("FDR", "WINDOW", "WINDOW_DAYS",
                                                            "GOAL", "GOAL_PER_DAY") and \
                            isinstance(node.value, ast.Constant):
                        raise AssertionError(f"{path.name}:{node.lineno}: {t.id} again")
    from icestats import defaults

    assert (defaults.GOAL_PER_DAY, defaults.WINDOW_DAYS, defaults.FDR) == (3000, 28, 0.05)
    from icestats import kind_goals

    assert QUESTIONS["goal"].param("goal").default is None  # the kind's stated goal
    assert kind_goals.stated("arrests").per_day == 3000  # type: ignore[union-attr]
    assert QUESTIONS["fair"].param("fdr").default == 0.05
    assert QUESTIONS["offices"].param("window").default == 28


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
def test_fair_and_underperformers_are_commands_and_the_offices_flags_their_aliases(
        db: Path) -> None:
    for name, flag in (("fair", "--fair"), ("underperformers", "--underperformers")):
        own = json.loads(run(name, "--db", db, "--json").stdout)
        alias = json.loads(run("offices", flag, "--db", db, "--json").stdout)
        assert own == alias and own["question"] == name
    r = run("offices", "--fdr", "0.1", "--db", db)
    assert r.exit_code == 2 and "--fdr goes with `icestats fair`" in r.stderr
    r = run("export", "fair", "--db", db, "-o", Path(db).with_name("fair.csv"))
    assert r.exit_code == 0, r.stderr


def test_connect_reads_icestats_db(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ICESTATS_DB", str(db))
    with icestats.connect() as ice:
        assert ice.path == db and ice.offices().offices.num_rows == 27
    monkeypatch.delenv("ICESTATS_DB")
    with pytest.raises(icestats.IcestatsError):
        icestats.connect()  # ./icestats.duckdb is not there


SLICED = {"goal": {}, "offices": {}, "fair": {}, "underperformers": {"n": 5},
          "breakdown": {"by": "custody"}, "daily": {}, "fiscal_years": {}, "nowcast": {},
          "forecast": {"horizon": 14}, "surges": {},
          "events": {"event": ["2025-05-01,CHI,test"]}}


def test_a_slice_is_resolved_once_per_answer(db: Path, monkeypatch: pytest.MonkeyPatch
                                             ) -> None:
    """No question looks the data's span up again (fair looked it up 11 times)."""
    from icestats import metrics, slices

    calls = {"n": 0}
    real = slices.coverage

    def counted(con: Any) -> Any:
        calls["n"] += 1
        return real(con)

    monkeypatch.setattr(slices, "coverage", counted)
    monkeypatch.setattr(metrics, "coverage", counted)
    with icestats.connect(db) as ice:
        for name, kw in SLICED.items():
            calls["n"] = 0
            getattr(ice, QUESTIONS[name].library)(**kw)
            assert calls["n"] == 1, (name, calls["n"])


def test_every_answer_carries_the_same_window_block(db: Path) -> None:
    keys = {"from", "to", "days", "days_with_data", "as_of", "as_of_incomplete", "kind",
            "count", "scope", "offices", "window_days", "include_incomplete", "grain",
            "data", "not_covered"}
    with icestats.connect(db) as ice:
        for name, kw in {**SLICED, "status": {}}.items():
            w = getattr(ice, QUESTIONS[name].library)(**kw).to_dict()["window"]
            assert set(w) == keys, name
            assert w["kind"] == "arrests" and w["grain"] == {"time": "day",
                                                                  "place": "office"}
            assert date.fromisoformat(w["from"]) <= date.fromisoformat(w["to"])
        fair = ice.fair_offices().to_dict()["window"]
        assert (fair["from"], fair["to"], fair["days"]) == ("2025-05-20", "2025-06-16", 28)
        assert fair["data"]["complete_through"] == "2025-06-16"
        d = ice.daily(start="2025-04-01", end="2025-04-30", aor="Chicago").to_dict()["window"]
        assert (d["from"], d["to"], d["offices"], d["days_with_data"]) == (
            "2025-04-01", "2025-04-30", ["CHI"], 30)


def test_slice_values_are_checked_once_with_one_message() -> None:
    from icestats.errors import UsageError
    from icestats.slices import Slice

    assert Slice(window=28, as_of="2025-06-01").as_of == date(2025, 6, 1)
    assert Slice(offices=("Chicago",)).offices == ("CHI",)
    for kw, message in (({"count": "people"}, "unknown --count 'people'"),
                        ({"window": 0}, "--window must be a whole number of days"),
                        ({"window": 7, "start": "2025-01-01"}, "not both"),
                        ({"start": "2025-02-01", "end": "2025-01-01"}, "is after --to"),
                        ({"kind": "parking_tickets"}, "unknown --kind")):
        with pytest.raises(UsageError, match=message):
            Slice(**kw)


def test_params_parse_once_and_twice_the_same() -> None:
    for q in QUESTIONS.values():
        for p in q.params:
            for value in candidates(p):
                try:
                    once = p.parse(value)
                except icestats.IcestatsError:
                    continue
                assert p.parse(once) == once or (isinstance(once, float) and math.isnan(once))
