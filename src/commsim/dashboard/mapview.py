"""The Explore page's map, drawn in the browser: buildings, centres, walking circles, ties.

Plumbing only: it reads the model's state and describes it as a Plotly figure, a vector
figure the browser draws. A page builds the figure once (:func:`map_figure`) and then only
moves what changes each week (:func:`update_map`): the buildings' colours and, when shown,
the ties. The figure carries its legend, axis titles and colour bar; hovering a building
shows its numbers and clicking it opens the inspector (:func:`building_residents`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from commsim.dashboard.plotly_widget import FigureWidget
from commsim.metrics import recent_participation
from commsim.runs.labels import format_number, metric_label
from commsim.state.layout import LIFE_CIRCLE_MINUTES, life_circle_coverage
from commsim.state.residents import CATEGORY_LABELS, NEVER, STATE_LABELS

# What the buildings can be coloured by: the metric whose per-building value is shown.
COLOUR_BY = {"participation": "rate_any", "belonging": "mean_belonging"}
# Ties across buildings drawn in three widths, by how many ties join a pair of buildings.
TIE_CLASSES = (("few ties", 1.0), ("some ties", 2.5), ("many ties", 4.5))
BUILDINGS_TRACE = "buildings"
CENTRE_COLOUR = "#d62728"
# Width and height in pixels: Plotly sizes a widget before the page lays it out, so sizes are given.
MAP_SIZE = (460, 440)


def map_title(week: int) -> str:
    """The map's title, naming the week it shows."""
    return f"Map at week {week}"


def colour_label(colour_by: str, values: dict | None = None) -> str:
    """The colour bar's label: the metric's declared label, per building."""
    return f"{metric_label(COLOUR_BY[colour_by], values)} (building average)"


def building_table(model) -> pd.DataFrame:
    """One row per building: position, residents, recent participation, mean belonging, walk to a centre.

    Args:
        model: A :class:`commsim.CommunityModel`.

    Returns:
        Columns ``x``, ``y`` (metres), ``residents``, ``participation``, ``belonging`` and
        ``centre_minutes`` (walking minutes to the nearest centre, inf without one).
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
            "centre_minutes": layout.nearest_centre_minutes(),
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


def map_ranges(model, *, whole_circles: bool) -> tuple[list[float], list[float]]:
    """The map's x and y ranges in metres: the estate and its centres, or those and every whole walking circle."""
    extent = model.layout.extent_m
    low, high = np.array([-0.05 * extent] * 2), np.array([1.05 * extent] * 2)
    if model.layout.n_centres:  # centres placed outside the estate stay on the map, markers whole
        centres = model.layout.centre_xy
        margin = 0.05 * max(extent, 2 * float(np.abs(centres - extent / 2).max()))
        low = np.minimum(low, centres.min(axis=0) - margin)
        high = np.maximum(high, centres.max(axis=0) + margin)
    if whole_circles and model.layout.n_centres:
        radius = life_circle_radius_m(model.p)
        low = np.minimum(low, model.layout.centre_xy.min(axis=0) - 1.05 * radius)
        high = np.maximum(high, model.layout.centre_xy.max(axis=0) + 1.05 * radius)
    side = float((high - low).max())  # square, so the circles stay round
    middle = (low + high) / 2
    return [float(middle[0] - side / 2), float(middle[0] + side / 2)], [
        float(middle[1] - side / 2),
        float(middle[1] + side / 2),
    ]


def circles_note(model) -> str:
    """A line under the map saying what the walking circles cover, and when they reach beyond the estate."""
    if model.layout.n_centres == 0:
        return "No centre: nobody is within a 15-minute walk of one."
    radius = life_circle_radius_m(model.p)
    covered = life_circle_coverage(model.layout)
    note = f"Shaded circles: a 15-minute walk from a centre ({radius:,.0f} m), reaching {covered:.0%} of residents."
    if covered == 0:
        note += " Every centre stands beyond a 15-minute walk from every building."
    elif radius > model.layout.extent_m:
        note += (
            f" The circle is wider than the whole estate ({model.layout.extent_m:,.0f} m across):"
            " tick 'whole walking circles' to see it all."
        )
    return note


