"""The Sweep page: one or two levers over a grid through the experiment runner, and past experiments.

A sweep runs in a background thread and is written like any ``commsim sweep``; when it
finishes the page shows a response curve (one lever) or a heatmap (two) with 95%
intervals. The browser below lists the experiment folders under ``results/`` that this
session may open: command-line experiments, and the comparisons and sweeps this browser
session started (see :func:`commsim.dashboard.history.visible_to`); under it, the shipped
records of ``docs/reports/`` (their reports and figures, read only).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import solara
from markupsafe import Markup

from commsim.config.paths import shipped_reports
from commsim.config.yaml_files import ConfigError
from commsim.dashboard import state
from commsim.dashboard.background import (
    ReportStatus,
    SmallSampleWarning,
    job_outcome,
    run_button,
    use_background_experiment,
)
from commsim.dashboard.compare import ComparisonResult
from commsim.dashboard.controls import SLIDER_ROOM, BoundSlider, PresetSelect, run_size_controls
from commsim.dashboard.history import (
    figure_bytes,
    interactive_view,
    past_experiments,
    readable_report,
    reopen,
    report_figures,
)
from commsim.dashboard.jobs import Finished, SweepFactor, check_size, plan_size, response_table, sweep_spec
from commsim.dashboard.markup import SafeHTML, SafeMarkdown
from commsim.dashboard.result_charts import figure_widget, response_figure
from commsim.dashboard.settings import (
    LIMITS,
    error_text,
    lever_bound,
    numeric_levers,
    results_root,
)
from commsim.dashboard.state import session_owner
from commsim.experiments.designs import FactorSpace
from commsim.experiments.spec import ExperimentSpec
from commsim.runs.labels import KEY_METRICS, format_parameter_value, metric_label, parameter_heading

SHOWN_METRICS = tuple(metric for metric in KEY_METRICS[:12])


def response_chart(result: Finished, metric: str):
    """The figure of a finished sweep's window outcome of ``metric`` against its levers."""
    factors = [factor.name for factor in result.plan.spec.factors]
    table = response_table(result.analysis, metric).merge(result.plan.design, on="point", how="left")
    return figure_widget(response_figure(table, factors, metric, result.plan.spec.analysis.window))


@solara.component
def ResponseChart(result: Finished, metric: str):
    """A sweep's response curve or heatmap, drawn in the browser; rebuilt only for another sweep or metric."""
    chart = solara.use_memo(lambda: response_chart(result, metric), [str(result.folder), metric])
    solara.Column(children=[chart], style={"min-width": "0"})


@solara.component
def FactorControls(index: int, name: str, low: float, high: float, levels: int, on_factor):
    """One lever factor: which parameter, its range within the declared bounds, and the grid levels.

    What the controls receive is passed on unchecked: the sweep is checked as a whole
    (:func:`commsim.dashboard.jobs.sweep_spec`) before it can start.
    """
    specs = {spec.name: spec for spec in numeric_levers()}
    spec = specs.get(name) or specs["n_centres"]
    bound = lever_bound(spec)

    def choose(chosen) -> None:
        if chosen in specs:  # any other name from a browser is ignored
            chosen_bound = lever_bound(specs[chosen])
            on_factor(chosen, chosen_bound.low, chosen_bound.high, levels)

    titles = {parameter_heading(spec_name): spec_name for spec_name in specs}
    solara.Select(
        f"lever {index + 1}",
        values=list(titles),
        value=parameter_heading(spec.name),
        on_value=lambda title: choose(titles.get(title, title)),
    )
    solara.Text(spec.help, style={"font-size": "0.75rem", "color": "#666"})
    slider = solara.SliderRangeInt if bound.integer else solara.SliderRangeFloat
    step = 1 if bound.integer else round((bound.high - bound.low) / 100, 6) or 0.01

    def choose_range(pair) -> None:
        try:
            chosen_low, chosen_high = pair
        except (TypeError, ValueError):  # not a pair: refused by the sweep's check
            chosen_low = chosen_high = pair
        on_factor(name, chosen_low, chosen_high, levels)

    with solara.Column(style=SLIDER_ROOM, gap="30px"):
        slider(
            "range",
            value=(bound.shown(low), bound.shown(high)),
            min=bound.low,
            max=bound.high,
            step=step,
            on_value=choose_range,
            thumb_label="always",
        )
    BoundSlider(LIMITS.sweep_levels, levels, lambda chosen: on_factor(name, low, high, chosen))
    solara.Text(levels_text(spec, low, high, levels), style={"font-size": "0.8rem"})


def levels_text(spec, low: float, high: float, levels: int) -> str:
    """The values a factor will run at, as the design draws them (whole numbers for a whole-number lever)."""
    bound = lever_bound(spec)
    space = FactorSpace(
        spec.name, (spec.name,), spec.type, low=bound.shown(low), high=bound.shown(high), grid_levels=levels
    )
    try:
        values = space.discrete_levels()
    except (TypeError, ValueError):
        return ""
    shown = ", ".join(format_parameter_value(spec.name, value) for value in values)
    merged = levels - len(values)
    note = f" ({merged} repeated whole-number level{'s' if merged != 1 else ''} dropped)" if merged > 0 else ""
    return f"Runs at: {shown}{note}"


