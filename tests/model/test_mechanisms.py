"""The canonical mechanisms of commsim.mechanisms checked against the theory they implement.

MODEL_SPEC section 7: bounded confidence (Deffuant, Neau, Amblard & Weisbuch 2000),
threshold models (Granovetter 1978), the accelerating production function of collective
action (Oliver, Marwell & Teixeira 1985), conditional cooperation (Fischbacher, Gaechter &
Fehr 2001), crowding out (Gneezy & Rustichini 2000), distance decay of walking trips, and
the inequality measures used for the calibration targets of section 8.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commsim.config.declaration import defaults
from commsim.mechanisms import (
    bounded_confidence,
    coattendance_pairs,
    conditional_contributions,
    distance_decay,
    gini,
    grouped_bounded_confidence,
    incentive_pull,
    logistic,
    opinion_clusters,
    project_success_probability,
    threshold_response,
    top_share,
    toward,
)

SEEDS = range(4)
SHARPNESS = defaults()["threshold_sharpness"]


def _major_clusters(opinions: np.ndarray, gap: float = 0.02, min_share: float = 0.02) -> int:
    """Clusters holding at least ``min_share`` of agents (Deffuant et al. count major clusters)."""
    ordered = np.sort(opinions)
    breaks = np.flatnonzero(np.diff(ordered) > gap)
    sizes = np.diff(np.concatenate([[0], breaks + 1, [len(ordered)]]))
    return int(np.sum(sizes >= min_share * len(ordered)))


def _deffuant_run(epsilon: float, seed: int, n: int = 500, encounters: int = 100_000) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return bounded_confidence(rng.random(n), epsilon=epsilon, mu=0.5, encounters=encounters, rng=rng)


# ------------------------------------------------------------------ bounded confidence


def test_bounded_confidence_does_not_modify_its_input():
    """A pure function: the caller's opinions are left as they were."""
    rng = np.random.default_rng(0)
    opinions = rng.random(200)
    before = opinions.copy()
    out = bounded_confidence(opinions, epsilon=0.3, mu=0.3, encounters=2000, rng=rng)
    assert np.array_equal(opinions, before)
    assert out is not opinions


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(2, 80),
    epsilon=st.floats(0.0, 1.0),
    mu=st.floats(0.0, 0.5),
    encounters=st.integers(0, 500),
    seed=st.integers(0, 2**32 - 1),
)
def test_bounded_confidence_conserves_the_mean_opinion(n, epsilon, mu, encounters, seed):
    """Deffuant moves are pairwise symmetric (x += mu*d, y -= mu*d): the mean is invariant."""
    rng = np.random.default_rng(seed)
    opinions = rng.random(n)
    out = bounded_confidence(opinions, epsilon=epsilon, mu=mu, encounters=encounters, rng=rng)
    assert out.mean() == pytest.approx(opinions.mean(), abs=1e-12)
    # With mu <= 0.5 a pair never overshoots: opinions stay within the initial range.
    assert out.min() >= opinions.min() - 1e-12 and out.max() <= opinions.max() + 1e-12


@pytest.mark.parametrize("seed", SEEDS)
def test_bounded_confidence_large_epsilon_reaches_consensus(seed):
    """Deffuant et al. 2000: for epsilon >= 0.5 on U(0,1) all agents join one cluster."""
    final = _deffuant_run(0.5, seed)
    assert opinion_clusters(final) == 1
    assert np.std(final) < 1e-3
    assert final.mean() == pytest.approx(np.random.default_rng(seed).random(500).mean(), abs=1e-9)


def test_bounded_confidence_small_epsilon_fragments_into_several_clusters():
    """Deffuant et al. 2000: epsilon = 0.1 leaves several opinion clusters (about 1/(2 eps) = 5)."""
    for seed in SEEDS:
        final = _deffuant_run(0.1, seed)
        assert opinion_clusters(final) >= 3
        assert 3 <= _major_clusters(final) <= 6


def test_bounded_confidence_cluster_count_rises_as_epsilon_falls_like_one_over_two_epsilon():
    """Deffuant et al. 2000: the number of major clusters grows as epsilon falls, ~ floor(1/(2 eps))."""
    epsilons = (0.4, 0.25, 0.15, 0.08)
    mean_count = {eps: np.mean([_major_clusters(_deffuant_run(eps, s)) for s in SEEDS]) for eps in epsilons}
    counts = [mean_count[eps] for eps in epsilons]
    assert all(a < b for a, b in pairwise(counts)), mean_count
    for eps in epsilons:
        assert abs(mean_count[eps] - 1 / (2 * eps)) <= 1.5, (eps, mean_count[eps])


