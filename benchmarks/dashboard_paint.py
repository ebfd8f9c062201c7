"""Step-to-paint of the dashboard's Explore page at 2,000 residents, in headless Chromium.

Run from the project root after ``make test`` (which installs Chromium)::

    .venv/bin/python benchmarks/dashboard_paint.py

It starts ``commsim dashboard`` on a free loopback port and measures, on this machine:

* **Step to paint**: from a click on Step to the new week being painted in the browser
  (the monitors show it and the map's title names it: Plotly has redrawn the map), median
  over ``--steps`` clicks made back to back (each as soon as the last week's map shows,
  while the browser may still be drawing its plots), and over ``--steps`` more made
  after the page settled for half a second (a user looking at each week);
* **Play**: weeks shown per second while playing with no pause, every week drawn;
* **Run to week 104**: from a click on "Run to week" at week 0 to week 104 painted;
* **Opening Explore in a new session**: from the address typed in a new browser context
  (no cache, a new server session) to the map painted at week 0, median over
  ``--sessions`` sessions, beside the bytes the page received over its websocket and,
  as the reference in the same run, the time until the page's own document had loaded;
* **reference, in the same run**: the server-side part of one step, in this process —
  a model step plus moving the map and the plots, as the page does — so the ratio
  paint / reference says how much the browser round trip adds.

No threshold is checked: the numbers depend on the machine and its load (reported).

Writes ``docs/reports/benchmarks/dashboard.json`` and prints a small table.
"""

from __future__ import annotations

import argparse
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