def sweep_size(make_spec: Callable[[], ExperimentSpec]) -> tuple[int, int, str | None]:
    """The grid points and runs of the sweep ``make_spec`` builds, and why it cannot run (None if it can)."""
    try:
        spec = make_spec()
        points, runs = plan_size(spec)
    except Exception as error:  # shown in the page instead of a Run button that cannot work
        return 0, 0, error_text(error)
    try:
        check_size(spec, runs)
    except Exception as error:
        return points, runs, error_text(error)
    return points, runs, None


def run_label(points: int, runs: int, replicates: object) -> str:
    """The Run button's label with the sweep's size; a sweep that cannot be planned has none (a warning says why)."""
    shown = LIMITS.sweep_replicates.shown(replicates)
    each = f"{shown} replicate{'s' if shown != 1 else ''}"
    return f"Run sweep ({points} points × {each} = {runs} runs)" if runs else "Run sweep"


@solara.component
def Sweep():
    """The Sweep page."""
    scenario = state.scenario.value
    profile = state.use_kept("sweep:profile", scenario.profile)
    policy = state.use_kept("sweep:policy", scenario.policy)
    n_residents = state.use_kept("sweep:residents", min(LIMITS.sweep_residents.shown(scenario.n_residents), 1000))
    steps = state.use_kept("sweep:steps", 52)
    replicates = state.use_kept("sweep:replicates", 3)
    seed = state.use_kept("sweep:seed", 20261122)
    two = state.use_kept("sweep:two", False)
    first = state.use_kept("sweep:first", ("n_centres", 1.0, 5.0, 5))
    second = state.use_kept("sweep:second", ("leader_coverage", 0.0, 1.0, 3))
    metric = state.use_kept("sweep:metric", "rate_any")
    opened = solara.use_reactive(None)
    opened_record = solara.use_reactive(None)

    factors = [SweepFactor(*first.value)] + ([SweepFactor(*second.value)] if two.value else [])

    def make_spec():
        return sweep_spec(
            factors,
            profile=profile.value,
            policy=policy.value,
            overrides={},
            n_residents=n_residents.value,
            steps=steps.value,
            replicates=replicates.value,
            seed=seed.value,
            name="sweep",
        )

    settings = (
        repr(factors),
        profile.value,
        policy.value,
        n_residents.value,
        steps.value,
        replicates.value,
        seed.value,
    )
    points, runs, invalid = solara.use_memo(lambda: sweep_size(make_spec), list(settings))

    job = use_background_experiment("sweep", make_spec, runs)

    with solara.Sidebar(), solara.Card("Community and runs"):
        PresetSelect("community profile", "profile", profile.value, profile.set)
        PresetSelect("policy package", "policy", policy.value, policy.set)
        run_size_controls(
            n_residents,
            steps,
            replicates,
            seed,
            residents=LIMITS.sweep_residents,
            replicates_bound=LIMITS.sweep_replicates,
        )

    SafeMarkdown(
        "### Sweep one or two levers\n"
        "Each grid point runs with the same replicate seeds under the chosen package; the curve or heatmap "
        "shows the mean over the last year (or the whole run if shorter) with its 95% interval."
    )
    with solara.Row(style={"flex-wrap": "wrap", "align-items": "flex-start"}):
        with solara.Card("First lever", style={"min-width": "300px"}):
            FactorControls(0, *first.value, lambda *value: first.set(tuple(value)))
        with solara.Card("Second lever", style={"min-width": "300px"}):
            solara.Checkbox(
                label="vary a second lever (heatmap)", value=two.value, on_value=lambda on: two.set(on is True)
            )
            if two.value:
                FactorControls(1, *second.value, lambda *value: second.set(tuple(value)))
    with solara.Row():
        run_button(job, run_label(points, runs, replicates.value), invalid)
    result = job_outcome(job, "sweep", invalid)
    if result is not None:
        _sweep_result(result, metric)

    newest = job.finished.value  # the last sweep finished, shown or not
    PastExperiments(opened, str(newest.folder) if newest is not None else "")
    ShippedRecords(opened_record)


def _sweep_result(result: Finished, metric: solara.Reactive[str]) -> None:
    """A finished sweep: the metric to show, its response curve or heatmap, where it is saved."""
    names = {metric_label(name): name for name in SHOWN_METRICS}
    solara.Select(
        "metric shown",
        values=list(names),
        value=metric_label(metric.value),
        on_value=lambda text: metric.set(names.get(text, metric.value)),
    )
    SmallSampleWarning(result.plan.spec.replicates)
    ResponseChart(result, metric.value)
    ReportStatus(result)