def test_bounded_confidence_zero_epsilon_changes_nothing():
    """No pair is ever closer than 0: with epsilon = 0 nobody moves."""
    rng = np.random.default_rng(1)
    opinions = rng.random(101)
    out = bounded_confidence(opinions, epsilon=0.0, mu=0.5, encounters=10_000, rng=rng)
    assert np.array_equal(out, opinions)


def test_bounded_confidence_pair_outside_the_bound_does_not_interact():
    """Opinions farther apart than epsilon do not influence each other."""
    pair = np.array([0.1, 0.9])
    out = bounded_confidence(pair, epsilon=0.5, mu=0.5, encounters=100, rng=np.random.default_rng(0))
    assert np.array_equal(out, pair)


def test_bounded_confidence_single_encounter_with_mu_half_gives_consensus():
    """One Deffuant encounter with mu = 0.5 moves both agents to their midpoint."""
    pair = np.array([0.4, 0.5])
    out = bounded_confidence(pair, epsilon=0.2, mu=0.5, encounters=1, rng=np.random.default_rng(0))
    assert out == pytest.approx([0.45, 0.45])


def test_bounded_confidence_zero_encounters_changes_nothing():
    """encounters=0 means no pairwise exchange at all."""
    pair = np.array([0.4, 0.5])
    out = bounded_confidence(pair, epsilon=0.2, mu=0.5, encounters=0, rng=np.random.default_rng(0))
    assert np.array_equal(out, pair)


@pytest.mark.parametrize("k", [0, 1, 2, 3, 7, 12])
def test_bounded_confidence_performs_exactly_the_requested_encounters(k):
    """Each encounter of a pair shrinks its gap by the factor (1 - 2 mu): after k it is (1-2mu)^k."""
    mu = 0.25
    out = bounded_confidence(np.array([0.0, 1.0]), epsilon=2.0, mu=mu, encounters=k, rng=np.random.default_rng(k))
    assert out[1] - out[0] == pytest.approx((1 - 2 * mu) ** k, rel=1e-12)


@pytest.mark.parametrize(("n", "k"), [(100, 1), (100, 17), (100, 50), (101, 50), (31, 9)])
def test_bounded_confidence_encounters_touch_two_agents_each(n, k):
    """k <= n/2 encounters (one random matching) change exactly 2k distinct agents."""
    opinions = np.linspace(0.0, 1.0, n) ** 2  # all distinct
    out = bounded_confidence(opinions, epsilon=2.0, mu=0.5, encounters=k, rng=np.random.default_rng(n + k))
    assert int(np.sum(out != opinions)) == 2 * k


def test_bounded_confidence_same_seed_gives_identical_output():
    """Reproducibility: the result is a function of the inputs and the rng state."""
    opinions = np.random.default_rng(5).random(300)
    a = bounded_confidence(opinions, epsilon=0.2, mu=0.3, encounters=3000, rng=np.random.default_rng(42))
    b = bounded_confidence(opinions, epsilon=0.2, mu=0.3, encounters=3000, rng=np.random.default_rng(42))
    c = bounded_confidence(opinions, epsilon=0.2, mu=0.3, encounters=3000, rng=np.random.default_rng(43))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_bounded_confidence_handles_tiny_populations():
    """Zero or one agent: nothing to pair, the opinions come back unchanged."""
    rng = np.random.default_rng(0)
    assert len(bounded_confidence(np.zeros(0), epsilon=0.5, mu=0.5, encounters=10, rng=rng)) == 0
    assert bounded_confidence(np.array([0.3]), epsilon=0.5, mu=0.5, encounters=10, rng=rng).tolist() == [0.3]


