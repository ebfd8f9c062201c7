"""The processes of MODEL_SPEC section 3 checked against the theory and bookkeeping they promise.

Activities (civic voluntarism utility, distance decay, capacity, focus theory), mutual aid
(time-credit conservation, one help per helper), the tie network (Feld 1981; clustering as
in networkx), churn (turnover arithmetic, newcomers without ties), funding (public window,
self-financing), space (the 15-minute life circle) and deliberation (formats, council
cadence and agenda).
"""

from __future__ import annotations

import math
from itertools import pairwise

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial import cKDTree

from commsim import CommunityModel
from commsim.config import resolve_parameters
from commsim.mechanisms import coattendance_pairs, toward
from commsim.params import parameters
from commsim.processes.activities import (
    GENERAL_TYPES,
    admit,
    attendance_log_odds,
    awareness_probability,
    candidate_sessions,
    centre_session_types,
    within_limit,
)
from commsim.processes.attitudes import disclosure_due
from commsim.processes.churn import ChurnContext, run_churn, weekly_leave_probability
from commsim.processes.deliberation import (
    FORMATS,
    due_issues,
    format_for,
    next_council,
    schedule,
)
from commsim.processes.issues import new_issues, report_probability_per_resident
from commsim.processes.mutual_aid import first_come
from commsim.processes.network import initial_ties
from commsim.processes.roles import volunteer_load
from commsim.processes.time_bank import buildings_within, member_index, transfer_credits
from commsim.state.finance import Finance
from commsim.state.issue_table import CATEGORIES, FACILITIES, PUBLIC_SERVICES
from commsim.state.layout import build_layout, life_circle_coverage, walking_minutes
from commsim.state.residents import CHILDREN, ELDERLY_CARE, ORGANISER
from commsim.state.ties import Ties, clustering_coefficient, cross_building_share
from commsim.state.week import Sessions


def _params(profile: str = "old_inner_city", policy: str = "baseline", **overrides) -> dict:
    return resolve_parameters(profile, policy, overrides)


def _degree(ties: Ties) -> np.ndarray:
    """Number of ties of each resident."""
    return np.diff(ties.adjacency().indptr)


# ====================================================================== activities


