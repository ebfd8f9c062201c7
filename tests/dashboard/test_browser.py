"""The dashboard in a real browser: each page loads, reacts to the user and shows what changed.

Screenshots go to each test's temporary folder (``tmp_path``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from commsim.dashboard.plotly_widget import BUNDLE, VERSION

pytestmark = pytest.mark.slow
LONG = 180_000  # ms: a comparison or sweep on a busy two-core machine
# True once the browser has redrawn the map for a week (its title names the week).
MAP_AT_WEEK = "week => (document.querySelector('.commsim-map .gtitle') || {}).textContent === `Map at week ${week}`"


def open_page(page, dashboard, path: str = "/"):
    page.goto(dashboard["url"] + path)
    page.locator(".v-tabs").first.wait_for()
    return page


def slider(page, label: str):
    """The thumb of the slider whose label reads exactly ``label``."""
    field = page.locator(".v-input.v-slider, .v-input").filter(
        has=page.locator("label", has_text=re.compile(rf"^{re.escape(label)}$"))
    )
    return field.locator("[role=slider]").first


def slide_to_minimum(page, label: str) -> None:
    thumb = slider(page, label)
    thumb.focus()
    thumb.press("Home")


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the dropdown labelled ``label``."""
    exact = re.compile(rf"^{re.escape(label)}$")
    field = page.locator(".v-select").filter(has=page.locator("label", has_text=exact))
    field.locator(".v-select__slot").first.click()
    item = re.compile(rf"^\s*{re.escape(option)}\s*$")
    page.locator(".menuable__content__active .v-list-item", has_text=item).click()


def toggle_lever(page, title: str, parameter: str, expected: str) -> None:
    """Unfold a lever's panel, click its parameter's checkbox and wait for ``expected`` text.

    On a busy machine the sidebar can be redrawn while the panel unfolds (seen once in a
    full `make test` run, never alone), folding it again: then the whole action is retried.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    header = page.locator(".v-expansion-panel-header", has_text=title).first
    for _ in range(4):
        if page.get_by_text(expected).count():
            return
        try:
            if header.get_attribute("aria-expanded") != "true":
                header.click()
            panel = page.locator(".v-expansion-panel--active .v-expansion-panel-content")
            panel.get_by_text(parameter, exact=True).click(timeout=15_000)
            page.get_by_text(expected).wait_for(timeout=15_000)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError(f"could not set {parameter} in the {title} panel")


def open_lever(page, title: str, parameter: str):
    """Unfold a lever's panel until its parameter's control is visible."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    header = page.locator(".v-expansion-panel-header", has_text=title).first
    control = page.locator(".v-expansion-panel-content").get_by_text(parameter, exact=True)
    for _ in range(4):
        if header.get_attribute("aria-expanded") != "true":
            header.click()
        try:
            control.wait_for(state="visible", timeout=15_000)
            return control
        except PlaywrightTimeout:
            continue
    raise AssertionError(f"the {title} panel never showed {parameter}")


def test_explore_steps_and_a_lever_restarts_the_run(page, dashboard, tmp_path):
    open_page(page, dashboard)
    page.get_by_text("Week 0", exact=True).wait_for()
    page.screenshot(path=tmp_path / "explore-week0.png")

    page.get_by_role("button", name="Step").click()
    page.get_by_text("Week 1", exact=True).wait_for()
    page.get_by_role("button", name="Step").click()
    page.get_by_text("Week 2", exact=True).wait_for()
    page.wait_for_function(MAP_AT_WEEK, arg=2)  # the map was redrawn in the browser for week 2
    lines = "document.querySelectorAll('.commsim-plots .scatterlayer .trace path.js-line').length"
    page.wait_for_function(f"() => {lines} >= 12")  # every live line drawn as a vector path
    assert not page.foreign, "the figures' JavaScript comes from the server, not a CDN"
    # Plotly's 5 MB bundle is fetched once by address for both figures, and never sent over the websocket.
    assert len([url for url in page.requests if f"/static/assets/{BUNDLE.name}?v=" in url]) == 1
    assert max(page.received) < BUNDLE.stat().st_size / 10
    served = page.request.get(f"{dashboard['url']}/static/assets/{BUNDLE.name}?v={VERSION}")
    assert served.ok and "immutable" in served.headers["cache-control"]  # kept across pages and sessions
    took_part = page.locator(".v-card", has_text="Took part in the last 4 weeks").inner_text()
    assert re.search(r"\d+\.\d%", took_part)
    page.get_by_role("button", name="Reset", exact=True).click()
    page.get_by_text("Week 0", exact=True).wait_for()
    page.get_by_role("button", name="Step").click()
    page.get_by_text("Week 1", exact=True).wait_for()

    toggle_lever(page, "Mutual-aid time bank", "Mutual-aid time bank", "Mutual-aid time bank  ● edited")
    page.get_by_text("1 lever setting(s) edited").wait_for()
    page.get_by_text("Week 0", exact=True).wait_for()  # a lever change restarts the run
    page.screenshot(path=tmp_path / "explore-lever.png", full_page=True)
    assert not page.errors


