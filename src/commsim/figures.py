"""PNG figures of a run: the participation loop and participation by group.

Each line is the mean over replicates with a 95% t-band; the scenario is drawn solid and
its paired baseline (same seeds) dashed in the same colour. Bands are clipped to the
metric's declared range so that few replicates do not draw shares below zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator
from scipy import stats

from commsim.metrics import METRICS
from commsim.state.issue_table import CATEGORIES

RESOLVED_SHARE = "issues_resolved_share"
LABELS = {
    "rate_any": "any channel",
    "rate_activities": "activities",
    "rate_deliberation": "deliberation",
    "rate_mutual_aid": "mutual aid",
    "mean_belonging": "belonging",
    "mean_trust": "trust in institutions",
    "mean_efficacy": "efficacy",
    "mean_satisfaction": "satisfaction",
    "volunteers_active": "volunteers (any role)",
    "team_leaders": "building team leaders",
    RESOLVED_SHARE: "issues resolved / raised",
    "cross_building_ties": "ties across buildings (left)",
    "network_mean_degree": "ties per resident (right)",
    "aid_met_share": "aid requests met (4 weeks)",
    "rate_youth": "youth 18-34",
    "rate_adult": "adults 35-59",
    "rate_elderly": "elderly 60+",
    "rate_long_term": "long-term residents",
    "rate_migrant": "migrants",
    "rate_with_needs": "with a need (care, child, disability, income)",
    "rate_without_needs": "without such needs",
}
BOUNDED = {metric.name for metric in METRICS if metric.range == "0-1"} | {RESOLVED_SHARE}


@dataclass(frozen=True, slots=True)
class Panel:
    """One subplot: metrics on a left axis and, optionally, one on a right axis."""

    title: str
    ylabel: str
    metrics: tuple[str, ...]
    right_metric: str | None = None
    right_ylabel: str = ""


LOOP_PANELS = (
    Panel(
        "Participation in the last 4 weeks",
        "share of residents",
        ("rate_any", "rate_activities", "rate_deliberation", "rate_mutual_aid"),
    ),
    Panel("Belonging, trust, efficacy", "mean score (0-1)", ("mean_belonging", "mean_trust", "mean_efficacy")),
    Panel("Investment: volunteers", "residents", ("volunteers_active", "team_leaders")),
    Panel("Visible success: issues resolved", "share of issues raised since week 0", (RESOLVED_SHARE,)),
    Panel(
        "Network",
        "share of ties",
        ("cross_building_ties",),
        right_metric="network_mean_degree",
        right_ylabel="ties per resident",
    ),
    Panel(
        "Mutual aid and satisfaction", "share of requests / mean score (0-1)", ("aid_met_share", "mean_satisfaction")
    ),
)
GROUP_PANELS = (
    Panel("By age group", "share of the group", ("rate_youth", "rate_adult", "rate_elderly")),
    Panel("By tenure", "share of the group", ("rate_long_term", "rate_migrant")),
    Panel("By need", "share of the group", ("rate_with_needs", "rate_without_needs")),
)


def band(series: pd.DataFrame, metric: str, level: float = 0.95) -> tuple[np.ndarray, ...]:
    """Mean and t-interval across replicates of one metric, step by step.

    Args:
        series: Tidy time series of one scenario.
        metric: The column.
        level: Confidence level.

    Returns:
        Steps, mean, lower and upper bound (the bounds equal the mean for one replicate).
    """
    grouped = series.groupby("step")[metric]
    mean = grouped.mean().to_numpy()
    count = grouped.count().to_numpy()
    sem = grouped.std(ddof=1).fillna(0).to_numpy() / np.sqrt(np.maximum(count, 1))
    half = stats.t.ppf(0.5 + level / 2, np.maximum(count - 1, 1)) * sem
    low, high = mean - half, mean + half
    if metric in BOUNDED:
        low, high = np.clip(low, 0, 1), np.clip(high, 0, 1)
    else:  # every other plotted metric is a count or a non-negative amount
        low = np.maximum(low, 0)
    return grouped.mean().index.to_numpy(), mean, low, high


def with_derived_columns(series: pd.DataFrame) -> pd.DataFrame:
    """Add the columns that figures show but the model does not report.

    Args:
        series: Tidy time series.

    Returns:
        A copy with ``issues_resolved_share`` (issues resolved over issues raised since the start).
    """
    raised = series[[f"raised_{c}" for c in CATEGORIES]].sum(axis=1)
    resolved = series[[f"resolved_{c}" for c in CATEGORIES]].sum(axis=1)
    return series.assign(**{RESOLVED_SHARE: resolved / raised.where(raised > 0)})


def _draw_line(axis: Axes, series: pd.DataFrame, metric: str, *, colour, dashed: bool) -> Line2D:
    steps, mean, low, high = band(series, metric)
    (line,) = axis.plot(steps, mean, color=colour, linestyle="--" if dashed else "-", linewidth=1.6)
    axis.fill_between(steps, low, high, color=colour, alpha=0.15 if dashed else 0.25, linewidth=0)
    return line


def draw_panel(axis: Axes, series: pd.DataFrame, panel: Panel, scenarios: Sequence[str], *, legend_size: int) -> None:
    """Draw every metric of a panel for every scenario (the first solid, the others dashed)."""
    colours = iter(plt.get_cmap("tab10").colors)
    axes_and_metrics = [(axis, metric) for metric in panel.metrics]
    if panel.right_metric is not None:
        right = axis.twinx()
        right.set_ylabel(panel.right_ylabel)
        axes_and_metrics.append((right, panel.right_metric))
    handles = []
    for target, metric in axes_and_metrics:
        colour = next(colours)
        for index, scenario in enumerate(scenarios):
            _draw_line(target, series[series["scenario"] == scenario], metric, colour=colour, dashed=index > 0)
        handles.append(Line2D([], [], color=colour, label=LABELS.get(metric, metric)))
    axis.set_title(panel.title)
    axis.set_xlabel("week")
    axis.set_ylabel(panel.ylabel)
    axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    axis.grid(alpha=0.3)
    axis.legend(handles=handles, fontsize=legend_size, loc="best", framealpha=0.85)


def _scenario_legend(figure, scenarios: Sequence[str]) -> None:
    if len(scenarios) < 2:
        return
    handles = [Line2D([], [], color="black", linestyle="-", label=scenarios[0])]
    handles += [Line2D([], [], color="black", linestyle="--", label=f"{s} (paired, same seeds)") for s in scenarios[1:]]
    figure.legend(handles=handles, loc="outside lower center", ncol=len(handles), frameon=False)


def _figure(
    series: pd.DataFrame,
    panels: Sequence[Panel],
    scenarios: Sequence[str],
    *,
    title: str,
    shape: tuple[int, int],
    size: tuple[float, float],
    path: Path,
) -> Path:
    figure, axes = plt.subplots(*shape, figsize=size, layout="constrained", squeeze=False)
    for axis, panel in zip(axes.flat, panels, strict=True):
        draw_panel(axis, series, panel, scenarios, legend_size=8)
    replicates = series["replicate"].nunique()
    figure.suptitle(f"{title} — mean and 95% band over {replicates} replicate{'s' if replicates > 1 else ''}")
    _scenario_legend(figure, scenarios)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def write_figures(series: pd.DataFrame, folder: Path, *, focus: str) -> list[Path]:
    """Write ``participation_loop.png`` and ``participation_by_group.png``.

    Args:
        series: Tidy time series (scenario, replicate, seed, step, metrics).
        folder: Output folder; created if missing.
        focus: The scenario that was run; any other scenario (the paired baseline) is dashed.

    Returns:
        The written files.
    """
    folder.mkdir(parents=True, exist_ok=True)
    series = with_derived_columns(series)
    scenarios = [focus, *(s for s in series["scenario"].unique() if s != focus)]
    return [
        _figure(
            series,
            LOOP_PANELS,
            scenarios,
            title=f"The participation loop: {focus}",
            shape=(2, 3),
            size=(15, 8.8),
            path=folder / "participation_loop.png",
        ),
        _figure(
            series,
            GROUP_PANELS,
            scenarios,
            title=f"Participation in the last 4 weeks by group: {focus}",
            shape=(1, 3),
            size=(15, 4.6),
            path=folder / "participation_by_group.png",
        ),
    ]
