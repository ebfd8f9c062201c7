"""The Compare and Sweep pages' result figures, drawn in the browser by Plotly.

A comparison shows each choice's time series with its 95% band across paired replicates,
one row per metric, rows sharing a scale (:func:`bands_figure`); a sweep shows the window
outcome of one metric against one lever as a curve with its interval, or against two as a
heatmap with the means written in the cells (:func:`response_figure`). Shares are plotted
in percent, as everywhere else in commsim. Text a user typed (a choice's name) is escaped
before Plotly sees it, so it shows as written and never as markup.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from markupsafe import escape
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from commsim.dashboard.charts import DOWNLOAD_CONFIG
from commsim.dashboard.plotly_widget import FigureWidget
from commsim.runs.figures import band, with_derived_columns
from commsim.runs.labels import (
    PERCENT_UNITS,
    declared_metric,
    format_parameter_value,
    metric_label,
    parameter_heading,
    unit_label,
)

COLOURS = qualitative.Plotly
TEMPLATE = "plotly_white"


def as_text(text: str) -> str:
    """A label as Plotly should show it: its own characters, HTML-like ones included."""
    return str(escape(text))


def figure_widget(figure: go.Figure) -> FigureWidget:
    """A figure as the widget a page shows, with the toolbar's download button (SVG) and no logo."""
    widget = FigureWidget(figure)
    widget._config = DOWNLOAD_CONFIG
    return widget


def _percent(metric: str) -> bool:
    declared = declared_metric(metric)
    return bool(declared) and declared.unit in PERCENT_UNITS


def _axis_title(metric: str, *, broken: bool = False) -> str:
    """A metric's axis title with its unit; ``broken`` puts the unit on a second line (short panels)."""
    declared = declared_metric(metric)
    unit = unit_label(declared.unit) if declared else ""
    if not unit:
        return as_text(metric_label(metric))
    return as_text(metric_label(metric)) + ("<br>" if broken else " ") + as_text(f"({unit})")


def bands_figure(data: pd.DataFrame, labels: Sequence[str], metrics: Sequence[str]) -> go.Figure:
    """Time series with 95% bands: one column per choice, one row per metric, rows sharing a y axis.

    Args:
        data: Tidy data of the comparison (scenario, replicate, step, metrics).
        labels: The choices in order, as the user named them.
        metrics: One row each.

    Returns:
        The figure; each line's ``meta`` is ``(choice, metric)``.
    """
    data = with_derived_columns(data) if "raised_environment" in data.columns else data
    replicates = int(data["replicate"].nunique()) if "replicate" in data.columns else 0
    figure = make_subplots(
        rows=len(metrics), cols=len(labels), shared_yaxes="rows", shared_xaxes=True,
        column_titles=[as_text(label) for label in labels], horizontal_spacing=0.03, vertical_spacing=0.05,
    )  # fmt: skip
    for column, label in enumerate(labels):
        colour = COLOURS[column % len(COLOURS)]
        runs = data[data["scenario"] == label]
        for row, metric in enumerate(metrics):
            if runs.empty:
                continue
            steps, mean, low, high = band(runs, metric)
            scale = 100.0 if _percent(metric) else 1.0
            place = {"row": row + 1, "col": column + 1}
            figure.add_scatter(
                x=np.concatenate([steps, steps[::-1]]), y=np.concatenate([high, low[::-1]]) * scale,
                fill="toself", fillcolor=colour, opacity=0.25, line={"width": 0}, hoverinfo="skip",
                showlegend=False, **place,
            )  # fmt: skip
            figure.add_scatter(
                x=steps, y=mean * scale, mode="lines", line={"color": colour, "width": 2}, showlegend=False,
                name=as_text(label), meta=[label, metric], **place,
                hovertemplate="week %{x}: %{y:.3g}<extra>%{fullData.name}</extra>",
            )  # fmt: skip
    for row, metric in enumerate(metrics):
        figure.update_yaxes(title_text=_axis_title(metric, broken=True), title_font_size=10, row=row + 1, col=1)
    for column in range(len(labels)):
        figure.update_xaxes(title_text="week", row=len(metrics), col=column + 1)
    figure.update_layout(
        template=TEMPLATE, height=190 * len(metrics) + 90, margin={"l": 70, "r": 10, "t": 70, "b": 40},
        title={"text": f"Mean and 95% band over {replicates} paired replicates", "font": {"size": 13}},
    )  # fmt: skip
    return figure