def test_explore_package_resets_levers_and_play_runs(page, dashboard, tmp_path):
    open_page(page, dashboard)
    page.get_by_text("Week 0", exact=True).wait_for()
    toggle_lever(page, "Mutual-aid time bank", "Mutual-aid time bank", "1 lever setting(s) edited")

    choose(page, "policy package", "Neighbourhood centres and the 15-minute life circle (Shanghai Putuo)")
    page.get_by_text("1 lever setting(s) edited").wait_for(state="detached")
    open_lever(page, "Service centres", "Service centres")
    centres = slider(page, "Service centres")
    assert centres.get_attribute("aria-valuenow") == "3"  # the centres package's value

    page.get_by_role("button", name="▶ Play").click()
    page.get_by_text(re.compile(r"^Week ([3-9]|\d\d+)$")).wait_for()
    page.get_by_role("button", name="⏸ Pause").click()
    page.screenshot(path=tmp_path / "explore-played.png", full_page=True)
    assert not page.errors


def test_explore_refuses_bad_input_and_keeps_working(page, dashboard, tmp_path):
    open_page(page, dashboard)
    page.get_by_text("Week 0", exact=True).wait_for()
    seed = page.get_by_label("seed", exact=True)
    seed.fill("not a number")
    seed.press("Enter")
    page.get_by_role("button", name="Step").click()
    page.get_by_text("Week 1", exact=True).wait_for()
    page.screenshot(path=tmp_path / "explore-bad-seed.png")
    assert not page.errors


def test_two_sessions_do_not_share_state(browser, dashboard, tmp_path):
    first = browser.new_context(viewport={"width": 1500, "height": 1000}).new_page()
    second = browser.new_context(viewport={"width": 1500, "height": 1000}).new_page()
    for opened in (first, second):
        opened.set_default_timeout(60_000)
        open_page(opened, dashboard)
        opened.get_by_text("Week 0", exact=True).wait_for()
    first.get_by_role("button", name="Step").click()
    first.get_by_text("Week 1", exact=True).wait_for()
    choose(first, "policy package", "Acquaintance community (Shanghai Xidu)")
    first.get_by_text("Week 0", exact=True).wait_for()

    second.reload()
    second.get_by_text("Week 0", exact=True).wait_for()
    package = second.locator(".v-select", has=second.locator("label", has_text="policy package"))
    assert "Status quo (baseline)" in package.inner_text()
    second.screenshot(path=tmp_path / "second-session.png")
    first.context.close()
    second.context.close()


