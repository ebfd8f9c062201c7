"""Fixtures of the real-browser tests: a `commsim dashboard` server on a free loopback port and headless Chromium.

Chromium is Debian's (``/usr/bin/chromium``, installed by ``make test``; ``COMMSIM_CHROMIUM``
names another); Playwright drives it. Each test gets a fresh browser context, so a fresh
dashboard session. The server shows the shipped lessons and one hostile lesson
(:data:`HOSTILE_LESSON`). Every page records its dialogs and the requests it makes to
anything but the server (``page.dialogs``, ``page.foreign``): a test about untrusted text
asserts both stay empty.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from commsim.dashboard.learn import CONTENT
from commsim.dashboard.server import HEADLESS_CHROMIUM_FLAGS

START_TIMEOUT_S = 90
# Text that would run if the page treated it as HTML or as a Vue template.
HOSTILE_HTML = "<img src=x onerror=alert(1)>"
HOSTILE_TEMPLATE = "{{constructor.constructor('alert(2)')()}}"
# A lesson a teacher's file could hold, served beside the shipped ones. Raw HTML is refused
# when the file is read (commsim.lessons), so what reaches the page is HTML written as
# entities, which markdown turns into those characters, and a Vue template expression.
ENTITY_HTML = "&lt;img src=x onerror=alert(1)&gt;"  # shows as HOSTILE_HTML
HOSTILE_LESSON = {
    "id": "hostile",
    "title": f"Hostile {HOSTILE_TEMPLATE} lesson",
    "practice": f"Practice {HOSTILE_TEMPLATE}",
    "profile": "old_inner_city",
    "policy": "baseline",
    "n_residents": 200,
    "steps": 13,
    "story": f"Story &lt;script&gt;alert(3)&lt;/script&gt; {ENTITY_HTML} <https://203.0.113.9/t> {HOSTILE_TEMPLATE}",
    "steps_to_try": [f"Step {ENTITY_HTML}", "&#33;[tracker](http://203.0.113.9/t.png)"],
    "look_for": [f"&lt;iframe src=//203.0.113.9&gt;&lt;/iframe&gt;{ENTITY_HTML}"],
    "question": f"why {HOSTILE_TEMPLATE}",
}


def chromium_path() -> str:
    found = os.environ.get("COMMSIM_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(found).exists():
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium (or set COMMSIM_CHROMIUM)")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def dashboard(tmp_path_factory):
    """Start `commsim dashboard` on a free loopback port; yield its URL, the results folder and the log."""
    folder = tmp_path_factory.mktemp("dashboard")
    results = folder / "results"
    results.mkdir()
    log_path = folder / "server.log"
    lessons = folder / "lessons.yaml"
    shipped = (CONTENT / "lessons.yaml").read_text(encoding="utf-8")
    lessons.write_text(shipped + "\n" + yaml.safe_dump([HOSTILE_LESSON], allow_unicode=True), encoding="utf-8")
    port = free_port()
    command = [sys.executable, "-m", "commsim.cli", "dashboard", "--port", str(port), "--results", str(results)]
    environment = dict(os.environ, COMMSIM_LESSONS=str(lessons))
    with log_path.open("w") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environment)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if server.poll() is not None:
            pytest.fail(f"commsim dashboard exited with {server.returncode}:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            server.kill()
            pytest.fail(f"commsim dashboard did not answer within {START_TIMEOUT_S} s:\n{log_path.read_text()}")
        time.sleep(0.3)
    yield {"url": url, "results": results, "log": log_path}
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), args=list(HEADLESS_CHROMIUM_FLAGS))
        yield launched
        launched.close()


def watch(opened, url: str) -> None:
    """Record a page's dialogs (dismissed), its requests and those to anywhere but ``url``.

    Also the size of each websocket message the page receives (``page.received``).
    """
    opened.dialogs, opened.foreign, opened.requests, opened.received = [], [], [], []

    def dialog(shown) -> None:
        opened.dialogs.append(shown.message)
        shown.dismiss()

    opened.on("dialog", dialog)
    local = (url, "data:", "blob:")  # the server, and images the page makes itself

    def request(sent) -> None:
        opened.requests.append(sent.url)
        if not sent.url.startswith(local):
            opened.foreign.append(sent.url)

    opened.on("request", request)
    opened.on("websocket", lambda socket: socket.on("framereceived", lambda frame: opened.received.append(len(frame))))


@pytest.fixture
def page(browser, dashboard):
    """A new browser session on the dashboard; its console errors are kept in ``page.errors``."""
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, accept_downloads=True)
    opened = context.new_page()
    opened.set_default_timeout(60_000)
    opened.errors = []
    opened.on("pageerror", lambda error: opened.errors.append(str(error)))
    watch(opened, dashboard["url"])
    yield opened
    context.close()
