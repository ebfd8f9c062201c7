"""PNG figures of a run: the participation loop and participation by group, with bands."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats

LOOP_PANELS = (
    (
        "Participation (last 4 weeks)",
        "share of residents",
        ("rate_any", "rate_activities", "rate_deliberation", "rate_mutual_aid"),
    ),
    ("Belonging, trust, efficacy", "score 0-1", ("mean_belonging", "mean_trust", "mean_efficacy")),
    ("Investment: volunteers", "residents", ("volunteers_active",)),
    ("Visible success: projects", "projects since start", ("projects_succeeded", "projects_failed")),
    ("Ties", "share of ties / ties per resident ÷ 10", ("cross_building_ties", "network_degree_scaled")),
    ("Mutual aid and satisfaction", "share", ("aid_met_share", "mean_satisfaction")),
)
GROUP_PANELS = (
    ("By age group", ("rate_youth", "rate_adult", "rate_elderly")),
    ("By tenure", ("rate_long_term", "rate_migrant")),
    ("By need", ("rate_with_needs", "rate_without_needs")),
)


def band(series: pd.DataFrame, metric: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Steps, mean and 95% t-interval across replicates of one metric."""
    grouped = series.groupby("step")[metric]
    mean = grouped.mean()
    count = grouped.count().to_numpy()
    sem = grouped.std(ddof=1).fillna(0).to_numpy() / np.sqrt(np.maximum(count, 1))
    t = stats.t.ppf(0.975, np.maximum(count - 1, 1))
    return mean.index.to_numpy(), mean.to_numpy(), mean.to_numpy() - t * sem, mean.to_numpy() + t * sem


def _plot(axis, series: pd.DataFrame, metric: str, colour, style: str, label: str) -> None:
    steps, mean, low, high = band(series, metric)
    axis.plot(steps, mean, color=colour, linestyle=style, label=label, linewidth=1.6)
    axis.fill_between(steps, low, high, color=colour, alpha=0.18, linewidth=0)


def write_figures(series: pd.DataFrame, folder: Path, *, focus: str) -> list[Path]:
    """Write the run's figures.

    Args:
        series: Tidy time series (scenario, replicate, step, metrics).
        folder: Output folder.
        focus: The scenario being run; other scenarios (the paired baseline) are dashed.

    Returns:
        The written files.
    """
    folder.mkdir(parents=True, exist_ok=True)
    series = series.assign(network_degree_scaled=series["network_mean_degree"] / 10.0)
    scenarios = [focus, *[s for s in series["scenario"].unique() if s != focus]]
    colours = plt.get_cmap("tab10").colors
    written = []

    figure, axes = plt.subplots(2, 3, figsize=(15, 8.5), constrained_layout=True)
    for axis, (title, unit, metrics) in zip(axes.flat, LOOP_PANELS, strict=True):
        for index, metric in enumerate(metrics):
            for scenario in scenarios:
                part = series[series["scenario"] == scenario]
                style = "-" if scenario == focus else "--"
                label = metric if len(scenarios) == 1 else f"{metric} ({scenario})"
                _plot(axis, part, metric, colours[index], style, label)
        axis.set_title(title)
        axis.set_xlabel("week")
        axis.set_ylabel(unit)
        axis.legend(fontsize=7, loc="best")
        axis.grid(alpha=0.3)
    figure.suptitle(f"The participation loop — {focus} (mean and 95% band across replicates; dashed: paired baseline)")
    path = folder / "participation_loop.png"
    figure.savefig(path, dpi=110)
    plt.close(figure)
    written.append(path)

    figure, axes = plt.subplots(1, 3, figsize=(15, 4.2), constrained_layout=True, sharey=True)
    part = series[series["scenario"] == focus]
    for axis, (title, metrics) in zip(axes, GROUP_PANELS, strict=True):
        for index, metric in enumerate(metrics):
            _plot(axis, part, metric, colours[index], "-", metric.removeprefix("rate_").replace("_", " "))
        axis.set_title(title)
        axis.set_xlabel("week")
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    axes[0].set_ylabel("took part in the last 4 weeks (share)")
    figure.suptitle(f"Participation by group — {focus}")
    path = folder / "participation_by_group.png"
    figure.savefig(path, dpi=110)
    plt.close(figure)
    written.append(path)
    return written