def test_compare_two_packages_shows_the_effect_table_and_exports_csv(page, dashboard, tmp_path):
    open_page(page, dashboard, "/compare")
    page.get_by_text("Choice 1 (reference)").wait_for()
    for label in ("residents (at most 5,000 here)", "weeks", "replicates (paired seeds)"):
        slide_to_minimum(page, label)
    run = page.get_by_role("button", name="Run comparison (4 runs)")
    run.click()
    page.get_by_text(re.compile("Effects against")).wait_for(timeout=LONG)
    table = page.locator(".v-data-table").inner_text()
    assert "Took part in the last 4 weeks" in table
    assert "centres − reference" in table
    assert re.search(r"[+-]\d+\.\d pp \[-?\d+\.\d, -?\d+\.\d\]", table)
    bands = page.locator(".js-plotly-plot").first  # the bands, drawn in the browser by Plotly
    bands.locator(".main-svg").first.wait_for(timeout=LONG)
    assert "paired replicates" in bands.inner_text()
    page.locator(".v-data-table").scroll_into_view_if_needed()
    page.screenshot(path=tmp_path / "compare.png")

    with page.expect_download() as download:
        page.get_by_role("button", name="Download effects (CSV)").click()
    saved = tmp_path / "effects.csv"
    download.value.save_as(saved)
    assert saved.read_text().startswith("point,scenario,window,metric,difference")
    page.get_by_text(re.compile(r"with its report \(report\.md\)")).wait_for(timeout=LONG)  # written after
    assert list(dashboard["results"].glob("dashboard/compare-*/report.md"))
    assert not page.errors


def test_sweep_runs_in_the_background_and_lists_past_experiments(page, dashboard, tmp_path):
    open_page(page, dashboard, "/sweep")
    page.get_by_text("First lever").wait_for()
    for label in ("residents (at most 2,000 here)", "weeks", "replicates per point", "levels"):
        slide_to_minimum(page, label)
    run = page.get_by_role("button", name=re.compile(r"Run sweep \(2 points × 1 replicate = 2 runs\)"))
    run.click()
    page.get_by_text(re.compile("Saved as an experiment in")).wait_for(timeout=LONG)
    curve = page.locator(".js-plotly-plot .main-svg").first  # drawn in the browser by Plotly
    curve.wait_for(timeout=LONG)
    assert "Service centres" in page.locator(".js-plotly-plot").first.inner_text()  # the lever on the x axis
    curve.scroll_into_view_if_needed()
    page.screenshot(path=tmp_path / "sweep.png")

    experiments = page.locator(".v-select", has=page.locator("label", has_text="open an experiment"))
    experiments.locator(".v-select__slot").click()
    assert page.locator(".menuable__content__active .v-list-item", has_text="dashboard/sweep-").count() >= 1
    assert not page.errors


def test_learn_loads_a_lesson_into_explore_and_follows_it_to_the_end(page, dashboard, tmp_path):
    page.set_viewport_size({"width": 1024, "height": 768})  # a small laptop: the lesson must not hide the scenario
    open_page(page, dashboard, "/learn")
    page.get_by_text("Guided lessons").wait_for()
    choose(page, "lesson", "High turnover and mutual aid")
    # On a busy machine a click can land while the card still shows the previous lesson
    # (seen once in a full `make test` run, never alone): wait for the chosen one first.
    page.locator(".v-card__title", has_text="High turnover and mutual aid").wait_for()
    page.get_by_role("button", name="Load this lesson in Explore").click()
    page.wait_for_url(re.compile(r"/$"))
    page.get_by_text("Lesson: High turnover and mutual aid").wait_for()
    profile = page.locator(".v-select", has=page.locator("label", has_text="community profile"))
    assert "Migrant-heavy urban village" in profile.inner_text()
    # The underline is under Explore (Vuetify's sliding bar stayed under the tab it measured last).
    active = page.locator(".commsim-page-tabs .v-tab--active")
    assert active.inner_text().strip().lower() == "explore"
    assert active.evaluate("tab => getComputedStyle(tab).boxShadow") != "none"
    slider = page.locator(".commsim-page-tabs .v-tabs-slider-wrapper")
    assert slider.evaluate("bar => getComputedStyle(bar).display") == "none"
    scenario_title = page.locator(".v-navigation-drawer .v-card__title", has_text="Scenario").first.bounding_box()
    assert scenario_title["y"] + scenario_title["height"] <= 768, "the lesson pushes the scenario controls out of sight"

    card = page.locator(".v-card", has_text="Lesson: High turnover and mutual aid")
    boxes = card.get_by_role("checkbox")
    for index in range(boxes.count()):
        card.get_by_text(f"step {index + 1}", exact=True).click()
    page.get_by_text(re.compile("Lesson complete")).wait_for()
    page.screenshot(path=tmp_path / "lesson.png", full_page=True)

    open_page(page, dashboard, "/learn")
    page.get_by_text("About the model").click()
    page.get_by_text("What is it?").wait_for()
    page.screenshot(path=tmp_path / "learn-about.png")
    assert not page.errors