def test_grouped_bounded_confidence_has_no_interaction_across_groups():
    """Separate meetings: two groups with disjoint opinion ranges and huge epsilon keep their own means."""
    rng = np.random.default_rng(3)
    n = 200
    group = rng.permutation(np.repeat([0, 1], n // 2))  # interleaved slots
    opinions = np.where(group == 0, rng.uniform(0.0, 0.3, n), rng.uniform(0.7, 1.0, n))
    out = grouped_bounded_confidence(opinions, group, epsilon=5.0, mu=0.5, encounters_per_member=60, rng=rng)
    for g in (0, 1):
        members = group == g
        assert out[members].mean() == pytest.approx(opinions[members].mean(), abs=1e-12)
        assert np.std(out[members]) < 1e-3  # consensus within each meeting
    assert out[group == 0].max() < 0.3 < 0.7 < out[group == 1].min()


def test_grouped_bounded_confidence_uses_each_groups_own_epsilon():
    """A per-element epsilon: a group with epsilon 0 stays put while a group with epsilon 1 converges."""
    rng = np.random.default_rng(4)
    group = np.repeat([0, 1], 50)
    opinions = rng.random(100)
    epsilon = np.where(group == 0, 0.0, 1.0)
    out = grouped_bounded_confidence(opinions, group, epsilon=epsilon, mu=0.5, encounters_per_member=60, rng=rng)
    assert np.array_equal(out[group == 0], opinions[group == 0])
    assert np.std(out[group == 1]) < 1e-3


def test_opinion_clusters_counts_gaps():
    """Clusters are runs of sorted opinions separated by more than the gap."""
    assert opinion_clusters(np.array([])) == 0
    assert opinion_clusters(np.array([0.5, 0.5, 0.51])) == 1
    assert opinion_clusters(np.array([0.0, 0.02, 0.5, 0.52, 1.0])) == 3


# ------------------------------------------------------------------ threshold response


def test_threshold_response_is_monotone_in_the_share_of_active_ties():
    """Granovetter 1978: the more of one's ties take part, the likelier one follows."""
    share = np.linspace(0, 1, 201)
    response = threshold_response(share, np.full_like(share, 0.3), sharpness=0.05)
    assert np.all(np.diff(response) > 0)
    assert np.all((response > 0) & (response < 1))


@pytest.mark.parametrize("threshold", [0.0, 0.1, 0.25, 0.5, 0.9])
def test_threshold_response_is_one_half_at_the_threshold(threshold):
    """At share == threshold the smooth threshold is exactly half way."""
    assert threshold_response(np.array([threshold]), np.array([threshold]), SHARPNESS)[0] == pytest.approx(0.5)


def test_threshold_response_tends_to_a_step_as_sharpness_vanishes():
    """Granovetter's hard threshold is the limit sharpness -> 0: 0 below, 1 above."""
    threshold = np.full(2, 0.3)
    share = np.array([0.29, 0.31])
    widths = [0.1, 0.03, 0.01, 0.001]
    below = [threshold_response(share, threshold, s)[0] for s in widths]
    above = [threshold_response(share, threshold, s)[1] for s in widths]
    assert all(a > b for a, b in pairwise(below))
    assert all(a < b for a, b in pairwise(above))
    assert below[-1] < 1e-4 and above[-1] > 1 - 1e-4


def test_threshold_response_lower_threshold_responds_more():
    """Heterogeneous thresholds: at the same share, a lower threshold gives a higher response."""
    share = np.full(3, 0.3)
    response = threshold_response(share, np.array([0.1, 0.3, 0.5]), SHARPNESS)
    assert response[0] > response[1] > response[2]


def test_logistic_is_stable_and_symmetric():
    """The logistic link: in [0, 1], logistic(-x) = 1 - logistic(x), no overflow."""
    x = np.array([-1e6, -30.0, -1.0, 0.0, 1.0, 30.0, 1e6])
    y = logistic(x)
    assert np.all(np.isfinite(y)) and np.all((y >= 0) & (y <= 1))
    assert y == pytest.approx(1 - logistic(-x))
    assert logistic(0.0) == pytest.approx(0.5)


# ------------------------------------------------------------------ production function


@pytest.mark.parametrize(("half", "g"), [(0.6, 2.5), (1.0, 2.0), (0.3, 4.0)])
def test_project_success_is_one_half_at_the_half_point(half, g):
    """The production function's scale parameter: P(half) = 0.5."""
    assert project_success_probability(half, half=half, acceleration=g) == pytest.approx(0.5)


@pytest.mark.parametrize("g", [1.0, 1.5, 2.5, 5.0])
def test_project_success_increases_with_resources_and_stays_a_probability(g):
    """More resources never lower success; P in [0, 1), P(0) = 0."""
    r = np.linspace(0.0, 10.0, 400)
    p = project_success_probability(r, half=0.6, acceleration=g)
    assert np.all(np.diff(p) > 0)
    assert p[0] == 0.0 and np.all(p < 1)
    assert project_success_probability(-1.0, half=0.6, acceleration=g) == 0.0


@pytest.mark.parametrize("g", [1.5, 2.5, 5.0])
def test_project_success_accelerates_then_saturates(g):
    """Oliver, Marwell & Teixeira 1985: accelerating (convex) at first, then saturating (concave).

    For P = r^g/(r^g+h^g) the inflection lies at h*((g-1)/(g+1))^(1/g), below the half point.
    """
    half = 0.6
    inflection = half * ((g - 1) / (g + 1)) ** (1 / g)
    assert 0 < inflection < half
    below = project_success_probability(np.linspace(0.01, inflection * 0.99, 30), half=half, acceleration=g)
    above = project_success_probability(np.linspace(inflection * 1.01, 5.0, 30), half=half, acceleration=g)
    assert np.all(np.diff(below, 2) > 0)
    assert np.all(np.diff(above, 2) < 0)
    # The first tenth of the half-point resources buys far less than a tenth of P(half).
    assert project_success_probability(0.1 * half, half=half, acceleration=g) < 0.1 * 0.5


def test_project_success_without_acceleration_is_decelerating():
    """Contrast case g = 1: a decelerating (concave) production function everywhere."""
    p = project_success_probability(np.linspace(0.0, 5.0, 50), half=0.6, acceleration=1.0)
    assert np.all(np.diff(p, 2) < 0)


# ------------------------------------------------------------------ conditional cooperation


def test_conditional_contributions_by_type():
    """Fischbacher et al. 2001: free riders give 0, unconditional give fully, conditional give what they see."""
    types = np.array([0, 1, 2, 1, 0, 2])
    for observed in (0.0, 0.3, 1.0):
        hours = conditional_contributions(types, observed, 4.0)
        assert hours.tolist() == pytest.approx([0.0, 4 * observed, 4.0, 4 * observed, 0.0, 4.0])


@pytest.mark.parametrize(
    ("free", "conditional", "unconditional"), [(30, 50, 20), (10, 80, 10), (50, 25, 25), (0, 90, 10)]
)
@pytest.mark.parametrize("start", [0.0, 0.5, 1.0])
def test_conditional_cooperation_converges_to_its_fixed_point(free, conditional, unconditional, start):
    """Iterating s' = u + c*s converges to s* = u / (1 - c) from any start (Fischbacher et al. 2001)."""
    types = np.repeat([0, 1, 2], [free, conditional, unconditional])
    n = len(types)
    fixed_point = (unconditional / n) / (1 - conditional / n)
    share = start
    for _ in range(400):
        share = conditional_contributions(types, share, 1.0).mean()
    assert share == pytest.approx(fixed_point, abs=1e-6)


def test_conditional_cooperation_decays_without_unconditional_cooperators():
    """With no unconditional cooperators contributions unravel toward zero, as in the public-goods games."""
    types = np.repeat([0, 1], [40, 60])
    share, path = 1.0, []
    for _ in range(30):
        share = conditional_contributions(types, share, 1.0).mean()
        path.append(share)
    assert all(a > b for a, b in pairwise(path))
    assert path[-1] < 1e-5


# ------------------------------------------------------------------ crowding out


def test_incentive_pull_zero_reward_has_no_effect():
    """Without a reward there is neither extrinsic pull nor crowding out."""
    intrinsic = np.array([0.0, 1.0, 3.0])
    net = incentive_pull(0.0, weight=1.0, half_value=5.0, crowding_out=0.3, intrinsic=intrinsic)
    assert np.array_equal(net, [0, 0, 0])


def test_incentive_pull_small_rewards_crowd_out_and_large_rewards_pull():
    """Gneezy & Rustichini 2000, "pay enough or don't pay at all": small pay lowers, large pay raises."""
    intrinsic = np.array([2.0])
    kwargs = dict(weight=1.0, half_value=5.0, crowding_out=0.3, intrinsic=intrinsic)
    assert incentive_pull(0.5, **kwargs)[0] < 0
    assert incentive_pull(100.0, **kwargs)[0] > 0
    # Above zero the net effect rises with the reward, crossing zero once.
    rewards = np.linspace(0.01, 200, 300)
    net = np.array([incentive_pull(r, **kwargs)[0] for r in rewards])
    assert np.all(np.diff(net) > 0)
    assert np.sum(np.diff(np.sign(net)) != 0) == 1


def test_incentive_pull_crowds_out_only_the_intrinsically_motivated():
    """Crowding out scales with intrinsic motivation: without it, any reward helps (Frey & Goette 1999)."""
    intrinsic = np.array([0.0, 1.0, 2.0])
    net = incentive_pull(1.0, weight=1.0, half_value=5.0, crowding_out=0.3, intrinsic=intrinsic)
    assert net[0] > 0
    assert net[0] > net[1] > net[2]
    no_crowding = incentive_pull(1.0, weight=1.0, half_value=5.0, crowding_out=0.0, intrinsic=intrinsic)
    assert np.all(no_crowding > 0)


def test_incentive_pull_extrinsic_part_saturates_at_its_weight():
    """The extrinsic pull is weight * r / (r + half): half its maximum at half_value, at most weight."""
    kwargs = dict(weight=2.0, half_value=5.0, crowding_out=0.5, intrinsic=np.zeros(1))
    assert incentive_pull(5.0, **kwargs)[0] == pytest.approx(1.0)
    assert incentive_pull(1e9, **kwargs)[0] == pytest.approx(2.0)


# ------------------------------------------------------------------ distance decay


@pytest.mark.parametrize("rate", [0.5, 0.87, 2.0])
def test_distance_decay_halves_at_ln2_over_rate(rate):
    """Exponential decay of walking trips: half the trips are lost at ln 2 / rate km."""
    assert distance_decay(np.log(2) / rate, rate) == pytest.approx(0.5)
    assert distance_decay(0.0, rate) == pytest.approx(1.0)


def test_distance_decay_calibration_gives_half_at_about_800_m():
    """MODEL_SPEC section 8: a rate of 0.87 per km puts the median walking trip near 0.8 km."""
    assert np.log(2) / 0.87 == pytest.approx(0.8, abs=0.01)
    assert distance_decay(0.8, 0.87) == pytest.approx(0.5, abs=0.01)


def test_distance_decay_is_memoryless_and_decreasing():
    """exp(-r(a+b)) = exp(-ra) exp(-rb): each further km loses the same share of trips."""
    km = np.linspace(0, 5, 51)
    d = distance_decay(km, 0.87)
    assert np.all(np.diff(d) < 0)
    assert distance_decay(1.3 + 0.4, 0.87) == pytest.approx(distance_decay(1.3, 0.87) * distance_decay(0.4, 0.87))


# ------------------------------------------------------------------ inequality measures


@pytest.mark.parametrize("n", [1, 2, 10, 1000])
def test_gini_of_equal_values_is_zero(n):
    """Perfect equality: Gini 0."""
    assert gini(np.full(n, 3.0)) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("n", [2, 10, 1000])
def test_gini_of_a_single_holder_is_n_minus_one_over_n(n):
    """Maximal concentration among n units: Gini (n-1)/n."""
    values = np.zeros(n)
    values[n // 2] = 7.0
    assert gini(values) == pytest.approx((n - 1) / n)


def test_gini_of_uniform_draws_is_one_third():
    """The Gini of U(0, 1) is 1/3."""
    values = np.random.default_rng(0).random(200_000)
    assert gini(values) == pytest.approx(1 / 3, abs=0.005)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=60), st.floats(0.01, 100))
def test_gini_is_scale_and_order_invariant_and_bounded(values, scale):
    """Gini is a relative measure in [0, 1): invariant to scale and to the order of units."""
    values = np.array(values)
    g = gini(values)
    assert 0.0 - 1e-12 <= g < 1.0
    assert gini(values * scale) == pytest.approx(g, abs=1e-9)
    assert gini(values[::-1]) == pytest.approx(g, abs=1e-12)


def test_gini_and_top_share_of_nothing_are_zero():
    """No participation at all: both measures 0 (not NaN)."""
    assert gini(np.zeros(10)) == 0.0
    assert top_share(np.zeros(10)) == 0.0


def test_top_share_of_equal_values_is_the_fraction():
    """Under equality the top 10% hold 10%."""
    assert top_share(np.ones(1000), 0.1) == pytest.approx(0.1)
    assert top_share(np.ones(50), 0.2) == pytest.approx(0.2)


def test_top_share_of_a_single_holder_is_one():
    """All held by one unit: the top decile holds everything."""
    values = np.zeros(100)
    values[3] = 1.0
    assert top_share(values, 0.1) == pytest.approx(1.0)


def test_top_share_matches_a_civic_core_distribution():
    """Section 8 target check: 10 people giving 9 acts and 90 giving 1 -> top 10% give 90/180 = 0.5."""
    values = np.concatenate([np.full(10, 9.0), np.ones(90)])
    assert top_share(np.random.default_rng(0).permutation(values), 0.1) == pytest.approx(0.5)


# ------------------------------------------------------------------ focus theory and partial adjustment


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 15), min_size=1, max_size=8),
    probability=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_coattendance_pairs_only_join_people_of_the_same_session(sizes, probability, seed):
    """Focus theory (Feld 1981): ties form between people who share a focus (the same session), never with oneself."""
    rng = np.random.default_rng(seed)
    session_of = rng.permutation(np.repeat(np.arange(len(sizes)), sizes))
    attendee = rng.permutation(10_000)[: len(session_of)]  # distinct resident slots
    session_by_person = dict(zip(attendee.tolist(), session_of.tolist(), strict=True))
    i, j = coattendance_pairs(attendee, session_of, probability, rng)
    assert len(i) == len(j)
    assert np.all(i != j)
    assert all(session_by_person[a] == session_by_person[b] for a, b in zip(i.tolist(), j.tolist(), strict=True))
    # Each attendee initiates at most one meeting; with probability 1 everyone not alone does.
    assert len(np.unique(i)) == len(i)
    if probability == 1.0:
        not_alone = np.array([sizes[s] > 1 for s in session_of])
        assert set(i.tolist()) == set(attendee[not_alone].tolist())


