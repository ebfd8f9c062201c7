"""Step-to-paint of the dashboard's Explore page at 2,000 residents, in headless Chromium.

Run from the project root after ``make test`` (which installs Chromium)::

    .venv/bin/python benchmarks/dashboard_paint.py

It starts ``commsim dashboard`` on a free loopback port and measures, on this machine:

* **Step to paint**: from a click on Step to the new week being visible in the browser
  (the monitors, the map and the plots are redrawn in the same render), median over
  ``--steps`` clicks;
* **Play**: weeks shown per second while playing with no pause between steps;
* **reference, in the same run**: the server-side part of one step, in this process —
  a model step plus drawing the map and the plots and encoding both as PNG, as the page
  does — so the ratio paint / reference says how much the browser round trip adds.

Writes ``docs/reports/benchmarks/dashboard.json`` and prints a small table.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from commsim.dashboard.explore import build_model, draw_live_plots
from commsim.dashboard.mapview import draw_map
from commsim.dashboard.server import HEADLESS_CHROMIUM_FLAGS
from commsim.dashboard.settings import Scenario

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(results: Path) -> tuple[subprocess.Popen, str]:
    """Start the dashboard and wait until it answers."""
    port = free_port()
    command = [sys.executable, "-m", "commsim.cli", "dashboard", "--port", str(port), "--results", str(results)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(url, timeout=2):
                return server, url
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise RuntimeError("the dashboard did not start")


def reference_ms(steps: int) -> list[float]:
    """Server-side cost of one shown week, in this process: step, draw, encode."""
    model = build_model(Scenario(n_residents=2000))
    timings = []
    for _ in range(steps):
        started = time.perf_counter()
        model.step()
        for figure in (draw_map(model), draw_live_plots(model)):
            figure.savefig(io.BytesIO(), format="png")
        model.drawn.set()  # as the page does once its figures are committed
        timings.append(1000 * (time.perf_counter() - started))
    return timings


def browser_ms(url: str, steps: int, play_s: float) -> tuple[list[float], float]:
    """Click-to-paint times of ``steps`` Step clicks, and weeks per second while playing."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=list(HEADLESS_CHROMIUM_FLAGS))
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        page.set_default_timeout(60_000)
        page.goto(url)
        page.get_by_text("Week 0", exact=True).wait_for()
        step = page.get_by_role("button", name="Step")
        timings = []
        sources = "Array.from(document.querySelectorAll('img')).map(image => image.src).join(' ')"
        for week in range(1, steps + 1):
            before = page.evaluate(sources)
            started = time.perf_counter()
            step.click()
            page.get_by_text(f"Week {week}", exact=True).wait_for()
            # the map and the plots are new images: wait until every one has changed
            page.wait_for_function(
                f"() => {{ const old = {json.dumps(before)}.split(' '); "
                "const now = Array.from(document.querySelectorAll('img')).map(image => image.src); "
                "return now.length >= 2 && now.every(source => !old.includes(source)); }"
            )
            timings.append(1000 * (time.perf_counter() - started))
        slider = page.locator(".v-input").filter(has=page.locator("label", has_text="pause between steps (ms)"))
        thumb = slider.locator("[role=slider]").first
        thumb.focus()
        thumb.press("Home")
        page.get_by_role("button", name="▶").click()
        time.sleep(play_s)
        page.get_by_role("button", name="❚❚").click()
        shown = int(re.search(r"\d+", page.get_by_text(re.compile(r"^Week \d+$")).inner_text()).group())
        browser.close()
    return timings, (shown - steps) / play_s


def main() -> None:
    """Measure and report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--play-seconds", type=float, default=20.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        server, url = start_server(Path(scratch))
        try:
            paint, weeks_per_s = browser_ms(url, args.steps, args.play_seconds)
        finally:
            server.terminate()
            server.wait(timeout=20)
    reference = reference_ms(args.steps)
    result = {
        "residents": 2000,
        "steps": args.steps,
        "step_to_paint_ms_median": statistics.median(paint),
        "step_to_paint_ms_quartiles": statistics.quantiles(paint, n=4),
        "reference_ms_median": statistics.median(reference),
        "ratio_paint_to_reference": statistics.median(paint) / statistics.median(reference),
        "play_weeks_per_second": weeks_per_s,
        "host_cpus": __import__("os").cpu_count(),
    }
    out = ROOT / "docs" / "reports" / "benchmarks" / "dashboard.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print("| measure (2,000 residents) | median |")
    print("| --- | --- |")
    print(f"| step to paint in Chromium | {result['step_to_paint_ms_median']:.0f} ms |")
    print(f"| reference: step + draw + encode, in process | {result['reference_ms_median']:.0f} ms |")
    print(f"| ratio paint / reference | {result['ratio_paint_to_reference']:.2f} |")
    print(f"| Play, no pause | {weeks_per_s:.1f} weeks/s |")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
