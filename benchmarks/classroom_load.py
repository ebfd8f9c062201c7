"""Classroom load: does the class clock keep time with N students in their own browsers?

Run from the project root after ``make test`` (which installs Chromium)::

    .venv/bin/python -m benchmarks.classroom_load              # N = 10, 20 and 40
    .venv/bin/python -m benchmarks.classroom_load --students 3  # a quick check

For each N it starts ``commsim classroom`` on a free loopback port, opens a class from a
teacher's browser context (1,000 residents, ``--weeks`` weeks, the clock at ``--pace``
weeks a minute), joins N students each in a browser context of its own (headless
Chromium, one context per student, so each is its own session on the server), presses
Start, and lets every student send choices every week: a random set of the four choices,
then "Send my choices". It measures:

* **clock lag**: for each week, how long after its deadline the server ran it (the
  class clock's own record, shown on the teacher's page: median and maximum); the clock
  keeps time when the largest lag stays under :data:`KEPT_SHARE` of a week's window;
* **drift**: the class's elapsed time from Start to its last week against the weeks
  times the window;
* **choice to acknowledged**: on the students' pages, from the click on "Send my
  choices" to the page saying they were sent (median, 95th percentile, maximum), and how
  many weekly sends were not acknowledged before the week ran;
* the server's CPU time over the class and the load average of the machine. The
  students' browsers run on the same machine as the server here, unlike in a class, so
  they take CPU from it: the result is a lower bound of what a laptop holds.

Writes ``docs/reports/benchmarks/classroom.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.dashboard_paint import start_command

from commsim.classroom.clock import PACE_RANGE
from commsim.dashboard.class_lessons import CLASS_WEEKS
from commsim.dashboard.server import HEADLESS_CHROMIUM_FLAGS

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "reports" / "benchmarks" / "classroom.json"
KEPT_SHARE = 0.10  # the clock keeps time when no week runs later than this share of its window
CHOICES = (
    "go to an activity I heard of",
    "go to a meeting on a problem here, if there is one",
    "ask someone for help",
    "help someone who asks me",
)
LAG = re.compile(r"ran ([0-9.]+) s after their time at the median and ([0-9.]+) s at most \((\d+) weeks\)")
LONG_MS = 600_000


def start_server() -> tuple[subprocess.Popen, str]:
    """Start ``commsim classroom`` and wait until it answers."""
    return start_command(["classroom"], "the classroom server")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def set_slider(page, label: str, value: float, low: float, high: float) -> float:
    """Move a Vuetify slider to ``value``: a click on its track near the value, then arrow keys to it.

    Returns:
        The value the slider shows.
    """
    thumb = page.get_by_role("slider", name=label)
    box = await page.locator(".v-slider", has=thumb).bounding_box()
    await page.mouse.click(box["x"] + box["width"] * (value - low) / (high - low), box["y"] + box["height"] / 2)
    for _ in range(50):
        shown = float(await thumb.get_attribute("aria-valuenow"))
        if shown == value:
            break
        await thumb.focus()  # found again: the slider is redrawn as its value moves
        await page.keyboard.press("ArrowRight" if shown < value else "ArrowLeft")
        await asyncio.sleep(0.2)
    return float(await thumb.get_attribute("aria-valuenow"))


async def open_class(browser, url: str, *, weeks: int, pace: float):
    """The teacher opens a class; returns the teacher's page and the join code."""
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    page.set_default_timeout(LONG_MS)
    await page.goto(url + "/classroom")  # the teacher's address `commsim classroom` prints
    await page.get_by_role("button", name="Open the class").wait_for()
    await set_slider(page, "weeks the class runs", weeks, CLASS_WEEKS.low, CLASS_WEEKS.high)
    await set_slider(page, "pace (weeks per minute)", pace, *PACE_RANGE)
    await page.get_by_role("button", name="Open the class").click()
    code_text = page.get_by_text(re.compile(r"^Join code: [A-Z2-9]{6}$"))
    await code_text.wait_for()
    await page.get_by_text(f"Pace: {pace:g} weeks a minute").wait_for()
    return page, (await code_text.inner_text()).removeprefix("Join code: ")


