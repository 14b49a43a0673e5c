"""Regenerate the README's pictures in docs/img: the dashboard and the report, each at
1400 px (a desktop) and 390 px (a phone).

    .venv/bin/python docs/screenshots.py

Builds the demo databases if missing (make demo), serves the generated one, and
photographs the dashboard (Chicago by criminality; national on the phone; the lowest
offices under each yardstick) and the top of the report with Debian's chromium.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DB = ROOT / "demo" / "generated.duckdb"
IMG = ROOT / "docs" / "img"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SHOTS = [  # file, page, viewport width, height
    ("dashboard.png", "/?aor=CHI&by=criminality", 1400, 1250),
    ("dashboard-phone.png", "/", 390, 1700),
    ("dashboard-lowest.png", "/?view=underperformers", 1400, 1000),
    ("report.png", "report", 1400, 1700),
    ("report-phone.png", "report", 390, 1700),
]


def main() -> None:
    from playwright.sync_api import expect, sync_playwright

    from icestats.web.app import serve_in_thread

    if not DB.exists():
        subprocess.run([sys.executable, "-m", "icestats.demo", "--dir", str(DB.parent)],
                       check=True)
    IMG.mkdir(parents=True, exist_ok=True)
    report = ROOT / "demo" / "report-generated.html"
    subprocess.run([sys.executable, "-m", "icestats.cli", "report", "--db", str(DB), "-o",
                    str(report)], check=True)
    url, server = serve_in_thread(DB)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for name, where, width, height in SHOTS:
            page = browser.new_page(viewport={"width": width, "height": height})
            if where == "report":
                page.goto(report.as_uri())
            else:
                page.goto(url + where)
                expect(page.locator("body")).to_have_attribute("data-ready", "1")
                page.wait_for_selector("#table tbody tr" if "view=" in where else "#chart2 svg")
            page.screenshot(path=str(IMG / name))
            print(f"wrote {IMG / name}")
        browser.close()
    server.should_exit = True


if __name__ == "__main__":
    main()
