"""The Explore page's map: buildings coloured by participation or belonging, centres, ties.

Plumbing only: it reads the model's state and draws it. Figures are built on
``matplotlib.figure.Figure`` (not pyplot), so concurrent browser sessions never share a
current figure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patches import Circle

from commsim.metrics import recent_participation
from commsim.runs.labels import metric_label
from commsim.state.layout import LIFE_CIRCLE_MINUTES, life_circle_coverage

# What the buildings can be coloured by: the metric whose per-building value is shown.
COLOUR_BY = {"participation": "rate_any", "belonging": "mean_belonging"}


def colour_label(colour_by: str, values: dict | None = None) -> str:
    """The colour bar's label: the metric's declared label, per building."""
    return f"{metric_label(COLOUR_BY[colour_by], values)} (building average)"


def building_table(model) -> pd.DataFrame:
    """One row per building: position, residents, recent participation and mean belonging.

    Args:
        model: A :class:`commsim.CommunityModel`.

    Returns:
        Columns ``x``, ``y`` (metres), ``residents``, ``participation`` and ``belonging``.
    """
    residents, layout = model.residents, model.layout
    recent = recent_participation(residents, model.steps, model.p["recent_window_weeks"])
    took_part = recent["activities"] | recent["deliberation"] | recent["mutual_aid"]
    building = residents.building
    count = np.bincount(building, minlength=layout.n_buildings)
    safe = np.maximum(count, 1)
    return pd.DataFrame(
        {
            "x": layout.building_xy[:, 0],
            "y": layout.building_xy[:, 1],
            "residents": count,
            "participation": np.bincount(building, weights=took_part, minlength=layout.n_buildings) / safe,
            "belonging": np.bincount(building, weights=residents.belonging, minlength=layout.n_buildings) / safe,
        }
    )


def building_links(model) -> pd.DataFrame:
    """Ties between residents of different buildings, counted per pair of buildings.

    Args:
        model: A :class:`commsim.CommunityModel`.

    Returns:
        Columns ``a`` and ``b`` (building indices, ``a < b``) and ``ties``.
    """
    i, j = model.ties.pairs
    building = model.residents.building
    a, b = building[i], building[j]
    across = a != b
    low, high = np.minimum(a[across], b[across]), np.maximum(a[across], b[across])
    if len(low) == 0:
        return pd.DataFrame({"a": [], "b": [], "ties": []}, dtype=int)
    pairs, counts = np.unique(np.stack([low, high], axis=1), axis=0, return_counts=True)
    return pd.DataFrame({"a": pairs[:, 0], "b": pairs[:, 1], "ties": counts})


def life_circle_radius_m(params: dict) -> float:
    """Straight-line radius of the 15-minute walking circle, allowing for route detours."""
    return LIFE_CIRCLE_MINUTES * params["walking_speed_m_per_min"] / params["route_detour"]


def draw_map(model, *, colour_by: str = "participation", show_ties: bool = False) -> Figure:
    """Draw the neighbourhood.

    Args:
        model: A :class:`commsim.CommunityModel`.
        colour_by: ``participation`` or ``belonging``.
        show_ties: Draw ties across buildings (line width by number of ties).

    Returns:
        The figure.

    Raises:
        ValueError: On an unknown ``colour_by``.
    """
    if colour_by not in COLOUR_BY:
        raise ValueError(f"colour_by must be one of {', '.join(COLOUR_BY)}, not {colour_by!r}")
    buildings = building_table(model)
    layout = model.layout
    figure = Figure(figsize=(5.6, 5.0), dpi=72)
    figure.subplots_adjust(left=0.1, right=0.98, bottom=0.1, top=0.93)
    axis = figure.add_subplot()
    if show_ties:
        links = building_links(model)
        if len(links):
            xy = layout.building_xy
            widths = 0.4 + 2.5 * links["ties"].to_numpy() / links["ties"].max()
            segments = np.stack([xy[links["a"].to_numpy()], xy[links["b"].to_numpy()]], axis=1)
            axis.add_collection(LineCollection(segments, linewidths=widths, colors="0.35", alpha=0.35, zorder=1))
    size = 30 + 120 * buildings["residents"] / max(buildings["residents"].max(), 1)
    points = axis.scatter(
        buildings["x"],
        buildings["y"],
        c=buildings[colour_by],
        s=size,
        marker="s",
        cmap="viridis",
        vmin=0,
        vmax=1,
        edgecolors="0.2",
        linewidths=0.4,
        zorder=2,
    )
    radius = life_circle_radius_m(model.p)
    for x, y in layout.centre_xy:
        axis.add_patch(Circle((x, y), radius, fill=False, linestyle="--", color="tab:red", linewidth=1.2, zorder=3))
    if layout.n_centres:
        axis.scatter(*layout.centre_xy.T, marker="*", s=260, color="tab:red", edgecolors="white", zorder=4)
    axis.set_xlim(-0.05 * layout.extent_m, 1.05 * layout.extent_m)
    axis.set_ylim(-0.05 * layout.extent_m, 1.05 * layout.extent_m)
    axis.set_aspect("equal")
    axis.set_xlabel("metres")
    covered = life_circle_coverage(layout)
    axis.set_title(
        f"Week {model.steps} · ★ centres, dashed circles: 15-minute walk ({covered:.0%} of residents inside)",
        fontsize=9,
    )
    figure.colorbar(points, ax=axis, shrink=0.8, pad=0.02, label=colour_label(colour_by, model.p))
    return figure