def _circle_shapes(model) -> list[dict[str, Any]]:
    radius = life_circle_radius_m(model.p)
    shapes = []
    for index, (x, y) in enumerate(model.layout.centre_xy):
        shapes.append(
            {
                "type": "circle",
                "xref": "x",
                "yref": "y",
                "x0": x - radius,
                "x1": x + radius,
                "y0": y - radius,
                "y1": y + radius,
                "line": {"color": CENTRE_COLOUR, "dash": "dash", "width": 1.5},
                "fillcolor": "rgba(214, 39, 40, 0.07)",
                "layer": "below",
                "name": "15-minute walk from a centre",
                "legendgroup": "circles",
                "showlegend": index == 0,
            }
        )
    extent = model.layout.extent_m
    shapes.append(
        {
            "type": "rect",
            "x0": 0,
            "y0": 0,
            "x1": extent,
            "y1": extent,
            "line": {"color": "#888", "dash": "dot", "width": 1},
            "layer": "below",
            "name": "edge of the estate",
            "showlegend": True,
        }
    )
    return shapes


def tie_segments(model, links: pd.DataFrame | None = None) -> list[tuple[list[float | None], list[float | None]]]:
    """Polylines of the ties across buildings, one per class of :data:`TIE_CLASSES`, broken by None."""
    links = building_links(model) if links is None else links
    xy = model.layout.building_xy
    classes: list[tuple[list[float | None], list[float | None]]] = [([], []) for _ in TIE_CLASSES]
    if len(links) == 0:
        return classes
    share = links["ties"].to_numpy() / links["ties"].max()
    which = np.minimum((share * len(TIE_CLASSES)).astype(int), len(TIE_CLASSES) - 1)
    for (a, b), group in zip(links[["a", "b"]].to_numpy(), which, strict=True):
        xs, ys = classes[group]
        xs.extend([float(xy[a, 0]), float(xy[b, 0]), None])
        ys.extend([float(xy[a, 1]), float(xy[b, 1]), None])
    return classes


def map_figure(
    model,
    *,
    colour_by: str = "participation",
    show_ties: bool = False,
    whole_circles: bool = False,
    on_building: Callable[[int], None] | None = None,
):
    """The map as a Plotly figure widget, drawn for the model's current week.

    Args:
        model: A :class:`commsim.CommunityModel`.
        colour_by: ``participation`` or ``belonging``.
        show_ties: Draw ties across buildings (three widths by number of ties).
        whole_circles: Zoom out to show every whole walking circle.
        on_building: Called with a building's index when it is clicked in the browser.

    Returns:
        A :class:`~commsim.dashboard.plotly_widget.FigureWidget`; its buildings trace has ``meta``
        :data:`BUILDINGS_TRACE`.

    Raises:
        ValueError: On an unknown ``colour_by``.
    """
    if colour_by not in COLOUR_BY:
        raise ValueError(f"colour_by must be one of {', '.join(COLOUR_BY)}, not {colour_by!r}")
    figure = FigureWidget()
    for name, width in TIE_CLASSES:
        figure.add_scatter(
            x=[], y=[], mode="lines", name=f"ties across buildings: {name}", line={"width": width, "color": "#555"},
            opacity=0.45, hoverinfo="skip", visible=show_ties, legendgroup="ties",
        )  # fmt: skip
    buildings = building_table(model)
    figure.add_scatter(
        x=buildings["x"],
        y=buildings["y"],
        mode="markers",
        name="building (size: residents)",
        marker={
            "symbol": "square",
            "size": 9 + 14 * buildings["residents"] / max(buildings["residents"].max(), 1),
            "cmin": 0,
            "cmax": 1,
            "colorscale": "Viridis",
            "showscale": True,
            "line": {"width": 0.6, "color": "#333"},
            "colorbar": {"title": {"text": colour_label(colour_by, model.p), "side": "right"}, "tickformat": ".0%"},
        },
        meta=BUILDINGS_TRACE,
    )
    figure.add_scatter(
        x=model.layout.centre_xy[:, 0],
        y=model.layout.centre_xy[:, 1],
        mode="markers",
        name="neighbourhood centre",
        marker={"symbol": "star", "size": 18, "color": CENTRE_COLOUR, "line": {"width": 1, "color": "white"}},
        hovertemplate="neighbourhood centre<extra></extra>",
    )
    x_range, y_range = map_ranges(model, whole_circles=whole_circles)
    figure.update_layout(
        shapes=_circle_shapes(model),
        xaxis={"title": {"text": "metres east"}, "range": x_range, "constrain": "domain"},
        yaxis={"title": {"text": "metres north"}, "range": y_range, "scaleanchor": "x", "scaleratio": 1},
        legend={"orientation": "h", "y": -0.18, "x": 0, "font": {"size": 10}},
        margin={"l": 50, "r": 10, "t": 30, "b": 10},
        width=MAP_SIZE[0],
        height=MAP_SIZE[1],
        clickmode="event",
        dragmode="pan",
        template="plotly_white",
    )
    update_map(figure, model, colour_by=colour_by, show_ties=show_ties)
    if on_building is not None:
        figure.data[len(TIE_CLASSES)].on_click(
            lambda _trace, points, _state: points.point_inds and on_building(int(points.point_inds[0]))
        )
    return figure