def test_coattendance_partner_is_drawn_uniformly_among_coattendees():
    """Each co-attendee is an equally likely partner (no position bias)."""
    rng = np.random.default_rng(0)
    attendee = np.arange(5)
    session_of = np.zeros(5, dtype=np.int64)
    counts = np.zeros(5)
    for _ in range(2000):
        i, j = coattendance_pairs(attendee, session_of, 1.0, rng)
        np.add.at(counts, j[i == 0], 1)
    assert counts[0] == 0
    assert counts[1:] / counts.sum() == pytest.approx(np.full(4, 0.25), abs=0.04)


def test_toward_moves_a_share_of_the_gap():
    """Partial adjustment: value + rate * (target - value), never overshooting for rate in [0, 1]."""
    value = np.array([0.0, 0.5, 1.0])
    assert toward(value, 1.0, 0.25) == pytest.approx([0.25, 0.625, 1.0])
    assert toward(value, 0.2, 1.0) == pytest.approx([0.2, 0.2, 0.2])
    assert toward(value, 0.2, 0.0) == pytest.approx(value)


@pytest.mark.parametrize(("profile", "largest_gap"), [("old_inner_city", 0.12), ("migrant_heavy", 0.06)])
def test_the_default_sharpness_keeps_the_social_step_within_one_tie(profile, largest_gap):
    """ODD section 8: in the model's own networks the smooth threshold stays close to Watts's hard step.

    After a year, the default response differs from the hard step by a small share of the
    social weight on average, and residents with no active tie feel almost none of it.
    """
    from commsim.model import CommunityModel

    model = CommunityModel(rng=3, n_residents=1000, profile=profile)
    for _ in range(52):
        model.step()
    residents, params = model.residents, model.p
    recent = residents.last_activities >= model.steps - params["recent_window_weeks"]
    share = model.ties.share_of_ties(recent)
    smooth = threshold_response(share, residents.social_threshold, SHARPNESS)
    hard = (share >= residents.social_threshold).astype(float)
    assert np.mean(np.abs(smooth - hard)) < largest_gap
    assert smooth[share == 0].mean() < 0.04
    sharp = threshold_response(share, residents.social_threshold, SHARPNESS / 100)
    assert np.mean(np.abs(sharp - hard)) < 0.01  # the hard step in the limit


def test_top_share_sums_the_top_in_sorted_order_to_the_last_bit():
    """Not in the order np.partition leaves them, which depends on the CPU's vector instructions."""
    rng = np.random.default_rng(8)
    for _ in range(20):
        values = rng.exponential(3.0, 5000)
        assert top_share(values, 0.1) == np.sort(values)[-500:].sum() / values.sum()
