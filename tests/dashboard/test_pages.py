"""The four pages rendered without a browser: what each shows, and how it answers clicks and controls.

Each page is rendered inside ``solara.AppLayout`` (its controls live in the sidebar slot)
with ``handle_error=False``, so an exception in a page fails the test. Background runs
(Compare, Sweep) are polled until their result appears.
"""

from __future__ import annotations

import contextlib
import html.parser
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import ipyvuetify as v
import ipywidgets
import numpy as np
import pandas as pd
import plotly.graph_objects
import pytest
import solara
import solara.toestand
from solara.autorouting import RenderPage
from solara.components.datatable import DataTableWidget
from solara.server import kernel, kernel_context
from tests.file_digests import digests

from commsim.config.paths import shipped_reports
from commsim.config.yaml_files import ConfigError
from commsim.dashboard import app, background, explore, learn, state
from commsim.dashboard.compare import BAND_METRICS, Compare
from commsim.dashboard.explore import MONITORS, Explore
from commsim.dashboard.history import past_experiments
from commsim.dashboard.jobs import Finished, SweepFactor, plan_size, sweep_spec
from commsim.dashboard.learn import INFO_SECTIONS, lesson_by_id, lesson_scenario, lessons
from commsim.dashboard.mapview import BUILDINGS_TRACE, TIE_CLASSES, building_links, building_table
from commsim.dashboard.markup import ATTRIBUTES, TAGS
from commsim.dashboard.result_charts import bands_figure
from commsim.dashboard.settings import LIMITS, Scenario, package_values
from commsim.dashboard.state import session_owner
from commsim.dashboard.sweep import Sweep, response_chart
from commsim.experiments.analysis import Analysis
from commsim.experiments.plan import make_plan
from commsim.model import CommunityModel
from commsim.runs.labels import KEY_METRICS, format_metric, metric_heading, metric_label, preset_title

POLL_TIMEOUT_S = 240  # generous: only a hung run reaches it; the tests never assert on speed
SMALL = Scenario(n_residents=200, seed=5)


# ------------------------------------------------------------------ helpers


def widgets(root) -> Iterator[ipywidgets.Widget]:
    """Every widget below ``root`` (slots included), in the order a reader meets them."""
    stack, seen = [root], set()
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, list | tuple):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            stack.extend(reversed(item.values()))
        elif isinstance(item, ipywidgets.Widget):
            yield item
            values = [getattr(item, name) for name in item.keys]
            containers = (list, tuple, dict, ipywidgets.Widget)
            stack.extend(value for value in reversed(values) if isinstance(value, containers))


def texts(root) -> list[str]:
    """The text a reader sees: string children of widgets and the HTML of rendered markdown."""
    found = []
    for widget in widgets(root):
        children = getattr(widget, "children", None)
        if isinstance(children, list | tuple):
            found.extend(child for child in children if isinstance(child, str))
        if type(widget) is v.VuetifyTemplate:
            found.append(widget.template)
        if isinstance(widget, solara.widgets.HTML) and widget.unsafe_innerHTML:
            found.append(widget.unsafe_innerHTML)
    return found


def shows(root, text: str) -> bool:
    return any(text in item for item in texts(root))


def button(root, text: str) -> v.Btn:
    """The single button whose label contains ``text`` (icons beside the label are ignored)."""
    found = [
        widget
        for widget in widgets(root)
        if isinstance(widget, v.Btn) and any(isinstance(child, str) and text in child for child in widget.children)
    ]
    assert len(found) == 1, f"expected one button labelled {text!r}, found {len(found)}"
    return found[0]


def alerts(root) -> list[str]:
    return [" ".join(texts(widget)) for widget in widgets(root) if isinstance(widget, v.Alert)]


class Tags(html.parser.HTMLParser):
    """Every tag and attribute of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def assert_inert(root) -> None:
    """Nothing in the page could run: no template compiles user text, and every HTML fragment is tame.

    Solara's Markdown compiles its HTML as a Vue template, so the dashboard must not use it.
    Every ``v-html`` fragment may hold only the sanitiser's tags and attributes, and no link
    that is not http, https, mailto or relative.
    """
    for widget in widgets(root):
        assert type(widget) is not v.VuetifyTemplate or "solara-markdown" not in widget.template, (
            "markdown compiled as a Vue template"
        )
        if isinstance(widget, solara.widgets.HTML) and widget.unsafe_innerHTML:
            parser = Tags()
            parser.feed(widget.unsafe_innerHTML)
            for tag, attributes in parser.found:
                assert tag in TAGS, (tag, widget.unsafe_innerHTML[:300])
                assert set(attributes) <= ATTRIBUTES.get(tag, set()) | {"rel"}, (tag, attributes)
                href = attributes.get("href") or ""
                assert not re.match(r"^\s*(javascript|data|vbscript):", href, re.IGNORECASE), href


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + POLL_TIMEOUT_S
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what}")
        time.sleep(0.05)


def slider(rc, label: str) -> v.Slider:
    return rc.find(v.Slider, label=label).widget


def monitor(root, label: str) -> str:
    """The number shown under a monitor's label (the monitors are one widget drawn in the browser)."""
    for widget in widgets(root):
        if widget.has_trait("monitors"):
            shown = dict(widget.monitors)
            if label in shown:
                return shown[label]
    raise AssertionError(f"no monitor {label!r}")


@pytest.fixture(autouse=True)
def fresh_state():
    """Every test starts from the defaults of a new browser session."""

    def reset():
        state.scenario.set(Scenario())
        state.lesson.set(None)
        state.lesson_progress.set({})
        state.open_folds.set(frozenset())
        state.explore_run.set(None)
        state.explore_view.set({})
        state.explore_link.set(None)
        state.explore_pending_week.set(None)
        for key in list(state._KEPT):  # the values Compare and Sweep keep across page changes
            state._KEPT.pop(key).set(None)

    reset()
    yield
    reset()


def in_layout(page):
    """A page inside an AppLayout, whose sidebar slot holds the page's controls."""

    @solara.component
    def page_in_layout():
        with solara.AppLayout():
            page()

    return page_in_layout()


@pytest.fixture
def render():
    """Render a page inside an AppLayout; unmount it after the test."""
    contexts = []

    def rendered(page):
        box, rc = solara.render(in_layout(page), handle_error=False)
        contexts.append(rc)
        return box, rc

    yield rendered
    for rc in contexts:
        rc.close()


@pytest.fixture
def render_route():
    """Render the whole app (layout, tabs, routes) at a path."""
    contexts = []

    def rendered(path: str):
        @solara.component
        def app_at_path():
            solara.RoutingProvider(children=[RenderPage()], routes=app.routes, pathname=path)

        box, rc = solara.render(app_at_path(), handle_error=False)
        contexts.append(rc)
        return box, rc

    yield rendered
    for rc in contexts:
        rc.close()


