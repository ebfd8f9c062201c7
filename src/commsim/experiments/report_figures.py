"""The figures of an experiment's report: time series, responses, a heat map, effects and Sobol indices.

Each figure is drawn with matplotlib's Agg backend from the analysis tables and saved as
a PNG under the experiment's ``figures/``; :func:`draw_figures` draws those the design calls for.

Figures (each drawn only when the experiment has what it needs):

* ``timeseries.png`` — the report metrics over time, mean and 95% band per scenario, for
  designs of up to six points;
* ``response_<factor>.png`` — the window outcome against one factor, per scenario
  (a name with characters unsafe in a file name is spelled safely: :func:`file_label`);
* ``heatmap.png`` — the reference scenario's window outcome over two grid factors;
* ``effects.png`` — a forest plot of every scenario's paired effect against the reference;
* ``sobol_<scenario>.png`` — first-order and total Sobol indices with intervals, ranked.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, MaxNLocator

from commsim.experiments.analysis import Analysis
from commsim.experiments.intervals import bounds, cut_interval
from commsim.experiments.plan import Plan
from commsim.experiments.spec import file_label
from commsim.metric_table import COST_PER_ADDITIONAL
from commsim.runs.figures import band, label_axis
from commsim.runs.labels import (
    UnknownLabelError,
    declared_metric,
    is_share,
    metric_label,
    parameter_heading,
    unit_label,
)
from commsim.runs.provenance import write_file_atomically

MAX_SERIES_POINTS = 6
MAX_SERIES_COLUMNS = 7


def metric_unit(metric: str) -> str:
    """The declared unit of a metric ("" for a metric commsim does not declare)."""
    found = declared_metric(metric)
    return found.unit if found else ""


def _save(figure: Any, path: Path) -> None:
    """Write a figure whole or not at all (a kill mid-write leaves no broken PNG)."""
    write_file_atomically(path, lambda target: figure.savefig(target, dpi=100, format="png"))


def point_label(plan: Plan, point: int) -> str:
    """A design point as its factor values ("n_centres=4, fund=20"), or "base" without factors."""
    if not plan.factor_names:
        return "base"
    row = plan.design.set_index("point").loc[point]
    return ", ".join(f"{name}={short_value(row[name])}" for name in plan.factor_names)


def sorted_levels(levels: Sequence[Any]) -> list[Any]:
    """Numbers in increasing order; names (and true/false) as they come."""
    if all(isinstance(level, (int, float, np.number)) and not isinstance(level, (bool, np.bool_)) for level in levels):
        return sorted(levels)
    return list(levels)


def short_value(value: Any) -> str:
    """A factor value as short as a label wants it (floats to three significant digits)."""
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def _colours(names: Sequence[str]) -> dict[str, Any]:
    palette = plt.get_cmap("tab10").colors
    return {name: palette[i % len(palette)] for i, name in enumerate(names)}


def _timeseries(plan: Plan, data: pd.DataFrame, metrics: list[str], path: Path) -> Path:
    """Report metrics over time per design point: a block of rows per point, at most seven metrics a row."""
    points = sorted(data["point"].unique())[:MAX_SERIES_POINTS]
    scenarios = plan.spec.scenario_names
    colours = _colours(scenarios)
    per_row = min(len(metrics), MAX_SERIES_COLUMNS)
    block = math.ceil(len(metrics) / per_row)
    figure, axes = plt.subplots(
        len(points) * block,
        per_row,
        figsize=(3.4 * per_row, 2.6 * len(points) * block + 0.8),
        squeeze=False,
        layout="constrained",
        sharex=True,
    )
    for number, point in enumerate(points):
        at_point = data[data["point"] == point]
        for index, metric in enumerate(metrics):
            row, column = number * block + index // per_row, index % per_row
            axis = axes[row, column]
            for scenario in scenarios:
                series = at_point[at_point["scenario"] == scenario]
                if series.empty:
                    continue
                steps, mean, low, high = band(series, metric)
                axis.plot(steps, mean, color=colours[scenario], linewidth=1.4, label=scenario)
                axis.fill_between(steps, low, high, color=colours[scenario], alpha=0.2, linewidth=0)
            if number == 0 or len(points) == 1 or block > 1:
                axis.set_title(metric_label(metric), fontsize=10)
            label_axis(axis, metric_unit(metric))
            if column == 0 and plan.factor_names:
                axis.set_ylabel(f"{point_label(plan, point)}\n{axis.get_ylabel()}", fontsize=8)
            axis.set_xlabel("week")
            axis.xaxis.set_tick_params(labelbottom=True)
            axis.grid(alpha=0.3)
        for index in range(len(metrics), block * per_row):
            axes[number * block + index // per_row, index % per_row].set_visible(False)
    handles, names = axes[0, 0].get_legend_handles_labels()
    if len(scenarios) > 1:
        figure.legend(handles, names, loc="outside lower center", ncol=min(len(names), 7), frameon=False)
    shown = "" if len(data["point"].unique()) <= MAX_SERIES_POINTS else f" (first {MAX_SERIES_POINTS} design points)"
    figure.suptitle(f"{plan.spec.name}: mean and 95% t-band over replicates, cut at the quantity's bounds{shown}")
    _save(figure, path)
    plt.close(figure)
    return path


def _factor_heading(factor: str) -> str:
    """A factor's axis label: the parameter's plain label with its unit, and its name for the spec's reader."""
    try:
        return f"{parameter_heading(factor)} [{factor}]"
    except UnknownLabelError:  # a custom target's argument
        return factor