# ------------------------------------------------------------------ what the server enforces

# Set a control's value or click a button through the page's own widget models, as any
# script in the browser (or any websocket client) can: the front end's bounds and
# disabled buttons do not apply.
SEND_VALUE = """([label, value, index]) => {
  const fields = Array.from(document.querySelectorAll('.v-input'))
    .filter(field => Array.from(field.querySelectorAll('label')).some(l => l.textContent.trim() === label));
  if (fields.length <= index) throw new Error(`no control labelled ${label}`);
  const wrapper = fields[index].__vue__;
  const control = [wrapper, ...wrapper.$children].find(vm => vm.$listeners && vm.$listeners.input);
  control.$emit('input', value);
}"""
SEND_CLICK = """(text) => {
  const buttons = Array.from(document.querySelectorAll('.v-btn')).filter(b => b.textContent.includes(text));
  if (buttons.length !== 1) throw new Error(`${buttons.length} buttons read ${text}`);
  const wrapper = buttons[0].__vue__;
  const button = [wrapper, ...wrapper.$children].find(vm => vm.$listeners && vm.$listeners.click);
  button.$emit('click', new MouseEvent('click'));
}"""
MONITORS = """() => Object.fromEntries(Array.from(document.querySelectorAll('.v-card'))
  .map(card => card.innerText.split('\\n').map(line => line.trim()).filter(Boolean))
  .filter(lines => lines.length === 2).map(lines => [lines[0], lines[1]]))"""


def send_value(page, label: str, value, index: int = 0) -> None:
    page.evaluate(SEND_VALUE, [label, value, index])


def alert_texts(page) -> str:
    return " | ".join(page.locator(".v-alert").all_inner_texts())


def test_the_server_refuses_widget_messages_the_page_would_never_send(page, dashboard, tmp_path):
    open_page(page, dashboard)
    page.get_by_text("Week 0", exact=True).wait_for()
    send_value(page, "residents (at most 5,000 here)", 2_000_000)
    page.get_by_text(re.compile(r"This scenario cannot run: residents: 2,000,000 is outside the range")).wait_for()
    page.get_by_role("button", name="Step").click()  # the last good model (2,000 residents) still runs
    page.get_by_text("Week 1", exact=True).wait_for()
    assert page.get_by_text(re.compile(r"^2,000 residents · drawn in")).count() == 1

    open_page(page, dashboard, "/compare")
    page.get_by_text("Choice 1 (reference)").wait_for()
    send_value(page, "residents (at most 5,000 here)", 2_000_000)
    send_value(page, "weeks", 5200)
    send_value(page, "replicates (paired seeds)", 100_000)
    page.get_by_text(re.compile(r"This comparison cannot run: residents: 2,000,000")).wait_for()
    assert page.get_by_role("button", name=re.compile("Run comparison")).is_disabled()
    page.evaluate(SEND_CLICK, "Run comparison")
    page.get_by_text(re.compile(r"The comparison was refused: residents: 2,000,000")).wait_for()

    open_page(page, dashboard, "/sweep")
    page.get_by_text("First lever").wait_for()
    send_value(page, "levels", 5000)
    page.get_by_text(re.compile(r"This sweep cannot run: levels: 5,000 is outside the range")).wait_for()
    page.evaluate(SEND_CLICK, "Run sweep")
    page.get_by_text(re.compile(r"The sweep was refused: levels: 5,000")).wait_for()
    page.screenshot(path=tmp_path / "sweep-refused.png", full_page=True)
    started = list(dashboard["results"].glob("dashboard/*"))
    assert not [folder for folder in started if "2000000" in folder.name], started
    assert not page.errors


