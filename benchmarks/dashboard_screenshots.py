"""Screenshots of every dashboard page at 1280x800, for docs/dashboard.md.

Run from the project root after ``make test`` (which installs Chromium)::

    .venv/bin/python -m benchmarks.dashboard_screenshots

It starts ``commsim dashboard`` on a free loopback port with an empty results folder,
runs a small comparison and a small sweep so their pages show results, and writes
``docs/images/dashboard-<page>.png``. The Design page's search takes a few minutes.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from benchmarks.dashboard_paint import MAP_SHOWS, ROOT, start_server

from commsim.dashboard.server import HEADLESS_CHROMIUM_FLAGS

OUT = ROOT / "docs" / "images"
LONG = 600_000


def shoot(url: str) -> list[Path]:
    """Open each page, bring it to a telling state and save its screenshot."""
    from playwright.sync_api import sync_playwright

    saved = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=list(HEADLESS_CHROMIUM_FLAGS))
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.set_default_timeout(LONG)
        page.goto(url + "/?profile=old_inner_city&package=centres&residents=2000&seed=1&week=52")
        page.wait_for_function(MAP_SHOWS, arg=52)
        point = page.locator(".commsim-map .scatterlayer .trace").first.locator(".point").nth(12).bounding_box()
        page.mouse.click(point["x"] + point["width"] / 2, point["y"] + point["height"] / 2)
        page.get_by_text("Building 12").first.wait_for()
        saved.append(OUT / "dashboard-explore.png")
        page.screenshot(path=saved[-1])

        page.get_by_role("tab", name="Compare").click()
        page.get_by_text("Choice 1 (reference)").wait_for()
        page.get_by_role("button", name="Run comparison").click()
        page.get_by_text("In brief").wait_for()
        page.locator(".js-plotly-plot .main-svg").first.wait_for()  # the bands, drawn by Plotly
        page.locator(".js-plotly-plot").first.evaluate("figure => figure.scrollIntoView({block: 'start'})")
        saved.append(OUT / "dashboard-compare.png")
        page.screenshot(path=saved[-1])

        page.get_by_role("tab", name="Sweep").click()
        page.get_by_text("First lever").wait_for()
        page.get_by_role("button", name="Run sweep").click()
        page.get_by_text("Saved as an experiment in").wait_for()
        page.locator(".js-plotly-plot .main-svg").first.wait_for()  # the response curve, drawn by Plotly
        page.locator(".js-plotly-plot").first.evaluate("figure => figure.scrollIntoView({block: 'start'})")
        saved.append(OUT / "dashboard-sweep.png")
        page.screenshot(path=saved[-1])

        page.get_by_role("tab", name="Learn").click()
        page.get_by_text("Guided lessons").wait_for()
        saved.append(OUT / "dashboard-learn.png")
        page.screenshot(path=saved[-1])

        page.get_by_role("tab", name="Design").click()
        page.get_by_role("button", name="Find the best mixes").click()
        page.get_by_text(re.compile("^Cheapest mix reaching|^No mix found")).first.wait_for()  # the search's answer
        saved.append(OUT / "dashboard-design.png")
        page.screenshot(path=saved[-1])
        browser.close()
    return saved


def main() -> None:
    """Start a server, take the screenshots, stop the server."""
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        server, url = start_server(Path(scratch))
        try:
            for path in shoot(url):
                print(f"wrote {path.relative_to(ROOT)}")
        finally:
            server.terminate()
            server.wait(timeout=20)


if __name__ == "__main__":
    main()
