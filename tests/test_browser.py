"""Real-browser tests: Debian's chromium driven by Playwright (executable_path; no browser
download). The dashboard is served by a real uvicorn server started here; the report is
opened from disk with every network request refused."""

from __future__ import annotations

import shutil
from collections import Counter
from importlib import resources
from pathlib import Path

import pytest

import icestats

from conftest import loaded_db, make_release, run

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [pytest.mark.slow,  # run by `make test` and CI; plain `pytest` skips it
              pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                 reason="Debian chromium is not installed (.ci/run installs it)")]
FY25 = Path(str(resources.files("icestats") / "data" / "FY25_detentionStats_final.xlsx"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return loaded_db(tmp_path_factory.mktemp("browser"), seed=41)


@pytest.fixture(scope="module")
def server(db: Path):  # noqa: ANN201
    from icestats.web.app import serve_in_thread

    url, srv = serve_in_thread(db)
    yield url
    srv.should_exit = True


@pytest.fixture(scope="module")
def browser():  # noqa: ANN201
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _partial(months: Counter, national) -> dict[str, int]:  # noqa: ANN001
    """Month keys as the dashboard labels them: '(partial)' for a month not covered whole
    or reaching into the incomplete tail (the last 14 days)."""
    import calendar

    days = national["date"].to_pylist()
    tail = set(days[-14:])
    out = {}
    for m, n in months.items():
        covered = [d for d in days if f"{d:%Y-%m}" == m]
        whole = len(covered) == calendar.monthrange(covered[0].year, covered[0].month)[1]
        out[m if whole and not tail & set(covered) else f"{m} (partial)"] = n
    return out


def _table(page) -> dict[str, int]:  # noqa: ANN001
    out = {}
    for row in page.locator("#table tbody tr").all():
        cells = row.locator("td").all_inner_texts()
        out[cells[0]] = int(cells[1].replace(",", ""))
    return out


def _rolling(values: list[int], n: int) -> list[object]:
    """The n-day mean, computed here with numpy sums (not the library's code): the exact
    mean (numbers are rounded once, where they are shown)."""
    import numpy as np

    sums = np.convolve(np.array(values, dtype=np.int64), np.ones(n, dtype=np.int64), "valid")
    return [None] * (n - 1) + [pytest.approx(int(m) / n, abs=1e-9) for m in sums]


def _layer_rows(spec: dict, field: str) -> list[dict]:
    """The data values of the first layer of ``spec`` whose rows carry ``field``."""
    for layer in spec["layer"]:
        rows = layer.get("data", {}).get("values", [])
        if rows and field in rows[0]:
            return rows
    raise AssertionError(f"no layer with {field}")


def _contrast(color: str) -> float:
    """WCAG contrast of a #rrggbb or rgb() colour against white."""
    import re

    if color.startswith("#"):
        rgb = [int(color[i:i + 2], 16) for i in (1, 3, 5)]
    else:
        rgb = [int(float(x)) for x in re.findall(r"[\d.]+", color)[:3]]
    c = [v / 255 for v in rgb]
    lum = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in c]
    return 1.05 / (0.2126 * lum[0] + 0.7152 * lum[1] + 0.0722 * lum[2] + 0.05)


SMALLEST_TEXT = """() => [...document.querySelectorAll('svg text')].filter(t => t.checkVisibility()
  && t.textContent.trim()).map(t => parseFloat(getComputedStyle(t).fontSize)
  * Math.hypot(t.getScreenCTM().a, t.getScreenCTM().b)).reduce((a, b) => Math.min(a, b), 99)
  """  # the drawn size: the font size times the element's scale (rotation aside)
SCROLL = "document.scrollingElement.scrollWidth"


def test_dashboard_follows_the_controls(server: str, browser, db: Path,  # noqa: ANN001
                                        tmp_path: Path) -> None:
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1400, "height": 900})
    hosts: set[str] = set()
    errors: list[str] = []
    page.on("request", lambda r: hosts.add(r.url.split("/")[2]))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server + "/")
    expect(page.locator("body")).to_have_attribute("data-ready", "1")
    expect(page.locator("#source")).to_contain_text(
        "GENERATED (synthetic) arrest records from r.parquet")  # the real/generated banner
    with icestats.connect(db) as ice:
        national = ice.daily().rows
        chi = ice.daily("criminality", aor="CHI").rows
    days, counts = national["date"].to_pylist(), national["arrests"].to_pylist()
    months = Counter()
    for d, n in zip(days, counts, strict=True):
        months[f"{d:%Y-%m}"] += n
    assert _table(page) == {**_partial(months, national), "total": sum(months.values())}
    # The chart's numbers are the library's, checked against numpy: 7- and 28-day means...
    series, bars = page.evaluate("window.icestatsCharts")
    rows = _layer_rows(series, "mean_7")
    assert [r["arrests"] for r in rows] == counts
    assert [r["mean_7"] for r in rows] == _rolling(counts, 7)
    assert [r["mean_28"] for r in rows] == _rolling(counts, 28)
    # ... and arrests a day by month over the days of that month in the range.
    ndays = Counter(f"{d:%Y-%m}" for d in days)
    assert {r["key"]: r["per_day"] for r in bars["data"]["values"]} == {
        m: pytest.approx(n / ndays[m], abs=1e-9) for m, n in months.items()}
    assert page.locator("#chart .role-title-text").first.text_content().startswith(
        "Daily arrests, national")
    for color in page.eval_on_selector_all(
            "#chart .role-legend-symbol path, #chart2 .role-legend-symbol path",
            "els => els.map(e => e.getAttribute('fill') || e.getAttribute('stroke'))"):
        assert _contrast(color) >= 3, color
    _tooltip_shows_a_value(page)

    page.select_option("#aor", "CHI")
    page.select_option("#by", "criminality")
    expect(page.locator("#table-title")).to_have_text("Totals by criminality, Chicago (CHI)")
    expect(page.locator("#chart-title")).to_have_text(
        "Arrests by criminality (7-day means), Chicago (CHI)")  # the label follows
    expected = Counter()
    for c, n in zip(chi["criminality"].to_pylist(), chi["arrests"].to_pylist(), strict=True):
        expected[c] += n
    assert _table(page) == {**expected, "total": sum(expected.values())}
    series = page.evaluate("window.icestatsCharts")[0]
    assert {r["key"] for r in _layer_rows(series, "mean_7")} == set(expected)
    assert "aor=CHI" in page.url and "by=criminality" in page.url  # shareable state
    assert "aor=CHI" in page.locator("#csv").get_attribute("href")
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    assert (tmp_path / "dashboard.png").stat().st_size > 10_000
    assert hosts == {server.split("/")[2]} and errors == []

    shared = browser.new_page()  # the shared URL restores the same view
    shared.goto(page.url)
    expect(shared.locator("#table-title")).to_have_text("Totals by criminality, Chicago (CHI)")
    assert _table(shared) == _table(page)