def _log_odds(params, **changes):
    base = dict(
        interest=np.array([0.5]),
        civic_skills=np.array([0.3]),
        belonging=np.array([0.4]),
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


def test_attendance_log_odds_fall_with_walking_distance_at_the_decay_rate():
    """Distance decay: each km walked lowers the log-odds by distance_decay_per_km (odds x exp(-rate))."""
    params = _params()
    km = np.linspace(0.0, 3.0, 13)
    values = np.array([_log_odds(params, walking_km=np.array([k])) for k in km])
    slopes = np.diff(values) / np.diff(km)
    assert slopes == pytest.approx(np.full(len(slopes), -params["distance_decay_per_km"]))


@pytest.mark.parametrize("reward", [0.0, 2.0])
def test_attendance_log_odds_rise_with_engagement_and_recruitment(reward):
    """Civic voluntarism model: belonging, interest (engagement) and being asked (recruitment) raise attendance."""
    params = _params()
    base = _log_odds(params, reward_yuan=reward)
    assert _log_odds(params, belonging=np.array([0.9]), reward_yuan=reward) - base == pytest.approx(
        params["w_belonging"] * 0.5
    )
    # Interest counts fully without a reward, and net of crowding out with one.
    keep = 1.0 if reward == 0 else 1.0 - params["crowding_out"]
    assert _log_odds(params, interest=np.array([0.9]), reward_yuan=reward) - base == pytest.approx(
        params["w_interest"] * 0.4 * keep
    )
    assert _log_odds(params, asked=np.array([True]), reward_yuan=reward) - base == pytest.approx(params["w_asked"])
    assert _log_odds(params, social_pull=np.array([0.9]), reward_yuan=reward) > base


def test_attendance_log_odds_fall_with_time_cost_and_fatigue():
    """Resources: less free time relative to the session, and more fatigue, lower attendance."""
    params = _params()
    base = _log_odds(params)
    assert _log_odds(params, free_time=np.array([4.0])) < base
    assert _log_odds(params, fatigue=np.array([0.8])) < base
    assert _log_odds(params, civic_skills=np.array([0.8])) > base


def test_awareness_grows_with_each_channel_and_is_the_noticeboard_alone_without_them():
    """Awareness gates attendance: notices alone give awareness_noticeboard; ties, leader, platform add."""
    params = _params()
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


# ====================================================================== mutual aid


@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    n=st.integers(2, 30),
    pool=st.floats(0.0, 50.0),
    hours=st.floats(0.25, 5.0),
    overdraft=st.floats(0.0, 6.0),
)
def test_transfer_credits_conserves_credits_exactly(data, n, pool, hours, overdraft):
    """Time banks: credits move, never appear or vanish (earned = paid by requesters + paid by the pool)."""
    credits = np.array(data.draw(st.lists(st.floats(-overdraft, 20.0), min_size=n, max_size=n)))
    k = data.draw(st.integers(0, n // 2))
    order = np.random.default_rng(n).permutation(n)
    payer, payee = order[:k], order[k : 2 * k]
    total = credits.sum() + pool
    before = credits.copy()
    new_pool, spent, from_pool = transfer_credits(credits, pool, payer, payee, hours, overdraft=overdraft)
    assert credits.sum() + new_pool == pytest.approx(total, abs=1e-9)
    assert new_pool >= -1e-12 and new_pool == pytest.approx(pool - from_pool)
    assert spent >= 0 and from_pool >= 0
    earned = (credits - before)[payee].sum()
    assert earned == pytest.approx(spent + from_pool)
    assert np.all(credits[payer] >= -overdraft - 1e-9)  # mutual credit stops at the overdraft
    assert np.all(credits[payee] - before[payee] <= hours + 1e-9)
    # Every match is paid in full while the pool lasts.
    if from_pool < pool - 1e-9:
        assert spent + from_pool == pytest.approx(k * hours)


def test_transfer_credits_known_case():
    """A payer with credits pays them; one without is paid for by the pool until it runs dry."""
    credits = np.array([2.0, 0.0, 0.5, 0.0])
    pool, spent, donated = transfer_credits(credits, 1.0, np.array([0, 2]), np.array([1, 3]), 1.5)
    assert credits.tolist() == [0.5, 1.5, 0.0, 1.5]
    assert pool == 0.0 and spent == pytest.approx(2.0) and donated == pytest.approx(1.0)


@settings(max_examples=40, deadline=None)
@given(data=st.data(), n_residents=st.integers(1, 12), n_requests=st.integers(0, 30), seed=st.integers(0, 2**32 - 1))
def test_first_come_lets_each_helper_help_at_most_once(data, n_residents, n_requests, seed):
    """Each helper gives one act of help a week; the busy and -1 never help; a free willing helper always helps once."""
    helpers = np.array(
        data.draw(st.lists(st.integers(-1, n_residents - 1), min_size=n_requests, max_size=n_requests)), dtype=np.int64
    )
    accepted = np.array(data.draw(st.lists(st.booleans(), min_size=n_requests, max_size=n_requests)), dtype=bool)
    busy = np.array(data.draw(st.lists(st.booleans(), min_size=n_residents, max_size=n_residents)), dtype=bool)
    keep = first_come(helpers, accepted, busy, np.random.default_rng(seed))
    kept = helpers[keep]
    assert len(np.unique(kept)) == len(kept)
    assert np.all(accepted[keep]) and np.all(kept >= 0) and not busy[kept].any()
    # Maximal: every free helper who accepted some request helps on exactly one of those requests.
    willing_free = set(helpers[accepted & (helpers >= 0)].tolist()) - set(np.flatnonzero(busy).tolist())
    assert set(kept.tolist()) == willing_free


def test_first_come_picks_among_competing_requests_at_random():
    """A helper wanted by several requesters helps one of them, each equally likely (no slot-order bias)."""
    rng = np.random.default_rng(0)
    helpers = np.array([2, 2, 2])
    accepted = np.ones(3, dtype=bool)
    busy = np.zeros(4, dtype=bool)
    wins = np.zeros(3)
    for _ in range(3000):
        wins += first_come(helpers, accepted, busy, rng)
    assert wins.sum() == 3000
    assert wins / 3000 == pytest.approx([1 / 3] * 3, abs=0.04)


def test_buildings_within_radius_is_symmetric_and_includes_self():
    """Matching radius: straight-line distance times detour within the radius, both ways."""
    xy = np.array([[0.0, 0.0], [100.0, 0.0], [250.0, 0.0], [1000.0, 0.0]])
    indptr, indices = buildings_within(xy, radius_m=260.0, detour=1.3)  # reach 200 m straight
    near = [set(indices[indptr[b] : indptr[b + 1]].tolist()) for b in range(4)]
    assert near == [{0, 1}, {0, 1, 2}, {1, 2}, {3}]


def test_random_members_draws_uniformly_among_members_within_reach():
    """The time bank finds a helper among members within the matching radius, each equally likely."""
    xy = np.array([[0.0, 0.0], [100.0, 0.0], [250.0, 0.0], [1000.0, 0.0]])
    near = buildings_within(xy, radius_m=260.0, detour=1.3)
    resident_building = np.repeat(np.arange(4), 3)  # slots 0-2 in b0, 3-5 in b1, 6-8 in b2, 9-11 in b3
    member = np.zeros(12, dtype=bool)
    member[[1, 4, 5, 7, 10]] = True
    rng = np.random.default_rng(0)
    draws = member_index(near, resident_building, member).draw(np.repeat([0, 3], 4000), rng)
    from_b0, from_b3 = draws[:4000], draws[4000:]
    # Building 0 reaches buildings 0 and 1: members 1, 4, 5, each about a third.
    assert set(from_b0.tolist()) == {1, 4, 5}
    assert np.bincount(from_b0, minlength=12)[[1, 4, 5]] / 4000 == pytest.approx([1 / 3] * 3, abs=0.03)
    assert np.all(from_b3 == 10)
    member[10] = False
    assert np.all(member_index(near, resident_building, member).draw(np.array([3, 3]), rng) == -1)
    assert np.all(
        member_index(near, resident_building, np.zeros(12, bool)).draw(np.array([0, 2]), rng) == -1
    )


def test_time_credits_are_conserved_over_a_run_with_churn():
    """Time-bank credits are conserved over a run, including leavers' balances returning to the pool."""
    model = CommunityModel(
        rng=9,
        n_residents=300,
        profile="migrant_heavy",
        time_bank=True,
        platform_reach=0.8,
        migrant_turnover_per_year=0.95,
        aid_request_rate=0.2,
    )
    start = model.time_bank.total(model.residents)
    assert start > 0
    for _ in range(30):
        model.step()
        assert model.time_bank.total(model.residents) == pytest.approx(start, rel=1e-12)
    assert np.any(model.residents.arrival_step > 0), "no churn happened"
    assert model.time_bank.credits_earned > 0, "no credits moved"
    assert model.time_bank.credits_earned >= model.time_bank.credits_spent


# ====================================================================== network


def test_ties_strengthen_merges_duplicates_and_is_symmetric():
    """An undirected tie: (i, j) and (j, i) are the same tie; repeated contacts add up."""
    ties = Ties(5)
    ties.strengthen(np.array([0, 1, 3]), np.array([1, 0, 2]), 0.2)
    assert len(ties) == 2
    adjacency = ties.adjacency().toarray()
    assert adjacency[0, 1] == pytest.approx(0.4) and adjacency[1, 0] == pytest.approx(0.4)
    assert adjacency[2, 3] == pytest.approx(0.2) and adjacency[3, 2] == pytest.approx(0.2)
    assert np.allclose(adjacency, adjacency.T)
    ties.strengthen(np.array([1]), np.array([0]), 0.1)
    assert ties.adjacency()[0, 1] == pytest.approx(0.5)
    i, j = ties.pairs
    assert np.all(i < j)


def test_ties_strength_caps_at_one_and_self_pairs_are_ignored():
    """Strength lies in (0, 1]; nobody has a tie with themselves."""
    ties = Ties(4)
    ties.strengthen(np.array([0, 0, 2, 2]), np.array([1, 1, 2, 2]), 0.8)
    assert len(ties) == 1
    assert ties.strength.max() == pytest.approx(1.0)
    ties.strengthen(np.array([3]), np.array([3]), 0.5)
    assert len(ties) == 1
    ties.strengthen(np.array([2]), np.array([3]), 5.0)
    assert ties.strength.max() <= 1.0
    assert np.all(ties.adjacency().diagonal() == 0)


@settings(max_examples=30, deadline=None)
@given(
    contacts=st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9), st.floats(0.01, 0.7)), max_size=60),
)
def test_ties_match_a_reference_dictionary(contacts):
    """Property: the sparse store equals a plain dict of min(1, sum of gains) per unordered pair."""
    ties = Ties(10)
    reference: dict[tuple[int, int], float] = {}
    for a, b, gain in contacts:
        ties.strengthen(np.array([a]), np.array([b]), gain)
        if a != b:
            key = (min(a, b), max(a, b))
            reference[key] = min(1.0, reference.get(key, 0.0) + gain)
    i, j = ties.pairs
    stored = {(int(x), int(y)): float(s) for x, y, s in zip(i, j, ties.strength, strict=True)}
    assert stored.keys() == reference.keys()
    for key, value in reference.items():
        assert stored[key] == pytest.approx(value)
    assert np.all(np.diff(ties.keys) > 0)  # kept sorted and unique
    degree = np.zeros(10, dtype=int)
    for a, b in reference:
        degree[a] += 1
        degree[b] += 1
    assert _degree(ties).tolist() == degree.tolist()


