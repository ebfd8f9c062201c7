"""The Explore map: per-building numbers match the model's residents, ties and centres."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patches import Circle

from commsim.dashboard.mapview import building_links, building_table, draw_map, life_circle_radius_m
from commsim.metrics import recent_participation
from commsim.model import CommunityModel


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
def test_the_map_draws_buildings_centres_and_optionally_ties(model, colour_by, show_ties):
    figure = draw_map(model, colour_by=colour_by, show_ties=show_ties)
    assert isinstance(figure, Figure)
    axis = figure.axes[0]
    assert f"Week {model.steps}" in axis.get_title()
    circles = [patch for patch in axis.patches if isinstance(patch, Circle)]
    assert len(circles) == model.layout.n_centres == 2
    assert circles[0].get_radius() == pytest.approx(life_circle_radius_m(model.p))
    lines = [collection for collection in axis.collections if isinstance(collection, LineCollection)]
    assert len(lines) == (1 if show_ties else 0)
    if show_ties:
        assert len(lines[0].get_segments()) == len(building_links(model))
    buildings = axis.collections[-2] if model.layout.n_centres else axis.collections[-1]
    colours = buildings.get_array()
    assert np.allclose(colours, building_table(model)[colour_by].to_numpy())
    assert figure.axes[1].get_ylabel().startswith("Took part" if colour_by == "participation" else "Belonging")


def test_an_unknown_colouring_is_refused(model):
    with pytest.raises(ValueError, match="colour_by must be one of participation, belonging, not 'trust'"):
        draw_map(model, colour_by="trust")
