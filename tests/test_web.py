"""The JSON API (FastAPI test client): every endpoint, bad parameters, security headers,
and one source of truth: the CLI, the API and the report give the same numbers."""

from __future__ import annotations

import csv
import io
import json
import re
from importlib import resources
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import icestats
from icestats.render.report import build
from icestats.web.app import create_app

from conftest import loaded_db, run

FY25 = Path(str(resources.files("icestats") / "data" / "FY25_detentionStats_final.xlsx"))


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return loaded_db(tmp_path_factory.mktemp("web"), seed=31, rows=40_000)


@pytest.fixture(scope="module")
def client(db: Path) -> TestClient:
    return TestClient(create_app(db), base_url="http://127.0.0.1")


ENDPOINTS = ["/api/status", "/api/goal", "/api/offices", "/api/daily",
             "/api/breakdown?by=criminality", "/api/fair", "/api/nowcast",
             "/api/forecast?horizon=30",
             "/api/events?event=2025-09-08,CHI,Midway%20Blitz&window=21",
             "/api/agency", "/api", "/", "/openapi.json", "/static/app.js"]


@pytest.mark.parametrize("url", ENDPOINTS)
def test_every_endpoint_answers(client: TestClient, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 200, r.text
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("url,fragment", [
    ("/api/daily?aor=XYZ", "unknown office 'XYZ'"),
    ("/api/daily?from=2025-02-30", "is not a date (expected YYYY-MM-DD)"),
    ("/api/daily?by=shoe_size", "unknown --by 'shoe_size'"),
    ("/api/daily?format=xml", "format must be json or csv"),
    ("/api/breakdown?by=criminality&period=fortnight", "unknown --period"),
    ("/api/goal?window=0", "--window must be a whole number of days from 1 to 3660, not 0"),
    ("/api/goal?as_of=1999-01-01", "outside the data"),
    ("/api/forecast?horizon=9999", "--horizon must be a whole number of days from 1 to 365"),
    ("/api/fair?allocation=vibes", "unknown --allocation"),
    ("/api/events?event=2025-09-08,ZZZ,x", "unknown office"),
    ("/api/goal?count=people", "unknown --count"),
])
def test_bad_parameters_are_422_with_a_message(client: TestClient, url: str,
                                               fragment: str) -> None:
    r = client.get(url)
    assert r.status_code == 422, (url, r.status_code)
    assert fragment in json.dumps(r.json()["detail"]), r.json()


def test_no_path_traversal(client: TestClient) -> None:
    for url in ("/static/../web/app.py", "/static/%2e%2e/%2e%2e/store.py", "/static/..%2fapp.py"):
        r = client.get(url)
        assert r.status_code == 404 and "import" not in r.text


def test_daily_json_and_csv_agree(client: TestClient, db: Path) -> None:
    js = client.get("/api/daily?aor=CHI&by=criminality").json()["rows"]
    text = client.get("/api/daily?aor=CHI&by=criminality&format=csv").text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(js)
    assert {(r["date"], r["criminality"], int(r["arrests"])) for r in rows} == \
        {(r["date"], r["criminality"], r["arrests"]) for r in js}
    with icestats.connect(db) as ice:
        t = ice.daily("criminality", aor="CHI").rows
    assert sum(t["arrests"].to_pylist()) == sum(r["arrests"] for r in js)


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
def test_cli_api_and_report_agree(client: TestClient, db: Path) -> None:
    cli_goal = json.loads(run("goal", "--db", db, "--json").stdout)
    api_goal = client.get("/api/goal").json()
    cli_off = json.loads(run("offices", "--fair", "--db", db, "--json").stdout)["offices"]
    api_off = client.get("/api/fair").json()["offices"]
    with icestats.connect(db) as ice:
        html = build(ice)
    data = json.loads(re.search(r"id='icestats-data'>(.*?)</script>", html).group(1))
    for key in ("windows", "latest_day_arrests", "as_of", "trend"):
        assert cli_goal[key] == api_goal[key] == data["goal"][key], key
    pick = lambda rows: {r["aor"]: (r["arrests"], r.get("attainment")) for r in rows}  # noqa: E731
    assert pick(cli_off) == pick(api_off) == pick(data["offices"])
    assert data["book_ins"][0]["total"] == client.get("/api/agency").json()[
        "book_ins_by_month"][0]["total"] == 23_613


def test_serve_refuses_a_public_address_without_the_flag(db: Path) -> None:
    r = run("serve", "--db", db, "--host", "0.0.0.0")
    assert r.exit_code == 2 and "--allow-remote" in r.stderr


SAME_ANSWER = [
    (["status"], "/api/status"),
    (["goal", "--goal", "1500", "--window", "14"], "/api/goal?goal=1500&window=14"),
    (["goal", "--as-of", "2025-08-01", "--count", "records"],
     "/api/goal?as_of=2025-08-01&count=records"),
    (["offices", "--window", "7", "--scope", "interior"],
     "/api/offices?window=7&scope=interior"),
    (["offices", "--fair", "--goal", "2000"], "/api/fair?goal=2000"),
    (["offices", "--underperformers", "--n", "10", "--allocation", "population"],
     "/api/underperformers?n=10&allocation=population"),
    (["breakdown", "--by", "gender", "--period", "day", "--from", "2025-09-01", "--to",
      "2025-09-10"], "/api/breakdown?by=gender&period=day&from=2025-09-01&to=2025-09-10"),
    (["breakdown", "--by", "agency_group", "--period", "quarter", "--aor", "CHI"],
     "/api/breakdown?by=agency_group&period=quarter&aor=CHI"),
    (["daily", "--by", "criminality", "--aor", "LOS"], "/api/daily?by=criminality&aor=LOS"),
    (["daily"], "/api/daily"),
    (["agency"], "/api/agency"),
    (["fiscal-years", "--scope", "interior"], "/api/fiscal_years?scope=interior"),
    (["revisions"], "/api/revisions"),
    (["nowcast"], "/api/nowcast"),
    (["events", "--event", "2025-06-06,LOS,Los Angeles"],
     "/api/events?event=2025-06-06,LOS,Los%20Angeles"),
    (["events", "--event", "2025-06-06,LOS,LA", "--event", "2025-08-01,CHI,x", "--window",
      "14", "--pre", "84", "--count", "records"],
     "/api/events?event=2025-06-06,LOS,LA&event=2025-08-01,CHI,x&window=14&pre=84"
     "&count=records"),
    (["forecast", "--horizon", "30"], "/api/forecast?horizon=30"),
]


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
@pytest.mark.parametrize("args,url", SAME_ANSWER, ids=lambda x: x if isinstance(x, str) else "")
def test_cli_json_is_the_api_answer(client: TestClient, db: Path, args: list[str],
                                    url: str) -> None:
    r = run(*args, "--db", db, "--json")
    assert r.exit_code == 0, r.stderr
    cli = json.loads(r.stdout)
    api = client.get(url).json()
    assert cli.pop("database") == str(db) and api.pop("database") == db.name
    assert cli == api
    assert cli["question"] in url and "synthetic" in cli and cli["source"]["text"]


def test_host_header_must_be_ours(db: Path) -> None:
    evil = TestClient(create_app(db), base_url="http://evil.example")
    assert evil.get("/api/status").status_code == 400
    ok = TestClient(create_app(db), base_url="http://localhost:8000")
    r = ok.head("/api/status")
    assert r.status_code == 200 and r.content == b"" and r.headers["cache-control"] == "no-store"


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
def test_chart_specifications_are_the_answers(client: TestClient, db: Path) -> None:
    """/api/charts/daily: the dashboard's Vega-Lite specifications carry the daily
    answer's rows as they are; several offices give one series each; the Vega bundle is
    served by icestats itself."""
    r = client.get("/api/charts/daily?aor=CHI")
    assert r.status_code == 200
    body = r.json()
    assert body["title"] == "Daily arrests, Chicago (CHI)"
    series, months = body["charts"]
    answer = client.get("/api/daily?aor=CHI").json()
    lines = [layer for layer in series["layer"] if layer["mark"]["type"] == "line"][0]
    assert lines["data"]["values"] == answer["series"]
    assert months["data"]["values"] == [{**t, "kind": "partial month" if t["partial"]
                                         else "whole month"} for t in answer["totals"]]
    assert series["usermeta"]["source"] == answer["source"]["text"]
    two = client.get("/api/charts/daily?aor=CHI,NYC").json()["charts"][0]
    keys = {row["key"] for layer in two["layer"] for row in layer.get("data", {}).get(
        "values", []) if "key" in row}
    assert keys == {"Chicago", "New York City"}
    bad = client.get("/api/charts/daily?aor=CHI,NYC&by=gender")
    assert bad.status_code == 422 and "one office at a time" in bad.json()["detail"]
    assert client.get("/api/charts/daily?aor=Nowhere").status_code == 422
    js = client.get("/vendor/vega.js")
    assert js.status_code == 200 and "window.vegaEmbed" in js.text
    assert js.headers["content-type"].startswith("text/javascript")