def test_ties_decay_weakens_and_dissolves_below_the_floor():
    """Ties weaken by the decay rate each week without contact and dissolve below the floor."""
    ties = Ties(4)
    ties.strengthen(np.array([0, 1, 2]), np.array([1, 2, 3]), np.array([1.0, 0.5, 0.2]))
    ties.decay(0.5, 0.2)
    assert len(ties) == 2
    assert sorted(ties.strength.tolist()) == pytest.approx([0.25, 0.5])
    assert ties.adjacency()[2, 3] == 0  # cache was rebuilt
    ties.decay(0.5, 0.2)
    assert len(ties) == 1 and ties.strength[0] == pytest.approx(0.25)


def test_remove_residents_dissolves_all_their_ties():
    """A resident who moves out loses every tie; ties among the others stay."""
    ties = Ties(6)
    ties.strengthen(np.array([0, 0, 1, 2, 3, 4]), np.array([1, 2, 2, 3, 4, 5]), 0.5)
    ties.remove_residents(np.array([2, 5]))
    degree = _degree(ties)
    assert degree[2] == 0 and degree[5] == 0
    i, j = ties.pairs
    assert sorted(zip(i.tolist(), j.tolist(), strict=True)) == [(0, 1), (3, 4)]
    assert ties.adjacency()[2].nnz == 0