def _numeric(plan: Plan, factor: str) -> bool:
    return pd.api.types.is_numeric_dtype(plan.design[factor]) and not pd.api.types.is_bool_dtype(plan.design[factor])


def _response_factors(plan: Plan) -> list[str]:
    """Factors to draw a response curve for: the one numeric factor of a grid, or each of an OAT design."""
    kind = plan.spec.design.kind
    numeric = [factor for factor in plan.factor_names if _numeric(plan, factor) and plan.design[factor].nunique() > 2]
    if kind == "oat":
        return numeric
    if kind == "grid" and len(plan.factor_names) == 1:
        return numeric
    return []


def _numeric_grid_pair(plan: Plan) -> bool:
    return len(plan.factor_names) == 2 and all(_numeric(plan, factor) for factor in plan.factor_names)


def _response(plan: Plan, analysis: Analysis, factor: str, metrics: list[str], folder: Path) -> Path:
    points = analysis.points[analysis.points["window"] == "window"]
    if plan.spec.design.kind == "oat":  # only the points where the other factors sit at baseline
        baseline = {space.name: space.baseline for space in plan.spaces if space.name != factor}
        keep = np.ones(len(points), dtype=bool)
        for name, value in baseline.items():
            keep &= (points[name] == value).to_numpy()
        points = points[keep]
    scenarios = plan.spec.scenario_names
    colours = _colours(scenarios)
    columns = min(3, len(metrics))
    rows = math.ceil(len(metrics) / columns)
    figure, axes = plt.subplots(
        rows, columns, figsize=(4.2 * columns, 3.2 * rows + 0.6), squeeze=False, layout="constrained"
    )
    for axis, metric in zip(axes.flat, metrics, strict=False):
        for scenario in scenarios:
            curve = points[(points["metric"] == metric) & (points["scenario"] == scenario)].sort_values(factor)
            floor, ceiling = bounds(metric)
            low, high = curve["ci_low"].clip(lower=floor), curve["ci_high"].clip(upper=ceiling)
            axis.errorbar(
                curve[factor],
                curve["mean"],
                yerr=[curve["mean"] - low, high - curve["mean"]],
                marker="o",
                capsize=3,
                color=colours[scenario],
                label=scenario,
            )
        axis.set_title(metric_label(metric), fontsize=10)
        axis.set_xlabel(_factor_heading(factor))
        if pd.api.types.is_integer_dtype(plan.design[factor]):
            axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        label_axis(axis, metric_unit(metric))
        axis.grid(alpha=0.3)
    for axis in axes.flat[len(metrics) :]:
        axis.set_visible(False)
    if len(scenarios) > 1:
        handles, names = axes[0, 0].get_legend_handles_labels()
        figure.legend(handles, names, loc="outside lower center", ncol=min(len(names), 7), frameon=False)
    window = min(plan.spec.analysis.window, plan.spec.steps)
    figure.suptitle(
        f"Response to {factor}: mean of the last {window} steps, 95% CI over replicates (cut at the quantity's bounds)"
    )
    path = folder / f"response_{file_label(factor)}.png"
    _save(figure, path)
    plt.close(figure)
    return path


