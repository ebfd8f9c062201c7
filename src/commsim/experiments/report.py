"""The report of an experiment: ``report.md`` with PNG figures and the tables behind them.

Written for a reader who runs nothing: what was asked, what was run, the effects of each
scenario with their 95% intervals, response curves or heatmaps over the factors, Sobol
indices, whether the replicates were enough, and where the numbers come from.

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
from matplotlib.ticker import MaxNLocator

from commsim.experiments.analysis import Analysis, analyze
from commsim.experiments.plan import Plan
from commsim.experiments.spec import file_label
from commsim.experiments.store import ExperimentStore
from commsim.metric_table import COST_PER_ADDITIONAL
from commsim.runs.figures import band, label_axis
from commsim.runs.labels import (
    DASH,
    KEY_METRICS,
    declared_metric,
    format_interval,
    format_metric,
    metric_heading,
    metric_interval,
    metric_label,
    plural,
    unit_label,
)
from commsim.runs.provenance import now, write_file_atomically

MAX_SERIES_POINTS = 6
MAX_TABLE_ROWS = 40
MAX_TABLE_POINTS = 200


def _unit(metric: str) -> str:
    found = declared_metric(metric)
    return found.unit if found else ""


def report_metrics(plan: Plan, available: Sequence[str]) -> list[str]:
    """The metrics a report shows: the spec's choice, else a key set, else the first six."""
    chosen = [metric for metric in plan.spec.analysis.report_metrics or [] if metric in available]
    if chosen:  # a function's metrics are known only once it ran: fall back if none matched
        return chosen
    if plan.commsim_model:
        key = [metric for metric in KEY_METRICS if metric in available and metric != COST_PER_ADDITIONAL]
        if key:
            return key
    return list(available)[:6]


def write_report(plan: Plan, store: ExperimentStore, analysis: Analysis) -> Path:
    """Write ``report.md``, ``figures/`` and ``tables/`` into the experiment folder.

    Args:
        plan: The experiment.
        store: Its folder.
        analysis: Its analysis.

    Returns:
        The path of ``report.md``.
    """
    folder = store.folder
    figures, tables = folder / "figures", folder / "tables"
    figures.mkdir(exist_ok=True)
    tables.mkdir(exist_ok=True)
    available = list(analysis.outcomes["metric"].unique())
    metrics = report_metrics(plan, available)
    manifest = store.read_manifest()
    runs = store.read_runs()

    drawn: list[tuple[str, Path]] = []
    data = store.read_data()
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

    shown = _table_files(plan, analysis, metrics, tables)
    text = _markdown(plan, manifest, runs, analysis, metrics, drawn, shown, folder)
    path = folder / "report.md"
    write_file_atomically(path, lambda target: target.write_text(text, encoding="utf-8"))
    return path


# ------------------------------------------------------------------ figures


def analyse_and_report(plan: Plan, store: ExperimentStore) -> Path:
    """Analyse an experiment's stored runs, write the analysis tables and then the report.

    Args:
        plan: The experiment.
        store: Its results folder, with at least one finished run.

    Returns:
        The path of ``report.md``.
    """
    analysis = analyze(plan, store)
    analysis.write(store.folder / "analysis")
    return write_report(plan, store, analysis)


def _save(figure: Any, path: Path) -> None:
    """Write a figure whole or not at all (a kill mid-write leaves no broken PNG)."""
    write_file_atomically(path, lambda target: figure.savefig(target, dpi=100, format="png"))


def _point_label(plan: Plan, point: int) -> str:
    if not plan.factor_names:
        return "base"
    row = plan.design.set_index("point").loc[point]
    return ", ".join(f"{name}={_short(row[name])}" for name in plan.factor_names)


def _is_stepped(plan: Plan) -> bool:
    return plan.stepped


def _sorted_levels(levels: Sequence[Any]) -> list[Any]:
    """Numbers in increasing order; names (and true/false) as they come."""
    if all(isinstance(level, (int, float, np.number)) and not isinstance(level, (bool, np.bool_)) for level in levels):
        return sorted(levels)
    return list(levels)


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def _colours(names: Sequence[str]) -> dict[str, Any]:
    palette = plt.get_cmap("tab10").colors
    return {name: palette[i % len(palette)] for i, name in enumerate(names)}