def test_share_of_ties_on_a_hand_made_graph():
    """Threshold input: the share of one's ties who took part (0 without ties)."""
    ties = Ties(6)
    # Star 0-1, 0-2, 0-3, plus 1-2; node 4 and 5 isolated... 5 tied to 4.
    ties.strengthen(np.array([0, 0, 0, 1, 4]), np.array([1, 2, 3, 2, 5]), np.array([0.9, 0.2, 0.5, 0.4, 0.3]))
    active = np.array([False, True, True, False, False, False])
    share = ties.share_of_ties(active)
    # Node 0: ties 1, 2, 3 -> 2/3; node 1: ties 0, 2 -> 1/2; node 2: ties 0, 1 -> 1/2;
    # node 3: tie 0 -> 0; node 4: tie 5 -> 0; node 5: tie 4 -> 0. (Counts, not strengths.)
    assert share == pytest.approx([2 / 3, 1 / 2, 1 / 2, 0.0, 0.0, 0.0])
    lonely = Ties(3)
    assert lonely.share_of_ties(np.ones(3, dtype=bool)).tolist() == [0.0, 0.0, 0.0]


def test_random_neighbour_is_drawn_in_proportion_to_strength():
    """Help is sought among one's ties in proportion to tie strength; -1 without ties."""
    ties = Ties(6)
    ties.strengthen(np.array([0, 0, 3, 4]), np.array([1, 2, 4, 5]), np.array([0.2, 0.8, 0.5, 0.5]))
    rng = np.random.default_rng(0)
    draws = ties.random_neighbour(np.repeat([0, 4], 5000), rng)
    from_0, from_4 = draws[:5000], draws[5000:]
    assert set(from_0.tolist()) == {1, 2}
    assert np.mean(from_0 == 2) == pytest.approx(0.8, abs=0.02)
    assert set(from_4.tolist()) == {3, 5}
    assert np.mean(from_4 == 3) == pytest.approx(0.5, abs=0.03)
    assert ties.random_neighbour(np.array([1, 2, 3, 5]), rng).tolist()[:2] == [0, 0]
    empty = Ties(3)
    empty.strengthen(np.array([0]), np.array([1]), 0.5)
    assert empty.random_neighbour(np.array([2, 0]), rng).tolist() == [-1, 1]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_clustering_coefficient_matches_networkx(seed):
    """Local clustering (Watts & Strogatz) averaged over nodes of degree >= 2, as networkx computes it."""
    graph = nx.gnp_random_graph(80, 0.05, seed=seed)  # sparse: some nodes have degree < 2
    ties = Ties(80)
    edges = np.array(graph.edges())
    ties.strengthen(edges[:, 0], edges[:, 1], np.random.default_rng(seed).uniform(0.1, 1.0, len(edges)))
    local = nx.clustering(graph)
    eligible = [v for v in graph if graph.degree(v) >= 2]
    expected = np.mean([local[v] for v in eligible])
    assert 0 < len(eligible) < len(graph) and expected > 0
    value = clustering_coefficient(ties, np.random.default_rng(0))
    assert value == pytest.approx(expected, abs=1e-12)
    assert value == pytest.approx(nx.average_clustering(graph, nodes=eligible), abs=1e-12)
    # networkx's default average also counts nodes of degree < 2 as 0: the two differ by that share.
    assert nx.average_clustering(graph) == pytest.approx(value * len(eligible) / len(graph), abs=1e-12)


def test_clustering_coefficient_of_simple_graphs():
    """A triangle has clustering 1, a star 0, an empty network 0."""
    triangle = Ties(3)
    triangle.strengthen(np.array([0, 1, 2]), np.array([1, 2, 0]), 0.5)
    assert clustering_coefficient(triangle, np.random.default_rng(0)) == pytest.approx(1.0)
    star = Ties(5)
    star.strengthen(np.zeros(4, dtype=int), np.arange(1, 5), 0.5)
    assert clustering_coefficient(star, np.random.default_rng(0)) == 0.0
    assert clustering_coefficient(Ties(4), np.random.default_rng(0)) == 0.0


def test_sampled_clustering_estimates_the_exact_value():
    """Above the sample size the metric is a node-sample estimate of the same average."""
    graph = nx.gnp_random_graph(400, 0.02, seed=5)
    ties = Ties(400)
    edges = np.array(graph.edges())
    ties.strengthen(edges[:, 0], edges[:, 1], 0.5)
    exact = clustering_coefficient(ties, np.random.default_rng(0))
    estimates = [clustering_coefficient(ties, np.random.default_rng(s), sample=100) for s in range(40)]
    assert np.mean(estimates) == pytest.approx(exact, abs=0.01)


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


