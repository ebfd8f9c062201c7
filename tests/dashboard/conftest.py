"""Fixtures of the real-browser tests: a `commsim dashboard` server on a free loopback port and headless Chromium.

Chromium is Debian's (``/usr/bin/chromium``, installed by ``make test``; ``COMMSIM_CHROMIUM``
names another); Playwright drives it. Each test gets a fresh browser context, so a fresh
dashboard session.
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

from commsim.dashboard.server import HEADLESS_CHROMIUM_FLAGS

START_TIMEOUT_S = 90


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
    port = free_port()
    command = [sys.executable, "-m", "commsim.cli", "dashboard", "--port", str(port), "--results", str(results)]
    with log_path.open("w") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
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


@pytest.fixture
def page(browser, dashboard):
    """A new browser session on the dashboard; its console errors are kept in ``page.errors``."""
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, accept_downloads=True)
    opened = context.new_page()
    opened.set_default_timeout(60_000)
    opened.errors = []
    opened.on("pageerror", lambda error: opened.errors.append(str(error)))
    yield opened
    context.close()
