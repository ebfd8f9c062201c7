"""The Sweep page: one or two levers over a grid through the experiment runner, and past experiments.

A sweep runs in a background thread and is written like any ``commsim sweep``; when it
finishes the page shows a response curve (one lever) or a heatmap (two) with 95%
intervals. The browser below lists every experiment folder under ``results/`` — the
shipped reports, command-line sweeps and the dashboard's own comparisons and sweeps.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import solara
from matplotlib.figure import Figure

from commsim.dashboard import state
from commsim.dashboard.background import JobStatus, use_background_experiment
from commsim.dashboard.controls import SLIDER_ROOM, PresetSelect, ResidentsSlider, SeedInput
from commsim.dashboard.jobs import (
    KEY_METRICS,
    Finished,
    SweepFactor,
    past_experiments,
    plan_size,
    readable_report,
    report_figures,
    response_table,
    sweep_spec,
)
from commsim.dashboard.settings import (
    MAX_STEPS_UI,
    MAX_SWEEP_RUNS_UI,
    error_text,
    numeric_levers,
    results_root,
    ui_range,
)
from commsim.experiments.report import label
from commsim.params import parameters

MAX_LEVELS = 9
MAX_SWEEP_REPLICATES = 10
SHOWN_METRICS = tuple(metric for metric in KEY_METRICS[:12])


def draw_response(result: Finished, metric: str) -> Figure:
    """Response curve (one factor) or heatmap (two) of one metric's window outcome.

    Args:
        result: A finished sweep.
        metric: The metric shown.

    Returns:
        The figure.
    """
    factors = [factor.name for factor in result.plan.spec.factors]
    table = response_table(result.analysis, metric).merge(result.plan.design, on="point", how="left")
    window = result.plan.spec.analysis.window
    figure = Figure(figsize=(6.4, 4.4), dpi=80, layout="constrained")
    axis = figure.add_subplot()
    if len(factors) == 1:
        ordered = table.sort_values(factors[0])
        x = ordered[factors[0]].to_numpy(dtype=float)
        axis.plot(x, ordered["mean"], marker="o", color="C0")
        axis.fill_between(x, ordered["ci_low"], ordered["ci_high"], color="C0", alpha=0.25, linewidth=0)
        axis.set_xlabel(factors[0])
        axis.set_ylabel(label(metric))
        axis.grid(alpha=0.3)
        axis.set_title(f"{label(metric)}: mean of the last {window} weeks, 95% CI", fontsize=10)
    else:
        grid = table.pivot_table(index=factors[1], columns=factors[0], values="mean")
        image = axis.imshow(grid.to_numpy(), origin="lower", aspect="auto", cmap="viridis")
        axis.set_xticks(range(len(grid.columns)), [f"{value:.3g}" for value in grid.columns])
        axis.set_yticks(range(len(grid.index)), [f"{value:.3g}" for value in grid.index])
        axis.set_xlabel(factors[0])
        axis.set_ylabel(factors[1])
        for (row, column), value in np.ndenumerate(grid.to_numpy()):
            axis.text(column, row, f"{value:.3g}", ha="center", va="center", color="white", fontsize=8)
        figure.colorbar(image, ax=axis, label=label(metric))
        axis.set_title(f"{label(metric)}: mean of the last {window} weeks", fontsize=10)
    return figure


@solara.component
def FactorControls(index: int, name: str, low: float, high: float, levels: int, on_factor):
    """One lever factor: which parameter, its range within the declared bounds, and the grid levels."""
    declared = parameters()
    names = [spec.name for spec in numeric_levers()]
    spec = declared[name]
    bottom, top = ui_range(spec)
    integer = spec.type == "int"
    solara.Select(
        f"lever {index + 1}",
        values=names,
        value=name,
        on_value=lambda chosen: on_factor(chosen, *ui_range(declared[chosen]), levels),
    )
    solara.Text(spec.help, style={"font-size": "0.75rem", "color": "#666"})
    slider = solara.SliderRangeInt if integer else solara.SliderRangeFloat
    step = 1 if integer else round((top - bottom) / 100, 6) or 0.01
    kind = int if integer else float
    with solara.Column(style=SLIDER_ROOM, gap="30px"):
        slider(
            f"range [{spec.unit}]" if spec.unit else "range",
            value=(kind(max(low, bottom)), kind(min(high, top))),
            min=bottom,
            max=top,
            step=step,
            on_value=lambda pair: on_factor(name, pair[0], pair[1], levels),
            thumb_label="always",
        )
        solara.SliderInt(
            "levels",
            value=levels,
            min=2,
            max=MAX_LEVELS,
            on_value=lambda chosen: on_factor(name, low, high, chosen),
            thumb_label="always",
        )


@solara.component
def Sweep():
    """The Sweep page."""
    scenario = state.scenario.value
    profile = solara.use_reactive(scenario.profile)
    policy = solara.use_reactive(scenario.policy)
    n_residents = solara.use_reactive(min(scenario.n_residents, 1000))
    steps = solara.use_reactive(52)
    replicates = solara.use_reactive(3)
    seed = solara.use_reactive(20261122)
    two = solara.use_reactive(False)
    first = solara.use_reactive(("n_centres", 1.0, 5.0, 5))
    second = solara.use_reactive(("leader_coverage", 0.0, 1.0, 3))
    metric = solara.use_reactive("rate_any")
    opened = solara.use_reactive(None)

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

    def count() -> tuple[int, int, str | None]:
        try:
            points, runs = plan_size(make_spec())
        except Exception as error:  # shown in the page instead of a Run button that cannot work
            return 0, 0, error_text(error)
        return points, runs, None

    settings = (
        repr(factors),
        profile.value,
        policy.value,
        n_residents.value,
        steps.value,
        replicates.value,
        seed.value,
    )
    points, runs, invalid = solara.use_memo(count, list(settings))

    job = use_background_experiment("sweep", make_spec, runs)
    task = job.task

    with solara.Sidebar(), solara.Card("Community and runs"):
        PresetSelect("community profile", "profile", profile.value, profile.set)
        PresetSelect("policy package", "policy", policy.value, policy.set)
        ResidentsSlider(n_residents.value, n_residents.set, maximum=2000)
        with solara.Column(style=SLIDER_ROOM, gap="30px"):
            solara.SliderInt("weeks", value=steps, min=13, max=MAX_STEPS_UI, step=13, thumb_label="always")
            solara.SliderInt(
                "replicates per point", value=replicates, min=1, max=MAX_SWEEP_REPLICATES, thumb_label="always"
            )
        SeedInput(seed.value, seed.set, label="root seed")

    solara.Markdown(
        "### Sweep one or two levers\n"
        "Each grid point runs with the same replicate seeds under the chosen package; the curve or heatmap "
        "shows the mean over the last year (or the whole run if shorter) with its 95% interval."
    )
    with solara.Row(style={"flex-wrap": "wrap", "align-items": "flex-start"}):
        with solara.Card("First lever", style={"min-width": "300px"}):
            FactorControls(0, *first.value, lambda *value: first.set(tuple(value)))
        with solara.Card("Second lever", style={"min-width": "300px"}):
            solara.Checkbox(label="vary a second lever (heatmap)", value=two)
            if two.value:
                FactorControls(1, *second.value, lambda *value: second.set(tuple(value)))
    too_many = runs > MAX_SWEEP_RUNS_UI
    with solara.Row():
        solara.Button(
            f"Run sweep ({points} points × {replicates.value} replicates = {runs} runs)",
            color="primary",
            on_click=task,
            disabled=bool(task.pending) or too_many or invalid is not None,
        )
    if too_many:
        solara.Warning(f"At most {MAX_SWEEP_RUNS_UI} runs from the dashboard; use `commsim sweep` for more.")
    if invalid is not None:
        solara.Warning(f"This sweep cannot run: {invalid}")
    JobStatus(job, "sweep")
    result = job.finished.value
    if result is not None and not task.pending:
        names = {label(name): name for name in SHOWN_METRICS}
        solara.Select(
            "metric shown", values=list(names), value=label(metric.value), on_value=lambda text: metric.set(names[text])
        )
        solara.FigureMatplotlib(draw_response(result, metric.value), format="png")
        solara.Text(f"Saved as an experiment in {result.folder}", style={"font-size": "0.75rem", "color": "#666"})

    PastExperiments(opened, str(result.folder) if result is not None else "")


@solara.component
def PastExperiments(opened: solara.Reactive, newest: str):
    """A list of experiment folders under ``results/``; one can be opened to read its report."""
    root = results_root()
    found = solara.use_memo(lambda: past_experiments(root), [newest, str(root)])
    solara.Markdown(f"### Past experiments in `{root}`")
    if not found:
        solara.Text("No experiment folders yet.")
        return
    names = [entry["name"] for entry in found]
    solara.Select("open an experiment", values=names, value=opened)
    chosen = next((entry for entry in found if entry["name"] == opened.value), None)
    if chosen is None:
        for entry in found[:12]:
            solara.Text(f"{entry['name']} — {entry['runs']} runs — {entry['description'][:140]}")
        return
    ExperimentReport(chosen["folder"], chosen["report"])


@solara.component
def ExperimentReport(folder: Path, report: Path | None):
    """An experiment's report text and its figures."""
    if report is None:
        solara.Warning(f"{folder} has no report.md yet; run `commsim report {folder}`.")
    else:
        solara.Markdown(readable_report(report))
    for figure in report_figures(folder):
        solara.Text(figure.name, style={"font-weight": "bold"})
        solara.Image(figure, width="100%")