def test_cross_building_share_on_a_small_graph():
    """Share of ties joining different buildings ('acquaintance community' bridging)."""
    ties = Ties(4)
    ties.strengthen(np.array([0, 0, 2]), np.array([1, 2, 3]), 0.5)
    building = np.array([0, 0, 1, 1])
    assert cross_building_share(ties, building) == pytest.approx(1 / 3)
    assert cross_building_share(Ties(4), building) == 0.0


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


# ====================================================================== churn


@pytest.mark.parametrize("rate", [0.0, 0.1, 0.3, 0.5, 0.8, 1.5, 3.0])
def test_weekly_leave_probability_compounds_to_the_yearly_share(rate):
    """A move-out rate r per year: 1 - (1 - p)^52 equals the yearly share 1 - exp(-r)."""
    p = weekly_leave_probability(rate)
    assert 0.0 <= p < 1.0
    assert 1 - (1 - p) ** 52 == pytest.approx(1 - np.exp(-rate), abs=1e-9)


def test_weekly_leave_probability_distinguishes_the_whole_declared_range():
    """A declared range should be meaningful: higher turnover, more leavers, up to the declared maximum."""
    spec = parameters()["migrant_turnover_per_year"]
    values = np.linspace(spec.minimum, spec.maximum, 13)
    probabilities = [weekly_leave_probability(v) for v in values]
    assert all(a < b for a, b in pairwise(probabilities))


def test_churned_newcomers_arrive_without_ties_as_low_belonging_migrants():
    """MODEL_SPEC 3.1: newcomers arrive with no ties, low belonging and trust; leavers' credits go to the pool."""
    model = CommunityModel(
        rng=5, n_residents=600, profile="migrant_heavy", migrant_turnover_per_year=3.0, time_bank=True
    )
    residents = model.residents
    residents.credits[:] = np.random.default_rng(0).uniform(-2.0, 6.0, len(residents))
    total = model.time_bank.total(model.residents)
    degree_before = _degree(model.ties)
    long_term = ~residents.migrant.copy()
    leaving = run_churn(ChurnContext(model.p, residents, model.ties, model.time_bank, model.rng, step=1))
    assert len(leaving) > 0
    assert degree_before[leaving].sum() > 0  # the leavers had ties that had to go
    assert np.all(_degree(model.ties)[leaving] == 0)
    assert not long_term[leaving].any()
    assert np.all(residents.migrant[leaving])
    assert np.all(residents.arrival_step[leaving] == 1)
    assert np.all(residents.role[leaving] == 0) and np.all(residents.credits[leaving] == 0)
    assert residents.belonging[leaving].mean() == pytest.approx(model.p["newcomer_belonging"], abs=0.06)
    assert residents.trust[leaving].mean() == pytest.approx(model.p["newcomer_trust"], abs=0.06)
    assert model.time_bank.total(model.residents) == pytest.approx(total, rel=1e-12)
    i, j = model.ties.pairs
    assert not np.isin(i, leaving).any() and not np.isin(j, leaving).any()


def test_long_term_residents_never_churn():
    """Only migrants turn over: long-term residents' slots keep their first occupant for the whole run."""
    model = CommunityModel(rng=6, n_residents=300, profile="migrant_heavy", migrant_turnover_per_year=0.95)
    long_term = np.flatnonzero(~model.residents.migrant)
    assert len(long_term) > 20
    for _ in range(25):
        model.step()
    residents = model.residents
    assert np.all(residents.arrival_step[long_term] == 0)
    assert not residents.migrant[long_term].any()
    moved = residents.arrival_step > 0
    assert moved.sum() > 20
    assert np.all(residents.migrant[moved])


def test_churn_rate_in_a_run_matches_the_weekly_probability():
    """Over many weeks the share of migrant slots that changed hands approaches 1 - (1-p)^weeks."""
    model = CommunityModel(rng=7, n_residents=400, profile="migrant_heavy", migrant_turnover_per_year=0.6)
    migrants = np.flatnonzero(model.residents.migrant)
    weeks = 20
    for _ in range(weeks):
        model.step()
    changed = np.mean(model.residents.arrival_step[migrants] > 0)
    expected = 1 - (1 - weekly_leave_probability(0.6)) ** weeks
    sd = math.sqrt(expected * (1 - expected) / len(migrants))
    assert abs(changed - expected) < 4 * sd


# ====================================================================== funding


def _finance(**overrides) -> Finance:
    params = _params(**overrides)
    return Finance(params, households=400.0)


def test_public_funding_pays_every_session_until_the_window_ends_then_self_financing():
    """Funding lever: during the public window all planned sessions run; after it, the cross-subsidy share."""
    finance = _finance(
        centre_public_funding_weeks=10, self_financing=0.3, fund_per_household_year=0.0, centre_sessions_per_week=10
    )
    rng = np.random.default_rng(0)
    held_after = []
    for step in range(1, 400):
        finance.start_week(step)
        sessions = finance.centre_sessions_this_week(3, rng)
        if step <= 10:
            assert finance.funded_share == 1.0
            assert sessions.tolist() == [10, 10, 10]
        else:
            assert finance.funded_share == pytest.approx(0.3)
            held_after.append(sessions)
    held = np.array(held_after)
    assert held.max() <= 10
    assert held.mean() == pytest.approx(3.0, abs=0.2)  # binomial(10, 0.3)


