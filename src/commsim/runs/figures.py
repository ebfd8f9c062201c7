"""PNG figures of a run: the participation loop and participation by group.

Each line is the mean over replicates with a 95% t-band; the scenario is drawn solid and
its paired baseline (same seeds) dashed in the same colour. Bands are clipped to the
metric's declared range so that few replicates do not draw shares below zero. Titles,
legends and axes take the metrics' labels and units from their declarations
(:mod:`commsim.runs.labels`); legends sit below the axes, clear of the data.
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
from matplotlib.ticker import MaxNLocator, PercentFormatter
from scipy import stats

from commsim.metric_table import DERIVED, METRICS, RESOLVED_SHARE
from commsim.runs.labels import PERCENT_UNITS, metric_label, unit_label
from commsim.state.issue_table import CATEGORIES

BOUNDED = {metric.name for metric in (*METRICS, *DERIVED) if metric.range == "0-1"}
RECENTLY = "in the last {recent_window_weeks} weeks"  # filled with the run's window by the panels' titles


@dataclass(frozen=True, slots=True)
class Panel:
    """One subplot: metrics on a left axis and, optionally, one on a right axis.

    Attributes:
        title: The panel's title; may name ``{recent_window_weeks}``, filled with the run's value.
        unit: The declared unit of the left axis (``commsim.runs.labels.unit_label`` labels the axis).
        metrics: The metrics on the left axis.
        right_metric: One metric on a right axis, if any.
        right_unit: The declared unit of the right axis.
    """

    title: str
    unit: str
    metrics: tuple[str, ...]
    right_metric: str | None = None
    right_unit: str = ""


LOOP_PANELS = (
    Panel(
        f"Participation {RECENTLY}",
        "share of residents",
        ("rate_any", "rate_activities", "rate_deliberation", "rate_mutual_aid"),
    ),
    Panel("Belonging, trust, efficacy", "score", ("mean_belonging", "mean_trust", "mean_efficacy")),
    Panel(
        "Investment: volunteers",
        "residents",
        ("volunteers_active", "team_leaders", "experts", "organisers", "helpers", "aid_station_volunteers"),
    ),
    Panel("Visible success: issues resolved", "share of issues", (RESOLVED_SHARE,)),
    Panel(
        "Network",
        "share of ties",
        ("cross_building_ties",),
        right_metric="network_mean_degree",
        right_unit="ties/resident",
    ),
    Panel(
        "Mutual aid and satisfaction",
        "share of requests",
        ("aid_met_share",),
        right_metric="mean_satisfaction",
        right_unit="score",
    ),
)
GROUP_PANELS = (
    Panel(f"By age group, {RECENTLY}", "share of residents", ("rate_youth", "rate_adult", "rate_elderly")),
    Panel(f"By tenure, {RECENTLY}", "share of residents", ("rate_long_term", "rate_migrant")),
    Panel(f"By need, {RECENTLY}", "share of residents", ("rate_with_needs", "rate_without_needs")),
)


def panel_title(panel: Panel, values: dict | None = None) -> str:
    """A panel's title with the run's window (the declared default without ``values``)."""
    window = (values or {}).get("recent_window_weeks") or _default_window()
    return panel.title.format(recent_window_weeks=window)


def _default_window() -> int:
    from commsim.config.declaration import parameters

    return parameters()["recent_window_weeks"].default


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


class PercentTicks(PercentFormatter):
    """Shares as percent ticks with the fewest decimals (up to 3) that tell every tick apart.

    Whole percents when the axis spans many of them (25%, 50%); on a narrow axis one or more
    decimals (2.1%, 2.2%), where whole percents would repeat ("2%, 2%, 2%").
    """

    def __init__(self) -> None:
        super().__init__(xmax=1.0, decimals=0)

    def format_ticks(self, values) -> list[str]:
        """The labels of all ticks at once, with the fewest decimals that keep them distinct."""
        for decimals in range(4):
            self.decimals = decimals
            labels = super().format_ticks(values)
            if len(set(labels)) == len(labels):
                break
        return labels


def label_axis(axis: Axes, unit: str) -> None:
    """Label a y axis with a declared unit in plain words; shares get percent ticks."""
    axis.set_ylabel(unit_label(unit))
    if unit in PERCENT_UNITS:
        axis.yaxis.set_major_formatter(PercentTicks())


def draw_panel(
    axis: Axes,
    series: pd.DataFrame,
    panel: Panel,
    scenarios: Sequence[str],
    *,
    legend_size: int,
    values: dict | None = None,
) -> None:
    """Draw every metric of a panel for every scenario (the first solid, the others dashed).

    The legend sits below the axes, never over the data; with a right axis each entry says
    which axis it is read on.
    """
    colours = iter(plt.get_cmap("tab10").colors)
    axes_and_metrics = [(axis, metric, " (left)" if panel.right_metric else "") for metric in panel.metrics]
    if panel.right_metric is not None:
        right = axis.twinx()
        label_axis(right, panel.right_unit)
        axes_and_metrics.append((right, panel.right_metric, " (right)"))
    handles = []
    for target, metric, side in axes_and_metrics:
        colour = next(colours)
        for index, scenario in enumerate(scenarios):
            _draw_line(target, series[series["scenario"] == scenario], metric, colour=colour, dashed=index > 0)
        handles.append(Line2D([], [], color=colour, label=metric_label(metric, values) + side))
    axis.set_title(panel_title(panel, values))
    axis.set_xlabel("week")
    label_axis(axis, panel.unit)
    axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    axis.grid(alpha=0.3)
    axis.legend(
        handles=handles,
        fontsize=legend_size,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.16),
        ncol=2,
        frameon=False,
    )


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
    values: dict | None,
) -> Path:
    figure, axes = plt.subplots(*shape, figsize=size, layout="constrained", squeeze=False)
    for axis, panel in zip(axes.flat, panels, strict=True):
        draw_panel(axis, series, panel, scenarios, legend_size=8, values=values)
    replicates = series["replicate"].nunique()
    figure.suptitle(
        f"{title} — mean and 95% t-band over {replicates} replicate{'s' if replicates > 1 else ''}, "
        "cut at the quantity's bounds"
    )
    _scenario_legend(figure, scenarios)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def write_figures(series: pd.DataFrame, folder: Path, *, focus: str, values: dict | None = None) -> list[Path]:
    """Write ``participation_loop.png`` and ``participation_by_group.png``.

    Args:
        series: Tidy time series (scenario, replicate, seed, step, metrics).
        folder: Output folder; created if missing.
        focus: The scenario that was run; any other scenario (the paired baseline) is dashed.
        values: The run's parameter values, for the windows the labels name (defaults if None).

    Returns:
        The written files.
    """
    folder.mkdir(parents=True, exist_ok=True)
    series = with_derived_columns(series)
    scenarios = [focus, *(s for s in series["scenario"].unique() if s != focus)]
    drawn = (
        (LOOP_PANELS, "The participation loop", (2, 3), (15, 9.6), "participation_loop.png"),
        (GROUP_PANELS, "Participation by group", (1, 3), (15, 5.2), "participation_by_group.png"),
    )
    return [
        _figure(
            series,
            panels,
            scenarios,
            title=f"{title}: {focus}",
            shape=shape,
            size=size,
            path=folder / name,
            values=values,
        )
        for panels, title, shape, size, name in drawn
    ]