@solara.component
def PastExperiments(opened: solara.Reactive, newest: str):
    """The experiment folders under ``results/`` this session may open; one can be opened to read its report.

    The list is made on the server for this session (:func:`commsim.dashboard.history.past_experiments`),
    and only a name on it can be opened, whatever name the browser sends.
    """
    root = results_root()
    owner = session_owner()
    # Listed again when one is opened: a report written in the background since is then found.
    found = solara.use_memo(lambda: past_experiments(root, owner), [newest, str(root), owner, opened.value])
    SafeHTML(Markup("<h3>Past experiments in <code>{}</code></h3>").format(root))
    if not found:
        solara.Text("No experiment folders yet.")
        return
    ExperimentBrowser(found, opened, "open an experiment", root, drawn_again=True)


@solara.component
def ShippedRecords(opened: solara.Reactive):
    """The experiments shipped with commsim in ``docs/reports/``: their reports and figures, to read.

    Listed like the past experiments (:func:`commsim.dashboard.history.past_experiments`, with
    ``docs/reports/`` as the root every file must lie in); only a name on the list opens, and
    nothing there is written. Their charts are not drawn again: no shipped record is both a
    sweep the page draws and shipped with its data. Absent when commsim runs outside a checkout.
    """
    root = shipped_reports()
    found = solara.use_memo(lambda: past_experiments(root, session_owner()) if root.is_dir() else [], [str(root)])
    if not found:
        return
    SafeHTML(Markup("<h3>Shipped records in <code>{}</code></h3>").format(root))
    solara.Text(
        "The experiments behind commsim's documentation and validation record, as shipped: their reports "
        "and figures. To explore one further, run it yourself (commsim sweep experiments/NAME.yaml)."
    )
    ExperimentBrowser(found, opened, "open a shipped record", root, drawn_again=False)


@solara.component
def ExperimentBrowser(found: list[dict], opened: solara.Reactive, label: str, root: Path, *, drawn_again: bool):
    """A list of experiments to open by name, and the one opened.

    Only a name on ``found`` opens, whatever the browser sends. The opened one shows its
    report, its figures and, if ``drawn_again``, the button that draws its charts again;
    with none opened, the first 12 are listed.
    """
    names = [entry["name"] for entry in found]
    solara.Select(label, values=names, value=opened.value if opened.value in names else None, on_value=opened.set)
    chosen = next((entry for entry in found if entry["name"] == opened.value), None)
    if chosen is None:
        for entry in found[:12]:
            solara.Text(f"{entry['name']} — {entry['runs']} runs — {entry['description'][:140]}")
        return
    if drawn_again:
        ReopenedCharts(chosen["folder"], root)
    ExperimentReport(chosen["folder"], chosen["report"], root)


@solara.component
def ReopenedCharts(folder: Path, root: Path):
    """A past comparison's or sweep's charts and tables drawn again, on request, from its stored data."""
    shown = solara.use_reactive(False)
    metric = solara.use_reactive(SHOWN_METRICS[0])
    solara.use_effect(lambda: shown.set(False), [str(folder)])
    wanted = shown.value
    finished, problem = solara.use_memo(
        lambda: _reopened(folder, root) if wanted else (None, None), [str(folder), wanted]
    )
    if not wanted:
        solara.Button("Draw its charts again", icon_name="mdi-chart-line", text=True, on_click=lambda: shown.set(True))
    elif problem is not None:
        solara.Warning(f"Its charts cannot be drawn again: {problem}")
    elif interactive_view(finished.plan) == "comparison":
        ComparisonResult(finished)
    else:
        _sweep_result(finished, metric)


def _reopened(folder: Path, root: Path) -> tuple[Finished | None, str | None]:
    try:
        return reopen(folder, root), None
    except (ConfigError, ValueError, OSError) as error:
        return None, error_text(error)


@solara.component
def ExperimentReport(folder: Path, report: Path | None, root: Path):
    """An experiment's report text and its figures, read only from inside ``root`` and only up to the limits."""
    text, problem = solara.use_memo(lambda: _read_report(report, root), [str(report)])
    figures = solara.use_memo(lambda: _read_figures(folder, root), [str(folder), str(report)])  # again once written
    if report is None:
        solara.Warning(
            f"{folder.name} has no report.md that can be shown: none has been written yet "
            "(`commsim report` writes it), or it is not a regular file inside the folder."
        )
    elif problem is not None:
        solara.Warning(f"The report of {folder.name} cannot be shown: {problem}")
    else:
        SafeMarkdown(text)
    for name, content in figures:
        solara.Text(name, style={"font-weight": "bold"})
        solara.Image(content, width="100%")


def _read_figures(folder: Path, root: Path) -> list[tuple[str, bytes]]:
    """The figures that may be shown, each read once through the checks of ``figure_bytes``.

    The bytes go to the page, not the path: a file swapped for a link out after it was
    listed is refused when read, not followed.
    """
    found = []
    for figure in report_figures(folder, root):
        try:
            found.append((figure.name, figure_bytes(figure, root)))
        except OSError:
            continue
    return found


def _read_report(report: Path | None, root: Path) -> tuple[str, str | None]:
    if report is None:
        return "", None
    try:
        return readable_report(report, root), None
    except OSError as error:
        return "", error.strerror or str(error)
