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
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="Debian chromium is not installed (.ci/run installs it)")
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


def test_dashboard_follows_the_controls(server: str, browser, db: Path,  # noqa: ANN001
                                        tmp_path: Path) -> None:
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1000, "height": 900})
    hosts: set[str] = set()
    page.on("request", lambda r: hosts.add(r.url.split("/")[2]))
    page.goto(server + "/")
    expect(page.locator("body")).to_have_attribute("data-ready", "1")
    expect(page.locator("#source")).to_contain_text(
        "GENERATED (synthetic) arrest records from r.parquet")  # the real/generated banner
    with icestats.connect(db) as ice:
        national = ice.daily().rows
        chi = ice.daily("criminality", aor="CHI").rows
    months = Counter()
    for d, n in zip(national["date"].to_pylist(), national["arrests"].to_pylist(), strict=True):
        months[f"{d:%Y-%m}"] += n
    assert _table(page) == {**_partial(months, national), "total": sum(months.values())}
    assert page.locator("#chart g.series").count() == 2

    page.select_option("#aor", "CHI")
    page.select_option("#by", "criminality")
    expect(page.locator("#table-title")).to_have_text("Totals by criminality, Chicago (CHI)")
    expected = Counter()
    for c, n in zip(chi["criminality"].to_pylist(), chi["arrests"].to_pylist(), strict=True):
        expected[c] += n
    assert _table(page) == {**expected, "total": sum(expected.values())}
    assert page.locator("#chart g.series").count() == len(expected)
    assert "aor=CHI" in page.url and "by=criminality" in page.url  # shareable state
    assert "aor=CHI" in page.locator("#csv").get_attribute("href")
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    assert (tmp_path / "dashboard.png").stat().st_size > 10_000
    assert hosts == {server.split("/")[2]}

    shared = browser.new_page()  # the shared URL restores the same view
    shared.goto(page.url)
    expect(shared.locator("#table-title")).to_have_text("Totals by criminality, Chicago (CHI)")
    assert _table(shared) == _table(page)


def test_report_renders_offline(db: Path, browser, tmp_path: Path) -> None:  # noqa: ANN001
    out = tmp_path / "report.html"
    assert run("report", "--db", db, "-o", out).exit_code == 0
    context = browser.new_context(offline=True)
    page = context.new_page()
    requested: list[str] = []
    page.route("**/*", lambda route: (requested.append(route.request.url),
                                      route.continue_() if route.request.url.startswith(
                                          "file:") else route.abort()))
    page.goto(out.as_uri())
    assert [u for u in requested if not u.startswith("file:")] == []
    counts = {
        "#national polyline.series": 3, "#attainment g.row": 25, "#funnel circle.dot": 25,
        "#multiples g.panel": 25, "#map g.office": 25, "#forecast polyline.series": 3,
        "#agency polyline.series": 2,
    }
    for selector, n in counts.items():
        assert page.locator(selector).count() == n, selector
    for by in ("criminality", "custody", "agency_group", "program"):
        assert page.locator(f"#comp-{by} rect.seg").count() > 0
    box = page.locator("#map").bounding_box()
    assert box and box["width"] > 500 and box["height"] > 300  # drawn, not just present
    assert page.locator("#office-table tr").count() == 1 + 27
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
    page.locator("#legend span").first.hover()
    assert page.locator("#table img, #legend img, #table script").count() == 0
    assert page.title() == "icestats dashboard" and dialogs == []
    srv.should_exit = True

    out = tmp_path / "evil.html"
    assert run("report", "--db", db, "-o", out).exit_code == 0
    page = browser.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(out.as_uri())
    legend = " ".join(page.locator("#comp-program text").all_text_contents())
    for evil in EVIL:
        assert evil in legend
    assert page.locator("main script:not([type='application/json']), main img").count() == 0
    assert page.title().startswith("ICE arrests") and dialogs == []