def update_map(figure, model, *, colour_by: str, show_ties: bool) -> None:
    """Move the map to the model's current week: buildings' colours and hover text, and the ties if shown."""
    buildings = building_table(model)
    values = buildings[colour_by].to_numpy()
    # The walk as text: a community without a centre has no walk, and a NaN in what the
    # widget sends is not JSON, so the browser would drop the whole update (colours too).
    walk = [f"{minutes:.1f} min" if np.isfinite(minutes) else "no centre" for minutes in buildings["centre_minutes"]]
    custom = list(zip(range(len(buildings)), buildings["residents"].tolist(),
                      (buildings["participation"] * 100).tolist(), buildings["belonging"].tolist(), walk,
                      strict=True))  # fmt: skip
    with figure.batch_update():
        figure.layout.title = {"text": map_title(model.steps), "x": 0.01, "y": 0.99, "font": {"size": 13}}
        trace = next(trace for trace in figure.data if trace.meta == BUILDINGS_TRACE)
        trace.marker.color = values
        trace.customdata = custom
        trace.hovertemplate = (
            "building %{customdata[0]}<br>%{customdata[1]} residents<br>"
            + metric_label("rate_any", model.p)
            + ": %{customdata[2]:.0f}%<br>Belonging: %{customdata[3]:.2f}"
            + "<br>walk to the nearest centre: %{customdata[4]}<extra>click for its residents</extra>"
        )
        segments = tie_segments(model) if show_ties else [([], []) for _ in TIE_CLASSES]
        for tie_trace, (xs, ys) in zip(figure.data[: len(TIE_CLASSES)], segments, strict=True):
            tie_trace.x, tie_trace.y, tie_trace.visible = xs, ys, show_ties


def _state_text(name: str, value: Any) -> str:
    if name in CATEGORY_LABELS:
        return CATEGORY_LABELS[name][int(value)]
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    return format_number(float(value))


def building_residents(model, building: int) -> pd.DataFrame:
    """The state of every resident of one building, one row each, in plain words.

    Args:
        model: A :class:`commsim.CommunityModel`.
        building: A building index.

    Returns:
        A "Resident" column (the resident's slot number) and one column per
        :data:`commsim.state.residents.STATE_LABELS` entry, headed by its label.

    Raises:
        ValueError: If there is no such building.
    """
    if not 0 <= building < model.layout.n_buildings:
        raise ValueError(f"building must be from 0 to {model.layout.n_buildings - 1}, not {building}")
    residents = model.residents
    slots = np.flatnonzero(residents.building == building)
    last = residents.last_any()[slots]
    columns: dict[str, list[str]] = {"Resident": [str(slot) for slot in slots]}
    for name, label in STATE_LABELS.items():
        if name == "needs":
            raw = residents.needs[slots]
        elif name == "last_any":
            columns[label] = ["never" if step <= NEVER // 2 else str(model.steps - step) for step in last]
            continue
        else:
            raw = getattr(residents, name)[slots]
        columns[label] = [_state_text(name, value) for value in raw]
    return pd.DataFrame(columns)