def _heatmap(plan: Plan, analysis: Analysis, metrics: list[str], path: Path) -> Path:
    first, second = plan.factor_names
    reference = plan.spec.reference_scenario
    points = analysis.points[(analysis.points["window"] == "window") & (analysis.points["scenario"] == reference)]
    columns = min(3, len(metrics))
    rows = math.ceil(len(metrics) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4.6 * columns, 3.8 * rows), squeeze=False, layout="constrained")
    for axis, metric in zip(axes.flat, metrics, strict=False):
        grid = points[points["metric"] == metric].pivot_table(index=second, columns=first, values="mean")
        image = axis.imshow(grid.to_numpy(), origin="lower", aspect="auto", cmap="viridis")
        axis.set_xticks(range(len(grid.columns)), [short_value(v) for v in grid.columns], fontsize=8)
        axis.set_yticks(range(len(grid.index)), [short_value(v) for v in grid.index], fontsize=8)
        axis.set_xlabel(_factor_heading(first))
        axis.set_ylabel(_factor_heading(second))
        axis.set_title(metric_label(metric), fontsize=10)
        colour_bar = figure.colorbar(image, ax=axis, shrink=0.85)
        label_axis(colour_bar.ax, metric_unit(metric))
    for axis in axes.flat[len(metrics) :]:
        axis.set_visible(False)
    figure.suptitle(
        f"{reference}: mean of the last {min(plan.spec.analysis.window, plan.spec.steps)} steps over replicates"
    )
    _save(figure, path)
    plt.close(figure)
    return path


def _forest(plan: Plan, analysis: Analysis, metrics: list[str], path: Path) -> Path:
    """Forest plot: one group of rows per design point, one dodged row per scenario in its colour."""
    effects = analysis.effects[analysis.effects["window"] == "window"]
    metrics = [metric for metric in metrics if metric in set(effects["metric"])]
    scenarios = [name for name in plan.spec.scenario_names if name != plan.spec.reference_scenario]
    points = sorted(effects["point"].unique())
    colours = _colours(plan.spec.scenario_names)
    slot = len(scenarios) + 1  # a blank row between points
    columns = min(3, len(metrics))
    rows = math.ceil(len(metrics) / columns)
    height = max(2.4, 0.16 * slot * len(points) + 1.0)
    figure, axes = plt.subplots(
        rows, columns, figsize=(4.6 * columns, height * rows + 0.8), squeeze=False, layout="constrained"
    )
    cut_any = False
    for axis, metric in zip(axes.flat, metrics, strict=False):
        table = effects[effects["metric"] == metric].set_index(["point", "scenario"])
        for p, point in enumerate(points):
            for s, scenario in enumerate(scenarios):
                if (point, scenario) not in table.index:
                    continue
                row = table.loc[(point, scenario)]
                position = -(p * slot + s)
                colour = colours[scenario]
                low, high, _ = cut_interval(metric, row["ci_low"], row["ci_high"], reference=row["reference_mean"])
                axis.plot([low, high], [position, position], color=colour, linewidth=1.8)
                axis.plot(row["difference"], position, "o", color=colour, markersize=3.5, label=scenario)
                for end, limit in ((low, row["ci_low"]), (high, row["ci_high"])):
                    if math.isfinite(limit) and end != limit:  # cut at the quantity's bound: a bar says where
                        axis.plot(end, position, "|", color="black", markersize=9, markeredgewidth=1.6)
                        cut_any = True
        axis.axvline(0, color="black", linewidth=0.8)
        axis.xaxis.set_major_locator(MaxNLocator(4))
        axis.tick_params(axis="x", labelsize=8)
        centres = [-(p * slot + (len(scenarios) - 1) / 2) for p in range(len(points))]
        names = [point_label(plan, point) if plan.factor_names else "" for point in points]
        axis.set_yticks(centres, names, fontsize=8)
        axis.set_title(metric_label(metric), fontsize=10)
        axis.set_xlabel(f"difference ({difference_unit(metric)})", fontsize=8)
        if is_share(metric):
            axis.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value * 100:+.3g}" if value else "0"))
        axis.grid(axis="x", alpha=0.3)
    for axis in axes.flat[len(metrics) :]:
        axis.set_visible(False)
    handles = [plt.Line2D([], [], color=colours[name], marker="o", linewidth=1.8, label=name) for name in scenarios]
    if cut_any:
        handles.append(
            plt.Line2D(
                [], [], color="black", marker="|", markersize=9, linewidth=0, label="interval cut at a bound (†)"
            )
        )
    figure.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 6), frameon=False)
    figure.suptitle(
        f"Effect against {plan.spec.reference_scenario} (paired by seed): mean difference and 95% CI, "
        f"mean of the last {min(plan.spec.analysis.window, plan.spec.steps)} steps"
    )
    _save(figure, path)
    plt.close(figure)
    return path