def _timeseries(plan: Plan, data: pd.DataFrame, metrics: list[str], path: Path) -> Path:
    points = sorted(data["point"].unique())[:MAX_SERIES_POINTS]
    scenarios = plan.spec.scenario_names
    colours = _colours(scenarios)
    figure, axes = plt.subplots(
        len(points),
        len(metrics),
        figsize=(3.4 * len(metrics), 2.6 * len(points) + 0.8),
        squeeze=False,
        layout="constrained",
        sharex=True,
    )
    for row, point in enumerate(points):
        at_point = data[data["point"] == point]
        for column, metric in enumerate(metrics):
            axis = axes[row, column]
            for scenario in scenarios:
                series = at_point[at_point["scenario"] == scenario]
                if series.empty:
                    continue
                steps, mean, low, high = band(series, metric)
                axis.plot(steps, mean, color=colours[scenario], linewidth=1.4, label=scenario)
                axis.fill_between(steps, low, high, color=colours[scenario], alpha=0.2, linewidth=0)
            if row == 0:
                axis.set_title(metric_label(metric), fontsize=10)
            label_axis(axis, _unit(metric))
            if column == 0:
                axis.set_ylabel(f"{_point_label(plan, point)}\n{axis.get_ylabel()}", fontsize=8)
            if row == len(points) - 1:
                axis.set_xlabel("week")
            axis.grid(alpha=0.3)
    handles, names = axes[0, 0].get_legend_handles_labels()
    if len(scenarios) > 1:
        figure.legend(handles, names, loc="outside lower center", ncol=min(len(names), 7), frameon=False)
    shown = "" if len(data["point"].unique()) <= MAX_SERIES_POINTS else f" (first {MAX_SERIES_POINTS} design points)"
    figure.suptitle(f"{plan.spec.name}: mean and 95% band over replicates{shown}")
    _save(figure, path)
    plt.close(figure)
    return path


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
            axis.errorbar(
                curve[factor],
                curve["mean"],
                yerr=[curve["mean"] - curve["ci_low"], curve["ci_high"] - curve["mean"]],
                marker="o",
                capsize=3,
                color=colours[scenario],
                label=scenario,
            )
        axis.set_title(metric_label(metric), fontsize=10)
        axis.set_xlabel(factor)
        label_axis(axis, _unit(metric))
        axis.grid(alpha=0.3)
    for axis in axes.flat[len(metrics) :]:
        axis.set_visible(False)
    if len(scenarios) > 1:
        handles, names = axes[0, 0].get_legend_handles_labels()
        figure.legend(handles, names, loc="outside lower center", ncol=min(len(names), 7), frameon=False)
    window = min(plan.spec.analysis.window, plan.spec.steps)
    figure.suptitle(f"Response to {factor}: mean of the last {window} steps, 95% CI over replicates")
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
        axis.set_xticks(range(len(grid.columns)), [_short(v) for v in grid.columns], fontsize=8)
        axis.set_yticks(range(len(grid.index)), [_short(v) for v in grid.index], fontsize=8)
        axis.set_xlabel(first)
        axis.set_ylabel(second)
        axis.set_title(metric_label(metric), fontsize=10)
        colour_bar = figure.colorbar(image, ax=axis, shrink=0.85)
        label_axis(colour_bar.ax, _unit(metric))
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
    for axis, metric in zip(axes.flat, metrics, strict=False):
        table = effects[effects["metric"] == metric].set_index(["point", "scenario"])
        for p, point in enumerate(points):
            for s, scenario in enumerate(scenarios):
                if (point, scenario) not in table.index:
                    continue
                row = table.loc[(point, scenario)]
                position = -(p * slot + s)
                colour = colours[scenario]
                axis.plot([row["ci_low"], row["ci_high"]], [position, position], color=colour, linewidth=1.8)
                axis.plot(row["difference"], position, "o", color=colour, markersize=3.5, label=scenario)
        axis.axvline(0, color="black", linewidth=0.8)
        axis.xaxis.set_major_locator(MaxNLocator(4))
        axis.tick_params(axis="x", labelsize=8)
        centres = [-(p * slot + (len(scenarios) - 1) / 2) for p in range(len(points))]
        names = [_point_label(plan, point) if plan.factor_names else "" for point in points]
        axis.set_yticks(centres, names, fontsize=8)
        axis.set_title(metric_label(metric), fontsize=10)
        axis.set_xlabel(f"difference ({_difference_unit(metric)})", fontsize=8)
        axis.grid(axis="x", alpha=0.3)
    for axis in axes.flat[len(metrics) :]:
        axis.set_visible(False)
    handles = [plt.Line2D([], [], color=colours[name], marker="o", linewidth=1.8, label=name) for name in scenarios]
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


