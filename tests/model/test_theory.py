"""Core mechanisms against the theory they implement (MODEL_SPEC section 7)."""

from __future__ import annotations

import numpy as np
import pytest

from commsim import CommunityModel
from commsim.activities import admit
from commsim.mechanisms import (
    bounded_confidence,
    conditional_contributions,
    distance_decay,
    incentive_pull,
    project_success_probability,
)
from commsim.mutual_aid import transfer_credits


def _clusters(epsilon: float, seed: int) -> int:
    rng = np.random.default_rng(seed)
    opinions = rng.random(500)
    final = bounded_confidence(opinions, epsilon=epsilon, mu=0.5, encounters=150_000, rng=rng)
    # Count clusters holding at least 2% of agents, as Deffuant et al. (2000) count major clusters.
    ordered = np.sort(final)
    breaks = np.flatnonzero(np.diff(ordered) > 0.02)
    sizes = np.diff(np.concatenate([[0], breaks + 1, [len(ordered)]]))
    return int(np.sum(sizes >= 10))


def test_bounded_confidence_consensus_for_large_epsilon():
    for seed in range(3):
        assert _clusters(0.5, seed) == 1


def test_bounded_confidence_fragments_for_small_epsilon_about_one_over_two_epsilon():
    counts = {eps: np.mean([_clusters(eps, s) for s in range(3)]) for eps in (0.4, 0.25, 0.15, 0.08)}
    assert counts[0.4] <= counts[0.25] <= counts[0.15] <= counts[0.08]
    assert counts[0.08] >= 4
    assert abs(counts[0.15] - 1 / (2 * 0.15)) <= 1.5


def test_bounded_confidence_leaves_input_alone_and_conserves_mean():
    rng = np.random.default_rng(1)
    opinions = rng.random(101)
    before = opinions.copy()
    final = bounded_confidence(opinions, epsilon=0.3, mu=0.3, encounters=5000, rng=rng)
    assert np.array_equal(opinions, before)
    assert final.mean() == pytest.approx(before.mean(), abs=1e-12)
    assert bounded_confidence(opinions, epsilon=0.0, mu=0.5, encounters=5000, rng=rng) == pytest.approx(before)


def test_bounded_confidence_counts_encounters_exactly():
    pair = np.array([0.4, 0.5])
    rng = np.random.default_rng(0)
    assert np.allclose(bounded_confidence(pair, epsilon=0.2, mu=0.5, encounters=1, rng=rng), [0.45, 0.45])
    assert np.array_equal(bounded_confidence(pair, epsilon=0.2, mu=0.5, encounters=0, rng=rng), pair)


def test_capacity_binds_and_priority_wins():
    sessions = np.array([0, 0, 0, 1, 1, 0])
    capacity = np.array([2, 5])
    priority = np.array([0.1, 0.9, 0.5, 0.2, 0.3, 0.7])
    admitted = admit(sessions, capacity, priority)
    assert admitted.tolist() == [False, True, False, True, True, True]


def test_credits_are_conserved_in_transfers_and_over_a_run_with_churn():
    credits = np.array([2.0, 0.0, 0.5, 0.0])
    pool = 1.0
    total = credits.sum() + pool
    pool, spent, donated = transfer_credits(credits, pool, np.array([0, 2]), np.array([1, 3]), 1.5)
    assert credits.sum() + pool == pytest.approx(total)
    assert spent == pytest.approx(1.5 + 0.5) and donated == pytest.approx(1.0)
    assert credits.tolist() == [0.5, 1.5, 0.0, 1.5] and pool == 0.0

    model = CommunityModel(
        rng=9, n_residents=400, profile="migrant_heavy", time_bank=True, migrant_turnover_per_year=2.0
    )
    start = model.time_credits_total()
    for _ in range(40):
        model.step()
    assert model.time_credits_total() == pytest.approx(start)
    assert model.credits_earned > 0


def test_distance_decay_halves_at_ln2_over_rate():
    assert distance_decay(np.log(2) / 0.87, 0.87) == pytest.approx(0.5)
    assert np.log(2) / 0.87 == pytest.approx(0.8, abs=0.01)


def test_production_function_accelerates_then_saturates():
    """Oliver-Marwell-Teixeira: convex (accelerating) up to the inflection, concave after."""
    half, g = 0.6, 2.5
    inflection = half * ((g - 1) / (g + 1)) ** (1 / g)
    below = project_success_probability(np.linspace(0.01, inflection, 12), half=half, acceleration=g)
    above = project_success_probability(np.linspace(inflection, 3.0, 12), half=half, acceleration=g)
    assert np.all(np.diff(below, 2) > 0) and np.all(np.diff(above, 2) < 0)
    assert project_success_probability(half, half=half, acceleration=g) == pytest.approx(0.5)


def test_conditional_cooperation_converges_to_its_fixed_point():
    types = np.repeat([0, 1, 2], [30, 50, 20])
    share = 0.9
    for _ in range(60):
        share = conditional_contributions(types, share, 1.0).mean()
    assert share == pytest.approx(0.2 / (1 - 0.5), abs=1e-6)


def test_small_rewards_crowd_out_large_rewards_pull():
    intrinsic = np.array([1.0])
    small = incentive_pull(0.5, weight=1.0, half_value=5.0, crowding_out=0.3, intrinsic=intrinsic)
    large = incentive_pull(50.0, weight=1.0, half_value=5.0, crowding_out=0.3, intrinsic=intrinsic)
    assert small[0] < 0 < large[0]
    assert incentive_pull(0.0, weight=1.0, half_value=5.0, crowding_out=0.3, intrinsic=intrinsic)[0] == 0
