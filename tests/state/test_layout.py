"""The layout: walking minutes, centre placement and the 15-minute life circle."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

from commsim.config.presets import resolve_parameters
from commsim.state.layout import (
    OUTSIDE_OFFSET_M,
    build_layout,
    building_count,
    life_circle_coverage,
    walking_minutes,
)


def test_walking_minutes_is_distance_times_detour_over_speed():
    """Walking time: straight-line metres x route detour / speed."""
    origins = np.array([[0.0, 0.0], [30.0, 40.0]])
    destinations = np.array([[300.0, 400.0], [0.0, 0.0]])
    minutes = walking_minutes(origins, destinations, detour=1.3, speed_m_per_min=80.0)
    assert minutes.shape == (2, 2)
    assert minutes[0, 0] == pytest.approx(500 * 1.3 / 80)
    assert minutes[0, 1] == pytest.approx(0.0)
    assert minutes[1, 1] == pytest.approx(50 * 1.3 / 80)
    assert minutes[1, 0] == pytest.approx(450 * 1.3 / 80)


def _coverage(params_for, profile, seed, **overrides):
    layout = build_layout(params_for(profile, **overrides), np.random.default_rng(seed))
    return layout, life_circle_coverage(layout)


@pytest.mark.parametrize("profile", ["old_inner_city", "migrant_heavy", "new_commercial_estate"])
def test_a_centre_among_dense_buildings_covers_everyone(profile, params_for):
    """15-minute circle (800-1000 m): one central centre in a dense estate reaches every resident."""
    layout, coverage = _coverage(params_for, profile, 0, n_centres=1, centre_placement="central")
    assert coverage == 1.0
    assert layout.nearest_centre_minutes().max() <= 15.0


def test_an_edge_centre_in_a_village_leaves_residents_outside_the_circle(params_for):
    """A centre on the edge of a spread-out village covers fewer residents than one in the middle."""
    for seed in range(3):
        _, edge = _coverage(params_for, "semi_rural_village", seed, n_centres=1, centre_placement="edge")
        _, central = _coverage(params_for, "semi_rural_village", seed, n_centres=1, centre_placement="central")
        assert edge < central < 1.0
        assert edge < 0.5


@pytest.mark.parametrize("n_centres", [1, 2, 4, 5])
def test_outside_centres_stand_the_offset_beyond_the_edge_centres(n_centres, params_for):
    """Outside placement: each edge position moved OUTSIDE_OFFSET_M outwards, off the estate's square."""
    params = params_for("old_inner_city", n_centres=n_centres, centre_placement="edge")
    edge = build_layout(params, np.random.default_rng(4))
    outside = build_layout({**params, "centre_placement": "outside"}, np.random.default_rng(4))
    shift = outside.centre_xy - edge.centre_xy
    assert np.allclose(np.linalg.norm(shift, axis=1), OUTSIDE_OFFSET_M)
    extent = outside.extent_m
    beyond = np.maximum(-outside.centre_xy, outside.centre_xy - extent).max(axis=1)
    assert np.allclose(beyond, OUTSIDE_OFFSET_M)
    assert np.array_equal(outside.building_xy, edge.building_xy)


@pytest.mark.parametrize("profile", ["old_inner_city", "migrant_heavy", "new_commercial_estate"])
def test_centres_outside_a_dense_estate_leave_it_beyond_the_circle(profile, params_for):
    """A dense estate wholly covered by any centre of its own is wholly uncovered by centres a kilometre out."""
    for placement in ("central", "spread", "edge"):
        _, inside = _coverage(params_for, profile, 0, n_centres=4, centre_placement=placement)
        assert inside == 1.0
    layout, outside = _coverage(params_for, profile, 0, n_centres=4, centre_placement="outside")
    assert outside == 0.0
    assert layout.nearest_centre_minutes().min() > 15.0


@pytest.mark.parametrize("n_centres", [1, 2, 3, 4, 6])
def test_spread_placement_covers_at_least_as_many_as_edge_placement(n_centres, params_for):
    """Spreading centres over the residents (k-means) is the coverage-maximising choice."""
    for seed in range(3):
        _, spread = _coverage(params_for, "semi_rural_village", seed, n_centres=n_centres, centre_placement="spread")
        _, edge = _coverage(params_for, "semi_rural_village", seed, n_centres=n_centres, centre_placement="edge")
        assert spread >= edge


def test_coverage_counts_residents_within_fifteen_minutes(params_for):
    """Coverage is the resident-weighted share of buildings whose nearest centre is <= 15 minutes away."""
    layout, coverage = _coverage(params_for, "semi_rural_village", 1, n_centres=2, centre_placement="central")
    within = layout.centre_minutes.min(axis=1) <= 15.0
    assert coverage == pytest.approx(layout.building_residents[within].sum() / layout.building_residents.sum())
    assert layout.building_residents.sum() == layout.building_start[-1] == 2000
    _, none = _coverage(params_for, "semi_rural_village", 1, n_centres=0)
    assert none == 0.0