from commsim.dashboard.charts import live_figure, update_live
from commsim.dashboard.explore import build_model
from commsim.dashboard.mapview import map_figure, update_map
from commsim.dashboard.server import HEADLESS_CHROMIUM_FLAGS
from commsim.dashboard.settings import Scenario

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_command(arguments: list[str], what: str = "the dashboard") -> tuple[subprocess.Popen, str]:
    """Start ``commsim <arguments> --port <a free port>`` and wait until it answers; return it and its address."""
    port = free_port()
    command = [sys.executable, "-m", "commsim.cli", *arguments, "--port", str(port)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(400):
        try:
            with urllib.request.urlopen(url, timeout=2):
                return server, url
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise RuntimeError(f"{what} did not start")


def start_server(results: Path) -> tuple[subprocess.Popen, str]:
    """Start the dashboard with ``results`` as its results folder and wait until it answers."""
    return start_command(["dashboard", "--results", str(results)])


def reference_ms(steps: int) -> list[float]:
    """Server-side cost of one shown week, in this process: a step, then moving the map and the plots."""
    model = build_model(Scenario(n_residents=2000))
    map_widget, plots = map_figure(model), live_figure(model.p)
    timings = []
    for _ in range(steps):
        started = time.perf_counter()
        model.advance(1)
        update_map(map_widget, model, colour_by="participation", show_ties=False)
        update_live(plots, model)
        timings.append(1000 * (time.perf_counter() - started))
    return timings


# Pause before each "settled" Step click: the page has drawn the week's plots and answered their echoes.
SETTLE_S = 0.5

# True once the map in the browser has been redrawn for a week (its title names the week).
MAP_SHOWS = "week => (document.querySelector('.commsim-map .gtitle') || {}).textContent === `Map at week ${week}`"


# True once both the monitors and the map show a week, checked at every animation frame (a
# locator's wait would poll at 20, 100, 100, 500 ms intervals and round the time up).
PAINTED = (
    "week => (document.querySelector('.commsim-monitor') || {innerText: ''}).innerText.split('\\n')"
    ".map(line => line.trim()).includes(`Week ${week}`) && (" + MAP_SHOWS + ")(week)"
)


def week_shown(page) -> int:
    """The week the monitors show."""
    return int(re.search(r"\d+", page.get_by_text(re.compile(r"^Week \d+$")).first.inner_text()).group())


def open_times(browser, url: str, sessions: int) -> dict[str, list[float]]:
    """Seconds from the address to the map painted at week 0 in new sessions, document-loaded seconds, websocket MB."""
    opened, loaded, received = [], [], []
    for _ in range(sessions):
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        page.set_default_timeout(120_000)
        frames: list[int] = []
        page.on("websocket", lambda socket, frames=frames: socket.on("framereceived", lambda f: frames.append(len(f))))
        started = time.perf_counter()
        page.goto(url, wait_until="domcontentloaded")
        loaded.append(time.perf_counter() - started)
        page.wait_for_function(MAP_SHOWS, arg=0, polling="raf")
        opened.append(time.perf_counter() - started)
        received.append(sum(frames) / 1e6)
        context.close()
    return {"open_s": opened, "document_s": loaded, "websocket_mb": received}


def browser_ms(url: str, steps: int, play_s: float, sessions: int) -> dict[str, float | list[float]]:
    """Click-to-paint times of ``steps`` Step clicks, weeks per second while playing, run-to-104 time, page opens."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=list(HEADLESS_CHROMIUM_FLAGS))
        opens = open_times(browser, url, sessions)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.set_default_timeout(120_000)
        page.goto(url)
        page.wait_for_function(MAP_SHOWS, arg=0)
        step = page.get_by_role("button", name="Step")
        timings, settled = [], []
        for week in range(1, 2 * steps + 1):
            if week > steps:  # a user who looks at each week: the page settles (plots drawn) before the click
                time.sleep(SETTLE_S)
            started = time.perf_counter()
            step.click()
            page.wait_for_function(PAINTED, arg=week, polling="raf")
            (timings if week <= steps else settled).append(1000 * (time.perf_counter() - started))
        before = week_shown(page)
        page.get_by_role("button", name="▶ Play").click()
        time.sleep(play_s)
        page.get_by_role("button", name="⏸ Pause").click()
        time.sleep(1.0)  # the week being drawn when Pause was clicked
        played = week_shown(page) - before
        page.get_by_role("button", name="Reset", exact=True).click()
        page.wait_for_function(MAP_SHOWS, arg=0)
        page.get_by_label("run to week").fill("104")
        page.get_by_label("run to week").press("Tab")
        started = time.perf_counter()
        page.get_by_role("button", name="Run to week").click()
        page.wait_for_function(MAP_SHOWS, arg=104, polling="raf")
        run_to = time.perf_counter() - started
        browser.close()
    return {
        "paint_ms": timings,
        "settled_paint_ms": settled,
        "play_weeks_per_s": played / (play_s + 1.0),
        "run_to_104_s": run_to,
        **opens,
    }


def main() -> None:
    """Measure and report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--play-seconds", type=float, default=20.0)
    parser.add_argument("--sessions", type=int, default=5, help="new sessions in which Explore is opened")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        server, url = start_server(Path(scratch))
        try:
            measured = browser_ms(url, args.steps, args.play_seconds, args.sessions)
        finally:
            server.terminate()
            server.wait(timeout=20)
    reference = reference_ms(args.steps)
    paint, weeks_per_s = measured["paint_ms"], measured["play_weeks_per_s"]
    result = {
        "residents": 2000,
        "steps": args.steps,
        "step_to_paint_ms_median": statistics.median(paint),
        "step_to_paint_ms_quartiles": statistics.quantiles(paint, n=4),
        "settled_step_to_paint_ms_median": statistics.median(measured["settled_paint_ms"]),
        "settled_step_to_paint_ms_quartiles": statistics.quantiles(measured["settled_paint_ms"], n=4),
        "settle_s": SETTLE_S,
        "reference_ms_median": statistics.median(reference),
        "ratio_paint_to_reference": statistics.median(paint) / statistics.median(reference),
        "play_weeks_per_second": weeks_per_s,
        "run_to_week_104_s": measured["run_to_104_s"],
        "sessions": args.sessions,
        "open_explore_s_median": statistics.median(measured["open_s"]),
        "open_explore_s": measured["open_s"],
        "document_loaded_s_median": statistics.median(measured["document_s"]),
        "ratio_open_to_document": statistics.median(measured["open_s"]) / statistics.median(measured["document_s"]),
        "open_websocket_mb_median": statistics.median(measured["websocket_mb"]),
        "load_average_1min": __import__("os").getloadavg()[0],
        "host_cpus": __import__("os").cpu_count(),
    }
    out = ROOT / "docs" / "reports" / "benchmarks" / "dashboard.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print("| measure (2,000 residents) | median |")
    print("| --- | --- |")
    print(f"| step to paint in Chromium, clicks back to back | {result['step_to_paint_ms_median']:.0f} ms |")
    print(f"| step to paint, the page settled before each click | {result['settled_step_to_paint_ms_median']:.0f} ms |")
    print(f"| reference: step + moving the figures, in process | {result['reference_ms_median']:.0f} ms |")
    print(f"| ratio paint / reference | {result['ratio_paint_to_reference']:.2f} |")
    print(f"| Play, no pause, every week drawn | {weeks_per_s:.1f} weeks/s |")
    print(f"| run to week 104 (from week 0, drawn once) | {result['run_to_week_104_s']:.1f} s |")
    print(f"| open Explore in a new session: address to map painted | {result['open_explore_s_median']:.1f} s |")
    print(f"| reference: the page's document loaded | {result['document_loaded_s_median']:.2f} s |")
    print(f"| received over the websocket while opening | {result['open_websocket_mb_median']:.1f} MB |")
    print(f"load average while measuring: {result['load_average_1min']:.1f} on {result['host_cpus']} CPUs")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
