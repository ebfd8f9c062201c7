"""A comparison or sweep left running: its progress is there when the page is shown again, and it cannot be doubled."""

import threading

import pytest
import solara
from test_pages import SMALL, alerts, button, in_layout, shows, wait_until

from commsim.dashboard import background, state
from commsim.dashboard.compare import Compare
from commsim.dashboard.settings import Scenario


@pytest.fixture
def held_job(tmp_path, monkeypatch):
    """A job that reports one run of four done, then waits until the test lets it end (with no result)."""
    monkeypatch.setenv("COMMSIM_RESULTS_DIR", str(tmp_path))
    release, started = threading.Event(), threading.Event()

    def run_experiment(spec, folder, *, on_progress, report_later):
        on_progress(1, 4)
        started.set()
        assert release.wait(30)

    monkeypatch.setattr(background, "run_experiment", run_experiment)
    state.scenario.set(SMALL)
    yield started, release
    release.set()
    state.scenario.set(Scenario())
    for key in list(state._KEPT):  # a new browser session's Compare page for the next test
        state._KEPT.pop(key).set(None)


def test_a_page_shown_again_finds_its_job_running_and_refuses_a_second_one(held_job):
    started, release = held_job
    box, rc = solara.render(in_layout(Compare), handle_error=False)
    button(box, "Run comparison").click()
    assert started.wait(30)
    rc.close()  # the user opens another page while the comparison runs

    box, again = solara.render(in_layout(Compare), handle_error=False)
    try:
        assert shows(box, "Running in the background: 1 of 4 runs done")
        button(box, "Run comparison").click()  # a browser can send the click the page would not offer
        refused = "The comparison was refused: this page is already running a compare; wait until it finishes"
        assert alerts(box) == [refused]
        release.set()
        wait_until(lambda: not shows(box, "Running in the background"), "the job's end")
        wait_until(lambda: refused not in alerts(box), "the stale refusal cleared when the job ended")
    finally:
        again.close()
