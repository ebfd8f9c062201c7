"""The layout: walking minutes, centre placement and the 15-minute life circle."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

from commsim.state.layout import build_layout, life_circle_coverage, walking_minutes


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
