"""The Explore page: one community under one policy package, stepped live.

Built on Mesa's SolaraViz parts: :func:`mesa.visualization.solara_viz.ModelController`
gives Step, Play (▶) and Reset, and its ``update_counter`` tells the map, the plots and
the monitors to redraw after each step. The controls are commsim's own, generated from
the parameter declaration, because choosing another package must reset every lever to
that package's values (SolaraViz's fixed parameter list cannot).
"""

from __future__ import annotations

import io
import threading
import time
from typing import Any

import numpy as np
import solara
from matplotlib.figure import Figure
from mesa.visualization.solara_viz import ModelController
from mesa.visualization.utils import update_counter
from solara.alias import rv

from commsim.dashboard import state
from commsim.dashboard.controls import BoundSlider, LeverControls, PresetSelect, ResidentsSlider, SeedInput
from commsim.dashboard.learn import LessonSteps, lesson_by_id
from commsim.dashboard.mapview import COLOUR_BY, draw_map
from commsim.dashboard.markup import SafeMarkdown
from commsim.dashboard.settings import LIMITS, LimitError, Scenario, error_text
from commsim.model import CommunityModel
from commsim.runs.figures import GROUP_PANELS, LOOP_PANELS, panel_title
from commsim.runs.labels import format_metric, metric_label, unit_label

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
LIVE_PANELS = (LOOP_PANELS[0], LOOP_PANELS[1], GROUP_PANELS[0], LOOP_PANELS[2])
PLAY_INTERVAL_MS = 50


class LiveModel(CommunityModel):
    """A :class:`CommunityModel` stepped no faster than the page can draw it.

    When playing, Mesa's controller steps the model in a worker thread while the page
    redraws. A step waits until the previous week has been drawn (:attr:`drawn`, set by
    the page once its figures are committed) and holds :attr:`lock` while it runs, so
    the page always reads one whole week and every week is shown: the step-to-paint
    loop, not a timer, sets the pace.
    """

    #: Longest wait for the page to draw the previous week (a closed page never draws).
    DRAW_WAIT_S = 5.0

    def __init__(self, *, rng: int | None = None, scenario: Any = None, **kwargs: Any) -> None:
        # Mesa's Reset rebuilds the model as ``type(model)(**kwargs)``, moving every parameter
        # that its ``Scenario`` declares and this signature does not into a ``Scenario``: ``rng``
        # is one. Naming ``rng`` here keeps the seed a keyword; a seed that still arrives
        # inside the scenario is taken from there. Every other parameter is a keyword.
        if rng is None:
            rng = getattr(scenario, "rng", None)
        self.lock = threading.RLock()
        self.drawn = threading.Event()
        self.drawn.set()
        super().__init__(rng=rng, **kwargs)

    def step(self) -> None:
        """Advance one week once the previous one is drawn, holding the lock."""
        self.drawn.wait(self.DRAW_WAIT_S)
        with self.lock:
            super().step()
            self.drawn.clear()


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


class LivePlots:
    """Four panels of the participation loop whose lines are updated in place week by week.

    Building axes, ticks and legends is most of the cost of a redraw, so a page keeps one
    figure and only moves its lines; the figure is encoded before the next week starts.
    """

    def __init__(self) -> None:
        self.figure = Figure(figsize=(8.4, 5.6), dpi=72)
        self.figure.subplots_adjust(left=0.08, right=0.98, bottom=0.08, top=0.94, hspace=0.38, wspace=0.22)
        self.lines: list[tuple[Any, str, Any]] = []
        for axis, panel in zip(self.figure.subplots(2, 2).flat, LIVE_PANELS, strict=True):
            for metric in panel.metrics:
                (line,) = axis.plot([], [], linewidth=1.5, label=metric_label(metric))
                self.lines.append((axis, metric, line))
            axis.set_title(panel_title(panel), fontsize=10)
            axis.set_ylabel(unit_label(panel.unit), fontsize=8)
            axis.tick_params(labelsize=8)
            axis.grid(alpha=0.3)
            axis.legend(fontsize=7, loc="upper left", framealpha=0.8)

    def draw(self, model: CommunityModel) -> Figure:
        """Show the run so far.

        Args:
            model: The model (read, not changed).

        Returns:
            The updated figure.
        """
        collected = model.datacollector.model_vars
        weeks = min(len(values) for values in collected.values())
        steps = np.arange(weeks)
        for _, metric, line in self.lines:
            line.set_data(steps, collected[metric][:weeks])
        for axis in {axis for axis, _, _ in self.lines}:
            axis.relim()
            axis.autoscale_view(scalex=False)
            axis.set_xlim(0, max(weeks - 1, 10))
        return self.figure


