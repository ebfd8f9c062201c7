"""The Explore page's live plots, drawn in the browser by Plotly.

A page builds the four panels once (:func:`live_figure`), then each drawn week sends only
the series' numbers (:func:`update_live`): the browser redraws the lines; no image is made
on the server. Shares are plotted in percent, as every other face of commsim shows them.
Every panel has its axis titles and every line its legend entry, all from the declarations
(:mod:`commsim.runs.labels`, :mod:`commsim.runs.figures`). The data behind the figure is available as
a table (:func:`live_table`) for the CSV download.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from plotly.subplots import make_subplots

from commsim.dashboard.plotly_widget import FigureWidget
from commsim.runs.figures import GROUP_PANELS, LOOP_PANELS, panel_title
from commsim.runs.labels import PERCENT_UNITS, metric_label, metric_unit, unit_label

LIVE_PANELS = (LOOP_PANELS[0], LOOP_PANELS[1], GROUP_PANELS[0], LOOP_PANELS[2])
WEEK_AXIS = "week"
# Width and height in pixels: Plotly sizes a widget before the page lays it out, so sizes are given.
PLOTS_SIZE = (820, 520)
# The figure's toolbar: a camera button saving the figure as SVG (vector) and as PNG (drawn in the browser).
DOWNLOAD_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "toImageButtonOptions": {"format": "svg", "filename": "commsim"},
}


def live_metrics() -> list[str]:
    """The metrics the live plots show, panel by panel."""
    return [metric for panel in LIVE_PANELS for metric in panel.metrics]


def _scale(panel_unit: str) -> float:
    return 100.0 if panel_unit in PERCENT_UNITS else 1.0


def live_figure(values: dict | None = None):
    """The four live panels, empty, as a Plotly figure widget.

    Args:
        values: The run's parameter values, filling windows the titles name.

    Returns:
        A :class:`~commsim.dashboard.plotly_widget.FigureWidget` with one line per metric, in
        :func:`live_metrics` order, each line's ``meta`` naming its metric.
    """
    titles = [panel_title(panel, values) for panel in LIVE_PANELS]
    figure = FigureWidget(
        make_subplots(rows=2, cols=2, subplot_titles=titles, vertical_spacing=0.2, horizontal_spacing=0.12)
    )
    for index, panel in enumerate(LIVE_PANELS):
        row, col = divmod(index, 2)
        for metric in panel.metrics:
            figure.add_scatter(
                x=[], y=[], mode="lines", name=metric_label(metric, values), meta=metric,
                legendgroup=str(index), row=row + 1, col=col + 1,
            )  # fmt: skip
        figure.update_xaxes(title_text=WEEK_AXIS, row=row + 1, col=col + 1, rangemode="tozero")
        figure.update_yaxes(title_text=unit_label(panel.unit), row=row + 1, col=col + 1, rangemode="tozero")
    figure.update_layout(
        width=PLOTS_SIZE[0],
        height=PLOTS_SIZE[1],
        margin={"l": 50, "r": 8, "t": 30, "b": 10},
        autosize=True,
        legend={"font": {"size": 10}, "orientation": "h", "y": -0.12, "x": 0},
        template="plotly_white",
        hovermode="x unified",
    )
    figure.update_annotations(font_size=12)
    return figure


def _panel_units() -> dict[str, str]:
    return {metric: panel.unit for panel in LIVE_PANELS for metric in panel.metrics}


def update_live(figure, model) -> None:
    """Send the run so far to the figure: each line's weeks and values, nothing else."""
    collected = model.datacollector.model_vars
    weeks = min(len(values) for values in collected.values())
    steps = np.arange(weeks)
    units = _panel_units()
    with figure.batch_update():
        for trace in figure.data:
            trace.x = steps
            trace.y = np.asarray(collected[trace.meta][:weeks], dtype=float) * _scale(units[trace.meta])
        for axis in ("xaxis", "xaxis2", "xaxis3", "xaxis4"):
            figure.layout[axis].range = [0, max(weeks - 1, 10)]


def live_table(model) -> pd.DataFrame:
    """The live plots' data: one row per week, one column per metric by its label and unit (shares in percent)."""
    collected = model.datacollector.model_vars
    weeks = min(len(values) for values in collected.values())
    table = {WEEK_AXIS: np.arange(weeks)}
    units = _panel_units()
    for metric in live_metrics():
        unit, label = metric_unit(metric), metric_label(metric, model.p)
        values = np.asarray(collected[metric][:weeks], dtype=float) * _scale(units[metric])
        table[f"{label} ({unit})" if unit else label] = values
    return pd.DataFrame(table)