# ------------------------------------------------------------------ tables and text


def in_brief(plan: Plan, analysis: Analysis) -> list[str]:
    """The report's "In brief" lines (markdown bullets), computed without writing anything.

    Args:
        plan: The experiment.
        analysis: Its analysis.

    Returns:
        The plain-language findings the report opens with (largest effects, response, ranking).
    """
    metrics = report_metrics(plan, list(analysis.outcomes["metric"].unique()))
    return _headlines(plan, analysis, metrics, _shown_tables(analysis, metrics))


def _shown_tables(analysis: Analysis, metrics: list[str]) -> dict[str, pd.DataFrame]:
    """The report's tables (report metrics, window outcome)."""
    shown: dict[str, pd.DataFrame] = {}
    points = analysis.points
    shown["points"] = points[(points["window"] == "window") & points["metric"].isin(metrics)]
    if not analysis.effects.empty:
        effects = analysis.effects
        wanted = [*metrics, COST_PER_ADDITIONAL]
        shown["effects"] = effects[(effects["window"] == "window") & effects["metric"].isin(wanted)]
    if not analysis.sobol.empty:
        sobol = analysis.sobol
        shown["sobol"] = sobol[(sobol["window"] == "window") & sobol["metric"].isin(metrics)]
    sufficiency = analysis.sufficiency
    shown["sufficiency"] = sufficiency[sufficiency["metric"].isin(metrics)]
    return shown


def _table_files(plan: Plan, analysis: Analysis, metrics: list[str], folder: Path) -> dict[str, pd.DataFrame]:
    """Write the report's tables (report metrics, window outcome) as CSV; return them."""
    shown = _shown_tables(analysis, metrics)
    per_point = len(plan.design) <= MAX_TABLE_POINTS  # big sampling designs: analysis/ has them all
    for name, table in shown.items():
        if name in ("points", "sufficiency") and not per_point:
            continue
        write_file_atomically(folder / f"{name}.csv", lambda path, table=table: table.to_csv(path, index=False))
    return shown


def _difference_unit(metric: str) -> str:
    return unit_label(_unit(metric), difference=True) or "as measured"


def _range_text(metric: str, values: pd.Series) -> str:
    low, high = values.min(), values.max()
    if np.isclose(low, high):
        return format_metric(metric, low, difference=True)
    return f"{format_metric(metric, low, difference=True)} to {format_metric(metric, high, difference=True)}"


