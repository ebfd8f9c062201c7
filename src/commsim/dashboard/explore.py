"""The Explore page: one community under one policy package, stepped live.

The run is commsim's own (:mod:`commsim.dashboard.playback`: Reset, Step, Play and "run
to week N"); the map and the plots are Plotly figures drawn in the browser and moved week
by week (:mod:`commsim.dashboard.mapview`, :mod:`commsim.dashboard.charts`). The live
model and the view are kept in the browser session's state (:mod:`commsim.dashboard.state`),
so leaving the page and coming back shows the same week. The controls are generated from
the parameter declaration, because choosing another package must reset every lever to
that package's values.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import solara
from solara.alias import rv

from commsim.dashboard import state
from commsim.dashboard.charts import DOWNLOAD_CONFIG, live_figure, live_table, update_live
from commsim.dashboard.controls import BoundSlider, LeverControls, PresetSelect, ResidentsSlider, SeedInput
from commsim.dashboard.learn import LessonSteps, lesson_by_id
from commsim.dashboard.links import read_query, run_config_yaml, scenario_query
from commsim.dashboard.mapview import (
    COLOUR_BY,
    MAP_SIZE,
    building_residents,
    circles_note,
    map_figure,
    update_map,
)
from commsim.dashboard.markup import SafeMarkdown
from commsim.dashboard.playback import LiveModel, Playback, weeks_to
from commsim.dashboard.settings import LIMITS, Bound, LimitError, Scenario, error_text
from commsim.lessons import Lesson
from commsim.model import CommunityModel
from commsim.runs.labels import format_metric, metric_label

# The monitors' metrics, as NetLogo shows current numbers (labels and units from their declarations).
MONITORS = (
    "rate_any",
    "rate_activities",
    "rate_deliberation",
    "rate_mutual_aid",
    "activity_rate_elderly",
    "mean_belonging",
    "mean_trust",
    "volunteers_active",
    "cross_building_ties",
    "coverage_15min",
)
PLAY_PAUSE_MS = 0
DRAW_EVERY = Bound("weeks per drawing while playing", 1, 26)


@dataclass(frozen=True, slots=True)
class ExploreView:
    """What the Explore page shows besides the run: kept per session across page changes.

    Attributes:
        colour_by: What colours the buildings (a key of ``COLOUR_BY``).
        show_ties: Whether the ties across buildings are drawn.
        whole_circles: Whether the map zooms out to the whole walking circles.
        building: The building the inspector shows, if any.
        pause_ms: Pause after each drawing while playing.
        draw_every: Weeks run between two drawings while playing (1 draws every week).
    """

    colour_by: str = "participation"
    show_ties: bool = False
    whole_circles: bool = False
    building: int | None = None
    pause_ms: int = PLAY_PAUSE_MS
    draw_every: int = 1


def build_model(scenario: Scenario) -> LiveModel:
    """Build the model of a scenario (raises ConfigError on a value the model rejects)."""
    scenario.check()
    return LiveModel(**scenario.model_kwargs())


def monitor_values(model: CommunityModel) -> dict[str, str]:
    """The monitors' current numbers, formatted, from the model's latest collected row."""
    latest = {name: values[-1] for name, values in model.datacollector.model_vars.items() if values}
    shown = {}
    for metric in MONITORS:
        shown[metric_label(metric, model.p)] = format_metric(metric, latest.get(metric, np.nan))
    return shown


def current_view() -> ExploreView:
    """The session's Explore view (the defaults before the page was first shown)."""
    view = state.explore_view.value.get("view")
    return view if isinstance(view, ExploreView) else ExploreView()


def set_view(**changes: Any) -> None:
    """Change the session's Explore view."""
    state.explore_view.set({"view": replace(current_view(), **changes)})


@solara.component_vue("vue/monitors.vue")
def MonitorCards(monitors: list[list[str]]):
    """The monitors as one widget drawn in the browser: a small label above a large number, the week first.

    One widget and one message per drawn week, where a card per monitor would cost a
    widget update (and a round trip through the server's event loop) each.
    """


