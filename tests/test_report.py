"""The report's charts: Vega-Lite specifications drawn to SVG offline by vl-convert, with
the answer's numbers in them and no script; PNG and PDF; the event study drawn when the
events answer carries one; gaps for missing values; series colours with enough contrast."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from html import escape
from pathlib import Path

import pytest

import icestats
from icestats.answers import EventsAnswer, Source
from icestats.jsonout import plain
from icestats.render import report_stats, specs, specs_stats, vega
from icestats.render.figures import Figures

from conftest import loaded_db, run


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return loaded_db(tmp_path_factory.mktemp("report"), seed=43, rows=20_000)


@pytest.fixture(scope="module")
def html(db: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("out") / "report.html"
    assert run("report", "--db", db, "-o", out).exit_code == 0
    return out.read_text(encoding="utf-8")


def _half_up(num: int, den: int) -> str:
    return f"{(Decimal(num) / Decimal(den)).quantize(Decimal('0.1'), ROUND_HALF_UP):,}"


@pytest.mark.slow  # (issue 20: the fast set stays under 3 minutes; make test runs it)
def test_the_report_svg_carries_the_answers_numbers_and_no_script(db: Path, html: str) -> None:
    # Every office's sparkline is labelled with its mean over the latest 28 complete days,
    # computed here from the daily counts by office.
    with icestats.connect(db) as ice:
        rows = ice.daily("aor").rows.to_pylist()
        last = ice.status().coverage.complete_through
        names = {o["aor"]: o["name"] for o in ice.offices().offices.to_pylist()
                 if o["rank"] is not None}  # the 25 offices (not the unknown group)
    window = {last - timedelta(days=k) for k in range(28)}
    sums: dict[str, int] = {}
    for r in rows:
        if r["date"] in window and r["aor"] in names:
            sums[r["aor"]] = sums.get(r["aor"], 0) + r["arrests"]
    figure = re.search(r"<figure id='multiples'.*?</figure>", html, re.S)
    assert figure
    for code, n in sums.items():
        label = f">{escape(names[code])}</tspan><tspan x=\"0\" dy=\"14\">{_half_up(n, 28)}/day<"
        assert label in figure.group(0), code  # the panel's header: name, then the figure
    national = re.search(r"<figure id='national'.*?</figure>", html, re.S)
    assert national and "goal 3,000 a day" in national.group(0)
    assert "Source: GENERATED (synthetic) arrest records from r.parquet." in national.group(0)
    assert "incomplete" in national.group(0)  # the tail is shaded and named
    # No script anywhere but the JSON data block; no URL to fetch.
    assert re.findall(r"<script[^>]*>", html) == [
        "<script type='application/json' id='icestats-data'>"]
    svgs = re.findall(r"<svg.*?</svg>", html, re.S)
    assert len(svgs) >= 2 * 10 + 1
    assert not any("<script" in s or "href=\"http" in s for s in svgs)


@pytest.mark.slow  # (issue 20: the fast set stays under 3 minutes; make test runs it)
@pytest.mark.parametrize(("name", "fmt", "magic"), [
    ("r.png", None, b"\x89PNG\r\n\x1a\n"), ("r.pdf", None, b"%PDF-"),
    ("r.out", "png", b"\x89PNG\r\n\x1a\n"), ("r.bin", "pdf", b"%PDF-")])
def test_report_png_and_pdf(db: Path, tmp_path: Path, name: str, fmt: str | None,
                            magic: bytes) -> None:
    out = tmp_path / name
    args = ["report", "--db", db, "-o", out] + (["--format", fmt] if fmt else [])
    r = run(*args)
    assert r.exit_code == 0, r.stdout
    data = out.read_bytes()
    assert data.startswith(magic) and len(data) > 50_000


def test_report_refuses_an_unknown_format(db: Path, tmp_path: Path) -> None:
    r = run("report", "--db", db, "-o", tmp_path / "r.html", "--format", "gif")
    assert r.exit_code != 0 and "unknown report format 'gif'" in r.stderr
    assert "Traceback" not in r.stderr


def test_event_study_drawn_when_the_answer_has_one() -> None:
    study = [{"week": k, "start": str(date(2025, 6, 6) + timedelta(weeks=k)),
              "ratio": 1.0 if k < 0 else 2.5, "low": 0.8 if k < 0 else 2.1,
              "high": 1.2 if k < 0 else 3.0} for k in range(-4, 4)]
    events = [{"label": "Operation test", "office": "CHI", "date": "2025-06-06",
               "effect": 2.5, "low": 2.1, "high": 3.0, "placebo_p": 0.04, "study": study},
              {"label": "No study", "office": "LOS", "date": "2025-06-06", "effect": 1.2,
               "low": 1.0, "high": 1.4, "placebo_p": 0.3}]
    answer = EventsAnswer(events, 28, 0.95, (None, None),
                          source=Source((("r.parquet", True),)))
    fig = Figures()
    out = "".join(report_stats.events(answer, fig))
    assert out.count("<figure id='event-study-") == 1
    chart = re.search(r"<figure id='event-study-0'.*?</figure>", out, re.S)
    assert chart and "Event study: Operation test (CHI, 2025-06-06)" in chart.group(0)
    assert "weeks from the event" in chart.group(0) and "GENERATED" in chart.group(0)
    rows = fig.specs[0]["data"]["values"]
    assert [(r["week"], r["ratio"]) for r in rows] == [(s["week"], s["ratio"]) for s in study]


def test_a_missing_value_is_a_gap_not_zero() -> None:
    weeks = [{"week_from": str(date(2025, 1, 6) + timedelta(weeks=k)),
              "mean_per_day": None if k == 2 else 10.0 + k} for k in range(5)]
    spec = specs.sparklines([{"name": "Chicago", "label": "12.0/day", "weeks": weeks}],
                            Source(), "t", 400, columns=1)
    svg = vega.svg(spec)
    lines = re.findall(r'class="mark-line role-mark[^"]*"[^>]*>\s*<path[^>]*d="([^"]+)"', svg)
    assert lines and lines[0].count("M") == 2  # two runs: the line breaks at the gap
    assert all(float(y) < 60 for y in re.findall(r"[ML][\d.]+,([\d.]+)", lines[0]))


def _contrast(color: str) -> float:
    c = [int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lum = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in c]
    return 1.05 / (0.2126 * lum[0] + 0.7152 * lum[1] + 0.0722 * lum[2] + 0.05)


def test_series_colours_contrast_with_the_background() -> None:
    assert specs.BACKGROUND == "#ffffff"
    for color in (*specs.SERIES, specs.DAILY, specs.PARTIAL, specs.TAIL_INK, specs.INK):
        assert _contrast(color) >= 3, color


def test_forecast_spec_has_both_bands_after_the_history(db: Path) -> None:
    with icestats.connect(db) as ice:
        fc = ice.forecast(horizon=30)
        history = ice.daily(start=fc.national["fit"][0], end=fc.national["fit"][1])
    spec = specs_stats.forecast(fc, history, 600)
    areas = [layer for layer in spec["layer"] if layer.get("mark", {}).get("type") == "area"]
    assert [(a["encoding"]["y"]["field"], a["encoding"]["y2"]["field"]) for a in areas] == [
        ("lo95", "hi95"), ("lo80", "hi80")]
    days = plain(fc.national["days"])
    assert areas[0]["data"]["values"] == days and len(days) == 30
    hist = [layer for layer in spec["layer"] if layer.get("data", {}).get("values")
            and "mean_7" in layer["data"]["values"][0]][0]["data"]["values"]
    assert hist[-1]["date"] < days[0]["date"]  # the history comes before the forecast


def test_every_chart_has_its_numbers_as_a_table(html: str) -> None:
    """A text alternative for every chart: its data as a table folded under it."""
    import re

    figures = re.findall(r"<figure id='([^']+)'.*?</figure>", html, flags=re.S)
    blocks = re.findall(r"<figure id='[^']+'.*?</figure>", html, flags=re.S)
    assert len(figures) >= 4
    for fid, block in zip(figures, blocks, strict=True):
        if "<svg" not in block:  # (the map is drawn by hand, with its own labels)
            continue
        assert "<details class='data'><summary>The numbers in this chart" in block, fid
        assert block.count("<tr>") >= 2, fid


def test_data_table_is_the_specs_rows() -> None:
    from icestats.render.figures import data_table

    spec = {"layer": [{"data": {"values": [{"x": 1}]}},
                      {"data": {"values": [{"date": "2019-01-01", "mean": 2.5, "_k": 1},
                                           {"date": "2019-01-02", "mean": None, "_k": 2}]}}]}
    assert data_table(spec) == (
        "<details class='data'><summary>The numbers in this chart</summary><div class='scroll'>"
        "<table><tr><th>date</th><th>mean</th></tr><tr><td>2019-01-01</td><td>2.5</td></tr>"
        "<tr><td>2019-01-02</td><td></td></tr></table></div></details>")


def test_data_table_reads_as_the_chart_does() -> None:
    """The table showed the answer's keys and raw values (296.7142857142857, True,
    25650386.0); it shows the chart's titles and the numbers rounded."""
    from icestats.render.figures import data_table

    spec = {"encoding": {"y": {"field": "mean_7", "title": "arrests a day (7-day mean)"}},
            "data": {"values": [{"mean_7": 296.7142857142857, "ratio": 0.9317795865784388,
                                 "residents": 25650386.0, "partial": True, "n": 12345}]}}
    assert data_table(spec) == (
        "<details class='data'><summary>The numbers in this chart</summary><div class='scroll'>"
        "<table><tr><th>arrests a day (7-day mean)</th><th>ratio</th><th>residents</th>"
        "<th>partial</th><th>n</th></tr><tr><td>296.7</td><td>0.932</td><td>25,650,386</td>"
        "<td>yes</td><td>12,345</td></tr></table></div></details>")


def test_the_report_inlines_the_dashboards_scroll_rule_from_its_stylesheet(
        html: str) -> None:
    """One source for the rule both pages share: the report's <style> holds the
    `.scroll` rule exactly as the packaged dashboard stylesheet writes it."""
    sheet = (Path(icestats.__file__).parent / "web" / "static" / "style.css").read_text()
    start = sheet.index("\n.scroll{") + 1
    rule = sheet[start:sheet.index("}", start) + 1]
    assert "no-repeat local" in rule and rule.count("\n") == 5
    style = html.split("<style>")[1].split("</style>")[0]
    assert rule in style and style.count(".scroll{") == 1
