"""The dashboard opens on the real 2025-26 picture when count tables are loaded (the same
answers the report opens on): Debian's chromium driven by Playwright, a real uvicorn
server, the shipped count tables."""

from __future__ import annotations

import json
import shutil
import urllib.request
from pathlib import Path

import pytest

from test_browser import ARGS, SCROLL, SMALLEST_TEXT
from test_count_tables import BOOK_INS, FIVE, MN_TYPE, OFFICES, STATES, WEEKLY

from conftest import run

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                 reason="Debian chromium is not installed (.ci/run installs it)")]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    from icestats.web.app import serve_in_thread

    db = tmp_path_factory.mktemp("dash") / "counts.duckdb"
    assert run("ingest", WEEKLY, OFFICES, STATES, FIVE, MN_TYPE, BOOK_INS, "--db",
               db).exit_code == 0
    url, srv = serve_in_thread(db)
    yield url
    srv.should_exit = True


@pytest.mark.parametrize("width", [390, 1400])
def test_dashboard_opens_on_the_real_counts(server: str, width: int) -> None:
    from playwright.sync_api import expect, sync_playwright

    with urllib.request.urlopen(server + "/api/charts/published") as r:
        picture = json.loads(r.read())
    display = picture["answers"]["period_offices"]["display"]["offices"]
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = b.new_page(viewport={"width": width, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server + "/")
        expect(page.locator("body")).to_have_attribute("data-ready", "1")
        assert page.url.endswith("?view=published")
        expect(page.locator("#published svg")).to_have_count(4)
        assert page.locator("#table thead th").all_inner_texts() == [
            c["label"] for c in display["columns"]]
        rows = [r.locator("td").all_inner_texts() for r in page.locator("#table tbody tr").all()]
        assert rows == display["rows"] and len(rows) == 25
        assert "REAL" in page.locator("#source").inner_text()
        assert page.evaluate(SCROLL) <= width and page.evaluate(SMALLEST_TEXT) >= 11
        page.select_option("#view", "")  # the daily view: no published chart left behind
        expect(page.locator("#published svg")).to_have_count(0)
        b.close()
    assert errors == []