def test_reset_reproduces_week_zero_and_the_seeds_run(page, dashboard):
    from commsim.dashboard.explore import monitor_values
    from commsim.dashboard.settings import Scenario
    from commsim.model import CommunityModel

    open_page(page, dashboard)
    page.get_by_text("Week 0", exact=True).wait_for()
    first = page.evaluate(MONITORS)
    for _ in range(2):  # each Reset used to draw a new community while the seed box kept the seed
        page.get_by_role("button", name="Step").click()
        page.get_by_text("Week 1", exact=True).wait_for()
        page.get_by_role("button", name="Reset", exact=True).click()
        page.get_by_text("Week 0", exact=True).wait_for()
        assert page.evaluate(MONITORS) == first
    for week in (1, 2):
        page.get_by_role("button", name="Step").click()
        page.get_by_text(f"Week {week}", exact=True).wait_for()

    fresh = CommunityModel(**Scenario().model_kwargs())  # the page's scenario: seed 1, 2,000 residents
    expected_week0 = monitor_values(fresh)
    fresh.step()
    fresh.step()
    shown = page.evaluate(MONITORS)
    assert {label: first[label] for label in expected_week0} == expected_week0
    assert {label: shown[label] for label in expected_week0} == monitor_values(fresh)
    assert not page.errors


def hostile_experiment(results: Path) -> str:
    """An experiment folder anyone could drop into the results folder, every text in it hostile."""
    from tests.dashboard.conftest import HOSTILE_HTML, HOSTILE_TEMPLATE

    name = f"shared {HOSTILE_HTML}"
    folder = results / name
    (folder / "figures").mkdir(parents=True, exist_ok=True)
    manifest = {"spec": {"description": f"Described as {HOSTILE_HTML} {HOSTILE_TEMPLATE}"}, "run_keys": ["a"]}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (folder / "report.md").write_text(
        f"# Report {HOSTILE_HTML}\n\n<script>alert('report')</script>\n\n{HOSTILE_TEMPLATE}\n\n"
        "![tracker](http://203.0.113.9/t.png)\n\n<iframe src=http://203.0.113.9/></iframe>\n"
        "[a link](javascript:alert(6))\n",
        encoding="utf-8",
    )
    (folder / "figures" / "evil.png").write_text("<svg onload=alert(7)></svg>", encoding="utf-8")
    return name


