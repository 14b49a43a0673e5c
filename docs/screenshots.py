"""Regenerate docs/img/dashboard.png and docs/img/report.png (the README's pictures).

    .venv/bin/python docs/screenshots.py

Builds the demo database if missing (make demo), serves it, and photographs the dashboard
(Chicago, by criminality) and the top of the report with Debian's chromium.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DB = ROOT / "demo" / "icestats.duckdb"
IMG = ROOT / "docs" / "img"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def main() -> None:
    from playwright.sync_api import expect, sync_playwright

    from icestats.web.app import serve_in_thread

    if not DB.exists():
        subprocess.run([sys.executable, "-m", "icestats.demo", "--dir", str(DB.parent)],
                       check=True)
    IMG.mkdir(parents=True, exist_ok=True)
    report = ROOT / "demo" / "report.html"
    subprocess.run([sys.executable, "-m", "icestats.cli", "report", "--db", str(DB), "-o",
                    str(report)], check=True)
    url, server = serve_in_thread(DB)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1000, "height": 860})
        page.goto(f"{url}/?aor=CHI&by=criminality")
        expect(page.locator("#table-title")).to_contain_text("Chicago")
        page.screenshot(path=str(IMG / "dashboard.png"))
        page = browser.new_page(viewport={"width": 1000, "height": 1300})
        page.goto(report.as_uri())
        page.screenshot(path=str(IMG / "report.png"))
        browser.close()
    server.should_exit = True
    print(f"wrote {IMG / 'dashboard.png'} and {IMG / 'report.png'}")


if __name__ == "__main__":
    main()