def _headlines(plan: Plan, analysis: Analysis, metrics: list[str], shown: dict[str, pd.DataFrame]) -> list[str]:
    """Plain-language findings computed from the tables: largest effects, response, ranking."""
    lines: list[str] = []
    where = "across the design points" if len(plan.design) > 1 else ""
    if "effects" in shown:
        effects = shown["effects"]
        for metric in metrics:
            table = effects[effects["metric"] == metric]
            if table.empty:
                continue
            mean_effect = table.groupby("scenario")["difference"].mean().dropna()
            if mean_effect.empty:
                continue
            significant = (table["ci_low"] > 0) | (table["ci_high"] < 0)
            parts_of_line = []
            for scenario, verb in ((mean_effect.idxmax(), "raises"), (mean_effect.idxmin(), "lowers")):
                if (mean_effect[scenario] > 0) != (verb == "raises") or mean_effect[scenario] == 0:
                    continue
                mine = table["scenario"] == scenario
                spread = _range_text(metric, table[mine].difference) + (f" {where}" if where else "")
                parts_of_line.append(
                    f"{scenario} {verb} it most ({spread}; "
                    f"{int(significant[mine].sum())} of {int(mine.sum())} intervals exclude zero)"
                )
            text = f"- **{metric_label(metric)}:** " + ("; ".join(parts_of_line) or "no scenario moves it")
            text += (
                f". Over all scenarios, {int(significant.sum())} of {len(table)} effects have a 95% interval "
                "that excludes zero."
            )
            lines.append(text)
    for factor in _response_factors(plan):
        points = analysis.points[(analysis.points["window"] == "window")]
        if plan.spec.design.kind == "oat":
            continue  # several factors share the baseline point; the figure tells it better
        for metric in metrics:
            curve = points[(points["metric"] == metric) & (points["scenario"] == plan.spec.reference_scenario)]
            curve = curve.sort_values(factor)
            if curve.empty:
                continue
            if curve["mean"].isna().all():
                continue
            top = curve.loc[curve["mean"].idxmax()]
            first, last = curve.iloc[0], curve.iloc[-1]
            text = (
                f"- **{metric_label(metric)}:** {format_metric(metric, first['mean'])} at "
                f"{factor}={_short(first[factor])}, {format_metric(metric, last['mean'])} at "
                f"{factor}={_short(last[factor])}; "
                f"highest mean {format_metric(metric, top['mean'])} "
                f"at {factor}={_short(top[factor])}"
            )
            reached = curve[curve["ci_high"] >= top["ci_low"]]
            if len(reached):  # intervals exist (two replicates or more)
                level = _short(reached.iloc[0][factor])
                text += f", and the first level whose 95% interval reaches its interval is {level}"
            lines.append(text + ".")
    if "sobol" in shown:
        sobol = shown["sobol"]
        for scenario, metric in [(s, m) for s in sobol["scenario"].unique() for m in metrics]:
            table = sobol[(sobol["scenario"] == scenario) & (sobol["metric"] == metric)]
            if table.empty:
                continue
            ranked = table.sort_values("total", ascending=False)
            leading = ", ".join(
                f"{row.factor} {format_interval(row.total, row.total_low, row.total_high)}"
                for row in ranked.head(3).itertuples()
            )
            negligible = ranked[ranked["total_low"] <= 0.01]["factor"].tolist()
            text = f"- **{metric_label(metric)}** ({scenario}): largest total Sobol indices: {leading}."
            if negligible:
                text += f" Indistinguishable from no effect: {', '.join(negligible)}."
            lines.append(text)
    return lines


def _effect_cell(metric: str, row: Any) -> str:
    significant = row.ci_low > 0 or row.ci_high < 0
    text = metric_interval(metric, row.difference, row.ci_low, row.ci_high, difference=True)
    return text + (" **\\***" if significant else "")


def _effect_tables(plan: Plan, effects: pd.DataFrame, metrics: list[str]) -> list[str]:
    """One table of scenarios by metrics (one point), or by points for each metric.

    Scenarios without effects (all their runs failed) are left out; a missing cell shows "–".
    """
    metrics = [metric for metric in metrics if metric in set(effects["metric"])]
    present = set(effects["scenario"])
    scenarios = [name for name in plan.spec.scenario_names if name in present]
    points = sorted(effects["point"].unique())
    cells = effects.set_index(["point", "scenario", "metric"])

    def cell(point: Any, scenario: str, metric: str) -> str:
        key = (point, scenario, metric)
        return _effect_cell(metric, cells.loc[key]) if key in cells.index else DASH

    def reference(point: Any, metric: str) -> str:
        found = [
            cells.loc[(point, name, metric)].reference_mean
            for name in scenarios
            if (point, name, metric) in cells.index
        ]
        return format_metric(metric, found[0]) if found else DASH

    if len(points) == 1:
        rows = [[scenario, *(cell(points[0], scenario, metric) for metric in metrics)] for scenario in scenarios]
        header = ["scenario", *(metric_heading(metric) for metric in metrics)]
        means = ["*reference mean*", *(reference(points[0], metric) for metric in metrics)]
        return [_markdown_table(header, [means, *rows]), ""]
    parts: list[str] = []
    for metric in metrics:
        rows = [[scenario, *(cell(point, scenario, metric) for point in points)] for scenario in scenarios]
        if metric != COST_PER_ADDITIONAL:
            rows.insert(0, ["*reference mean*", *(reference(point, metric) for point in points)])
        header = ["scenario", *(_point_label(plan, point) for point in points)]
        parts += [f"**{metric_heading(metric)}**", "", _markdown_table(header, rows), ""]
    return parts


