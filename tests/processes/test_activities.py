"""Activities: the civic voluntarism utility, distance decay, awareness, capacity and the session supply."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commsim.processes.activities import (
    GENERAL_TYPES,
    admit,
    attendance_log_odds,
    awareness_probability,
    candidate_sessions,
    candidates_per_resident,
    centre_session_types,
    choice_inputs,
    utility_weights,
    within_limit,
)
from commsim.state.residents import CHILDREN, ELDERLY_CARE
from commsim.state.week import Sessions


def _log_odds(params, **changes):
    base = dict(
        interest=np.array([0.5]),
        civic_skills=np.array([0.3]),
        belonging=np.array([0.4]),
        efficacy=np.array([0.3]),
        social_pull=np.array([0.2]),
        asked=np.array([False]),
        walking_km=np.array([0.5]),
        hours=2.0,
        free_time=np.array([10.0]),
        fatigue=np.array([0.1]),
        reward_yuan=0.0,
        params=params,
    )
    base.update(changes)
    return float(attendance_log_odds(**base)[0])


def test_attendance_log_odds_fall_with_walking_distance_at_the_decay_rate(params_for):
    """Distance decay: each km walked lowers the log-odds by distance_decay_per_km (odds x exp(-rate))."""
    params = params_for()
    km = np.linspace(0.0, 3.0, 13)
    values = np.array([_log_odds(params, walking_km=np.array([k])) for k in km])
    slopes = np.diff(values) / np.diff(km)
    assert slopes == pytest.approx(np.full(len(slopes), -params["distance_decay_per_km"]))


@pytest.mark.parametrize("reward", [0.0, 2.0])
def test_attendance_log_odds_rise_with_engagement_and_recruitment(reward, params_for):
    """Civic voluntarism: belonging, efficacy, interest (engagement) and being asked (recruitment) raise attendance."""
    params = params_for()
    base = _log_odds(params, reward_yuan=reward)
    assert _log_odds(params, belonging=np.array([0.9]), reward_yuan=reward) - base == pytest.approx(
        params["w_belonging"] * 0.5
    )
    assert _log_odds(params, efficacy=np.array([0.8]), reward_yuan=reward) - base == pytest.approx(
        params["w_efficacy"] * 0.5
    )
    # Interest counts fully without a reward, and net of crowding out with one.
    keep = 1.0 if reward == 0 else 1.0 - params["crowding_out"]
    assert _log_odds(params, interest=np.array([0.9]), reward_yuan=reward) - base == pytest.approx(
        params["w_interest"] * 0.4 * keep
    )
    assert _log_odds(params, asked=np.array([True]), reward_yuan=reward) - base == pytest.approx(params["w_asked"])
    assert _log_odds(params, social_pull=np.array([0.9]), reward_yuan=reward) > base


def test_attendance_log_odds_fall_with_time_cost_and_fatigue(params_for):
    """Resources: less free time relative to the session, and more fatigue, lower attendance."""
    params = params_for()
    base = _log_odds(params)
    assert _log_odds(params, free_time=np.array([4.0])) < base
    assert _log_odds(params, fatigue=np.array([0.8])) < base
    assert _log_odds(params, civic_skills=np.array([0.8])) > base


def test_awareness_grows_with_each_channel_and_is_the_noticeboard_alone_without_them(params_for):
    """Awareness gates attendance: notices alone give awareness_noticeboard; ties, leader, platform add."""
    params = params_for()
    zero = np.zeros(1)
    alone = awareness_probability(share_ties_recent=zero, leader_reach=zero, platform=np.array([False]), params=params)
    assert alone[0] == pytest.approx(params["awareness_noticeboard"])
    for change in (
        dict(share_ties_recent=np.ones(1)),
        dict(leader_reach=np.full(1, 0.5)),
        dict(platform=np.array([True])),
    ):
        kwargs = dict(share_ties_recent=zero, leader_reach=zero, platform=np.array([False]), params=params)
        kwargs.update(change)
        assert awareness_probability(**kwargs)[0] > alone[0]


@settings(max_examples=40, deadline=None)
@given(
    data=st.data(),
    n_sessions=st.integers(1, 6),
    n_willing=st.integers(0, 80),
)
def test_admit_respects_capacity_and_priority(data, n_sessions, n_willing):
    """Capacity binds: never more than the places, all places filled when demand exceeds them, keenest first."""
    capacity = np.array(data.draw(st.lists(st.integers(0, 12), min_size=n_sessions, max_size=n_sessions)))
    session_of = np.array(
        data.draw(st.lists(st.integers(0, n_sessions - 1), min_size=n_willing, max_size=n_willing)), dtype=np.int64
    )
    priority = np.random.default_rng(n_willing).permutation(n_willing).astype(float)  # distinct priorities
    admitted = admit(session_of, capacity, priority)
    assert admitted.dtype == bool and len(admitted) == n_willing
    for s in range(n_sessions):
        wanted = session_of == s
        demand = int(wanted.sum())
        got = int((admitted & wanted).sum())
        assert got == min(demand, capacity[s])
        if got and (wanted & ~admitted).any():
            assert priority[admitted & wanted].min() > priority[wanted & ~admitted].max()


def test_admit_known_case():
    """Two sessions, two and five places: the two keenest of session 0 and everyone in session 1."""
    admitted = admit(np.array([0, 0, 0, 1, 1, 0]), np.array([2, 5]), np.array([0.1, 0.9, 0.5, 0.2, 0.3, 0.7]))
    assert admitted.tolist() == [False, True, False, True, True, True]


def _sessions(centre, compound):
    n = len(centre)
    return Sessions(
        centre=np.array(centre, dtype=np.int64),
        compound=np.array(compound, dtype=np.int64),
        activity_type=np.zeros(n, dtype=np.int64),
        capacity=np.full(n, 10, dtype=np.int64),
        organiser=np.full(n, -1, dtype=np.int64),
    )


def test_candidate_sessions_returns_minus_one_when_nothing_is_reachable():
    """Awareness/reach: a resident whose compound has no session and who has no centre nearby gets no candidate."""
    # Four buildings: 0, 1 in compound 0; 2, 3 in compound 1. No centres; sessions only in compound 0.
    building_compound = np.array([0, 0, 1, 1])
    resident_building = np.repeat(np.arange(4), 5)
    sessions = _sessions([-1, -1, -1], [0, 0, 0])
    near = np.full((4, 1), -1)
    weights = np.zeros((4, 1))
    choice = candidate_sessions(
        sessions, resident_building, building_compound, near, weights, 0, 2, 1.0, np.random.default_rng(0)
    )
    in_compound_0 = building_compound[resident_building] == 0
    assert np.all(choice[~in_compound_0] == -1)
    assert np.all(np.isin(choice[in_compound_0], [0, 1, 2]))
    # Nobody looks in the compound and there is no centre: no candidate at all.
    none = candidate_sessions(
        sessions, resident_building, building_compound, near, weights, 0, 2, 0.0, np.random.default_rng(0)
    )
    assert np.all(none == -1)


def test_candidate_sessions_only_offers_sessions_at_reachable_centres():
    """Residents look only at their nearest centres; a centre without sessions this week offers nothing."""
    building_compound = np.array([0, 0, 1, 1])
    resident_building = np.repeat(np.arange(4), 25)
    near = np.array([[0], [0], [1], [1]])  # buildings 0, 1 reach centre 0 only; 2, 3 centre 1 only
    weights = np.ones((4, 1))
    sessions = _sessions([1, 1, 1, 1], [-1, -1, -1, -1])  # all sessions at centre 1
    choice = candidate_sessions(
        sessions, resident_building, building_compound, near, weights, 2, 2, 0.0, np.random.default_rng(1)
    )
    near_centre_0 = resident_building < 2
    assert np.all(choice[near_centre_0] == -1)
    assert np.all(np.isin(choice[~near_centre_0], [0, 1, 2, 3]))
    # All four sessions at centre 1 are drawn (a random session there).
    assert set(choice[~near_centre_0].tolist()) == {0, 1, 2, 3}


def test_candidate_sessions_pick_own_compound_or_a_near_centre():
    """A candidate is in the resident's own compound's public space or at one of its near centres."""
    rng = np.random.default_rng(2)
    building_compound = np.array([0, 0, 1, 1, 2, 2])
    resident_building = np.repeat(np.arange(6), 30)
    near = np.array([[0, 1], [0, 1], [1, 0], [1, 0], [1, 0], [1, 0]])
    weights = np.array([[0.7, 0.3]] * 6)
    sessions = _sessions([0, 0, 1, -1, -1, -1], [-1, -1, -1, 0, 1, 2])
    choice = candidate_sessions(sessions, resident_building, building_compound, near, weights, 2, 3, 0.4, rng)
    assert np.all(choice >= 0)
    for person, s in enumerate(choice.tolist()):
        b = resident_building[person]
        if sessions.centre[s] >= 0:
            assert sessions.centre[s] in near[b]
        else:
            assert sessions.compound[s] == building_compound[b]


def test_the_search_widens_with_each_centre_within_the_walk():
    """A resident draws candidate_sessions for each near centre within the walk, and at least that many."""
    counts = candidates_per_resident(2, np.array([0, 1, 2, 3]))
    assert counts.tolist() == [2, 2, 4, 6]
    assert candidates_per_resident(1, np.array([0, 3])).tolist() == [1, 3]


@pytest.mark.parametrize(("n_centres", "placement"), [(0, "central"), (1, "edge"), (4, "spread"), (9, "spread")])
def test_near_centres_in_circle_counts_the_nearest_centres_within_fifteen_minutes(n_centres, placement):
    from commsim import CommunityModel
    from commsim.state.layout import LIFE_CIRCLE_MINUTES

    layout = CommunityModel(
        rng=3, profile="putuo_street", n_residents=3000, n_centres=n_centres, centre_placement=placement
    ).layout
    counts = layout.near_centres_in_circle()
    if n_centres == 0:
        assert np.all(counts == 0)
        return
    nearest = np.sort(layout.centre_minutes, axis=1)[:, : layout.near_centres.shape[1]]
    assert np.array_equal(counts, (nearest <= LIFE_CIRCLE_MINUTES).sum(axis=1))
    assert np.all(counts <= min(n_centres, layout.near_centres.shape[1]))


def test_a_centre_without_sessions_this_week_does_not_widen_the_search():
    from commsim import CommunityModel
    from commsim.processes.activities import open_centres_in_circle

    layout = CommunityModel(
        rng=3, profile="old_inner_city", n_residents=2000, n_centres=3, centre_placement="spread"
    ).layout
    every = layout.near_centres_in_circle()
    assert np.all(every == 3)  # the dense estate: all three within the walk
    only_first = _sessions([0, 0, -1], [-1, -1, 0])  # centre 0 holds sessions, 1 and 2 are closed
    assert np.array_equal(open_centres_in_circle(layout, only_first), np.ones(layout.n_buildings, dtype=np.int64))
    none_open = _sessions([-1, -1], [0, 1])
    assert np.all(open_centres_in_circle(layout, none_open) == 0)


def test_a_wider_search_raises_the_best_candidates_utility():
    """Bounded search: the best of more draws is better (order statistics), so more centres raise the odds."""
    import commsim.processes.activities_kernel as kernel
    from commsim import CommunityModel

    model = CommunityModel(rng=5, profile="old_inner_city", n_residents=2000, n_centres=3, centre_placement="spread")
    for _ in range(3):
        model.step()
    ctx = model._activities()
    sessions = model.week.sessions
    residents, layout = ctx.residents, ctx.layout
    n = len(residents)
    inputs = (
        *choice_inputs(sessions, residents, layout, np.full(n, ctx.params["session_hours"]), np.zeros(n)),
        (np.zeros(n), np.zeros(n), np.zeros(n)),  # nobody asked, no ties active, no platform
    )
    weights = utility_weights(ctx.params)
    narrow = kernel.choose_sessions(np.random.default_rng(0), *inputs, weights, np.full(len(residents), 2))
    wide = kernel.choose_sessions(np.random.default_rng(0), *inputs, weights, np.full(len(residents), 6))
    assert np.mean(wide[0] >= 0) >= np.mean(narrow[0] >= 0)
    both = (wide[0] >= 0) & (narrow[0] >= 0)
    assert np.mean(wide[1][both]) > np.mean(narrow[1][both]) + 0.05
    # The first rounds are the same draws, so the wider search never does worse for anyone.
    assert np.all(wide[1][both] >= narrow[1][both])


def test_centre_session_types_follow_targeted_shares():
    """'One old, one young': targeted shares of centre sessions go to elderly care and children."""
    types = centre_session_types(10, 0.3, 0.2, np.random.default_rng(0))
    assert np.sum(types == ELDERLY_CARE) == 3 and np.sum(types == CHILDREN) == 2
    assert np.all(np.isin(types[5:], GENERAL_TYPES))
    all_targeted = centre_session_types(4, 0.5, 0.5, np.random.default_rng(0))
    assert sorted(all_targeted.tolist()) == [ELDERLY_CARE, ELDERLY_CARE, CHILDREN, CHILDREN]


@settings(max_examples=30, deadline=None)
@given(groups=st.lists(st.integers(0, 4), max_size=60), limit=st.integers(0, 6), seed=st.integers(0, 1000))
def test_within_limit_keeps_at_most_limit_per_group(groups, limit, seed):
    """A compound's public space hosts at most its limit of sessions a week; up to the limit all are held."""
    group = np.array(groups, dtype=np.int64)
    keep = within_limit(group, limit, np.random.default_rng(seed))
    for g in range(5):
        assert keep[group == g].sum() == min(int((group == g).sum()), limit)