def png(figure: Figure) -> bytes:
    """A figure encoded as PNG."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def draw_live_plots(model: CommunityModel, plots: LivePlots | None = None) -> Figure:
    """Draw the four live panels of a model, into ``plots`` (kept by the page) or a new figure."""
    return (plots or LivePlots()).draw(model)


@solara.component
def Monitor(label: str, value: str, *, highlight: bool = False):
    """One monitor: a small label above a large number."""
    style = {"min-width": "128px", "padding": "6px 10px"} | ({"background": "#e8f0fe"} if highlight else {})
    with solara.Card(margin=0, style=style), solara.Column(gap="0px"):
        solara.Text(label, style={"font-size": "0.72rem", "color": "#555"})
        solara.Text(value, style={"font-size": "1.3rem", "font-weight": "bold"})


@solara.component
def Monitors(model: LiveModel):
    """Current numbers, one small card each, and the week."""
    update_counter.get()
    with model.lock:
        week, values = model.steps, monitor_values(model)
    with solara.Row(style={"flex-wrap": "wrap", "gap": "6px"}):
        Monitor("time", f"Week {week}", highlight=True)
        for label, value in values.items():
            Monitor(label, value)


@solara.component
def MapAndPlots(model: LiveModel, colour_by: str, show_ties: bool):
    """The map and the live plots, redrawn after every step; the drawing time is shown."""
    update_counter.get()
    plots = solara.use_memo(LivePlots, [])
    started = time.perf_counter()
    with model.lock:  # drawn and encoded before the next week may start
        images = [
            png(draw_map(model, colour_by=colour_by, show_ties=show_ties)),
            png(draw_live_plots(model, plots)),
        ]
    solara.use_effect(model.drawn.set, None)  # after every committed drawing
    with solara.Row(style={"flex-wrap": "wrap"}):
        for image in images:
            solara.Image(image)
    solara.Text(
        f"{len(model.residents):,} residents · drawn in {1000 * (time.perf_counter() - started):.0f} ms",
        style={"font-size": "0.7rem", "color": "#888"},
    )


@solara.component
def ColourToggle(value: str, on_value):
    """Buttons choosing what colours the map; an index the browser sends that names no button is ignored.

    (Solara's ``ToggleButtonsSingle`` looks such an index up unchecked.)
    """
    names = list(COLOUR_BY)

    def choose(index: Any) -> None:
        if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(names):
            on_value(names[index])

    with rv.BtnToggle(v_model=names.index(value), on_v_model=choose, mandatory=True, multiple=False):
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


@solara.component
def Explore():
    """The Explore page."""
    scenario = state.scenario.value
    first = solara.use_memo(lambda: _try_build(scenario), [])
    built_for = solara.use_ref(repr(scenario))
    model = solara.use_reactive(first[0])
    error = solara.use_reactive(first[1])
    model_parameters = solara.use_reactive(scenario.model_kwargs())
    colour_by = solara.use_reactive("participation")
    show_ties = solara.use_reactive(False)
    play_interval = solara.use_reactive(PLAY_INTERVAL_MS)
    render_interval = solara.use_reactive(1)
    use_threads = solara.use_reactive(False)
    refused = solara.use_reactive(None)

    def set_pause(value: Any) -> None:
        try:
            play_interval.set(LIMITS.play_pause_ms.check(value))
        except LimitError as problem:
            refused.set(str(problem))
        else:
            refused.set(None)

    def set_colour_by(value: str) -> None:
        colour_by.set(value)

    def rebuild() -> None:
        if built_for.current == repr(state.scenario.value):
            return  # built already (on mount)
        built_for.current = repr(state.scenario.value)
        built, problem = _try_build(state.scenario.value)
        error.set(problem)
        if built is not None:
            model.set(built)
            model_parameters.set(state.scenario.value.model_kwargs())

    solara.use_effect(rebuild, [repr(scenario)])

    with solara.Sidebar():
        with solara.Card("Run"):
            if model.value is not None:
                ModelController(
                    model,
                    model_parameters=model_parameters,
                    play_interval=play_interval,
                    render_interval=render_interval,
                    use_threads=use_threads,
                )
            BoundSlider(LIMITS.play_pause_ms, play_interval.value, set_pause, step=10)
            if refused.value:
                solara.Warning(f"Refused: {refused.value}")
        if state.lesson.value:
            lesson = lesson_by_id(state.lesson.value)
            with solara.Card(f"Lesson: {lesson.title}", subtitle=f"run to week {lesson.steps}"):
                LessonSteps(lesson)
        with solara.Card("Scenario"):
            ScenarioControls(scenario, state.scenario.set)

    if error.value:
        solara.Error(f"This scenario cannot run: {error.value}")
    if model.value is None:
        return
    Monitors(model.value)
    with solara.Row():
        ColourToggle(colour_by.value, set_colour_by)
        solara.Checkbox(
            label="show ties across buildings", value=show_ties.value, on_value=lambda on: show_ties.set(on is True)
        )
    MapAndPlots(model.value, colour_by.value, show_ties.value)


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
