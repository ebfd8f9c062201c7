"""A design's figures and report.md, in plain words (labels from :mod:`commsim.runs.labels`).

The report answers the spec's question for a policymaker: the front of mixes, from the
cheapest to the most effective, each with its interval and its mix of measures in
words; the cheapest mix that reaches the discovery target; which lever ranges make the
target reachable (PRIM); and what the answer cannot say (model uncertainty, noise,
robustness), with the method in docs/design.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from commsim.design.spec import DesignSpec
from commsim.runs.costs import COST_METRIC
from commsim.runs.labels import (
    UnknownLabelError,
    format_interval,
    metric_label,
    parameter_in_words,
    parameter_label,
    unit_label,
)
from commsim.runs.provenance import write_file_atomically

COST_UNIT = "yuan/household/year"
ROBUSTNESS_WORDS = {
    "mean": "averaged over the communities",
    "worst": "in the community where the mix does worst",
    "regret": "as the largest shortfall, in any community, from the best mix found there",
}


def objective_label(metric: str) -> str:
    """A plain label of an objective's metric (the programme cost included)."""
    return "Programme cost" if metric == COST_METRIC else metric_label(metric)


def objective_unit(metric: str) -> str:
    """The declared unit of an objective's metric."""
    if metric == COST_METRIC:
        return COST_UNIT
    from commsim.runs.labels import declared_metric

    found = declared_metric(metric)
    return found.unit if found else ""


def lever_label(name: str) -> str:
    """A lever's plain label (its name for a function target's keyword)."""
    try:
        return parameter_label(name)
    except UnknownLabelError:
        return name.replace("_", " ")


def shown(metric: str, value: float, low: float | None = None, high: float | None = None) -> str:
    """A value (with its interval) in its unit, in words: "12.3% [11.0, 13.6]", "212 yuan per household per year"."""
    unit = objective_unit(metric)
    text = format_interval(value, low, high, unit)
    if unit.startswith("yuan"):
        text += f" {unit_label(unit)}"
    return text


def mix_in_words(spec: DesignSpec, row: pd.Series) -> str:
    """A candidate's lever values as a sentence fragment: "Share of buildings with a team leader: 0.8; ..."."""
    return "; ".join(f"{lever_label(lever.name)}: {_value(lever.name, row[lever.name])}" for lever in spec.levers)


def community_title(spec: DesignSpec, name: str) -> str:
    """A profile of the spec in words: its preset's title ("Old inner-city estate"), else its name."""
    from commsim.config.yaml_files import ConfigError
    from commsim.runs.labels import preset_title

    preset = spec.profiles[name].get("profile", spec.base.get("profile"))
    try:
        return preset_title("profile", str(preset)) if preset is not None else name
    except (ConfigError, OSError):
        return name


def _value(name: str, value: Any) -> str:
    return parameter_in_words(name, value)


def _column(spec: DesignSpec, index: int) -> str:
    objective = spec.objectives[index]
    return f"{'regret_' if spec.robustness == 'regret' else ''}{objective.metric}"


