"""Regenerate the README's pictures in docs/img: the dashboard and the report, each at
1400 px (a desktop) and 390 px (a phone).

    .venv/bin/python docs/screenshots.py

Builds the demo databases if missing (make demo), serves the generated one, and
photographs the dashboard (Chicago by criminality; national on the phone; the lowest
offices under each yardstick) and the top of the report with Debian's chromium; then the
real one, whose dashboard and report open on the 2025-26 published counts.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DB = ROOT / "demo" / "generated.duckdb"
REAL = ROOT / "demo" / "real.duckdb"
IMG = ROOT / "docs" / "img"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SHOTS = [  # file, page, viewport width, height
    ("dashboard.png", "/?aor=CHI&by=criminality", 1400, 1250),
    ("dashboard-phone.png", "/", 390, 1700),
    ("dashboard-lowest.png", "/?view=underperformers", 1400, 1000),
    ("report.png", "report", 1400, 1700),
    ("report-phone.png", "report", 390, 1700),
]
REAL_SHOTS = [  # the real 2025-26 picture (count tables loaded): ?view=published
    ("dashboard-2025.png", "/", 1400, 1700),
    ("dashboard-2025-phone.png", "/", 390, 2400),
    ("report-2025.png", "report", 1400, 1900),
    ("report-2025-phone.png", "report", 390, 2400),
]


def main() -> None:
    if not DB.exists() or not REAL.exists():
        subprocess.run([sys.executable, "-m", "icestats.demo", "--dir", str(DB.parent)],
                       check=True)
    IMG.mkdir(parents=True, exist_ok=True)
    shoot(DB, ROOT / "demo" / "report-generated.html", SHOTS)
    shoot(REAL, ROOT / "demo" / "report-real.html", REAL_SHOTS)


def shoot(db: Path, report: Path, shots: list[tuple[str, str, int, int]]) -> None:
    from playwright.sync_api import expect, sync_playwright

    from icestats.web.app import serve_in_thread

    subprocess.run([sys.executable, "-m", "icestats.cli", "report", "--db", str(db), "-o",
                    str(report)], check=True)
    url, server = serve_in_thread(db)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for name, where, width, height in shots:
            page = browser.new_page(viewport={"width": width, "height": height})
            if where == "report":
                page.goto(report.as_uri())
            else:
                page.goto(url + where)
                expect(page.locator("body")).to_have_attribute("data-ready", "1")
                page.wait_for_selector("#table tbody tr" if "view=" in page.url
                                       else "#chart2 svg")
            page.screenshot(path=str(IMG / name))
            print(f"wrote {IMG / name}")
        browser.close()
    server.should_exit = True

if __name__ == "__main__":
    main()