@solara.component
def Monitors(model: LiveModel, drawn: solara.Reactive[int]):
    """Current numbers, one small card each, and the week (redrawn whenever ``drawn`` moves)."""
    _ = drawn.value
    with model.lock:
        week, values = model.steps, monitor_values(model)
    MonitorCards(monitors=[["time", f"Week {week}"], *([label, value] for label, value in values.items())])


@solara.component
def PlotlyView(widget, *, classes: list[str] | None = None):
    """A Plotly figure widget the page keeps and moves, placed in the page."""
    return solara.Column(children=[widget], classes=classes or [], style={"min-width": "0"})


@solara.component
def MapAndPlots(model: LiveModel, drawn: solara.Reactive[int], view: ExploreView, lesson: Lesson | None):
    """The map, a loaded lesson's checklist and the inspector, and the live plots; moved after every drawn week."""
    week = drawn.value

    def make_map():
        figure = map_figure(
            model,
            colour_by=view.colour_by,
            show_ties=view.show_ties,
            whole_circles=view.whole_circles,
            on_building=lambda building: set_view(building=building),
        )
        return _with_config(figure)

    map_widget = solara.use_memo(make_map, [model, view.colour_by, view.whole_circles])
    plots = solara.use_memo(lambda: _with_config(live_figure(model.p)), [model])
    timing = solara.use_ref(0.0)

    def draw() -> None:
        started = time.perf_counter()
        with model.lock:  # the page reads one whole week
            update_map(map_widget, model, colour_by=view.colour_by, show_ties=view.show_ties)
            update_live(plots, model)
        timing.current = 1000 * (time.perf_counter() - started)
        model.drawn.set()

    solara.use_effect(draw, [week, map_widget, plots, view.show_ties])
    with solara.Row(style={"flex-wrap": "wrap", "align-items": "flex-start"}, gap="8px"):
        with solara.Column(gap="0px", style={"width": f"{MAP_SIZE[0]}px"}):
            PlotlyView(map_widget, classes=["commsim-map"])
            solara.Text(circles_note(model), style={"font-size": "0.75rem", "color": "#555"})
        # Beside the map: a loaded lesson's checklist (scrolled within a third of the window), then the inspector.
        with solara.Column(gap="8px", style={"flex": "1 1 300px", "min-width": "0"}):
            if lesson is not None:
                title, subtitle = f"Lesson: {lesson.title}", f"run to week {lesson.steps}"
                scrolled = {"max-height": "33vh", "overflow-y": "auto"}
                with (
                    solara.Card(title, subtitle=subtitle, margin=0),
                    solara.Column(classes=["commsim-lesson"], style=scrolled),
                ):
                    LessonSteps(lesson)
            with solara.Card("Inspector", margin=0, style={"overflow-x": "auto"}):
                Inspector(model, drawn, view.building)
    PlotlyView(plots, classes=["commsim-plots"])
    with solara.Row(style={"align-items": "center"}):
        solara.FileDownload(lambda: _csv(model), filename="explore_timeseries.csv", label="Download data (CSV)")
        solara.Text(
            f"{len(model.residents):,} residents · drawn in {timing.current:.0f} ms on the server",
            style={"font-size": "0.7rem", "color": "#888"},
        )


def _with_config(figure):
    figure._config = DOWNLOAD_CONFIG  # the toolbar's camera saves SVG
    return figure


def _csv(model: LiveModel) -> bytes:
    with model.lock:
        return live_table(model).to_csv(index=False).encode()


@solara.component
def Inspector(model: LiveModel, drawn: solara.Reactive[int], building: int | None):
    """A building's residents and their state, as NetLogo's agent inspector shows them."""
    _ = drawn.value
    if building is None or not 0 <= building < model.layout.n_buildings:
        solara.Text("Click a building on the map to inspect its residents.", style={"color": "#666"})
        return
    with model.lock:
        table = building_residents(model, building)
    with solara.Row(style={"align-items": "center"}):
        SafeMarkdown(f"**Building {building}**: {len(table)} residents, week {model.steps}")
        solara.Button("Close", text=True, on_click=lambda: set_view(building=None))
    solara.DataFrame(table, items_per_page=10)


