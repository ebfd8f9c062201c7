"""Volunteer roles: load, burnout, recruitment and role assignment."""

from __future__ import annotations

import numpy as np
import pytest

from commsim import CommunityModel
from commsim.processes.roles import (
    Posts,
    assign_roles,
    burn_out_and_quit,
    expert_pool_size,
    first_in_each_group,
    leader_reach,
    library_ask_probability,
    library_staff_support_hours,
    open_posts,
    organiser_places,
    volunteer_load,
)
from commsim.state.residents import AID_STATION, EXPERT, HELPER, LEADER, NO_ROLE, ORGANISER, ROLES


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


@pytest.mark.parametrize(("training", "effect"), [(0.0, 0.5), (1.0, 0.5), (0.6, 1.0)])
def test_training_raises_reach_and_cuts_the_load_of_serving_residents_by_one_effect(params_for, training, effect):
    params = params_for(leader_training=training, leader_training_effect=effect)
    cut = effect * training
    assert leader_reach(params) == pytest.approx(params["leader_reach"] + (1 - params["leader_reach"]) * cut)
    model = CommunityModel(rng=4, n_residents=300, leader_coverage=1.0, **{"leader_training": training})
    residents = model.residents
    leaders = residents.role == LEADER
    model.week.acts[:] = 0
    load = volunteer_load(residents, model.layout, model.week, params)
    served = model.layout.building_residents[residents.building[leaders]]
    assert load[leaders] == pytest.approx(params["leader_hours_per_resident"] * served * (1 - cut))


def test_the_leaders_reach_falls_to_zero_where_the_leader_left():
    model = CommunityModel(rng=5, n_residents=300, leader_coverage=1.0)
    roles, residents = model.roles, model.residents
    assert np.all(roles.reach_by_building == leader_reach(model.p))
    leader = np.flatnonzero(residents.role == LEADER)[0]
    residents.role[leader] = 0
    roles.refresh(residents, model.p)
    building = residents.building[leader]
    assert roles.reach_by_building[building] == 0.0
    assert np.all(roles.reach_by_resident(residents)[residents.building == building] == 0.0)


def test_recruits_fill_the_expert_pool_then_lead_covered_buildings_then_organise_then_help():
    model = CommunityModel(
        rng=6, n_residents=300, leader_coverage=1.0, expert_pool_share=0.0, initial_organiser_share=0.0
    )
    residents, covered = model.residents, model.roles.covered
    leaders_before = residents.role == LEADER
    residents.role[leaders_before] = 0  # every covered building is without a leader
    residents.skilled[:] = False
    residents.skilled[:4] = True
    params = {**model.p, "expert_pool_share": 0.5}  # room for 2 experts
    recruits = np.arange(len(residents))
    compound = model.layout.building_compound[residents.building]
    posts = Posts(organisers_per_compound=3, helpers=10, aid_station=5)
    roles = assign_roles(residents, recruits, covered, params, posts=posts, compound=compound)
    assert np.flatnonzero(roles == EXPERT).tolist() == [0, 1]
    leaders = recruits[roles == LEADER]
    assert sorted(residents.building[leaders].tolist()) == np.flatnonzero(covered).tolist()
    organisers = np.bincount(compound[roles == ORGANISER], minlength=model.layout.n_compounds)
    assert organisers.tolist() == [3] * model.layout.n_compounds
    assert np.sum(roles == HELPER) == 10 and np.sum(roles == AID_STATION) == 5
    rest = np.flatnonzero(roles == NO_ROLE)
    assert len(rest) == len(residents) - 2 - len(leaders) - organisers.sum() - 15
    # The light posts are given in order, after the heavier roles.
    assert rest.min() > np.flatnonzero(roles == AID_STATION).max() > np.flatnonzero(roles == HELPER).max()
    assert expert_pool_size(params, residents) == 2


def test_posts_already_held_are_not_offered_again():
    model = CommunityModel(rng=6, n_residents=300, initial_organiser_share=0.0)
    residents = model.residents
    compound = model.layout.building_compound[residents.building]
    residents.role[:8] = HELPER
    residents.role[8:10] = AID_STATION
    in_first = np.flatnonzero((compound == compound[10]) & (residents.role == NO_ROLE))
    residents.role[in_first[:2]] = ORGANISER
    recruits = np.flatnonzero(residents.role == NO_ROLE)
    posts = Posts(organisers_per_compound=2, helpers=10, aid_station=2)
    roles = assign_roles(residents, recruits, model.roles.covered, model.p, posts=posts, compound=compound)
    assert np.sum(roles == HELPER) == 2 and np.sum(roles == AID_STATION) == 0
    assert not np.any((roles == ORGANISER) & (compound[recruits] == compound[10]))