def response_figure(table: pd.DataFrame, factors: Sequence[str], metric: str, window: int) -> go.Figure:
    """A sweep's window outcome: a curve with its 95% interval (one lever) or a heatmap of means (two).

    Args:
        table: One row per grid point: the levers' values, ``mean``, ``ci_low``, ``ci_high``.
        factors: The swept levers, one or two.
        metric: The metric shown.
        window: The weeks the outcome averages over, for the title.

    Returns:
        The figure.
    """
    scale = 100.0 if _percent(metric) else 1.0
    if len(factors) == 1:
        return _curve(table.sort_values(factors[0]), factors[0], metric, window, scale)
    return _heatmap(table, factors, metric, window, scale)


def _curve(ordered: pd.DataFrame, factor: str, metric: str, window: int, scale: float) -> go.Figure:
    x = ordered[factor].to_numpy(dtype=float)
    low, high = ordered["ci_low"].to_numpy(dtype=float), ordered["ci_high"].to_numpy(dtype=float)
    figure = go.Figure()
    banded = bool(np.isfinite(low).any() and np.isfinite(high).any())  # one replicate has no interval
    if banded:
        figure.add_scatter(
            x=np.concatenate([x, x[::-1]]), y=np.concatenate([high, low[::-1]]) * scale, fill="toself",
            fillcolor=COLOURS[0], opacity=0.25, line={"width": 0}, hoverinfo="skip", name="95% interval",
        )  # fmt: skip
    figure.add_scatter(
        x=x, y=ordered["mean"].to_numpy(dtype=float) * scale, mode="lines+markers", name="mean",
        line={"color": COLOURS[0]}, hovertemplate="%{x}: %{y:.3g}<extra></extra>",
    )  # fmt: skip
    figure.update_xaxes(
        title_text=parameter_heading(factor), tickvals=x,
        ticktext=[format_parameter_value(factor, value) for value in ordered[factor]],
    )  # fmt: skip
    figure.update_yaxes(title_text=_axis_title(metric))
    figure.update_layout(
        template=TEMPLATE, height=420, margin={"l": 70, "r": 10, "t": 50, "b": 50},
        title={"text": f"{metric_label(metric)}: mean of the last {window} weeks" + (", 95% CI" if banded else
               " (one replicate: no interval)"), "font": {"size": 13}},
    )  # fmt: skip
    return figure


def _heatmap(table: pd.DataFrame, factors: Sequence[str], metric: str, window: int, scale: float) -> go.Figure:
    grid = table.pivot_table(index=factors[1], columns=factors[0], values="mean") * scale
    # A cell without runs (a sweep still running, a failed point) is None, drawn blank: a
    # 2-D array reaches the browser as JSON lists, where a NaN would lose the whole figure.
    cells = grid.astype(object).where(grid.notna(), None).to_numpy().tolist()
    heat = go.Heatmap(
        z=cells, x=[f"{value:.3g}" for value in grid.columns], y=[f"{value:.3g}" for value in grid.index],
        colorscale="Viridis", texttemplate="%{z:.3g}", hovertemplate="%{x}, %{y}: %{z:.3g}<extra></extra>",
        colorbar={"title": {"text": _axis_title(metric), "side": "right"}},
    )  # fmt: skip
    figure = go.Figure(heat)
    figure.update_xaxes(title_text=parameter_heading(factors[0]), type="category")
    figure.update_yaxes(title_text=parameter_heading(factors[1]), type="category")
    figure.update_layout(
        template=TEMPLATE, height=440, margin={"l": 70, "r": 10, "t": 50, "b": 50},
        title={"text": f"{metric_label(metric)}: mean of the last {window} weeks", "font": {"size": 13}},
    )  # fmt: skip
    return figure