@solara.component
def ColourToggle(value: str, on_value):
    """Buttons choosing what colours the map; an index the browser sends that names no button is ignored.

    (Solara's ``ToggleButtonsSingle`` looks such an index up unchecked.)
    """
    names = list(COLOUR_BY)

    def choose(index: Any) -> None:
        if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(names):
            on_value(names[index])

    with rv.BtnToggle(v_model=names.index(value), on_v_model=choose, mandatory=True, multiple=False, dense=True):
        for name in names:
            solara.Button(label=name)


@solara.component
def ScenarioControls(scenario: Scenario, on_scenario):
    """Profile, package, residents, seed and every lever of the Explore page."""

    def update(**changes: Any) -> None:
        on_scenario(Scenario(**{**_fields(scenario), **changes}))

    PresetSelect("community profile", "profile", scenario.profile, lambda value: update(profile=value))
    PresetSelect("policy package", "policy", scenario.policy, lambda value: on_scenario(scenario.with_package(value)))
    ResidentsSlider(scenario.n_residents, lambda value: update(n_residents=value))
    SeedInput(scenario.seed, lambda value: update(seed=value))
    if scenario.overrides:
        with solara.Row():
            solara.Text(f"{len(scenario.overrides)} lever setting(s) edited")
            solara.Button("Back to the package", text=True, on_click=lambda: update(overrides={}))
    SafeMarkdown("**Levers** (changing one restarts the run at week 0)")
    LeverControls(
        scenario.profile,
        scenario.policy,
        scenario.overrides,
        lambda name, value: on_scenario(scenario.with_lever(name, value)),
    )


def live_run(scenario: Scenario, kept: tuple[str, Any] | None) -> tuple[LiveModel | None, str | None]:
    """The live model of a scenario and its error: the one kept if built for it, else a new one.

    A scenario that cannot run keeps the last good model beside its reason.
    """
    if kept is not None and kept[0] == repr(scenario):
        return kept[1]
    built, problem = _try_build(scenario)
    if built is None and kept is not None:
        built = kept[1][0]
    return built, problem


@solara.component_vue("vue/address.vue")
def AddressBar(query: str | None):
    """Writes ``query`` into the browser's address bar in place (no new history entry, no server round trip)."""


@solara.component
def AddressKeeper(model: LiveModel, scenario: Scenario, drawn: solara.Reactive[int], playing: solara.Reactive[bool]):
    """Writes the scenario and its week into the page's address whenever the run stands still.

    It alone reads the drawn-week counter and the play state, so keeping the address up to
    date redraws nothing else. The address is written in the browser: going through the
    server's router would redraw the whole app on every step.
    """
    week = drawn.value
    still = not playing.value
    with model.lock:
        query = scenario_query(scenario, model.steps) if still else None

    def remember() -> None:
        if query is not None:  # the page's own address: not a link to open again
            state.explore_link.set(query)

    solara.use_effect(remember, [query, week])
    AddressBar(query=query)


def open_link(search: str | None) -> str | None:
    """Load the scenario an address names into the session (once per address); return why it is refused."""
    if not search or search == state.explore_link.value:
        return None
    state.explore_link.set(search)
    try:
        named = read_query(search)
    except LimitError as problem:
        return f"The link cannot be opened: {problem}"
    if named is not None:
        state.scenario.set(named[0])
        state.explore_pending_week.set(named[1] or None)
    return None