def _tooltip_shows_a_value(page) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    points = page.locator("#chart g.mark-symbol path")
    assert points.count() > 100
    points.nth(100).hover(force=True)  # a day's (invisible) point carries its tooltip
    tip = page.locator("#vg-tooltip-element.visible")
    expect(tip).to_be_visible()
    assert "arrests a day" in tip.inner_text() and "series" in tip.inner_text()


def test_dashboard_several_offices_and_bad_urls(server: str, browser, db: Path) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1000, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server + "/?aor=CHI,NYC")
    expect(page.locator("#table-title")).to_have_text("Arrests by month, CHI, NYC")
    want = {}
    with icestats.connect(db) as ice:
        for c in ("CHI", "NYC"):
            months: Counter = Counter()
            rows = ice.daily(aor=c).rows
            for d, n in zip(rows["date"].to_pylist(), rows["arrests"].to_pylist(), strict=True):
                months[f"{d:%Y-%m}"] += n
            want[c] = [f"{n:,}" for _, n in sorted(months.items())]
    got = {r.locator("td").first.inner_text(): r.locator("td").all_inner_texts()[1:]
           for r in page.locator("#table tbody tr").all()}
    assert got == want  # each office's months, counted here from its daily rows
    csv_link = page.locator("#csv")  # present with several offices: their daily counts
    assert csv_link.is_visible() and "aor=CHI%2CNYC" in csv_link.get_attribute("href")
    series = page.evaluate("window.icestatsCharts")[0]
    assert {r["key"] for r in _layer_rows(series, "mean_7")} == {"Chicago", "New York City"}
    for url, words in (("/?by=nope", "Unknown breakdown"), ("/?aor=XXX", "Unknown office XXX"),
                       ("/?from=2025-09-01&to=2025-08-01", "reversed"),
                       ("/?from=yesterday", "not a date")):
        page.goto(server + url)
        expect(page.locator("#message")).to_contain_text(words)
        assert page.locator("#message").is_visible()
        assert page.locator("#chart svg").count() == 0
    assert errors == []
    options = page.eval_on_selector_all("#by option", "os => os.map(o => o.value)")
    from icestats.counting import BREAKDOWNS

    assert set(options) == {"", "aor", *BREAKDOWNS}  # every dimension the library offers


VIEWS = {"offices": "Field offices by arrests per day", "underperformers": "Offices in the 12 "
         "lowest", "agency": "ICE initial book-ins by arresting agency and month",
         "aor-month": "Arrests by field office and month", "aor-fy": "Arrests by field office "
         "and federal fiscal year"}