def test_hostile_text_shows_as_literal_text_in_every_page(page, browser, dashboard, tmp_path):
    from tests.dashboard.conftest import HOSTILE_HTML, HOSTILE_LESSON, HOSTILE_TEMPLATE, watch

    shared = hostile_experiment(dashboard["results"])

    open_page(page, dashboard)  # a seed box holding HTML is refused as a seed, and nothing runs
    page.get_by_text("Week 0", exact=True).wait_for()
    seed = page.get_by_label("seed", exact=True)
    seed.fill(HOSTILE_HTML)
    seed.press("Enter")
    page.get_by_role("button", name="Step").click()
    page.get_by_text("Week 1", exact=True).wait_for()

    open_page(page, dashboard, "/compare")
    page.get_by_text("Choice 1 (reference)").wait_for()
    for label in ("residents (at most 5,000 here)", "weeks", "replicates (paired seeds)"):
        slide_to_minimum(page, label)
    labels = page.get_by_label("label", exact=True)
    for index, text in enumerate((HOSTILE_TEMPLATE, HOSTILE_HTML)):
        labels.nth(index).fill(text)
        labels.nth(index).press("Tab")
    page.get_by_role("button", name="Run comparison (4 runs)").click()
    page.get_by_role("button", name="Download effects (CSV)").wait_for(timeout=LONG)
    assert page.dialogs == [], "a label ran as code"
    page.get_by_text(f"Effects against {HOSTILE_TEMPLATE}", exact=False).wait_for()
    assert HOSTILE_HTML + " − reference" in page.locator(".v-data-table").inner_text()
    page.screenshot(path=tmp_path / "compare-hostile.png", full_page=True)

    open_page(page, dashboard, "/sweep")
    page.get_by_text(re.compile("Past experiments in")).wait_for()
    choose(page, "open an experiment", shared)
    page.get_by_text(f"Report {HOSTILE_HTML}").wait_for()
    page.get_by_text("<script>alert('report')</script>").wait_for()
    page.get_by_text(HOSTILE_TEMPLATE).wait_for()
    page.screenshot(path=tmp_path / "past-hostile.png", full_page=True)
    assert page.dialogs == [], "a report ran as code"

    open_page(page, dashboard, "/learn")
    page.get_by_text("Guided lessons").wait_for()
    choose(page, "lesson", HOSTILE_LESSON["title"])
    page.get_by_text(f"Story <script>alert(3)</script> {HOSTILE_HTML}", exact=False).wait_for()
    page.get_by_role("button", name="Load this lesson in Explore").click()
    page.get_by_text(f"Lesson: {HOSTILE_LESSON['title']}").wait_for()
    page.get_by_text(f"Step {HOSTILE_HTML}").wait_for()
    page.screenshot(path=tmp_path / "lesson-hostile.png", full_page=True)

    other = browser.new_context(viewport={"width": 1500, "height": 1000}).new_page()  # another person
    other.set_default_timeout(60_000)
    watch(other, dashboard["url"])
    open_page(other, dashboard, "/sweep")
    experiments = other.locator(".v-select", has=other.locator("label", has_text="open an experiment"))
    experiments.locator(".v-select__slot").click()
    offered = other.locator(".menuable__content__active .v-list-item").all_inner_texts()
    offered = [text.strip() for text in offered]
    assert shared in offered
    assert not [name for name in offered if name.startswith("dashboard/")], "another session's runs are listed"
    other.context.close()

    assert page.dialogs == [] and other.dialogs == []
    assert page.foreign == [] and other.foreign == []
    assert not page.errors


LINKED = "profile=migrant_heavy&package=centres&residents=400&seed=7&week=9&n_centres=2"


def wait_for_address(page, fragment: str) -> None:
    page.wait_for_function("fragment => window.location.search.includes(fragment)", arg=fragment)


def test_a_link_reopens_the_scenario_at_its_week_and_the_page_keeps_it_across_tabs(page, dashboard, tmp_path):
    open_page(page, dashboard, f"/?{LINKED}")
    page.get_by_text("Week 9", exact=True).wait_for()
    page.wait_for_function(MAP_AT_WEEK, arg=9)
    profile = page.locator(".v-select", has=page.locator("label", has_text="community profile"))
    assert "Migrant-heavy urban village" in profile.inner_text()
    page.get_by_text("1 lever setting(s) edited").wait_for()
    shown = page.evaluate(MONITORS)
    page.get_by_role("button", name="Step").click()
    page.get_by_text("Week 10", exact=True).wait_for()
    wait_for_address(page, "week=10")
    assert "n_centres=2" in page.evaluate("window.location.search")

    page.get_by_role("tab", name="Compare").click()
    page.get_by_text("Choice 1 (reference)").wait_for()
    page.get_by_role("tab", name="Explore").click()
    page.get_by_text("Week 10", exact=True).wait_for()  # the run was kept, not restarted
    page.wait_for_function(MAP_AT_WEEK, arg=10)

    other = page.context.browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    other.set_default_timeout(60_000)
    other.goto(dashboard["url"] + f"/?{LINKED}")  # another browser, the same link: the same run
    other.get_by_text("Week 9", exact=True).wait_for()
    assert other.evaluate(MONITORS) == shown
    other.context.close()
    page.screenshot(path=tmp_path / "explore-linked.png")
    assert not page.errors