@solara.component
def Explore():
    """The Explore page."""
    router = solara.use_router()
    link_problem = solara.use_memo(lambda: open_link(router.search), [])
    scenario = state.scenario.value
    kept = state.explore_run.value
    run = solara.use_memo(lambda: live_run(scenario, kept), [repr(scenario), id(kept)])
    model, error = run

    def keep() -> None:
        if state.explore_run.value is None or state.explore_run.value[1] is not run:
            state.explore_run.set((repr(scenario), run))

    solara.use_effect(keep, [id(run)])
    view = current_view()
    drawn = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    refused = solara.use_reactive(None)

    def redraw() -> None:
        drawn.set(drawn.value + 1)

    solara.use_effect(lambda: run_to_linked_week(model, scenario, redraw), [id(model)])

    with solara.Sidebar():
        with solara.Card("Run"):
            _run_controls(model, scenario, view, redraw, playing, refused)
        with solara.Card("Scenario"):
            ScenarioControls(scenario, state.scenario.set)

    if link_problem:
        solara.Warning(link_problem)
    if error:
        solara.Error(f"This scenario cannot run: {error}")
    if model is None:
        return
    AddressKeeper(model, scenario, drawn, playing)
    # The counter is read only by the parts it redraws, so a drawn week leaves the sidebar alone.
    Monitors(model, drawn)
    _view_toggles(view)
    MapAndPlots(model, drawn, view, lesson_by_id(state.lesson.value) if state.lesson.value else None)


def run_to_linked_week(model: LiveModel | None, scenario: Scenario, redraw: Callable[[], None]) -> None:
    """Run a model just built from a link to the week the link names (once), if it still shows that scenario."""
    week = state.explore_pending_week.value
    if model is None or week is None or repr(state.scenario.value) != repr(scenario):
        return
    state.explore_pending_week.set(None)
    model.advance(weeks_to(model, week))
    redraw()


def reset_run() -> None:
    """Rebuild the session's model from the scenario shown (a scenario that cannot build keeps the old one)."""
    built, problem = _try_build(state.scenario.value)
    if built is not None:
        state.explore_run.set((repr(state.scenario.value), (built, problem)))


def checked_view(bound: Bound, field: str, refused: solara.Reactive[str | None]) -> Callable[[Any], None]:
    """A control's callback that sets one view field within ``bound``, or says in ``refused`` why not."""

    def accept(value: Any) -> None:
        try:
            set_view(**{field: bound.check(value)})
        except LimitError as problem:
            refused.set(str(problem))
        else:
            refused.set(None)

    return accept


def _run_controls(
    model: LiveModel | None,
    scenario: Scenario,
    view: ExploreView,
    redraw: Callable[[], None],
    playing: solara.Reactive[bool],
    refused: solara.Reactive[str | None],
) -> None:
    """The Run card's content: the playback buttons, the play speed, the export and any refusal."""
    if model is not None:
        lesson_weeks = lesson_by_id(state.lesson.value).steps if state.lesson.value else 104
        Playback(
            model,
            redraw,
            reset_run,
            playing=playing,
            draw_every=view.draw_every,
            pause_ms=view.pause_ms,
            run_to_week=lesson_weeks,
        ).key(f"playback-{lesson_weeks}")
    BoundSlider(LIMITS.play_pause_ms, view.pause_ms, checked_view(LIMITS.play_pause_ms, "pause_ms", refused), step=10)
    BoundSlider(DRAW_EVERY, view.draw_every, checked_view(DRAW_EVERY, "draw_every", refused))
    if model is not None:
        solara.FileDownload(
            lambda: run_config_yaml(scenario, model.steps).encode(),
            filename="explore_scenario.yaml",
            label="Export as a run config",
        )
    if refused.value:
        solara.Warning(f"Refused: {refused.value}")


def _view_toggles(view: ExploreView) -> None:
    """The row above the map: what colours the residents, ties across buildings, whole walking circles."""
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        ColourToggle(view.colour_by, lambda value: set_view(colour_by=value))
        solara.Checkbox(
            label="show ties across buildings",
            value=view.show_ties,
            on_value=lambda on: set_view(show_ties=on is True),
        )
        solara.Checkbox(
            label="whole walking circles",
            value=view.whole_circles,
            on_value=lambda on: set_view(whole_circles=on is True),
        )


def _try_build(scenario: Scenario) -> tuple[LiveModel | None, str | None]:
    try:
        return build_model(scenario), None
    except Exception as error:  # shown in the page; the server keeps serving
        return None, error_text(error)


def _fields(scenario: Scenario) -> dict[str, Any]:
    return {
        "profile": scenario.profile,
        "policy": scenario.policy,
        "overrides": dict(scenario.overrides),
        "n_residents": scenario.n_residents,
        "seed": scenario.seed,
    }