async def join(browser, url: str, code: str, name: str):
    """A student joins in a browser context of their own; returns their page."""
    context = await browser.new_context(viewport={"width": 1100, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(LONG_MS)
    await page.goto(url + "/join")
    await page.get_by_label("join code").fill(code)
    await page.get_by_label("your name").fill(name)
    await page.get_by_label("your name").press("Enter")
    await page.get_by_role("button", name="Join").click()
    await page.get_by_text("What you know").wait_for()
    return page


WEEK_SHOWN = re.compile(r"· week (\d+) of \d+$")


async def shown_week(page) -> int | None:
    """The week a student's page shows, or None once the class has ended (or between two redraws)."""
    heading = page.get_by_text(WEEK_SHOWN)
    try:
        text = await heading.inner_text(timeout=1_000)
    except Exception:
        return None
    found = WEEK_SHOWN.search(text)
    return int(found.group(1)) if found else None


async def play(page, weeks: int, window_s: float, seed: int) -> dict[str, list[float] | int]:
    """A student's class: each week, a random set of choices sent, and how long until the page acknowledged it.

    A week the page moved past before the student could send counts as missed.
    """
    chooser = random.Random(seed)
    latencies, missed, week = [], 0, 0
    ended = page.get_by_text(re.compile("The class has ended"))
    deadline = time.perf_counter() + (weeks + 10) * window_s  # a page that stopped showing the class gives up
    while week < weeks and time.perf_counter() < deadline:
        shown = await shown_week(page)
        if shown is None:
            if await ended.count():
                break
            continue
        if shown < week:
            await asyncio.sleep(0.05)
            continue
        missed, week = missed + shown - week, shown
        try:  # every action within a window: a page that lags behind the class misses the week, never stalls
            for label in CHOICES:
                if chooser.random() < 0.5:
                    await page.get_by_text(label, exact=True).click(timeout=window_s * 1000)
            started = time.perf_counter()
            await page.get_by_role("button", name="Send my choices").click(timeout=window_s * 1000)
            await page.get_by_text(re.compile(r"^Sent for week \d+")).wait_for(timeout=window_s * 1000)
            latencies.append(time.perf_counter() - started)
        except Exception:
            missed += 1
        week += 1
    missed += weeks - week  # weeks left when the class ended
    return {"latencies": latencies, "missed": missed}


async def one_class(url: str, server_pid: int, *, students: int, weeks: int, pace: float) -> dict:
    """A whole class of ``students``: join, start, play every week, read the teacher's clock record."""
    from playwright.async_api import async_playwright

    window_s = 60.0 / pace
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=list(HEADLESS_CHROMIUM_FLAGS)
        )
        teacher, code = await open_class(browser, url, weeks=weeks, pace=pace)
        print(f"{students} students: class {code} open, joining ...", file=sys.stderr, flush=True)
        joining = asyncio.Semaphore(4)  # a class trickles in; 40 pages loading at once measure the loading

        async def joined(number: int):
            async with joining:
                return await join(browser, url, code, f"Student {number:02d}")

        started_joining = time.perf_counter()
        pages = await asyncio.gather(*(joined(number) for number in range(1, students + 1)))
        join_s = time.perf_counter() - started_joining
        await teacher.get_by_text(f"Students ({students})").wait_for()
        print(f"{students} students joined in {join_s:.0f} s; the class runs ...", file=sys.stderr, flush=True)
        cpu_before, started = cpu_seconds(server_pid), time.perf_counter()
        await teacher.get_by_role("button", name="Start").click()
        played = await asyncio.gather(*(play(page, weeks, window_s, seed) for seed, page in enumerate(pages)))
        await teacher.get_by_text(re.compile(rf"Week {weeks} of {weeks} · ended")).wait_for(
            timeout=(weeks * window_s + 120) * 1000
        )
        elapsed_s = time.perf_counter() - started
        cpu_s = cpu_seconds(server_pid) - cpu_before
        lag_text = await teacher.get_by_text(LAG).inner_text()
        await browser.close()
    median_lag, max_lag, timed = LAG.search(lag_text).groups()
    latencies = sorted(latency for student in played for latency in student["latencies"])
    return {
        "students": students,
        "weeks": weeks,
        "pace_weeks_per_minute": pace,
        "window_s": window_s,
        "weeks_timed": int(timed),
        "lag_s_median": float(median_lag),
        "lag_s_max": float(max_lag),
        "kept_time": float(max_lag) < KEPT_SHARE * window_s,
        "elapsed_s": elapsed_s,
        "scheduled_s": weeks * window_s,
        "drift_s": elapsed_s - weeks * window_s,
        "ack_s_median": statistics.median(latencies) if latencies else None,
        "ack_s_p95": latencies[int(0.95 * (len(latencies) - 1))] if latencies else None,
        "ack_s_max": latencies[-1] if latencies else None,
        "sends_acknowledged": len(latencies),
        "sends_missed": sum(student["missed"] for student in played),
        "join_s": join_s,
        "server_cpu_share": cpu_s / elapsed_s,
        "load_average_1min_after": os.getloadavg()[0],
    }


def measure(students: int, *, weeks: int, pace: float) -> dict:
    """One class on a fresh server."""
    server, url = start_server()
    try:
        return asyncio.run(one_class(url, server.pid, students=students, weeks=weeks, pace=pace))
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    """Measure each class size and report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, nargs="+", default=[10, 20, 40], metavar="N")
    parser.add_argument("--weeks", type=int, default=20)
    parser.add_argument("--pace", type=float, default=20.0, help="weeks per minute (default: 20, a 3 s window)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    classes = [measure(students, weeks=args.weeks, pace=args.pace) for students in args.students]
    result = {
        "residents": 1000,
        "kept_time_means": f"every week ran less than {KEPT_SHARE:.0%} of its window after its deadline",
        "browsers": "headless Chromium on the same machine as the server, one context per student",
        "load_average_1min_before": load_before,
        "host_cpus": os.cpu_count(),
        "classes": classes,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print("| students | window | lag median | lag max | kept time | drift | ack median | ack p95 | missed |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for row in classes:
        print(
            f"| {row['students']} | {row['window_s']:.1f} s | {row['lag_s_median']:.2f} s | {row['lag_s_max']:.2f} s "
            f"| {'yes' if row['kept_time'] else 'no'} | {row['drift_s']:+.1f} s | {row['ack_s_median']:.2f} s "
            f"| {row['ack_s_p95']:.2f} s | {row['sends_missed']} |"
        )
    print(f"load average before: {load_before:.1f} on {os.cpu_count()} CPUs; wrote {args.out}")


if __name__ == "__main__":
    main()
