"""Network dynamics: initial ties are local and homophilous; ties fade without contact."""

from __future__ import annotations

import numpy as np
import pytest

from commsim import CommunityModel
from commsim.processes.network import INITIAL_STRENGTH, initial_network, initial_ties, weaken_ties
from commsim.state.layout import build_layout
from commsim.state.residents import draw_residents
from commsim.state.ties import Ties


def _toy_neighbourhood(n_buildings=20, per_building=30, buildings_per_compound=5):
    building = np.repeat(np.arange(n_buildings), per_building)
    building_start = np.arange(n_buildings + 1) * per_building
    compound_of_building = np.arange(n_buildings) // buildings_per_compound
    n_compounds = n_buildings // buildings_per_compound
    compound_building_start = np.arange(n_compounds + 1) * buildings_per_compound
    return building, building_start, compound_of_building, compound_building_start


@pytest.mark.parametrize("within", [0.3, 0.8])
def test_initial_ties_are_local_with_the_requested_degree_and_building_share(within):
    """Initial neighbourly ties: mean degree as set, a share within the building, the rest within the compound."""
    building, start, compound_of, compound_start = _toy_neighbourhood()
    key = np.random.default_rng(0).integers(0, 6, len(building))
    i, j = initial_ties(
        building,
        start,
        compound_of,
        compound_start,
        key,
        mean_degree=6.0,
        share_within_building=within,
        homophily=0.0,
        rng=np.random.default_rng(1),
    )
    ties = Ties(len(building))
    ties.strengthen(i, j, 0.5)
    a, b = ties.pairs
    assert np.all(compound_of[building[a]] == compound_of[building[b]])  # never beyond the compound
    # About mean_degree ties each; repeated and self pairs merge, so slightly fewer, never more.
    assert 0.85 * 6.0 <= 2 * len(ties) / len(building) <= 6.0
    # A compound partner lands in one's own building 1 time in 5 (5 equal buildings per compound).
    expected_within = within + (1 - within) / 5
    assert np.mean(building[a] == building[b]) == pytest.approx(expected_within, abs=0.04)


def test_initial_ties_homophily_raises_the_share_of_alike_ties():
    """Homophily (McPherson et al. 2001): a preference for similar partners makes ties more alike."""
    building, start, compound_of, compound_start = _toy_neighbourhood()
    key = np.random.default_rng(0).integers(0, 4, len(building))
    shares = []
    for homophily in (0.0, 0.5, 1.0):
        i, j = initial_ties(
            building,
            start,
            compound_of,
            compound_start,
            key,
            mean_degree=6.0,
            share_within_building=0.8,
            homophily=homophily,
            rng=np.random.default_rng(2),
        )
        keep = i != j
        shares.append(np.mean(key[i[keep]] == key[j[keep]]))
    assert shares[0] == pytest.approx(0.25, abs=0.03)  # chance level with 4 equal groups
    assert shares[0] < shares[1] < shares[2]
    # Two draws, prefer the alike one: P(alike) = 1 - (3/4)^2 = 7/16 at full homophily.
    assert shares[2] == pytest.approx(7 / 16, abs=0.03)


def test_ties_decay_without_contact_in_a_model_run():
    """MODEL_SPEC 2/3: ties decay without contact. With a 90% weekly decay and floor 0.9 nearly all ties dissolve."""
    model = CommunityModel(rng=3, n_residents=300, tie_decay_per_week=0.9, tie_floor=0.9)
    kept = CommunityModel(rng=3, n_residents=300, tie_decay_per_week=0.0, tie_floor=0.0)
    before = len(model.ties)
    assert before > 100
    model.step()
    kept.step()
    assert len(model.ties) < 0.1 * before
    assert len(kept.ties) > 0.8 * before
    assert np.all(kept.ties.strength > 0)


def test_the_initial_network_is_local_with_strengths_in_the_initial_range(params_for):
    params = params_for("old_inner_city", n_residents=600)
    rng = np.random.default_rng(4)
    layout = build_layout(params, rng)
    building = np.repeat(np.arange(layout.n_buildings), layout.building_residents)
    residents = draw_residents(building, params, rng)
    ties = initial_network(residents, layout, params, rng)
    i, j = ties.pairs
    assert len(ties) > 0.5 * params["initial_mean_degree"] * 600 / 2
    compound = layout.building_compound[residents.building]
    assert np.all(compound[i] == compound[j])
    low, high = INITIAL_STRENGTH
    assert np.all((ties.strength >= low) & (ties.strength <= 1.0)) and high == 1.0


def test_weaken_ties_applies_the_declared_decay_and_floor(params_for):
    ties = Ties(4)
    ties.strengthen(np.array([0, 1]), np.array([1, 2]), np.array([1.0, 0.105]))
    weaken_ties(ties, params_for(tie_decay_per_week=0.1, tie_floor=0.1))
    assert len(ties) == 1 and ties.strength[0] == pytest.approx(0.9)
