"""Volunteer roles: load, burnout, recruitment and role assignment."""

from __future__ import annotations

import numpy as np
import pytest

from commsim import CommunityModel
from commsim.processes.roles import (
    assign_roles,
    expert_pool_size,
    leader_reach,
    library_ask_probability,
    volunteer_load,
)
from commsim.state.residents import EXPERT, LEADER, ORGANISER


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


def test_recruits_fill_the_expert_pool_then_lead_covered_buildings_then_organise():
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
    roles = assign_roles(residents, recruits, covered, params)
    assert np.flatnonzero(roles == EXPERT).tolist() == [0, 1]
    leaders = recruits[roles == LEADER]
    assert sorted(residents.building[leaders].tolist()) == np.flatnonzero(covered).tolist()
    assert np.all(roles[(roles != EXPERT) & (roles != LEADER)] == ORGANISER)
    assert expert_pool_size(params, residents) == 2


def test_the_library_asks_only_when_it_has_members():
    model = CommunityModel(rng=7, n_residents=150)
    assert library_ask_probability(model.organisations, model.p) is None
    enrolled = CommunityModel(rng=7, n_residents=150, library_share_green=1.0)
    orgs = enrolled.organisations
    expected = enrolled.p["library_ask_rate"] * orgs.engagement[orgs.in_library].mean()
    assert library_ask_probability(orgs, enrolled.p) == pytest.approx(expected)