def test_first_in_each_group_takes_the_room_of_each_group_in_order():
    taken = first_in_each_group(np.array([1, 0, 1, 1, 0, 2]), np.array([1, 2, 0]))
    assert taken.tolist() == [True, True, True, False, False, False]


def test_organisers_are_as_many_as_the_compounds_space_has_sessions_for(params_for):
    assert organiser_places(params_for(compound_space_sessions_per_week=8, organiser_sessions_per_week=2.0)) == 4
    assert organiser_places(params_for(compound_space_sessions_per_week=8, organiser_sessions_per_week=0.0)) == 0


def test_centre_helper_posts_open_only_where_a_centre_holds_sessions(params_for):
    """Centre and event helpers help at a centre: no centre, or one without sessions, opens none of them."""
    plain = CommunityModel(rng=8, n_residents=1000)
    with_centre = open_posts(plain.p, 1000, plain.organisations)
    assert with_centre.helpers == round(plain.p["helper_posts_per_1000"]) > 0
    for closed in ({"n_centres": 0}, {"centre_sessions_per_week": 0}):
        posts = open_posts(params_for(**closed), 1000, plain.organisations)
        assert posts.helpers == 0, closed
        assert posts.aid_station == with_centre.aid_station  # the station does not need a centre
    # In a whole run without a centre nobody becomes a helper, while station posts fill.
    model = CommunityModel(rng=8, n_residents=1000, policy="no_levers")
    for _ in range(60):
        model.step()
    assert not np.any(model.residents.role == HELPER)
    assert np.any(model.residents.role == AID_STATION)


def test_centre_helper_posts_follow_the_share_of_sessions_paid_for():
    """After public funding ends, a centre whose sessions nothing pays for opens no new helper posts."""
    plain = CommunityModel(rng=8, n_residents=1000)
    full = plain.p["helper_posts_per_1000"]
    for share in (1.0, 0.5, 0.0):
        assert open_posts(plain.p, 1000, plain.organisations, funded=share).helpers == round(full * share)
    # A whole run: public funding for ten weeks, then no self-financing and no fund.
    unpaid = {"centre_public_funding_weeks": 10, "self_financing": 0.0, "fund_per_household_year": 0.0}
    helpers = {}
    for name, overrides in (("paid", {}), ("unpaid", unpaid)):
        model = CommunityModel(rng=8, n_residents=1000, **overrides)
        counts = []
        for _ in range(60):
            model.step()
            counts.append(int(np.sum(model.residents.role == HELPER)))
        helpers[name] = np.array(counts)
    assert model.finance.funded_share == 0.0
    after = helpers["unpaid"][11:]
    assert np.all(np.diff(after) <= 0)  # helpers leave and nobody takes their place
    assert after[-1] < helpers["paid"][-1]
    assert helpers["unpaid"][10] > 0


def test_library_members_with_space_open_helper_posts_and_their_staff_take_support_work():
    plain = CommunityModel(rng=8, n_residents=500)
    assert open_posts(plain.p, 500, plain.organisations) == Posts(
        organisers_per_compound=organiser_places(plain.p),
        helpers=round(plain.p["helper_posts_per_1000"] / 2),
        aid_station=round(plain.p["aid_station_posts_per_1000"] / 2),
    )
    assert library_staff_support_hours(plain.organisations, plain.p) == 0.0
    model = CommunityModel(rng=8, n_residents=500, library_share_red=1.0, library_share_green=1.0)
    orgs, params = model.organisations, model.p
    hosting = orgs.in_library & orgs.space
    assert hosting.any()
    extra = params["org_space_helper_posts"] * orgs.engagement[hosting].sum()
    assert open_posts(params, 500, orgs).helpers == round(params["helper_posts_per_1000"] / 2 + extra)
    staff = params["org_staff_support_share"] * np.sum(orgs.in_library * orgs.engagement * orgs.staff_hours)
    assert library_staff_support_hours(orgs, params) == pytest.approx(staff)
    # The staff's hours come off the support work before it is shared among volunteers.
    residents = model.residents
    residents.role[:] = 0
    residents.role[:10] = HELPER
    model.week.acts[:] = 1
    full = volunteer_load(residents, model.layout, model.week, params)
    relieved = volunteer_load(residents, model.layout, model.week, params, staff_support_h=staff)
    support = params["support_hours_per_act"] * len(residents)
    assert full[:10] - relieved[:10] == pytest.approx(np.full(10, min(staff, support) / 10))