def _sobol_bars(analysis: Analysis, scenario: str, metrics: list[str], path: Path) -> Path:
    sobol = analysis.sobol[(analysis.sobol["window"] == "window") & (analysis.sobol["scenario"] == scenario)]
    metrics = [metric for metric in metrics if metric in set(sobol["metric"])] or list(sobol["metric"].unique())[:6]
    factors = sobol["factor"].nunique()
    columns = min(3, len(metrics))
    rows = math.ceil(len(metrics) / columns)
    figure, axes = plt.subplots(
        rows, columns, figsize=(4.8 * columns, (0.32 * factors + 1.4) * rows + 0.6), squeeze=False, layout="constrained"
    )
    for axis, metric in zip(axes.flat, metrics, strict=False):
        table = sobol[sobol["metric"] == metric].sort_values("total")
        positions = np.arange(len(table))
        for offset, (kind, colour) in enumerate((("first", "tab:blue"), ("total", "tab:orange"))):
            values = table[kind].to_numpy()
            low = np.clip(values - table[f"{kind}_low"].to_numpy(), 0, None)
            high = np.clip(table[f"{kind}_high"].to_numpy() - values, 0, None)
            axis.barh(
                positions + (offset - 0.5) * 0.38,
                values,
                height=0.38,
                xerr=[low, high],
                color=colour,
                capsize=2,
                label="first-order" if kind == "first" else "total",
            )
        axis.set_yticks(positions, table["factor"], fontsize=8)
        axis.axvline(0, color="black", linewidth=0.6)
        axis.set_title(metric_label(metric), fontsize=10)
        axis.set_xlabel("Sobol index (share of the output's variance)", fontsize=8)
        axis.grid(axis="x", alpha=0.3)
    for axis in axes.flat[len(metrics) :]:
        axis.set_visible(False)
    handles, names = axes[0, 0].get_legend_handles_labels()
    figure.legend(handles, names, loc="outside lower center", ncol=2, frameon=False)
    figure.suptitle(f"Sobol indices ({scenario}), bootstrap 95% CI; factors ranked by total index")
    _save(figure, path)
    plt.close(figure)
    return path


def difference_unit(metric: str) -> str:
    """The unit of a difference of a metric, for an axis or a table ("percentage points")."""
    return unit_label(metric_unit(metric), difference=True) or "as measured"


def draw_figures(
    plan: Plan, data: pd.DataFrame, analysis: Analysis, metrics: list[str], figures: Path
) -> list[tuple[str, Path]]:
    """Draw the figures the experiment has what it needs for.

    Args:
        plan: The experiment.
        data: Its consolidated time series.
        analysis: Its analysis.
        metrics: The metrics the report shows.
        figures: The folder the PNGs go to.

    Returns:
        Title and path of each figure drawn, in the report's order.
    """
    drawn: list[tuple[str, Path]] = []
    if data["step"].nunique() > 1 and len(plan.design) <= MAX_SERIES_POINTS:
        drawn.append(("Time series", _timeseries(plan, data, metrics, figures / "timeseries.png")))
    for factor in _response_factors(plan):
        drawn.append((f"Response to {factor}", _response(plan, analysis, factor, metrics, figures)))
    if plan.spec.design.kind == "grid" and _numeric_grid_pair(plan):
        drawn.append(("Two factors", _heatmap(plan, analysis, metrics, figures / "heatmap.png")))
    if not analysis.effects.empty:
        effect_metrics = [*metrics, *([COST_PER_ADDITIONAL] if plan.commsim_model else [])]
        drawn.append(
            ("Effects against the reference", _forest(plan, analysis, effect_metrics, figures / "effects.png"))
        )
    if not analysis.sobol.empty:
        for scenario in analysis.sobol["scenario"].unique():
            path = figures / f"sobol_{file_label(scenario)}.png"
            drawn.append((f"Sobol indices ({scenario})", _sobol_bars(analysis, scenario, metrics, path)))

    return drawn