def test_near_centre_weights_follow_distance_decay(params_for):
    """Residents choose among their nearest centres with weights exp(-rate*km): nearer is likelier."""
    params = params_for("semi_rural_village", n_centres=4, centre_placement="spread")
    layout = build_layout(params, np.random.default_rng(0))
    weights = layout.near_centre_weights
    assert weights.sum(axis=1) == pytest.approx(np.ones(layout.n_buildings))
    minutes = np.take_along_axis(layout.centre_minutes, layout.near_centres, axis=1)
    km = minutes * params["walking_speed_m_per_min"] / 1000
    ratio = weights[:, 1] / weights[:, 0]
    assert ratio == pytest.approx(np.exp(-params["distance_decay_per_km"] * (km[:, 1] - km[:, 0])))
    assert np.all(km[:, 0] <= km[:, 1] + 1e-9)


def test_many_spread_centres_are_distinct_and_cover_the_area_evenly():
    """Beyond the k-means++ limit, centres start from random buildings: still spread, none merged."""
    from commsim.state.layout import KMEANS_PLUS_PLUS_LIMIT, place_centres

    rng = np.random.default_rng(3)
    side = np.arange(60) * 50.0
    building_xy = np.array([(x, y) for x in side for y in side])
    count = KMEANS_PLUS_PLUS_LIMIT + 36
    xy = place_centres(count, "spread", building_xy, np.full(len(building_xy), 60), 3000.0, rng)
    assert xy.shape == (count, 2) and len(np.unique(xy.round(3), axis=0)) == count
    assert np.all((xy >= 0) & (xy <= 3000.0))
    # Every building has a centre within a few grid spacings (a 10 x 10 lattice would give 212 m).
    nearest = cKDTree(xy).query(building_xy)[0]
    assert nearest.max() < 450.0


@pytest.mark.parametrize("n_residents", [None, 2000])
def test_a_street_of_compounds_is_partly_inside_the_circle_and_its_walks_span_two_kilometres(n_residents, params_for):
    """The street profile at its own size and scaled down on the same map: one central centre
    covers part of the street but not all, and walks to it run from near 0 to about 2 km."""
    params = params_for("putuo_street", **({} if n_residents is None else {"n_residents": n_residents}))
    assert 20_000 <= resolve_parameters("putuo_street", "baseline", {})["n_residents"] <= 60_000
    layout = build_layout(params, np.random.default_rng(0))
    km = layout.nearest_centre_minutes() * params["walking_speed_m_per_min"] / 1000.0
    assert 0.0 < life_circle_coverage(layout) < 1.0
    assert km.min() < 0.3 and 1.5 < km.max() <= 2.0
    assert 1000.0 <= layout.extent_m <= 2000.0 * 1.05 and layout.n_compounds >= 20
    spread = build_layout(params_for("putuo_street", n_centres=4, centre_placement="spread"), np.random.default_rng(0))
    assert life_circle_coverage(spread) > life_circle_coverage(layout)


def test_scaling_a_street_down_keeps_its_map():
    """map_residents: fewer residents, same buildings, compounds and positions."""
    full = resolve_parameters("putuo_street", "baseline", {})
    small = resolve_parameters("putuo_street", "baseline", {"n_residents": 2000})
    big, little = (build_layout(p, np.random.default_rng(4)) for p in (full, small))
    assert small["n_residents"] == 2000 and big.n_buildings == little.n_buildings
    assert np.array_equal(big.building_compound, little.building_compound)
    assert np.allclose(big.building_xy, little.building_xy)


def test_a_gap_between_compounds_sets_them_apart_and_none_leaves_the_estate_as_it_was(params_for):
    """Buildings of different compounds stand at least the gap apart; without a gap the lattice is unchanged."""
    dense = params_for("old_inner_city")
    assert dense["compound_gap_m"] == 0.0
    gap = 300.0
    plain = build_layout(dense, np.random.default_rng(2))
    spread = build_layout({**dense, "compound_gap_m": gap}, np.random.default_rng(2))
    assert np.array_equal(plain.building_compound, spread.building_compound)
    moved = spread.building_xy - plain.building_xy
    assert np.allclose(np.round(moved / gap), moved / gap)  # whole gaps: one per block boundary crossed
    different = spread.building_compound[:, None] != spread.building_compound[None, :]
    distance = np.sqrt(((spread.building_xy[:, None] - spread.building_xy[None]) ** 2).sum(-1))
    assert distance[different].min() >= gap
    assert spread.extent_m > plain.extent_m


@pytest.mark.parametrize(
    ("n_residents", "per_building", "map_residents", "expected"),
    [(2000, 60, 0, 33), (2000, 60, 30000, 500), (30000, 60, 30000, 500), (300, 60, 30000, 300), (10, 60, 0, 1)],
)
def test_the_map_is_drawn_for_map_residents_down_to_one_resident_a_building(
    n_residents, per_building, map_residents, expected
):
    assert building_count(n_residents, per_building, map_residents) == expected