def test_no_money_after_the_window_means_no_sessions():
    """Removing the fund and the cross-subsidy makes the centres' offer stop."""
    finance = _finance(centre_public_funding_weeks=5, self_financing=0.0, fund_per_household_year=0.0)
    rng = np.random.default_rng(0)
    for step in range(1, 30):
        finance.start_week(step)
        sessions = finance.centre_sessions_this_week(2, rng)
        if step > 5:
            assert finance.funded_share == 0.0 and sessions.sum() == 0


def test_autonomy_fund_tops_up_centre_costs_after_the_window():
    """The fund's centre share pays what the cross-subsidy leaves, up to what it has earned."""
    finance = _finance(
        centre_public_funding_weeks=0,
        self_financing=0.2,
        fund_per_household_year=52.0,
        fund_centre_share=0.5,
        centre_sessions_per_week=3,
        centre_session_cost_yuan=400.0,
    )
    finance.start_week(1)  # income 52*400/52 = 400 yuan; half (200) for centres
    assert finance.centre_pot == pytest.approx(200.0) and finance.fund_balance == pytest.approx(200.0)
    finance.centre_sessions_this_week(1, np.random.default_rng(0))
    cost = 3 * 400.0
    assert finance.funded_share == pytest.approx((0.2 * cost + 200.0) / cost)
    assert finance.centre_pot == pytest.approx(0.0)
    assert finance.fund_spent == pytest.approx(200.0)


def test_projects_never_spend_more_than_the_fund_holds():
    """The autonomy fund cannot be overdrawn."""
    finance = _finance(fund_per_household_year=52.0, centre_public_funding_weeks=100000)
    finance.start_week(1)
    balance = finance.fund_balance
    assert finance.spend_on_project(balance + 1000.0) == pytest.approx(balance)
    assert finance.fund_balance == pytest.approx(0.0)
    assert finance.spend_on_project(50.0) == 0.0
    assert finance.spend_on_project(-5.0) == 0.0


def test_centre_sessions_drop_in_a_run_when_funding_ends():
    """Model level: sessions run in full during the window and stop when nothing pays for them."""
    model = CommunityModel(
        rng=4, n_residents=200, n_centres=2, centre_sessions_per_week=4, centre_public_funding_weeks=4
    )
    for _ in range(8):
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    assert (frame["centre_sessions"].iloc[1:5] == 8).all()
    assert (frame["centre_sessions"].iloc[5:] == 0).all()
    assert (frame["centre_funded_share"].iloc[5:] == 0).all()


# ====================================================================== space


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


def _coverage(profile, seed, **overrides):
    layout = build_layout(_params(profile, **overrides), np.random.default_rng(seed))
    return layout, life_circle_coverage(layout)


@pytest.mark.parametrize("profile", ["old_inner_city", "migrant_heavy", "new_commercial_estate"])
def test_a_centre_among_dense_buildings_covers_everyone(profile):
    """15-minute circle (800-1000 m): one central centre in a dense estate reaches every resident."""
    layout, coverage = _coverage(profile, 0, n_centres=1, centre_placement="central")
    assert coverage == 1.0
    assert layout.nearest_centre_minutes().max() <= 15.0


def test_an_edge_centre_in_a_village_leaves_residents_outside_the_circle():
    """A centre on the edge of a spread-out village covers fewer residents than one in the middle."""
    for seed in range(3):
        _, edge = _coverage("semi_rural_village", seed, n_centres=1, centre_placement="edge")
        _, central = _coverage("semi_rural_village", seed, n_centres=1, centre_placement="central")
        assert edge < central < 1.0
        assert edge < 0.5


@pytest.mark.parametrize("n_centres", [1, 2, 3, 4, 6])
def test_spread_placement_covers_at_least_as_many_as_edge_placement(n_centres):
    """Spreading centres over the residents (k-means) is the coverage-maximising choice."""
    for seed in range(3):
        _, spread = _coverage("semi_rural_village", seed, n_centres=n_centres, centre_placement="spread")
        _, edge = _coverage("semi_rural_village", seed, n_centres=n_centres, centre_placement="edge")
        assert spread >= edge


def test_coverage_counts_residents_within_fifteen_minutes():
    """Coverage is the resident-weighted share of buildings whose nearest centre is <= 15 minutes away."""
    layout, coverage = _coverage("semi_rural_village", 1, n_centres=2, centre_placement="central")
    within = layout.centre_minutes.min(axis=1) <= 15.0
    assert coverage == pytest.approx(layout.building_residents[within].sum() / layout.building_residents.sum())
    assert layout.building_residents.sum() == layout.building_start[-1] == 2000
    _, none = _coverage("semi_rural_village", 1, n_centres=0)
    assert none == 0.0


