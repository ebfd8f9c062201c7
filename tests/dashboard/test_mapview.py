"""The Explore map: per-building numbers match the model's residents, ties and centres."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest

from commsim.dashboard.mapview import (
    BUILDINGS_TRACE,
    TIE_CLASSES,
    building_links,
    building_residents,
    building_table,
    circles_note,
    life_circle_radius_m,
    map_figure,
    map_ranges,
    update_map,
)
from commsim.metrics import recent_participation
from commsim.model import CommunityModel
from commsim.runs.labels import format_number


@pytest.fixture(scope="module")
def model() -> CommunityModel:
    built = CommunityModel(rng=3, n_residents=300, profile="old_inner_city", policy="acquaintance", n_centres=2)
    for _ in range(10):
        built.step()
    return built


def test_every_resident_is_counted_in_exactly_one_building(model):
    table = building_table(model)
    assert len(table) == model.layout.n_buildings
    assert table["residents"].sum() == len(model.residents) == 300
    assert (table["residents"].to_numpy() == np.bincount(model.residents.building)).all()
    assert np.allclose(table[["x", "y"]].to_numpy(), model.layout.building_xy)


def test_shares_lie_between_zero_and_one(model):
    table = building_table(model)
    for column in ("participation", "belonging"):
        assert table[column].between(0, 1).all(), column
    assert table["participation"].max() > 0, "after ten weeks someone has taken part"


def test_participation_share_is_the_share_of_residents_who_took_part_recently(model):
    recent = recent_participation(model.residents, model.steps, model.p["recent_window_weeks"])
    took_part = recent["activities"] | recent["deliberation"] | recent["mutual_aid"]
    building = model.residents.building
    table = building_table(model)
    for index in range(model.layout.n_buildings):
        here = building == index
        expected_participation = took_part[here].sum() / here.sum() if here.any() else 0.0
        expected_belonging = model.residents.belonging[here].mean() if here.any() else 0.0
        assert table["participation"].iloc[index] == pytest.approx(expected_participation)
        assert table["belonging"].iloc[index] == pytest.approx(expected_belonging)


def test_links_count_the_ties_between_different_buildings(model):
    i, j = model.ties.pairs
    building = model.residents.building
    expected = Counter(
        (min(building[a], building[b]), max(building[a], building[b]))
        for a, b in zip(i.tolist(), j.tolist(), strict=True)
        if building[a] != building[b]
    )
    links = building_links(model)
    assert len(expected) > 0, "the test model must have ties across buildings"
    assert (links["a"] < links["b"]).all()
    found = {(int(a), int(b)): int(ties) for a, b, ties in links[["a", "b", "ties"]].itertuples(index=False)}
    assert found == dict(expected)
    assert links["ties"].sum() == sum(expected.values())


def test_no_ties_across_buildings_gives_an_empty_table(model, monkeypatch):
    same = np.zeros(len(model.residents), dtype=int)
    monkeypatch.setattr(model.residents, "building", same)
    links = building_links(model)
    assert links.empty and list(links.columns) == ["a", "b", "ties"]


def test_the_life_circle_radius_is_a_quarter_hour_walk_corrected_for_detours(model):
    assert life_circle_radius_m({"walking_speed_m_per_min": 80.0, "route_detour": 1.25}) == pytest.approx(960.0)
    expected = 15 * model.p["walking_speed_m_per_min"] / model.p["route_detour"]
    assert life_circle_radius_m(model.p) == pytest.approx(expected)


@pytest.mark.parametrize("colour_by", ["participation", "belonging"])
@pytest.mark.parametrize("show_ties", [False, True])
def test_the_map_draws_buildings_centres_circles_and_optionally_ties(model, colour_by, show_ties):
    figure = map_figure(model, colour_by=colour_by, show_ties=show_ties)
    assert figure.layout.title.text == f"Map at week {model.steps}"
    circles = [shape for shape in figure.layout.shapes if shape.type == "circle"]
    assert len(circles) == model.layout.n_centres == 2
    radius = life_circle_radius_m(model.p)
    assert (circles[0].x1 - circles[0].x0) / 2 == pytest.approx(radius)
    assert (circles[0].x0 + circles[0].x1) / 2 == pytest.approx(model.layout.centre_xy[0, 0])
    ties = figure.data[: len(TIE_CLASSES)]
    assert all(trace.visible is show_ties for trace in ties)
    drawn = sum(list(trace.x).count(None) for trace in ties if trace.x)
    assert drawn == (len(building_links(model)) if show_ties else 0)
    buildings = next(trace for trace in figure.data if trace.meta == BUILDINGS_TRACE)
    assert np.allclose(buildings.marker.color, building_table(model)[colour_by].to_numpy())
    assert buildings.marker.colorbar.title.text.startswith("Took part" if colour_by == "participation" else "Belonging")
    assert figure.layout.xaxis.title.text and figure.layout.yaxis.title.text
    names = {trace.name for trace in figure.data} | {shape.name for shape in figure.layout.shapes if shape.showlegend}
    assert {"neighbourhood centre", "15-minute walk from a centre"} <= names


def test_the_whole_circles_view_contains_every_circle(model):
    radius = life_circle_radius_m(model.p)
    assert radius > model.layout.extent_m, "a dense estate: the circle is wider than the estate"
    (x_low, x_high), (y_low, y_high) = map_ranges(model, whole_circles=True)
    for x, y in model.layout.centre_xy:
        assert x_low <= x - radius and x + radius <= x_high
        assert y_low <= y - radius and y + radius <= y_high
    (x_low, x_high), _ = map_ranges(model, whole_circles=False)
    extent, centres_x = model.layout.extent_m, model.layout.centre_xy[:, 0]
    assert x_low < min(0, centres_x.min()) and max(extent, centres_x.max()) < x_high
    assert "wider than the whole estate" in circles_note(model)


def test_centres_outside_the_estate_stay_on_the_map():
    outside = CommunityModel(rng=3, n_residents=300, profile="old_inner_city", n_centres=2, centre_placement="outside")
    (x_low, x_high), (y_low, y_high) = map_ranges(outside, whole_circles=False)
    margin = 0.04 * (x_high - x_low)  # markers whole: each centre well inside the edge of the map
    for x, y in outside.layout.centre_xy:
        assert x_low + margin < x < x_high - margin and y_low + margin < y < y_high - margin
    assert x_low < 0 < outside.layout.extent_m < x_high
    assert "reaching 0% of residents" in circles_note(outside)
    assert "beyond a 15-minute walk from every building" in circles_note(outside)
    assert "wider than the whole estate" not in circles_note(outside)


def test_a_map_with_every_centre_inside_the_estate_shows_the_estate_alone():
    spread = CommunityModel(rng=3, n_residents=300, profile="old_inner_city", n_centres=3, centre_placement="spread")
    (x_low, x_high), (y_low, y_high) = map_ranges(spread, whole_circles=False)
    extent = spread.layout.extent_m
    assert [x_low, x_high, y_low, y_high] == pytest.approx([-0.05 * extent, 1.05 * extent] * 2)


def test_a_new_week_moves_the_colours_and_nothing_else(model):
    figure = map_figure(model)
    shapes = figure.layout.shapes
    before = list(next(trace for trace in figure.data if trace.meta == BUILDINGS_TRACE).marker.color)
    stepped = CommunityModel(rng=3, n_residents=300, profile="old_inner_city", policy="acquaintance", n_centres=2)
    for _ in range(11):
        stepped.step()
    update_map(figure, stepped, colour_by="participation", show_ties=False)
    after = next(trace for trace in figure.data if trace.meta == BUILDINGS_TRACE).marker.color
    assert np.allclose(after, building_table(stepped)["participation"]) and list(after) != before
    assert figure.layout.shapes == shapes and figure.layout.title.text == "Map at week 11"


def test_a_community_without_a_centre_sends_the_browser_valid_json(model):
    """No centre, no walk: the hover says so in words, and no NaN reaches the widget (the browser drops those)."""
    bare = CommunityModel(rng=3, n_residents=300, profile="old_inner_city", policy="no_levers")
    bare.step()
    for built, walks in ((bare, {"no centre"}), (model, None)):
        buildings = next(trace for trace in map_figure(built).data if trace.meta == BUILDINGS_TRACE)
        json.dumps([list(row) for row in buildings.customdata], allow_nan=False)  # a NaN would raise
        shown = {row[4] for row in buildings.customdata}
        assert shown == walks if walks else all(walk.endswith(" min") for walk in shown), shown


def test_the_inspector_shows_every_resident_of_a_building_in_plain_words(model):
    building = 1
    table = building_residents(model, building)
    slots = np.flatnonzero(model.residents.building == building)
    assert list(table["Resident"]) == [str(slot) for slot in slots]
    assert set(table["Age group"]) <= {"18-34", "35-59", "60 and over"}
    assert list(table["Belonging (0-1)"]) == [format_number(value) for value in model.residents.belonging[slots]]
    assert not any("_" in column for column in table.columns)
    with pytest.raises(ValueError, match="building must be from 0 to"):
        building_residents(model, model.layout.n_buildings)


def test_an_unknown_colouring_is_refused(model):
    with pytest.raises(ValueError, match="colour_by must be one of participation, belonging, not 'trust'"):
        map_figure(model, colour_by="trust")