@pytest.mark.parametrize("width", [390, 1400])
def test_dashboard_views_show_the_answers_tables(server: str, browser, width: int) -> None:  # noqa: ANN001
    """The ranking, the lowest offices under each yardstick, ICE vs CBP and offices by
    month and fiscal year: each its answer's display block as it is, in a table that
    scrolls inside its box (never the page) on a phone."""
    import json
    import urllib.request

    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": width, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    api = {"offices": "/api/offices", "underperformers": "/api/underperformers",
           "agency": "/api/agency", "aor-month": "/api/breakdown?by=aor&period=month",
           "aor-fy": "/api/breakdown?by=aor&period=fy"}
    table = {"agency": "book_ins_by_month", "aor-month": "rows", "aor-fy": "rows"}
    for view, title in VIEWS.items():
        page.goto(f"{server}/?view={view}")
        expect(page.locator("body")).to_have_attribute("data-ready", "1")
        expect(page.locator("#table-title")).to_contain_text(title)
        with urllib.request.urlopen(server + api[view]) as r:
            display = json.loads(r.read())["display"][table.get(view, "offices")]
        assert page.locator("#table thead th").all_inner_texts() == [
            c["label"] for c in display["columns"]]
        got = [r.locator("td").all_inner_texts() for r in page.locator("#table tbody tr").all()]
        assert got == display["rows"], view
        assert page.evaluate(SCROLL) <= width
        assert page.locator("#chart svg").count() == 0 and not page.locator("#csv").is_visible()
    assert errors == []


@pytest.mark.parametrize("width", [390, 1400])
def test_both_pages_fit_the_screen(server: str, db: Path, browser, tmp_path: Path,  # noqa: ANN001
                                   width: int) -> None:
    """No sideways scroll; chart text at least 11 px as drawn (the report's phone
    rendering at 390 px)."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(server + "/?aor=CHI&by=criminality")
    expect(page.locator("body")).to_have_attribute("data-ready", "1")
    page.wait_for_selector("#chart2 svg")
    assert page.evaluate(SCROLL) <= width
    assert page.evaluate(SMALLEST_TEXT) >= 11
    out = tmp_path / "report.html"
    assert run("report", "--db", db, "-o", out).exit_code == 0
    page.goto(out.as_uri())
    assert page.evaluate(SCROLL) <= width
    assert page.evaluate(SMALLEST_TEXT) >= 11


def test_report_renders_offline(db: Path, browser, tmp_path: Path) -> None:  # noqa: ANN001
    out = tmp_path / "report.html"
    assert run("report", "--db", db, "-o", out).exit_code == 0
    context = browser.new_context(offline=True, viewport={"width": 1400, "height": 900})
    page = context.new_page()
    requested: list[str] = []
    page.route("**/*", lambda route: (requested.append(route.request.url),
                                      route.continue_() if route.request.url.startswith(
                                          "file:") else route.abort()))
    page.goto(out.as_uri())
    assert [u for u in requested if not u.startswith("file:")] == []
    for fig in ("national", "attainment", "funnel", "multiples", "forecast", "agency",
                *(f"comp-{by}" for by in ("criminality", "custody", "agency_group", "program"))):
        assert page.locator(f"#{fig} svg.wide").is_visible(), fig
        assert page.locator(f"#{fig} svg.narrow").count() == 1, fig
    assert page.locator("#map g.office").count() == 25
    assert page.locator("#map text.label").count() == 25
    box = page.locator("#map").bounding_box()
    assert box and box["width"] > 500 and box["height"] > 300  # drawn, not just present
    assert page.locator("#office-table tr").count() == 1 + 27
    assert page.locator("#surges").count() == 1
    context.close()


EVIL = ('<script>document.title="pwned"</script>', '" onmouseover="document.title=1" x="',
        "<img src=x onerror=alert(1)>")


def test_text_from_the_data_is_escaped_everywhere(tmp_path: Path, browser) -> None:  # noqa: ANN001
    """Hostile strings in a release's categories show as text in the dashboard (tables,
    legends) and the report, and never run or add elements."""
    from playwright.sync_api import expect

    from icestats.web.app import serve_in_thread

    extra = [{"apprehension_date": f"2025-05-{10 + i} 10:00:00", "aor": "CHICAGO",
              "final_program": evil, "method": "Located", "identifier": f"EVIL{i}"}
             for i, evil in enumerate(EVIL)]
    rel = make_release(tmp_path / "evil.csv", rows=2000, extra=extra)
    db = tmp_path / "evil.duckdb"
    assert run("ingest", rel, "--db", db).exit_code == 0
    url, srv = serve_in_thread(db)
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{url}/?aor=CHI&by=program")
    expect(page.locator("#table-title")).to_contain_text("program")
    cells = page.locator("#table tbody td:first-child").all_inner_texts()
    for evil in EVIL:
        assert evil in cells
    page.wait_for_selector("#chart svg")
    page.locator("#chart g.mark-symbol path").first.hover(force=True)
    assert page.locator("#table img, #chart img, #table script, #chart script, "
                        "#vg-tooltip-element img").count() == 0
    assert page.title() == "icestats dashboard" and dialogs == []
    srv.should_exit = True

    out = tmp_path / "evil.html"
    assert run("report", "--db", db, "-o", out).exit_code == 0
    page = browser.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(out.as_uri())
    legend = " ".join(page.locator("#comp-program svg.wide text").all_text_contents())
    for evil in EVIL:
        assert evil in legend
    assert page.locator("main script:not([type='application/json']), main img").count() == 0
    assert page.title().startswith("ICE arrests") and dialogs == []