def test_near_centre_weights_follow_distance_decay():
    """Residents choose among their nearest centres with weights exp(-rate*km): nearer is likelier."""
    params = _params("semi_rural_village", n_centres=4, centre_placement="spread")
    layout = build_layout(params, np.random.default_rng(0))
    weights = layout.near_centre_weights
    assert weights.sum(axis=1) == pytest.approx(np.ones(layout.n_buildings))
    minutes = np.take_along_axis(layout.centre_minutes, layout.near_centres, axis=1)
    km = minutes * params["walking_speed_m_per_min"] / 1000
    ratio = weights[:, 1] / weights[:, 0]
    assert ratio == pytest.approx(np.exp(-params["distance_decay_per_km"] * (km[:, 1] - km[:, 0])))
    assert np.all(km[:, 0] <= km[:, 1] + 1e-9)


# ====================================================================== deliberation


def test_tiered_formats_follow_the_five_lanzhou_formats():
    """MODEL_SPEC 3.4: disputes on the spot, environment on site, public services at the council,
    safety & health immediately, facilities by multi-round negotiation."""
    expected = {
        "environment": "on_site",
        "disputes": "on_the_spot",
        "public_services": "council",
        "facilities": "multi_round",
        "safety_health": "immediate",
    }
    for c, name in enumerate(CATEGORIES):
        assert format_for(c, True).name == expected[name]
        assert format_for(c, False).name == "council"
    assert {format_for(c, True).name for c in range(len(CATEGORIES))} == set(FORMATS)
    assert FORMATS["council"].at_council and not any(f.at_council for n, f in FORMATS.items() if n != "council")
    assert FORMATS["multi_round"].sittings > 1 and FORMATS["on_the_spot"].small


@settings(max_examples=60, deadline=None)
@given(step=st.integers(0, 500), interval=st.integers(1, 104))
def test_next_council_is_the_first_sitting_at_or_after_step(step, interval):
    """Councils sit when step % interval == 0; the next one is at most interval - 1 weeks away."""
    sitting = next_council(step, interval)
    assert sitting % interval == 0
    assert step <= sitting < step + interval


def test_next_council_known_values():
    """Quarterly councils (13 weeks): weeks 0, 13, 26..."""
    assert [next_council(s, 13) for s in (0, 1, 12, 13, 14, 26)] == [0, 13, 13, 13, 26, 26]


def _add_issues(model, categories, *, step, urgency=None):
    n = len(categories)
    model.issues.append(
        category=np.asarray(categories, dtype=np.int64),
        compound_scope=np.zeros(n, dtype=bool),
        scope_id=np.zeros(n, dtype=np.int64),
        urgency=np.linspace(0.2, 0.9, n) if urgency is None else np.asarray(urgency, dtype=float),
        cost=np.full(n, 1000.0),
        raised_step=np.full(n, step, dtype=np.int64),
        known_step=np.full(n, step, dtype=np.int64),
        resolved_step=np.full(n, -1, dtype=np.int64),
        next_meeting=np.full(n, -1, dtype=np.int64),
        attempts=np.zeros(n, dtype=np.int64),
    )
    return np.arange(len(model.issues) - n, len(model.issues))


def test_schedule_sets_each_formats_delay():
    """Tiered formats meet after their own delay; council issues wait for the next sitting; retries wait longer."""
    model = CommunityModel(rng=1, n_residents=150, tiered_formats=True, council_interval_weeks=13)
    added = _add_issues(model, range(len(CATEGORIES)), step=5)
    schedule(model.issues, added, model.p, 5, retry=False)
    meeting = dict(zip(CATEGORIES, model.issues.next_meeting[added].tolist(), strict=True))
    assert meeting == {
        "environment": 6,
        "disputes": 5,
        "public_services": 13,
        "facilities": 7,
        "safety_health": 5,
    }
    schedule(model.issues, added, model.p, 5, retry=True)
    retry = dict(zip(CATEGORIES, model.issues.next_meeting[added].tolist(), strict=True))
    assert retry["disputes"] == 5 + model.p["retry_weeks"] and retry["public_services"] == 13
    # A failed council issue waits for the next sitting.
    schedule(model.issues, added[[PUBLIC_SERVICES]], model.p, 13, retry=True)
    assert model.issues.next_meeting[added[PUBLIC_SERVICES]] == 26


def test_council_agenda_limit_postpones_the_rest_to_the_next_sitting():
    """A council takes at most council_agenda_size issues at a sitting, the most urgent first."""
    model = CommunityModel(rng=2, n_residents=150, council_interval_weeks=4, council_agenda_size=3)
    added = _add_issues(model, [PUBLIC_SERVICES] * 10, step=8)
    model.issues.next_meeting[added] = 8
    due = due_issues(model.issues, model.p, 8)
    assert len(due) == 3
    assert set(due.tolist()) == set(added[-3:].tolist())  # highest urgency
    postponed = np.setdiff1d(added, due)
    assert np.all(model.issues.next_meeting[postponed] == 12)