def test_an_exported_scenario_runs_under_commsim_run_to_the_same_monitors(page, dashboard, tmp_path):
    import subprocess
    import sys

    import pandas as pd

    from commsim.dashboard.explore import MONITORS as MONITOR_METRICS
    from commsim.runs.labels import format_metric, metric_label

    open_page(page, dashboard, "/?profile=old_inner_city&package=acquaintance&residents=300&seed=11&week=5")
    page.get_by_text("Week 5", exact=True).wait_for()
    shown = page.evaluate(MONITORS)
    with page.expect_download() as download:
        page.get_by_role("button", name="Export as a run config").click()
    config = tmp_path / "exported.yaml"
    download.value.save_as(config)
    out = tmp_path / "run"
    done = subprocess.run(
        [sys.executable, "-m", "commsim.cli", "run", str(config), "--out", str(out), "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    series = pd.read_parquet(out / "timeseries.parquet")
    week5 = series[series["step"] == 5].iloc[0]
    for metric in MONITOR_METRICS:
        assert shown[metric_label(metric)] == format_metric(metric, week5[metric]), metric


PAGE_READY = {"/": ".commsim-map .gtitle", "/compare": "text=Choice 1 (reference)", "/sweep": "text=First lever",
              "/learn": "text=Guided lessons"}  # fmt: skip


def declared_identifiers() -> set[str]:
    """Every code name a page could leak: lever parameters, metrics and presets written with underscores."""
    from commsim.dashboard.settings import lever_specs, packages, profiles
    from commsim.metric_table import METRICS

    names = set(lever_specs()) | {metric.name for metric in METRICS} | set(profiles()) | set(packages())
    return {name for name in names if "_" in name}


def test_no_page_shows_a_code_identifier(page, dashboard):
    identifiers = declared_identifiers()
    for path, ready in PAGE_READY.items():
        open_page(page, dashboard, path)
        page.locator(ready).first.wait_for(timeout=LONG)
        if path == "/":  # unfold every lever so that every control's label is in the page
            for header in page.locator(".v-expansion-panel-header").all():
                header.click()
        text = page.locator("body").inner_text()
        leaked = sorted(name for name in identifiers if re.search(rf"(?<![\w/.-]){re.escape(name)}(?![\w/.-])", text))
        assert not leaked, f"{path} shows {leaked}"


def boxes_overlap(first: dict, second: dict) -> bool:
    return not (
        first["x"] + first["width"] <= second["x"]
        or second["x"] + second["width"] <= first["x"]
        or first["y"] + first["height"] <= second["y"]
        or second["y"] + second["height"] <= first["y"]
    )


@pytest.mark.parametrize("size", [(1280, 800), (1024, 768)])
def test_the_explore_layout_keeps_the_map_in_view_and_nothing_overlaps(browser, dashboard, tmp_path, size):
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height})
    opened = context.new_page()
    opened.set_default_timeout(60_000)
    open_page(opened, dashboard)
    opened.wait_for_function(MAP_AT_WEEK, arg=0)
    opened.screenshot(path=tmp_path / f"explore-{width}x{height}.png")
    parts = {name: opened.locator(selector).first.bounding_box() for name, selector in {
        "monitors": ".commsim-monitors", "map": ".commsim-map .main-svg", "plots": ".commsim-plots .main-svg",
        "inspector": ".v-card:has-text('Inspector')", "tabs": ".v-tabs",
    }.items()}  # fmt: skip
    names = list(parts)
    for index, first in enumerate(names):
        for second in names[index + 1 :]:
            assert not boxes_overlap(parts[first], parts[second]), (first, second, parts[first], parts[second])
    if size == (1280, 800):  # the map and the monitors above the fold
        assert parts["monitors"]["y"] + parts["monitors"]["height"] <= height
        assert parts["map"]["y"] + 0.9 * parts["map"]["height"] <= height
    tracks = opened.locator(".v-navigation-drawer .v-slider").all()
    visible = [track.bounding_box() for track in tracks if track.is_visible()]
    assert visible and min(box["width"] for box in visible) >= 120, "a slider's track is squashed"
    context.close()


# ------------------------------------------------------------------ the classroom


def student_page(browser, dashboard):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(60_000)
    opened.errors = []
    opened.on("pageerror", lambda error: opened.errors.append(str(error)))
    open_page(opened, dashboard, "/join")
    return context, opened


def join(opened, code: str, name: str) -> None:
    opened.get_by_label("join code").fill(code)
    opened.get_by_label("your name").fill(name)
    opened.get_by_label("your name").press("Enter")
    opened.get_by_role("button", name="Join").click()