def write_figures(
    spec: DesignSpec, folder: Path, front: pd.DataFrame, evaluations: pd.DataFrame, boxes: pd.DataFrame | None
) -> list[Path]:
    """The front in two objectives, the mixes in parallel coordinates, and the PRIM box.

    Returns:
        The figures written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    if len(spec.objectives) >= 2 and not evaluations.empty:
        written.append(_front_figure(spec, folder / "front.png", front, evaluations, plt))
    if not front.empty:
        written.append(_parallel_figure(spec, folder / "mixes.png", front, plt))
    if boxes is not None and boxes.iloc[0]["lever"] != "(none)":
        written.append(_prim_figure(spec, folder / "prim_box.png", boxes, evaluations, plt))
    return written


def _save(figure: Any, path: Path, plt: Any) -> Path:
    figure.tight_layout()
    write_file_atomically(path, lambda target: figure.savefig(target, dpi=110, format="png"))
    plt.close(figure)
    return path


def _axis(spec: DesignSpec, index: int) -> str:
    metric = spec.objectives[index].metric
    label = objective_label(metric)
    if spec.robustness == "regret":
        label = f"Shortfall from the best: {label.lower()}"
    unit = objective_unit(metric)
    return f"{label} ({unit_label(unit)})" if unit else label


def _percent_ticks(axis: Any, metric: str) -> None:
    """Shares read as percentages on an axis, as everywhere else (0.25 is 25%)."""
    from commsim.runs.figures import PercentTicks
    from commsim.runs.labels import PERCENT_UNITS

    if objective_unit(metric) in PERCENT_UNITS:
        axis.set_major_formatter(PercentTicks())


def _front_figure(spec: DesignSpec, path: Path, front: pd.DataFrame, evaluations: pd.DataFrame, plt: Any) -> Path:
    x_column, y_column = _column(spec, 1), _column(spec, 0)
    figure, axes = plt.subplots(figsize=(6.5, 4.5))
    feasible = evaluations[evaluations["feasible"]]
    other = evaluations[~evaluations["feasible"]]
    axes.scatter(other[x_column], other[y_column], s=12, c="#cccccc", label="breaks a constraint")
    axes.scatter(feasible[x_column], feasible[y_column], s=14, c="#8fb3d9", label="mixes evaluated")
    if not front.empty:
        ordered = front.sort_values(x_column)
        axes.errorbar(
            ordered[x_column],
            ordered[y_column],
            xerr=[
                ordered[x_column] - ordered[f"{x_column}_ci_low"],
                ordered[f"{x_column}_ci_high"] - ordered[x_column],
            ],
            yerr=[
                ordered[y_column] - ordered[f"{y_column}_ci_low"],
                ordered[f"{y_column}_ci_high"] - ordered[y_column],
            ],
            fmt="o-",
            c="#c0392b",
            ms=5,
            capsize=2,
            label="best mixes (95% intervals)",
        )
    axes.set_xlabel(_axis(spec, 1))
    axes.set_ylabel(_axis(spec, 0))
    _percent_ticks(axes.xaxis, spec.objectives[1].metric)
    _percent_ticks(axes.yaxis, spec.objectives[0].metric)
    axes.set_title("The best mixes found: what each level of one objective costs in the other", fontsize=9)
    axes.legend(fontsize=8)
    return _save(figure, path, plt)


def _parallel_figure(spec: DesignSpec, path: Path, front: pd.DataFrame, plt: Any) -> Path:
    figure, axes = plt.subplots(figsize=(max(6.5, 1.3 * len(spec.levers)), 4.5))
    positions = range(len(spec.levers))
    colour_by = front[_column(spec, 0)].to_numpy(float)
    span = (colour_by.min(), colour_by.max()) if len(colour_by) else (0.0, 1.0)
    colours = plt.get_cmap("viridis")
    for _, row in front.iterrows():
        heights = [_unit_height(lever, row[lever.name]) for lever in spec.levers]
        share = 0.5 if span[1] == span[0] else (row[_column(spec, 0)] - span[0]) / (span[1] - span[0])
        axes.plot(positions, heights, "-o", c=colours(share), ms=3, lw=1.2, alpha=0.85)
    axes.set_xticks(list(positions), [_wrapped(lever_label(lever.name)) for lever in spec.levers], fontsize=7)
    axes.set_yticks([0, 1], ["lowest", "highest"])
    axes.set_ylim(-0.05, 1.05)
    scale = plt.cm.ScalarMappable(cmap=colours, norm=plt.Normalize(*span))
    bar = figure.colorbar(scale, ax=axes, pad=0.01)
    bar.set_label(_axis(spec, 0), fontsize=8)
    _percent_ticks(bar.ax.yaxis, spec.objectives[0].metric)
    axes.set_title(
        "Mixes of the best front: each lever from the lowest to the highest value the search could set, "
        f"coloured by {objective_label(spec.objectives[0].metric).lower()}",
        fontsize=9,
    )
    return _save(figure, path, plt)


def _unit_height(lever: Any, value: Any) -> float:
    if lever.values is not None:
        position = [str(choice) for choice in lever.values].index(str(value))
        return position / max(len(lever.values) - 1, 1)
    low, high = lever.range
    return (float(value) - low) / (high - low)


def _wrapped(text: str, width: int = 18) -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join([*lines, line])


def _prim_figure(spec: DesignSpec, path: Path, boxes: pd.DataFrame, evaluations: pd.DataFrame, plt: Any) -> Path:
    from commsim.design.discovery import target_reached

    numeric = boxes[boxes["low"].notna()]
    reached = target_reached(spec, evaluations)
    figure, axes = plt.subplots(figsize=(6.5, 4.5))
    if len(numeric) >= 2:
        first, second = numeric.iloc[0], numeric.iloc[1]
        x, y = evaluations[first["lever"]], evaluations[second["lever"]]
        axes.scatter(x[~reached], y[~reached], s=12, c="#cccccc", label="does not reach the target")
        axes.scatter(x[reached], y[reached], s=14, c="#27ae60", label="reaches the target")
        width, height = first["high"] - first["low"], second["high"] - second["low"]
        axes.add_patch(plt.Rectangle((first["low"], second["low"]), width, height, fill=False, ec="#c0392b", lw=2))
        axes.set_xlabel(lever_label(first["lever"]))
        axes.set_ylabel(lever_label(second["lever"]))
    else:
        rows = boxes.reset_index(drop=True)
        axes.barh(range(len(rows)), [1] * len(rows), color="#eeeeee")
        for position, row in rows.iterrows():
            axes.text(0.02, position, row["condition"], va="center", fontsize=8)
        axes.set_yticks([])
        axes.set_xticks([])
    top = boxes.iloc[0]
    title = f"Where the target is reachable: density {top['density']:.0%}, coverage {top['coverage']:.0%}"
    plotted = set(numeric["lever"].iloc[:2]) if len(numeric) >= 2 else set(boxes["lever"])
    others = [row["condition"] for _, row in boxes.iterrows() if row["lever"] not in plotted]
    if others:  # the points inside the rectangle that do not meet these are grey
        title += "\nthe box also needs: " + "; ".join(others)
    axes.set_title(title, fontsize=9)
    if len(numeric) >= 2:
        axes.legend(fontsize=8)
    return _save(figure, path, plt)