def test_agenda_limit_binds_only_the_council():
    """With tiered formats, on-the-spot and immediate meetings are not limited by the council's agenda."""
    model = CommunityModel(rng=2, n_residents=150, tiered_formats=True, council_interval_weeks=4, council_agenda_size=1)
    added = _add_issues(model, [1] * 5 + [4] * 5 + [PUBLIC_SERVICES] * 5, step=8)
    model.issues.next_meeting[added] = 8
    due = due_issues(model.issues, model.p, 8)
    assert len(due) == 11
    assert np.sum(model.issues.category[due] == PUBLIC_SERVICES) == 1


def test_a_council_never_takes_more_issues_than_its_agenda_in_a_run():
    """Model level: with many issues reported, meetings per week never exceed the agenda size."""
    agenda = 2
    model = CommunityModel(
        rng=3,
        n_residents=300,
        issue_rate_per_1000=40.0,
        report_base=1.0,
        council_interval_weeks=2,
        council_agenda_size=agenda,
        tiered_formats=False,
    )
    for _ in range(12):
        model.step()
    meetings = model.datacollector.get_model_vars_dataframe()["meetings"]
    assert meetings.max() == agenda  # the agenda binds ...
    assert (meetings <= agenda).all()  # ... and is never exceeded
    assert (meetings.iloc[1:][np.arange(1, len(meetings)) % 2 == 1] == 0).all()  # no sitting in odd weeks


# ====================================================================== issues and roles


def test_reporting_rises_with_trust_and_a_platform_channel():
    """Trust raises reporting (MODEL_SPEC 6); a digital reporting channel multiplies it."""
    params = _params()
    trust = np.linspace(0.0, 1.0, 11)
    without = report_probability_per_resident(trust, np.zeros(11, dtype=bool), params)
    with_channel = report_probability_per_resident(trust, np.ones(11, dtype=bool), params)
    assert without[0] == 0.0 and np.all(np.diff(without) > 0)
    assert without == pytest.approx(params["report_base"] * trust)
    assert with_channel[1:] == pytest.approx(np.minimum(without[1:] * params["report_platform_boost"], 0.99))
    assert np.all(with_channel <= 0.99)


def test_issue_rate_and_category_mix_follow_infrastructure_age():
    """Issues arrive at issue_rate_per_1000; older buildings tilt the mix to environment and facilities."""
    rng = np.random.default_rng(0)
    building_compound = np.zeros(10, dtype=np.int64)
    mix = {}
    for age in (0.0, 1.0):
        params = _params(infrastructure_age=age, issue_rate_per_1000=2.0)
        draws = [new_issues(100_000, params, 10, building_compound, 3, rng) for _ in range(20)]
        counts = np.array([len(d["category"]) for d in draws])
        assert counts.mean() == pytest.approx(200.0, rel=0.05)
        category = np.concatenate([d["category"] for d in draws])
        mix[age] = np.bincount(category, minlength=len(CATEGORIES)) / len(category)
        first = draws[0]
        assert np.all(first["raised_step"] == 3) and np.all(first["known_step"] == -1)
        assert np.all((first["urgency"] > 0) & (first["urgency"] <= 1)) and np.all(first["cost"] >= 0)
    assert mix[1.0][FACILITIES] > mix[0.0][FACILITIES] + 0.05
    assert mix[1.0][PUBLIC_SERVICES] < mix[0.0][PUBLIC_SERVICES]


def test_support_work_resting_on_few_volunteers_overloads_them():
    """Burnout: the same support work shared by fewer volunteers means a larger load each."""
    model = CommunityModel(
        rng=1, n_residents=200, leader_coverage=0.0, expert_pool_share=0.0, initial_organiser_share=0.0
    )
    residents = model.residents
    model.week.acts[:] = 1
    loads = {}
    for k in (2, 20):
        residents.role[:] = 0
        residents.role[:k] = ORGANISER
        load = volunteer_load(residents, model.layout, model.week, model.p)
        assert np.all(load[k:] == 0)
        loads[k] = load[:k]
    expected = model.p["support_hours_per_act"] * 200
    assert loads[2] == pytest.approx(np.full(2, expected / 2))
    assert loads[20] == pytest.approx(np.full(20, expected / 20))


# ====================================================================== attitudes (helpers)


def test_disclosure_cadence():
    """Open days: none never, semi-annual every 26 weeks, monthly every 4 weeks."""
    assert not any(disclosure_due("none", s) for s in range(60))
    assert [s for s in range(1, 60) if disclosure_due("semiannual", s)] == [26, 52]
    assert [s for s in range(1, 17) if disclosure_due("monthly", s)] == [4, 8, 12, 16]


def test_toward_moves_a_share_of_the_gap():
    """Partial adjustment: value + rate * (target - value), never overshooting for rate in [0, 1]."""
    value = np.array([0.0, 0.5, 1.0])
    assert toward(value, 1.0, 0.25) == pytest.approx([0.25, 0.625, 1.0])
    assert toward(value, 0.2, 1.0) == pytest.approx([0.2, 0.2, 0.2])
    assert toward(value, 0.2, 0.0) == pytest.approx(value)


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