def test_helpers_and_station_volunteers_carry_their_duty_hours(params_for):
    model = CommunityModel(rng=9, n_residents=200, initial_organiser_share=0.0)
    residents = model.residents
    residents.role[:] = 0
    residents.role[:3] = HELPER
    residents.role[3:5] = AID_STATION
    model.week.acts[:] = 0
    load = volunteer_load(residents, model.layout, model.week, model.p)
    assert load[:3] == pytest.approx(np.full(3, model.p["helper_hours_per_week"]))
    assert load[3:5] == pytest.approx(np.full(2, model.p["aid_station_hours_per_week"]))
    assert np.all(load[5:] == 0)


@pytest.mark.parametrize("role", [LEADER, EXPERT, ORGANISER, HELPER, AID_STATION])
def test_every_role_burns_out_above_capacity_recovers_below_it_and_quits_when_burnt_out(params_for, role):
    params = params_for(burnout_rate=0.5, burnout_recovery=0.1, quit_base=0.0, quit_burnout=1.0)
    model = CommunityModel(rng=10, n_residents=100, initial_organiser_share=0.0)
    residents = model.residents
    residents.role[:] = NO_ROLE
    residents.role[:4] = role
    residents.role_capacity[:4] = 4.0
    residents.burnout[:4] = 0.2
    load = np.zeros(len(residents))
    load[:2] = 8.0  # twice the capacity: overload 1
    load[2:4] = 2.0
    quiet = params | {"quit_burnout": 0.0}
    assert len(burn_out_and_quit(residents, load, quiet, np.random.default_rng(0))) == 0
    assert residents.burnout[:4] == pytest.approx([0.7, 0.7, 0.1, 0.1])
    assert np.all(residents.burnout[4:] == 0)
    residents.burnout[:2] = 1.0
    load[:2] = 4.5
    quitting = burn_out_and_quit(residents, load, params, np.random.default_rng(0))
    assert set(quitting.tolist()) >= {0, 1} and np.all(residents.role[:2] == NO_ROLE)
    assert ROLES[role] != "none"


def test_the_library_asks_only_when_it_has_members():
    model = CommunityModel(rng=7, n_residents=150)
    assert library_ask_probability(model.organisations, model.p) is None
    enrolled = CommunityModel(rng=7, n_residents=150, library_share_green=1.0)
    orgs = enrolled.organisations
    expected = enrolled.p["library_ask_rate"] * orgs.engagement[orgs.in_library].mean()
    assert library_ask_probability(orgs, enrolled.p) == pytest.approx(expected)


def _formal_volunteering(seed: int, weeks: int = 40, **overrides) -> float:
    model = CommunityModel(rng=seed, n_residents=400, **overrides)
    for _ in range(weeks):
        model.step()
    return float(model.metrics["formal_volunteering_year"])


@pytest.mark.parametrize(
    ("low", "high"),
    [
        ({"volunteer_recruit_rate": 0.02}, {"volunteer_recruit_rate": 0.2}),
        ({"committee_ask_rate": 0.02}, {"committee_ask_rate": 0.2}),
        ({"recruit_prospect_acts": 50.0}, {"recruit_prospect_acts": 2.0}),  # the active are asked more
        ({"recruit_belonging_min": 0.9}, {"recruit_belonging_min": 0.3}),  # more are engaged enough to say yes
    ],
)
def test_asking_more_and_saying_yes_more_raise_formal_volunteering_on_paired_seeds(low, high):
    """Civic voluntarism: more asking (or more yeses when asked) puts more residents in roles, seed by seed."""
    differences = [_formal_volunteering(seed, **high) - _formal_volunteering(seed, **low) for seed in (31, 32, 33)]
    assert all(d > 0.02 for d in differences), differences


def test_without_posts_recruits_beyond_the_organisers_space_find_no_role():
    """The light roles carry formal volunteering: without their posts only the heavier roles remain."""
    closed = {"helper_posts_per_1000": 0.0, "aid_station_posts_per_1000": 0.0}
    for seed in (31, 32):
        assert _formal_volunteering(seed, **closed) + 0.05 < _formal_volunteering(seed)