def test_a_teacher_and_students_play_a_class_and_see_the_debrief(page, browser, dashboard, tmp_path):
    open_page(page, dashboard, "/classroom")
    page.get_by_role("button", name="Open the class").click()
    code_text = page.get_by_text(re.compile(r"^Join code: [A-Z2-9]{6}$"))
    code_text.wait_for()
    code = code_text.inner_text().removeprefix("Join code: ")

    contexts = []
    first_context, first = student_page(browser, dashboard)
    contexts.append(first_context)
    join(first, "WRONG9", "Mallory")
    first.get_by_text("that join code is not a class on this server").wait_for()
    join(first, code, "<b>Li</b>")
    first.get_by_text("What you know").wait_for()
    second_context, second = student_page(browser, dashboard)
    contexts.append(second_context)
    join(second, code.lower(), "Zhang")
    second.get_by_text("What you know").wait_for()
    page.get_by_text("<b>Li</b> — plays a resident", exact=False).wait_for()  # the name as typed, as text
    page.get_by_text("Zhang — plays a resident", exact=False).wait_for()

    first.get_by_text("go to an activity I heard of").click()
    first.get_by_role("button", name="Send my choices").click()
    first.get_by_text("Sent for week 0").wait_for()
    page.get_by_text(re.compile(r"1 of 2 students have chosen this week")).wait_for()
    first.screenshot(path=tmp_path / "classroom-student.png", full_page=True)
    page.get_by_role("button", name="Step").click()
    first.get_by_text(re.compile(r"week 1 of 26")).wait_for()
    second.get_by_text(re.compile(r"week 1 of 26")).wait_for()
    second_context.close()  # a student drops out: the model plays the resident from now on

    page.get_by_role("button", name="End the class").click()
    page.get_by_text("Debrief").wait_for()
    page.get_by_text("Download the timeline (CSV)").wait_for()
    first.get_by_text(re.compile("The class has ended at week 1")).wait_for()
    page.screenshot(path=tmp_path / "classroom-debrief.png", full_page=True)
    assert not page.dialogs and not page.errors and not first.errors
    first_context.close()


def test_a_student_cannot_reach_the_teacher_s_controls(page, browser, dashboard):
    open_page(page, dashboard, "/classroom")
    page.get_by_role("button", name="Open the class").click()
    page.get_by_text(re.compile(r"^Join code: ")).wait_for()
    context, student = student_page(browser, dashboard)
    open_page(student, dashboard, "/classroom")  # the teacher's page, in the student's own session
    student.get_by_role("button", name="Open the class").wait_for()
    assert student.get_by_role("button", name="End the class").count() == 0
    context.close()


def test_a_classroom_leader_asks_neighbours_and_the_debrief_compares_leaders(page, browser, dashboard):
    open_page(page, dashboard, "/classroom")
    page.get_by_text("a building team leader").click()  # the role's checkbox on the form
    page.get_by_role("button", name="Open the class").click()
    code_text = page.get_by_text(re.compile(r"^Join code: [A-Z2-9]{6}$"))
    code_text.wait_for()
    code = code_text.inner_text().removeprefix("Join code: ")

    context, student = student_page(browser, dashboard)
    student.get_by_label("join code").fill(code)
    student.get_by_label("your name").fill("Wang")
    student.get_by_role("button", name="a building team leader").click()
    student.get_by_role("button", name="Join").click()
    student.get_by_text(re.compile(r"Whom you ask in person this week")).wait_for()
    page.get_by_text("Wang — plays a building team leader", exact=False).wait_for()
    student.get_by_text(re.compile(r"^resident \d+ \(")).first.click()
    student.get_by_role("button", name="Send my choices").click()
    student.get_by_text("Sent for week 0").wait_for()

    page.get_by_role("button", name="Step").click()
    student.get_by_text(re.compile(r"week 1 of 26")).wait_for()
    page.get_by_role("button", name="End the class").click()
    page.get_by_text("Building team leaders").wait_for()
    page.get_by_text("residents asked in person").wait_for()
    assert not page.errors and not student.errors
    context.close()