def _markdown_table(header: list[str], rows: list[list[str]]) -> str:
    def cells(values: list[str]) -> str:  # a "|" in a name or an error would split its cell
        return "| " + " | ".join(str(value).replace("|", "\\|").replace("\n", " ") for value in values) + " |"

    lines = [cells(header), "|" + "|".join("---" for _ in header) + "|"]
    lines += [cells(row) for row in rows]
    return "\n".join(lines)


def _markdown(
    plan: Plan,
    manifest: dict[str, Any],
    runs: pd.DataFrame,
    analysis: Analysis,
    metrics: list[str],
    drawn: list[tuple[str, Path]],
    shown: dict[str, pd.DataFrame],
    folder: Path,
) -> str:
    spec = plan.spec
    counts = runs["status"].value_counts().to_dict()
    sessions = manifest.get("sessions", [])
    wall = sum(session.get("wall_s", 0.0) or 0.0 for session in sessions)
    parts = [f"# {spec.name}", ""]
    if spec.description:
        parts += [spec.description.strip(), ""]
    parts += ["## What was run", ""]
    target = "commsim's community model" if plan.commsim_model else f"`{spec.target}`"
    stepped = _is_stepped(plan)
    parts.append(
        f"- **Target:** {target} (version `{manifest.get('model_version', '?')}`), "
        + (f"{spec.steps} steps per run" if stepped else "one evaluation per run")
        + (f", keeping one step in {spec.output.every}" if stepped and spec.output.every > 1 else "")
        + "."
    )
    if spec.base:
        base = ", ".join(f"{name}={_short(value)}" for name, value in spec.base.items())
        parts.append(f"- **Base:** {base}.")
    if plan.spaces:
        parts.append(
            f"- **Design:** {spec.design.kind}, {len(plan.design)} points over {plural(len(plan.spaces), 'factor')}:"
        )
        for space in plan.spaces:
            values = plan.design[space.name]
            if space.levels is not None or values.nunique() <= 8:
                shown_values = ", ".join(_short(value) for value in _sorted_levels(pd.unique(values)))
                parts.append(f"  - `{space.name}`: {shown_values}")
            else:
                parts.append(f"  - `{space.name}`: {_short(values.min())} to {_short(values.max())}")
            if space.sets != (space.name,):
                parts[-1] += f" (sets {', '.join(space.sets)})"
    scenarios = spec.scenario_names
    if len(scenarios) > 1:
        settings = "; ".join(
            f"**{name}**" + (f" ({', '.join(f'{k}={_short(v)}' for k, v in spec.scenarios[name].items())})")
            for name in scenarios
        )
        parts.append(
            f"- **Scenarios** at every point, on the same seeds (paired): {settings}. Reference: "
            f"**{spec.reference_scenario}**."
        )
    parts.append(
        f"- **Replicates:** {spec.replicates} per point and scenario, seeds spawned from root seed {spec.seed}; "
        f"{len(runs)} runs: {counts.get('done', 0)} done"
        + "".join(f", {counts[status]} {status}" for status in ("failed", "timeout", "pending") if counts.get(status))
        + f"; {wall / 60:.1f} min of sweep wall time."
    )
    window = min(spec.analysis.window, spec.steps)
    outcome = f"mean over its last {window} steps (weeks)" if stepped else "returned values"
    parts += [
        "",
        f"Outcomes are each run's {outcome}, then averaged over replicates with a 95% t-interval."
        + (" Effects are differences from the reference scenario on the same seeds." if len(scenarios) > 1 else ""),
        "",
    ]

    missing = [name for name in spec.analysis.report_metrics or [] if name not in metrics]
    if missing:
        parts += [
            f"*`analysis.report_metrics` names {', '.join(missing)}, which the runs did not report; "
            f"shown instead: {', '.join(metrics)}.*",
            "",
        ]
    brief = _headlines(plan, analysis, metrics, shown)
    if brief:
        parts += ["## In brief", "", *brief, ""]

    if "effects" in shown:
        parts += ["## Effects against the reference", ""]
        parts += _effect_tables(plan, shown["effects"], [*metrics, COST_PER_ADDITIONAL])
        parts += [
            "Cells: mean difference from the reference on the same seeds [95% CI]; **\\*** the interval excludes "
            "zero. Reference means, SDs and p-values are in `tables/effects.csv`.",
            "",
        ]

    if "sobol" in shown:
        parts += ["## Which factors matter (Sobol indices)", ""]
        for scenario, by_scenario in shown["sobol"].groupby("scenario", sort=False):
            for metric, table in by_scenario.groupby("metric", sort=False):
                table = table.sort_values("total", ascending=False)
                parts += [f"**{metric_label(metric)}** ({scenario}):", ""]
                rows = [
                    [
                        row.factor,
                        format_interval(row.first, row.first_low, row.first_high),
                        format_interval(row.total, row.total_low, row.total_high),
                    ]
                    for row in table.itertuples()
                ]
                parts += [_markdown_table(["factor", "first-order [95% CI]", "total [95% CI]"], rows), ""]

    points = shown["points"]
    if len(plan.design) * len(scenarios) <= MAX_TABLE_ROWS:
        parts += ["## Estimates per design point", ""]
        rows = []
        for (point, scenario), table in points.groupby(["point", "scenario"], sort=False):
            by_metric = table.set_index("metric")
            rows.append(
                [
                    _point_label(plan, point),
                    scenario,
                    *(
                        metric_interval(
                            m, by_metric.at[m, "mean"], by_metric.at[m, "ci_low"], by_metric.at[m, "ci_high"]
                        )
                        for m in metrics
                    ),
                ]
            )
        parts += [_markdown_table(["point", "scenario", *(metric_heading(m) for m in metrics)], rows), ""]

    if drawn:
        parts += ["## Figures", ""]
        for title, path in drawn:
            parts += [f"### {title}", "", f"![{title}]({path.relative_to(folder).as_posix()})", ""]

    parts += ["## Were the replicates enough?", ""]
    sufficiency = shown["sufficiency"]
    judged = sufficiency.dropna(subset=["sufficient"])
    rows = []
    for metric, table in judged.groupby("metric", sort=False):
        tolerance = spec.analysis.tolerances.get(metric)
        rule = format_metric(metric, tolerance) if tolerance else f"{spec.analysis.relative_tolerance:.0%} of the mean"
        share = table["sufficient"].astype(bool).mean()
        rows.append([metric_heading(metric), rule, f"{share:.0%}", str(int(table["replicates_needed"].max()))])
    if rows:
        parts += [
            f"The 95% interval's half-width against the tolerance, over {len(judged['point'].unique())} points "
            f"and {judged['scenario'].nunique()} scenarios with {spec.replicates} replicates each:",
            "",
            _markdown_table(["metric", "tolerance", "estimates within it", "replicates needed (worst)"], rows),
            "",
        ]
    elif spec.replicates < 2:
        parts += ["One replicate per point forms no interval, so this cannot be judged.", ""]
    else:
        parts += ["No metric has a usable tolerance (all means are zero); set `analysis.tolerances`.", ""]
    failed = runs[runs["status"].isin(["failed", "timeout"])]
    if not failed.empty:
        parts += ["## Failed runs", ""]
        rows = [[str(row.run), row.scenario, str(row.point), str(row.error)] for row in failed.head(20).itertuples()]
        parts += [_markdown_table(["run", "scenario", "point", "error"], rows), ""]

    parts += ["## Provenance", ""]
    versions = manifest.get("versions", {})
    parts += [
        f"- Spec: `{manifest.get('spec_file')}` (SHA-256 `{manifest.get('spec_hash', '')[:16]}…`).",
        f"- Code: commsim {versions.get('commsim', '?')}, git commit "
        f"`{(manifest.get('git_commit') or 'unknown')[:12]}`;"
        f" Mesa {versions.get('mesa', '?')}, NumPy {versions.get('numpy', '?')}, SciPy {versions.get('scipy', '?')}.",
        f"- Host: {manifest.get('host')}; {len(sessions)} session(s): "
        + "; ".join(f"{s.get('executor_description', s.get('executor'))}" for s in sessions)
        + ".",
        f"- Report written {now()}. Tables behind it: `tables/*.csv`; every table for every point: "
        "`analysis/`; every run: `runs.parquet`, `data.parquet` (these three are not committed; the commands "
        "below re-create them).",
        "",
        "Reproduce:",
        "",
        "```",
        f"commsim sweep {manifest.get('spec_file') or 'SPEC'}",
        f"commsim report {folder.as_posix()}",
        "```",
        "",
    ]
    return "\n".join(parts)
