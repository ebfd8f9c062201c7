"""Screenshots of the classroom at 1280x800, for docs/classroom.md.

Run from the project root after ``make test`` (which installs Chromium)::

    .venv/bin/python -m benchmarks.classroom_screenshots

It starts ``commsim classroom --lesson xidu_team_leaders`` on a free loopback port, opens
the class from the lesson, joins three students (each in a browser context of its own),
lets one send choices, starts the clock, and writes ``docs/images/classroom-teacher.png``
(the open class with its students) and ``docs/images/classroom-student.png``.
"""

from __future__ import annotations

import re
import subprocess
import time

from benchmarks.dashboard_paint import ROOT, start_command

from commsim.dashboard.server import HEADLESS_CHROMIUM_FLAGS

OUT = ROOT / "docs" / "images"
LESSON = "xidu_team_leaders"
STUDENTS = ("Li Wei", "Zhang Min", "Chen Jing")
LONG = 300_000


def start_server() -> tuple[subprocess.Popen, str]:
    """Start ``commsim classroom`` with the lesson and wait until it answers."""
    return start_command(["classroom", "--lesson", LESSON], "the classroom server")


def shoot(url: str) -> list:
    """Open the class, join the students, and save the two screenshots."""
    from playwright.sync_api import sync_playwright

    saved = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=list(HEADLESS_CHROMIUM_FLAGS))
        teacher = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
        teacher.set_default_timeout(LONG)
        teacher.goto(url + "/classroom")
        teacher.get_by_role("button", name="Open the class").click()
        code_text = teacher.get_by_text(re.compile(r"^Join code: [A-Z2-9]{6}$"))
        code = code_text.inner_text().removeprefix("Join code: ")
        students = []
        for name in STUDENTS:
            page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
            page.set_default_timeout(LONG)
            page.goto(url + "/join")
            page.get_by_label("join code").fill(code)
            page.get_by_label("your name").fill(name)
            page.get_by_label("your name").press("Enter")
            page.get_by_role("button", name="Join").click()
            page.get_by_text("What you know").wait_for()
            students.append(page)
        first = students[0]
        first.get_by_text("go to an activity I heard of", exact=True).click()
        first.get_by_text("help someone who asks me", exact=True).click()
        first.get_by_role("button", name="Send my choices").click()
        first.get_by_text(re.compile(r"^Sent for week 0")).wait_for()
        teacher.get_by_text(f"Students ({len(STUDENTS)})").wait_for()
        teacher.get_by_text(re.compile(r"1 of 3 students have chosen this week")).wait_for()
        teacher.get_by_role("button", name="Start").click()
        teacher.get_by_text(re.compile(r"· running")).wait_for()
        time.sleep(1.5)
        saved.append(OUT / "classroom-teacher.png")
        teacher.screenshot(path=saved[-1])
        first.get_by_text(re.compile(r"s left to choose this week")).wait_for()
        saved.append(OUT / "classroom-student.png")
        first.screenshot(path=saved[-1])
        browser.close()
    return saved


def main() -> None:
    """Start a server, take the screenshots, stop the server."""
    OUT.mkdir(parents=True, exist_ok=True)
    server, url = start_server()
    try:
        for path in shoot(url):
            print(f"wrote {path.relative_to(ROOT)}")
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