@pytest.fixture
def plain_figures(monkeypatch) -> None:
    """Blank figures in place of the Explore map and plots, for tests about controls (drawing is slow here).

    The map itself is tested in test_mapview.py and in the Explore tests that do not use this fixture.
    """

    def blank(*_, **options):
        return plotly.graph_objects.FigureWidget()

    monkeypatch.setattr(explore, "map_figure", blank)
    monkeypatch.setattr(explore, "live_figure", blank)
    monkeypatch.setattr(explore, "update_map", lambda *_, **options: None)
    monkeypatch.setattr(explore, "update_live", lambda *_, **options: None)


@pytest.fixture
def results(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("COMMSIM_RESULTS_DIR", str(tmp_path))
    return tmp_path


# ------------------------------------------------------------------ Explore


def expected_monitors(scenario: Scenario, steps: int) -> dict[str, str]:
    """The monitors' text computed from an independent model with the same seed."""
    model = CommunityModel(**scenario.model_kwargs())
    for _ in range(steps):
        model.step()
    collected = model.datacollector.model_vars
    return {metric_label(metric): format_metric(metric, collected[metric][-1]) for metric in MONITORS}


def test_explore_starts_at_week_zero_and_steps(render):
    state.scenario.set(SMALL)
    box, _ = render(Explore)
    assert monitor(box, "time") == "Week 0"
    for name, text in expected_monitors(SMALL, 0).items():
        assert monitor(box, name) == text, name

    button(box, "Step").click()
    assert monitor(box, "time") == "Week 1"
    expected = expected_monitors(SMALL, 1)
    for name, text in expected.items():
        assert monitor(box, name) == text, name
    assert re.fullmatch(r"\d+\.\d%", expected[metric_label("rate_any")])
    assert re.fullmatch(r"0\.\d{3}", expected[metric_label("mean_belonging")])
    assert shows(box, "200 residents · drawn in")


def test_moving_a_lever_records_an_edit_and_restarts(render, plain_figures):
    state.scenario.set(SMALL)
    box, rc = render(Explore)
    button(box, "Step").click()
    assert monitor(box, "time") == "Week 1"

    slider(rc, "Service centres").v_model = 7
    assert state.scenario.value.overrides == {"n_centres": 7}
    assert monitor(box, "time") == "Week 0"
    assert shows(box, "Service centres  ● edited")
    assert shows(box, "1 lever setting(s) edited")

    slider(
        rc, "Places per centre session (places per session)"
    ).v_model = 500  # beyond the cap of 200: only a browser sends it
    assert alerts(box) == [
        "This scenario cannot run: centre_capacity: 500 is outside the range the dashboard allows (1 to 200)"
    ]
    slider(rc, "Places per centre session (places per session)").v_model = 150
    assert state.scenario.value.overrides == {"n_centres": 7, "centre_capacity": 150}
    assert alerts(box) == []

    button(box, "Back to the package").click()
    assert state.scenario.value.overrides == {}
    assert slider(rc, "Service centres").v_model == package_values("old_inner_city", "baseline")["n_centres"]


def test_choosing_a_package_resets_the_levers_to_its_values(render, plain_figures):
    state.scenario.set(SMALL)
    box, rc = render(Explore)
    slider(rc, "Service centres").v_model = 9
    button(box, "Step").click()
    assert monitor(box, "time") == "Week 1"

    rc.find(v.Select, label="policy package").widget.v_model = "centres"
    centres = package_values("old_inner_city", "centres")
    assert state.scenario.value == Scenario("old_inner_city", "centres", {}, 200, 5)
    assert slider(rc, "Service centres").v_model == centres["n_centres"] != 9
    assert slider(rc, "Share of sessions for elderly care").v_model == centres["targeted_share_elderly"]
    assert monitor(box, "time") == "Week 0"
    assert (
        monitor(box, metric_label("coverage_15min"))
        == expected_monitors(state.scenario.value, 0)[metric_label("coverage_15min")]
    )


def test_a_scenario_out_of_bounds_shows_an_error_instead_of_the_run(render, plain_figures):
    state.scenario.set(Scenario(n_residents=200, overrides={"n_centres": -1}))
    box, _ = render(Explore)
    assert alerts(box) == [
        "This scenario cannot run: n_centres: -1 is outside the range the dashboard allows (0 to 40)"
    ]
    assert not shows(box, "Week 0")


def test_levers_that_together_break_a_rule_show_an_error_until_undone(render, plain_figures):
    state.scenario.set(Scenario("old_inner_city", "centres", {}, 200, 5))
    box, rc = render(Explore)
    slider(rc, "Share of sessions for elderly care").v_model = 0.95
    assert alerts(box) == ["This scenario cannot run: targeted_share_elderly + targeted_share_children = 1.1 exceeds 1"]
    slider(rc, "Share of sessions for elderly care").v_model = 0.5
    assert alerts(box) == []
    assert state.scenario.value.overrides == {"targeted_share_elderly": 0.5}


def type_into(rc, label: str, text: str) -> None:
    """Type into a text field and leave it (the field takes its value on focus-out)."""
    field = rc.find(v.TextField, label=label).widget
    field.v_model = text
    field.fire_event("focusout", None)


def test_the_community_size_and_seed_restart_the_run(render, plain_figures):
    state.scenario.set(SMALL)
    box, rc = render(Explore)
    button(box, "Step").click()
    slider(rc, "residents (at most 5,000 here)").v_model = 300
    assert state.scenario.value == Scenario(n_residents=300, seed=5)
    assert monitor(box, "time") == "Week 0"
    assert shows(box, "300 residents · drawn in")
    type_into(rc, "seed", "42")
    assert state.scenario.value.seed == 42
    rc.find(v.Select, label="community profile").widget.v_model = "migrant_heavy"
    assert state.scenario.value == Scenario("migrant_heavy", "baseline", {}, 300, 42)
    assert alerts(box) == []


@pytest.mark.parametrize("typed", ["-3", "5000000000"])
def test_a_seed_out_of_range_is_refused_visibly(render, plain_figures, typed):
    state.scenario.set(SMALL)
    box, rc = render(Explore)
    type_into(rc, "seed", typed)
    assert state.scenario.value.seed == 5
    field = rc.find(v.TextField, label="seed").widget
    assert field.error or any("the seed must be a whole number from 0 to 4,294,967,295" in text for text in alerts(box))


def figure_widgets(root) -> list[plotly.graph_objects.FigureWidget]:
    """The Plotly figures in the page: the map first, then the live plots."""
    return [widget for widget in widgets(root) if isinstance(widget, plotly.graph_objects.FigureWidget)]


def buildings_trace(figure):
    return next(trace for trace in figure.data if trace.meta == BUILDINGS_TRACE)


def test_the_map_can_be_coloured_by_belonging_and_show_ties(render):
    state.scenario.set(SMALL)
    box, rc = render(Explore)
    figures = figure_widgets(box)
    assert len(figures) == 2  # the map and the live plots
    model = state.explore_run.value[1][0]
    table = building_table(model)
    assert list(buildings_trace(figures[0]).marker.color) == pytest.approx(list(table["participation"]))
    colour = rc.find(v.BtnToggle).widget
    assert colour.v_model == 0  # participation
    colour.v_model = 1
    by_belonging = figure_widgets(box)[0]
    assert list(buildings_trace(by_belonging).marker.color) == pytest.approx(list(table["belonging"]))
    assert "Belonging" in by_belonging.data[3].marker.colorbar.title.text
    rc.find(v.Checkbox, label="show ties across buildings").widget.v_model = True
    with_ties = figure_widgets(box)[0]
    drawn = sum(trace.x.count(None) for trace in with_ties.data[: len(TIE_CLASSES)] if trace.x)
    assert drawn == len(building_links(model)) > 0
    assert all(trace.visible for trace in with_ties.data[: len(TIE_CLASSES)])


def test_the_live_plots_get_each_new_week_as_data(render):
    state.scenario.set(SMALL)
    box, _ = render(Explore)
    plots = figure_widgets(box)[1]
    assert {len(trace.x) for trace in plots.data} == {1}
    button(box, "Step").click()
    button(box, "Step").click()
    assert {tuple(trace.x) for trace in plots.data} == {(0, 1, 2)}
    model = state.explore_run.value[1][0]
    rate = next(trace for trace in plots.data if trace.meta == "rate_any")
    assert list(rate.y) == pytest.approx([100 * value for value in model.datacollector.model_vars["rate_any"]])
    assert plots is figure_widgets(box)[1], "the same figure is moved, not rebuilt"


def test_clicking_a_building_opens_the_inspector(render):
    state.scenario.set(SMALL)
    box, _ = render(Explore)
    assert shows(box, "Click a building on the map to inspect its residents.")
    explore.set_view(building=2)
    model = state.explore_run.value[1][0]
    residents = int((model.residents.building == 2).sum())
    assert shows(box, f"**Building 2**: {residents} residents, week 0") or shows(box, "Building 2")
    tables = [widget for widget in widgets(box) if isinstance(widget, DataTableWidget)]
    assert len(tables) == 1 and tables[0].total_length == residents


def test_run_to_week_stops_there_and_draws_once(render):
    state.scenario.set(SMALL)
    box, rc = render(Explore)
    type_into(rc, "run to week", "12")
    button(box, "Run to week").click()
    wait_until(lambda: monitor(box, "time") == "Week 12", "week 12")
    plots = figure_widgets(box)[1]
    wait_until(lambda: {len(trace.x) for trace in plots.data} == {13}, "the plots drawn to week 12")
    assert state.explore_run.value[1][0].steps == 12
    assert shows(box, "Step")


def test_the_week_and_view_outlive_a_page_change(render):
    state.scenario.set(SMALL)
    box, rc = render(Explore)
    button(box, "Step").click()
    rc.find(v.Checkbox, label="show ties across buildings").widget.v_model = True
    rc.close()
    again, rc2 = render(Explore)
    assert monitor(again, "time") == "Week 1"
    assert rc2.find(v.Checkbox, label="show ties across buildings").widget.v_model is True


def test_reset_returns_to_week_zero(plain_figures):
    state.scenario.set(SMALL)
    box, rc = solara.render(in_layout(Explore), handle_error=False)
    try:
        button(box, "Step").click()
        button(box, "Step").click()
        assert monitor(box, "time") == "Week 2"
        button(box, "Reset").click()
        assert monitor(box, "time") == "Week 0"
        assert alerts(box) == []
    finally:
        with contextlib.suppress(ConfigError):  # closing re-raises the error of the click
            rc.close()


def test_reset_rebuilds_the_run_the_seed_names(render, plain_figures):
    """Reset goes back to the seed's week 0, every time, and the run from there is the seed's run."""
    state.scenario.set(SMALL)
    box, _ = render(Explore)
    week0 = expected_monitors(SMALL, 0)
    for _ in range(3):  # Mesa's Reset used to draw a new random community on each click
        button(box, "Step").click()
        button(box, "Reset").click()
        assert {name: monitor(box, name) for name in week0} == week0
    for _ in range(3):
        button(box, "Step").click()
    assert {name: monitor(box, name) for name in week0} == expected_monitors(SMALL, 3)


def test_reset_after_a_new_seed_rebuilds_that_seed(render, plain_figures):
    state.scenario.set(SMALL)
    box, rc = render(Explore)
    type_into(rc, "seed", "77")
    button(box, "Step").click()
    button(box, "Reset").click()
    reseeded = Scenario(n_residents=200, seed=77)
    assert {name: monitor(box, name) for name in MONITOR_NAMES} == expected_monitors(reseeded, 0)


MONITOR_NAMES = [metric_label(metric) for metric in MONITORS]


# ------------------------------------------------------------------ Compare


def small_runs(rc, *, residents: str, replicates: tuple[str, int]) -> None:
    """Two hundred residents for 13 weeks, and a number of replicates."""
    slider(rc, residents).v_model = 200
    slider(rc, "weeks").v_model = 13
    slider(rc, replicates[0]).v_model = replicates[1]


SMALL_SAMPLE_WARNING = (
    "Only {replicates}: with fewer than 5 the 95% intervals are wide and unreliable (they can even reach "
    "beyond 0% or 100%). Run more replicates before drawing conclusions."
)


def saved_folder(box) -> Path:
    """The experiment folder a finished comparison or sweep names."""
    saved = next(text for text in texts(box) if text.startswith("Saved as an experiment in "))
    return Path(re.match(r"Saved as an experiment in (.+?)(;|, with)", saved).group(1))


def wait_for_result(box, result: str, replicates: str, what: str) -> None:
    """Wait until ``result`` shows, or an alert other than the small-sample warning for ``replicates``.

    The warning renders with the result, a moment before the rest of it: waiting for any alert
    could read the page in between.
    """
    warning = SMALL_SAMPLE_WARNING.format(replicates=replicates)
    wait_until(lambda: shows(box, result) or any(alert != warning for alert in alerts(box)), what)


def test_a_comparison_runs_in_the_background_and_shows_its_effects(render, results):
    state.scenario.set(SMALL)
    box, rc = render(Compare)
    small_runs(rc, residents="residents (at most 5,000 here)", replicates=("replicates (paired seeds)", 2))
    run = button(box, "Run comparison (4 runs)")
    assert not run.disabled
    run.click()
    wait_for_result(box, "Download effects (CSV)", "2 replicates", "the comparison's effects")
    assert alerts(box) == [SMALL_SAMPLE_WARNING.format(replicates="2 replicates")]
    assert shows(box, "<h4>In brief</h4>\n<ul>\n<li><strong>")  # the report's opening sentences

    table = rc.find(DataTableWidget).widget
    assert [header["text"] for header in table.headers] == ["metric", "reference", "centres − reference"]
    assert [row["metric"] for row in table.items] == [metric_heading(metric) for metric in KEY_METRICS]  # with units
    assert all(re.search(r" \[.+, .+\]$", row["centres − reference"]) for row in table.items)
    assert shows(box, "<h4>Effects against <strong>baseline</strong>")

    wait_until(lambda: shows(box, "with its report (report.md)"), "the report written in the background")
    folder = saved_folder(box)
    assert folder.parent == results / "dashboard" and (folder / "report.md").is_file()
    assert "- Spec: made by the dashboard (kept in `manifest.json`)" in (folder / "report.md").read_text()
    pngs = sorted(path.name for path in (folder / "figures").glob("*.png"))
    assert pngs == ["effects.png", "timeseries.png"]
    assert shows(box, "Effects against the reference (PNG)") and shows(box, "Time series (PNG)")
    assert [entry["folder"] for entry in past_experiments(results, session_owner())] == [folder]
    assert not button(box, "Run comparison (4 runs)").disabled

    # Reopened from the past experiments, the comparison's charts and effects are drawn again, the same.
    effects = [dict(row) for row in table.items]
    past_box, past_rc = render(Sweep)
    past_rc.find(v.Select, label="open an experiment").widget.v_model = f"dashboard/{folder.name}"
    button(past_box, "Draw its charts again").click()
    wait_until(lambda: shows(past_box, "Download effects (CSV)"), "the reopened comparison")
    assert [dict(row) for row in past_rc.find(DataTableWidget).widget.items] == effects
    assert past_rc.find(plotly.graph_objects.FigureWidget)  # the bands, drawn by Plotly


def test_a_comparison_the_model_rejects_reports_why(render, results):
    state.scenario.set(SMALL)
    box, rc = render(Compare)
    rc.find(v.Slider, label="Share of sessions for elderly care").widgets[
        1
    ].v_model = 0.95  # centres: 0.15 for children
    button(box, "Run comparison").click()
    wait_until(lambda: bool(alerts(box)), "the comparison's error")
    (message,) = alerts(box)
    assert message.startswith("The comparison failed: ")
    assert "targeted_share_elderly + targeted_share_children = 1.1 exceeds 1" in message
    assert not shows(box, "Download effects (CSV)")
    assert past_experiments(results, session_owner()) == []  # refused before any run


def test_choices_can_be_added_up_to_four(render, results):
    state.scenario.set(SMALL)
    box, rc = render(Compare)
    assert shows(box, "Choice 1 (reference)") and shows(box, "Choice 2") and not shows(box, "Remove")
    add = button(box, "Add a choice")
    add.click()
    assert shows(box, "Choice 3") and not button(box, "Add a choice").disabled
    button(box, "Add a choice").click()
    assert shows(box, "Choice 4")
    assert button(box, "Add a choice").disabled
    assert button(box, "Run comparison (20 runs)")  # four choices × five replicates by default
    policies = [widget.v_model for widget in rc.find(v.Select, label="policy package").widgets]
    assert len(policies) == len(set(policies)) == 4
    removes = [widget for widget in widgets(box) if isinstance(widget, v.Btn) and "Remove" in widget.children]
    assert len(removes) == 4
    removes[-1].click()
    assert not shows(box, "Choice 4") and not button(box, "Add a choice").disabled


def test_repeated_labels_disable_the_run_and_say_why(render, results):
    state.scenario.set(SMALL)
    box, rc = render(Compare)
    assert not button(box, "Run comparison").disabled
    assert alerts(box) == []
    second = rc.find(v.Select, label="policy package").widgets[1]
    second.v_model = "baseline"  # the label follows the package: two choices named "baseline"
    assert button(box, "Run comparison").disabled
    assert alerts(box) == ["This comparison cannot run: every choice needs its own label"]
    second.v_model = "acquaintance"
    assert not button(box, "Run comparison").disabled
    assert alerts(box) == []


def test_a_choice_can_be_renamed_and_edited_but_not_left_blank(render, results):
    state.scenario.set(SMALL)
    box, rc = render(Compare)
    names = rc.find(v.TextField, label="label").widgets
    assert [field.v_model for field in names] == ["baseline", "centres"]
    names[1].v_model = "  three centres "
    names[1].fire_event("focusout", None)  # the label is taken when the field loses focus
    assert [field.v_model for field in rc.find(v.TextField, label="label").widgets] == ["baseline", "three centres"]

    rc.find(v.Slider, label="Service centres").widgets[1].v_model = 6
    headers = [" ".join(texts(widget)) for widget in widgets(box) if isinstance(widget, v.ExpansionPanelHeader)]
    assert [header for header in headers if header.startswith("Edit levers")] == [
        "Edit levers",
        "Edit levers (1 edited)",
    ]

    names = rc.find(v.TextField, label="label").widgets
    names[1].v_model = "   "
    names[1].fire_event("keyup.enter", None)
    assert button(box, "Run comparison").disabled
    assert alerts(box) == ["This comparison cannot run: every choice needs a label"]


def test_the_compare_page_starts_from_the_explore_package(render, results):
    state.scenario.set(Scenario(policy="consultation", n_residents=200))
    _, rc = render(Compare)
    assert [widget.v_model for widget in rc.find(v.Select, label="policy package").widgets] == [
        preset_title("policy", "baseline"),
        preset_title("policy", "consultation"),
    ]


# ------------------------------------------------------------------ Sweep


def test_a_small_sweep_runs_and_joins_the_past_experiments(render, results):
    state.scenario.set(SMALL)
    box, rc = render(Sweep)
    assert shows(box, "No experiment folders yet.")
    small_runs(rc, residents="residents (at most 2,000 here)", replicates=("replicates per point", 1))
    rc.find(v.RangeSlider).widget.v_model = [1, 3]
    slider(rc, "levels").v_model = 2
    run = button(box, "Run sweep (2 points × 1 replicate = 2 runs)")
    assert not run.disabled
    run.click()
    wait_for_result(box, "Saved as an experiment in", "1 replicate", "the sweep's result")
    assert alerts(box) == [SMALL_SAMPLE_WARNING.format(replicates="1 replicate")]
    folder = saved_folder(box)
    assert folder.parent == results / "dashboard" and folder.name.startswith("sweep-")
    assert (folder / "design.csv").read_text().splitlines() == ["point,n_centres", "0,1", "1,3"]

    shown = rc.find(v.Select, label="metric shown").widget
    assert shown.v_model == metric_label("rate_any") and metric_label("mean_belonging") in shown.items

    def drawn() -> str:
        return rc.find(plotly.graph_objects.FigureWidget)[0].widget.layout.yaxis.title.text

    assert drawn().startswith(metric_label("rate_any"))  # drawn in the browser by Plotly, not sent as an image
    shown.v_model = metric_label("mean_belonging")
    wait_until(lambda: drawn().startswith(metric_label("mean_belonging")), "the curve of another metric")

    wait_until(lambda: shows(box, "with its report (report.md)"), "the report written in the background")
    past = rc.find(v.Select, label="open an experiment").widget
    assert past.items == [f"dashboard/{folder.name}"]
    past.v_model = past.items[0]
    wait_until(lambda: shows(box, "<h1>sweep</h1>"), "the report opened")
    assert shows(box, "Sweep started from the dashboard over n_centres")
    assert [widget for widget in widgets(box) if isinstance(widget, ipywidgets.Image)]
    button(box, "Draw its charts again").click()
    wait_until(lambda: len(rc.find(plotly.graph_objects.FigureWidget)) == 2, "the reopened sweep's curve")
    reopened = rc.find(plotly.graph_objects.FigureWidget)[1].widget
    first = rc.find(plotly.graph_objects.FigureWidget)[0].widget
    assert [list(trace.x) for trace in reopened.data] == [list(trace.x) for trace in first.data]
    assert {float(x) for trace in reopened.data for x in trace.x} == {1.0, 3.0}
    assert reopened.layout.yaxis.title.text.startswith(metric_label("rate_any"))


def test_the_shipped_records_can_be_read_and_nothing_in_them_is_written(render, results):
    root = shipped_reports()
    before = digests(root, locks=False)
    box, rc = render(Sweep)
    assert shows(box, "No experiment folders yet.")  # the user's results folder is empty; the records are apart
    records = rc.find(v.Select, label="open a shipped record").widget
    assert {"smoke", "policy_packages", "centre_coverage", "validation_profiles"} <= set(records.items)
    assert all((root / name / "manifest.json").is_file() for name in records.items)

    records.v_model = "smoke"
    wait_until(lambda: shows(box, "<h1>smoke</h1>"), "the shipped report opened")
    assert [widget for widget in widgets(box) if isinstance(widget, ipywidgets.Image)]
    records.v_model = "centre_coverage"
    wait_until(lambda: shows(box, "<h1>centre_coverage</h1>"), "the second shipped report")
    assert not shows(box, "<h1>smoke</h1>")

    records.v_model = "../../.."  # a name the page never offers opens nothing
    wait_until(lambda: not shows(box, "<h1>centre_coverage</h1>"), "the report closed")
    assert not [widget for widget in widgets(box) if isinstance(widget, ipywidgets.Image)]
    assert digests(root, locks=False) == before


def test_a_sweep_the_model_rejects_reports_why(render, results):
    state.scenario.set(SMALL)
    box, rc = render(Sweep)
    rc.find(v.Select, label="policy package").widget.v_model = "centres"
    rc.find(v.Select, label="lever 1").widget.v_model = "targeted_share_elderly"
    assert rc.find(v.RangeSlider).widget.v_model == (0.0, 1.0)
    slider(rc, "levels").v_model = 2
    # Planned before it can start: the page says why and offers no Run button that could work.
    (message,) = alerts(box)
    assert message.startswith("This sweep cannot run: ")
    assert "targeted_share_elderly + targeted_share_children = 1.15 exceeds 1" in message
    run = button(box, "Run sweep")
    assert run.disabled and "Run sweep" in run.children and "0 points" not in repr(run.children)  # no size
    assert not shows(box, "Saved as an experiment in")


def finished_sweep(factors: list[SweepFactor], means: list[float], tmp_path: Path) -> Finished:
    """A planned (not run) sweep whose window outcome of ``rate_any`` per point is ``means``."""
    plan = make_plan(
        sweep_spec(
            factors,
            profile="old_inner_city",
            policy="baseline",
            overrides={},
            n_residents=200,
            steps=13,
            replicates=2,
            seed=1,
            name="sweep",
        )
    )
    points = pd.DataFrame(
        {
            "point": range(len(means)),
            "scenario": "base",
            "window": "window",
            "metric": "rate_any",
            "mean": means,
            "ci_low": [mean - 0.05 for mean in means],
            "ci_high": [mean + 0.05 for mean in means],
            "n": 2,
        }
    )
    empty = pd.DataFrame()
    return Finished(tmp_path, plan, Analysis(empty, points, empty, empty, empty), None, tmp_path / "report.md")


def test_the_response_of_one_lever_is_a_curve_with_its_interval(tmp_path):
    result = finished_sweep([SweepFactor("inclusiveness", 0.0, 1.0, 3)], [0.1, 0.3, 0.2], tmp_path)
    figure = response_chart(result, "rate_any")
    _, curve = figure.data
    assert list(curve.x) == [0.0, 0.5, 1.0]
    assert list(curve.y) == pytest.approx([10.0, 30.0, 20.0])  # a share, in percent
    assert figure.layout.xaxis.title.text == "Share of affected residents invited to deliberate"
    assert "mean of the last 13 weeks, 95% CI" in figure.layout.title.text


def test_the_response_of_two_levers_is_a_heatmap_of_the_means(tmp_path):
    factors = [SweepFactor("inclusiveness", 0.0, 1.0, 2), SweepFactor("leader_coverage", 0.2, 0.6, 3)]
    means = [0.10, 0.11, 0.12, 0.20, 0.21, 0.22]
    result = finished_sweep(factors, means, tmp_path)
    figure = response_chart(result, "rate_any")
    assert figure.layout.xaxis.title.text == "Share of affected residents invited to deliberate"
    assert figure.layout.yaxis.title.text == "Share of buildings with a team leader"
    (heat,) = figure.data
    image = np.asarray(heat.z)
    assert image.shape == (3, 2)  # rows: the second lever's levels; columns: the first lever's
    for point, row in result.plan.design.iterrows():
        column = [0.0, 1.0].index(row["inclusiveness"])
        level = [0.2, 0.4, 0.6].index(pytest.approx(row["leader_coverage"]))
        assert image[level, column] == pytest.approx(100 * means[point])
    assert heat.texttemplate == "%{z:.3g}"  # the means are written in the cells


def test_too_many_runs_disable_the_sweep(render, results):
    state.scenario.set(SMALL)
    box, rc = render(Sweep)
    rc.find(v.Checkbox, label="vary a second lever (heatmap)").widget.v_model = True
    first_levels, second_levels = rc.find(v.Slider, label="levels").widgets
    first_levels.v_model = 5  # n_centres 1..5: five whole numbers
    second_levels.v_model = 9  # leader_coverage 0..1
    slider(rc, "replicates per point").v_model = 10
    runs = 5 * 9 * 10
    assert runs > LIMITS.max_runs
    assert button(box, f"= {runs} runs)").disabled
    assert alerts(box) == [
        f"This sweep cannot run: {runs} runs: at most {LIMITS.max_runs} runs from the dashboard; "
        "use `commsim sweep` for more"
    ]
    slider(rc, "replicates per point").v_model = 8  # 360 runs
    assert not button(box, "= 360 runs)").disabled
    assert alerts(box) == []


def test_the_same_lever_twice_disables_the_sweep(render, results):
    state.scenario.set(SMALL)
    box, rc = render(Sweep)
    rc.find(v.Checkbox, label="vary a second lever (heatmap)").widget.v_model = True
    rc.find(v.Select, label="lever 2").widget.v_model = "n_centres"
    assert button(box, "Run sweep").disabled
    assert alerts(box) == ["This sweep cannot run: choose two different levers"]


def test_the_run_count_of_a_whole_number_lever_matches_the_plan(render, results):
    state.scenario.set(SMALL)
    box, rc = render(Sweep)
    slider(rc, "replicates per point").v_model = 1
    rc.find(v.RangeSlider).widget.v_model = [1, 2]
    slider(rc, "levels").v_model = 5
    spec = sweep_spec(
        [SweepFactor("n_centres", 1, 2, 5)],
        profile="old_inner_city",
        policy="baseline",
        overrides={},
        n_residents=200,
        steps=13,
        replicates=1,
        seed=1,
        name="sweep",
    )
    planned = plan_size(spec)[1]
    assert planned == 2
    button(box, f"= {planned} runs)")


# ------------------------------------------------------------------ what a browser can send

# Setting a widget's value here is what a websocket message from the browser does: the
# front end's limits (a slider's range, a disabled button) are not there to stop it.
HOSTILE = "<img src=x onerror=alert(1)>"
TEMPLATE = "{{constructor.constructor('alert(2)')()}}"  # ran as a Vue expression in a compiled template


def folders(results: Path) -> list[Path]:
    return sorted((results / "dashboard").glob("*")) if (results / "dashboard").exists() else []


@pytest.mark.parametrize(
    ("residents", "message"),
    [
        (2_000_000, "residents: 2,000,000 is outside the range the dashboard allows (100 to 5,000)"),
        (50, "residents: 50 is outside the range the dashboard allows (100 to 5,000)"),
    ],
)
def test_explore_refuses_a_population_no_control_offers(render, plain_figures, residents, message):
    state.scenario.set(SMALL)
    box, rc = render(Explore)
    slider(rc, "residents (at most 5,000 here)").v_model = residents
    assert alerts(box) == [f"This scenario cannot run: {message}"]
    assert shows(box, "200 residents · drawn in")  # the model of the last good scenario stays
    button(box, "Step").click()
    assert monitor(box, "time") == "Week 1"


@pytest.mark.parametrize(
    ("label", "value", "message"),
    [
        ("Service centres", 2000, "n_centres: 2,000 is outside the range the dashboard allows (0 to 40)"),
        (
            "Share of affected residents invited to deliberate",
            float("nan"),
            "inclusiveness: not a number; give a finite number",
        ),
    ],
)
def test_explore_refuses_a_lever_value_no_control_offers(render, plain_figures, label, value, message):
    state.scenario.set(SMALL)
    box, rc = render(Explore)
    slider(rc, label).v_model = value
    assert alerts(box) == [f"This scenario cannot run: {message}"]


def test_explore_refuses_a_preset_that_is_not_shipped(render, plain_figures):
    state.scenario.set(SMALL)
    box, rc = render(Explore)
    rc.find(v.Select, label="community profile").widget.v_model = "../../../tmp/x"
    refused = "unknown community profile '../../../tmp/x'; available:"
    assert f"This scenario cannot run: {refused}" in " ".join(alerts(box))
    assert all(refused in message for message in alerts(box))  # the lever panel says so too, instead of its controls


def test_explore_refuses_a_pause_no_control_offers(render, plain_figures):
    state.scenario.set(SMALL)
    box, rc = render(Explore)
    slider(rc, "pause between steps (ms)").v_model = 10**9
    assert alerts(box) == [
        "Refused: pause between steps (ms): 1,000,000,000 is outside the range the dashboard allows (0 to 1,000)"
    ]
    slider(rc, "pause between steps (ms)").v_model = 200
    assert alerts(box) == []


@pytest.mark.parametrize("index", [99, -1, "belonging", None])
def test_a_map_colouring_no_button_names_is_ignored(render, plain_figures, index):
    state.scenario.set(SMALL)
    box, rc = render(Explore)
    toggle = rc.find(v.BtnToggle).widget
    toggle.v_model = index
    toggle.v_model = 1  # the page still answers: belonging
    assert rc.find(v.BtnToggle).widget.v_model == 1
    assert alerts(box) == []


def test_compare_refuses_a_size_no_control_offers_even_when_clicked(render, results):
    """2,000,000 residents x 5,200 weeks x 100,000 replicates: the button is disabled and a click refused."""
    state.scenario.set(SMALL)
    box, rc = render(Compare)
    slider(rc, "residents (at most 5,000 here)").v_model = 2_000_000
    slider(rc, "weeks").v_model = 5200
    slider(rc, "replicates (paired seeds)").v_model = 100_000
    run = button(box, "Run comparison")
    assert run.disabled
    assert alerts(box) == [
        "This comparison cannot run: residents: 2,000,000 is outside the range the dashboard allows (100 to 5,000)"
    ]
    # The typed entries show what was typed, out of range, where the sliders stop at their ends.
    entries = [field.v_model for field in rc.find(v.TextField).widgets if "commsim-number" in (field.class_ or "")]
    assert {"2000000", "5200", "100000"} <= {str(entry) for entry in entries}, entries
    run.click()  # what a browser can still send
    assert "The comparison was refused: residents: 2,000,000 is outside the range" in " ".join(alerts(box))
    assert folders(results) == []
    slider(rc, "residents (at most 5,000 here)").v_model = 200
    assert (
        alerts(box)[0]
        == "This comparison cannot run: weeks: 5,200 is outside the range the dashboard allows (13 to 260)"
    )


def test_compare_refuses_a_fifth_choice_sent_by_the_browser(render, results):
    state.scenario.set(SMALL)
    box, _ = render(Compare)
    for _ in range(6):  # the button is disabled from the fourth choice on
        button(box, "Add a choice").click()
    assert shows(box, "Choice 4") and not shows(box, "Choice 5")


def test_a_disabled_sweep_button_clicked_starts_nothing(render, results):
    state.scenario.set(SMALL)
    box, rc = render(Sweep)
    rc.find(v.Checkbox, label="vary a second lever (heatmap)").widget.v_model = True
    first_levels, second_levels = rc.find(v.Slider, label="levels").widgets
    first_levels.v_model = 5000  # a grid no slider offers: 5,000 runs and more
    run = button(box, "Run sweep")
    assert run.disabled
    (message,) = alerts(box)
    assert message == "This sweep cannot run: levels: 5,000 is outside the range the dashboard allows (2 to 9)"
    run.click()
    assert "The sweep was refused: levels: 5,000 is outside the range" in " ".join(alerts(box))
    first_levels.v_model = 5
    second_levels.v_model = 9
    slider(rc, "replicates per point").v_model = 10  # 450 runs: over the limit, refused when clicked
    button(box, "= 450 runs)").click()
    wait_until(lambda: any("was refused" in text for text in alerts(box)), "the refusal")
    assert any("450 runs: at most 400 runs from the dashboard" in text for text in alerts(box))
    assert folders(results) == []


def test_a_sweep_factor_the_browser_makes_up_is_refused(render, results):
    state.scenario.set(SMALL)
    box, rc = render(Sweep)
    rc.find(v.RangeSlider).widget.v_model = [0, 2000]
    assert alerts(box) == [
        "This sweep cannot run: n_centres: 2,000 is outside the range the dashboard allows (0 to 40)"
    ]
    rc.find(v.RangeSlider).widget.v_model = [1, 3]
    assert alerts(box) == []
    rc.find(v.Select, label="lever 1").widget.v_model = "../../etc"  # not offered: ignored
    assert alerts(box) == [] and shows(box, "Run sweep (3 points × 3 replicates = 9 runs)")


def test_a_page_runs_one_job_at_a_time_whatever_is_clicked(render, results):
    state.scenario.set(SMALL)
    box, rc = render(Compare)
    small_runs(rc, residents="residents (at most 5,000 here)", replicates=("replicates (paired seeds)", 2))
    run = button(box, "Run comparison (4 runs)")
    run.click()
    run.click()  # disabled while the first runs; a browser can click it anyway
    run.click()
    assert any("The comparison was refused: this page is already running a compare" in text for text in alerts(box))
    wait_until(lambda: shows(box, "Download effects (CSV)"), "the comparison's effects")
    assert len(folders(results)) == 1


def test_the_server_runs_at_most_its_limit_of_jobs_over_all_sessions(render, results):
    state.scenario.set(SMALL)
    box, rc = render(Compare)
    small_runs(rc, residents="residents (at most 5,000 here)", replicates=("replicates (paired seeds)", 2))
    for _ in range(LIMITS.concurrent_jobs):  # other sessions' jobs hold every slot
        assert background.JOB_SLOTS.acquire(blocking=False)
    try:
        button(box, "Run comparison (4 runs)").click()
        wait_until(lambda: bool(alerts(box)), "the refusal")
        assert alerts(box) == [
            f"The comparison was refused: the server is already running {LIMITS.concurrent_jobs} comparisons, "
            "sweeps or searches, the most it runs at once; try again when one has finished"
        ]
    finally:
        for _ in range(LIMITS.concurrent_jobs):
            background.JOB_SLOTS.release()
    assert folders(results) == []
    button(box, "Run comparison (4 runs)").click()  # a slot is free again
    wait_until(lambda: shows(box, "Download effects (CSV)"), "the comparison's effects")


def test_a_job_whose_folder_another_command_holds_is_refused_with_a_message(render, results, monkeypatch):
    from filelock import FileLock

    state.scenario.set(SMALL)
    box, rc = render(Compare)
    small_runs(rc, residents="residents (at most 5,000 here)", replicates=("replicates (paired seeds)", 2))
    taken = results / "dashboard" / f"compare-20260301-090000-{'0' * 16}-0a1b2c3d"
    taken.mkdir(parents=True)
    monkeypatch.setattr(background, "new_folder", lambda root, kind, owner: taken)
    with FileLock(taken / ".commsim.lock", timeout=0):  # a `commsim sweep --out` writing it
        button(box, "Run comparison (4 runs)").click()
        wait_until(lambda: bool(alerts(box)), "the refusal")
    (message,) = alerts(box)
    assert message.startswith(f"The comparison was refused: {taken} is in use by another commsim command")
    assert sorted(path.name for path in taken.iterdir()) == [".commsim.lock"]


def test_hostile_labels_reach_the_page_and_the_past_experiments_only_as_text(render, results):
    state.scenario.set(SMALL)
    box, rc = render(Compare)
    small_runs(rc, residents="residents (at most 5,000 here)", replicates=("replicates (paired seeds)", 2))
    names = rc.find(v.TextField, label="label").widgets
    for field, text in zip(names, (HOSTILE, TEMPLATE), strict=True):
        field.v_model = text
        field.fire_event("focusout", None)
    button(box, "Run comparison (4 runs)").click()
    wait_for_result(box, "Download effects (CSV)", "2 replicates", "the comparison's effects")
    assert alerts(box) == [SMALL_SAMPLE_WARNING.format(replicates="2 replicates")]
    assert shows(box, "Effects against <strong>&lt;img src=x onerror=alert(1)&gt;</strong>")
    table = rc.find(DataTableWidget).widget
    assert [header["text"] for header in table.headers][-1] == f"{TEMPLATE} − reference"  # a cell: plain text
    assert_inert(box)
    wait_until(lambda: shows(box, "with its report (report.md)"), "the report written in the background")

    sweep_box, sweep_rc = render(Sweep)  # the Sweep page of the same session lists it and opens its report
    past = sweep_rc.find(v.Select, label="open an experiment").widget
    (name,) = past.items
    past.v_model = name
    assert shows(sweep_box, "&lt;img src=x onerror=alert(1)&gt;")
    assert_inert(sweep_box)


def test_a_figure_title_shows_a_label_as_written():
    labels = ["$\\frac{$", "50$ and $x^2$ <b>bold</b>"]
    rows = [
        {"scenario": label, "replicate": replicate, "step": step, **dict.fromkeys(BAND_METRICS, 0.1 * step)}
        for label in labels
        for replicate in range(2)
        for step in range(3)
    ]
    figure = bands_figure(pd.DataFrame(rows), labels, BAND_METRICS)
    titles = [annotation.text for annotation in figure.layout.annotations]
    assert titles == ["$\\frac{$", "50$ and $x^2$ &lt;b&gt;bold&lt;/b&gt;"]  # Plotly shows the entities as written


def test_a_hostile_lesson_file_shows_as_text(render_route, monkeypatch, tmp_path):
    import yaml

    lesson = {
        "id": "hostile",
        "title": f"Title {HOSTILE}",
        "practice": f"Practice {TEMPLATE}",
        "profile": "old_inner_city",
        "policy": "baseline",
        "n_residents": 200,
        "steps": 13,
        "story": f"Story <script>alert(3)</script> {HOSTILE} [click](javascript:alert(4)) {TEMPLATE}",
        "steps_to_try": [f"Step {HOSTILE}", "![tracker](http://203.0.113.9/t.png)"],
        "look_for": [f"<iframe src=//203.0.113.9>{HOSTILE}"],
        "question": f"<a href=javascript:alert(5)>why</a> {TEMPLATE}",
    }
    path = tmp_path / "lessons.yaml"
    path.write_text(yaml.safe_dump([lesson]), encoding="utf-8")
    monkeypatch.setenv("COMMSIM_LESSONS", str(path))
    box, _ = render_route("/learn")
    (message,) = [text for text in alerts(box) if text.startswith("The lessons cannot be shown:")]
    assert f"{path}:" in message and ": 0.title: holds HTML ('<img src=x onerror=a'...)" in message
    assert_inert(box)  # the refusal, which quotes the file, is text too
    lesson["title"], lesson["story"] = "Title", f"Story {TEMPLATE}"  # no HTML left in the first fields
    path.write_text(yaml.safe_dump([lesson]), encoding="utf-8")
    learn.lessons.cache_clear()
    box, _ = render_route("/learn")
    (message,) = [text for text in alerts(box) if text.startswith("The lessons cannot be shown:")]
    assert ": 0.steps_to_try.0: holds HTML" in message
    assert_inert(box)


def test_a_lessons_file_that_does_not_check_is_reported_on_the_page(render_route, monkeypatch, tmp_path):
    path = tmp_path / "lessons.yaml"
    path.write_text("- id: Not An Id\n", encoding="utf-8")
    monkeypatch.setenv("COMMSIM_LESSONS", str(path))
    box, _ = render_route("/learn")
    (message,) = alerts(box)
    assert message.startswith(f"The lessons cannot be shown: {path}")


# ------------------------------------------------------------------ Learn and the app


def test_loading_a_lesson_opens_it_in_explore(render_route, plain_figures):
    box, rc = render_route("/learn")
    lesson = lesson_by_id("migrant_mutual_aid")
    rc.find(v.Select, label="lesson").widget.v_model = lesson.title
    assert shows(box, lesson.practice)
    button(box, "Load this lesson in Explore").click()
    assert state.scenario.value == lesson_scenario(lesson, seed=Scenario().seed)
    assert state.lesson.value == "migrant_mutual_aid"
    # the router moved to Explore, which runs the lesson and shows its steps
    assert rc.find(v.Tabs).widgets[0].v_model == 0
    assert monitor(box, "time") == "Week 0"
    assert shows(box, f"Lesson: {lesson.title}")
    assert shows(box, f"run to week {lesson.steps}")
    assert rc.find(v.TextField, label="run to week").widget.v_model == str(lesson.steps)  # offered first


def test_ticking_every_step_completes_the_lesson(render_route):
    box, rc = render_route("/learn")
    lesson = lessons()[0]
    steps = [rc.find(v.Checkbox, label=f"step {index + 1}").widget for index in range(len(lesson.steps_to_try))]
    assert not any("Lesson complete" in text for text in alerts(box))
    for checkbox in steps[:-1]:
        checkbox.v_model = True
    assert shows(box, f"({len(steps) - 1} of {len(steps)} done)")
    assert not any("Lesson complete" in text for text in alerts(box))
    steps[-1].v_model = True
    assert any(text.startswith("Lesson complete: every step is ticked") for text in alerts(box))
    assert state.lesson_progress.value == {lesson.id: frozenset(range(len(steps)))}
    steps[0].v_model = False
    assert not any("Lesson complete" in text for text in alerts(box))


def test_the_about_tab_shows_the_info_sections(render_route):
    box, _ = render_route("/learn")
    headings = [" ".join(texts(widget)) for widget in widgets(box) if isinstance(widget, v.ExpansionPanelHeader)]
    assert [heading for heading in headings if heading in INFO_SECTIONS] == list(INFO_SECTIONS)


@pytest.mark.parametrize(("path", "index"), [("/", 0), ("/compare", 1), ("/sweep", 2), ("/learn", 3), ("/x", 0)])
def test_the_url_picks_the_page_tab(path, index):
    assert app.page_index(path) == index


def test_every_page_has_a_tab_named_by_its_label(render_route, results):
    box, rc = render_route("/compare")
    tabs = [" ".join(texts(widget)) for widget in widgets(box) if isinstance(widget, v.Tab)]
    assert tabs[:4] == ["Explore", "Compare", "Sweep", "Learn"]
    assert rc.find(v.Tabs).widgets[0].v_model == 1
    assert shows(box, "Compare policy packages</h3>")


# ------------------------------------------------------------------ sessions


@pytest.mark.filterwarnings("ignore:There is no current event loop:DeprecationWarning")
def test_two_sessions_keep_their_own_scenario(monkeypatch):
    """Solara keeps a reactive per virtual kernel; two kernel contexts stand for two browser sessions."""
    monkeypatch.setattr(solara.toestand, "_using_solara_server", lambda: True)
    first = kernel_context.VirtualKernelContext(id="session-1", session_id="session-1", kernel=kernel.Kernel())
    second = kernel_context.VirtualKernelContext(id="session-2", session_id="session-2", kernel=kernel.Kernel())
    with first:
        load = lesson_by_id("putuo_centres")
        state.scenario.set(Scenario(policy="centres", n_residents=300, seed=8))
        state.lesson.set(load.id)
        state.lesson_progress.set({load.id: frozenset({0})})
    with second:
        assert state.scenario.value == Scenario()
        assert state.lesson.value is None
        assert state.lesson_progress.value == {}
        state.scenario.set(Scenario(policy="acquaintance"))
    with first:
        assert state.scenario.value == Scenario(policy="centres", n_residents=300, seed=8)
        assert state.lesson.value == "putuo_centres"
    with second:
        assert state.scenario.value.policy == "acquaintance"


def test_an_edited_lever_panel_stays_open_when_the_sidebar_is_rebuilt(render):
    _box, rc = render(Explore)
    panels = rc.find(v.ExpansionPanels).widgets
    headers = [panel for panel in panels if "Mutual-aid time bank" in repr(panel)]
    assert headers, "the time bank's panel is missing"
    headers[0].v_model = 0  # the user unfolds it
    rc.find(v.Checkbox, label="Mutual-aid time bank").widget.v_model = True  # the edit rebuilds the sidebar
    assert state.scenario.value.overrides == {"time_bank": True}
    reopened = [panel for panel in rc.find(v.ExpansionPanels).widgets if "Mutual-aid time bank" in repr(panel)]
    assert reopened[0].v_model == 0
    assert [panel.v_model for panel in rc.find(v.ExpansionPanels).widgets].count(0) == 1


def test_compare_and_sweep_keep_their_settings_across_page_changes(render):
    state.scenario.set(Scenario(policy="acquaintance", overrides={"time_bank": False}, n_residents=200, seed=5))
    _, rc = render(Compare)
    assert [choice.overrides for choice in state.kept("compare:choices").value] == [{}, {"time_bank": False}]
    slider(rc, "weeks").v_model = 26
    rc.close()
    _, again = render(Compare)
    assert slider(again, "weeks").v_model == 26
    _, sweep = render(Sweep)
    slider(sweep, "levels").v_model = 3
    sweep.close()
    _, sweep_again = render(Sweep)
    assert slider(sweep_again, "levels").v_model == 3


def test_a_finished_comparison_writes_its_report_in_the_background_under_the_folder_lock(results, monkeypatch):
    from commsim.dashboard import jobs
    from commsim.experiments.store import ExperimentStore

    spec = jobs.comparison_spec(
        [jobs.Choice("baseline", "baseline"), jobs.Choice("centres", "centres")],
        profile="old_inner_city", n_residents=200, steps=13, replicates=2, seed=3, name="compare",
    )  # fmt: skip
    held = []
    real = jobs.write_report

    def watched(plan, store, analysis):
        held.append(ExperimentStore(store.folder).in_use())
        return real(plan, store, analysis)

    monkeypatch.setattr(jobs, "write_report", watched)
    folder = results / "dashboard" / "compare-test"
    finished = jobs.run_experiment(spec, folder, report_later=True)
    assert (folder / "analysis").is_dir()  # the results are there for the page at once
    assert finished.reported.wait(POLL_TIMEOUT_S) and finished.report_problem is None
    assert finished.report.is_file() and held == [True]
