"""Recruitment by engagement (roles.agreement_when_asked, mechanisms) and role duty booked as acts."""

from __future__ import annotations

import numpy as np
import pytest

from commsim import CommunityModel
from commsim.mechanisms import ask_prospect, role_work_acts
from commsim.processes.roles import agreement_when_asked, book_role_work, duty_hours, support_hours, volunteer_load
from commsim.state.residents import AID_STATION, EXPERT, HELPER, LEADER, NO_ROLE, ORGANISER


def _agreement(params, belonging, efficacy):
    k = len(belonging)
    model = CommunityModel(rng=1, n_residents=max(k, 20))
    model.residents.belonging[:k], model.residents.efficacy[:k] = belonging, efficacy
    return agreement_when_asked(model.residents, params)[:k]


def test_agreement_rises_with_belonging_and_with_efficacy_and_is_half_the_rate_at_the_midpoint(params_for):
    params = params_for()
    belonging = np.linspace(0.0, 1.0, 21)
    low, high = (_agreement(params, belonging, np.full(21, e)) for e in (0.1, 0.8))
    assert np.all(np.diff(low) > 0) and np.all(high > low)
    assert np.all((high > 0) & (high < params["volunteer_recruit_rate"]))
    mid_belonging, mid_efficacy = params["recruit_belonging_min"], params["recruit_efficacy_mid"]
    midpoint = _agreement(params, np.array([mid_belonging]), np.array([mid_efficacy]))
    assert midpoint == pytest.approx([params["volunteer_recruit_rate"] / 2])


def test_without_slopes_every_asked_resident_agrees_at_half_the_rate(params_for):
    params = params_for(recruit_belonging_slope=0.0, recruit_efficacy_slope=0.0)
    agreement = _agreement(params, np.array([0.0, 0.5, 1.0]), np.array([1.0, 0.2, 0.0]))
    assert agreement == pytest.approx(np.full(3, params["volunteer_recruit_rate"] / 2))


def test_the_most_active_are_asked_most():
    prospect = ask_prospect(np.array([0.0, 5.0, 10.0, 90.0]), 10.0)
    assert prospect == pytest.approx([0.0, 1 / 3, 0.5, 0.9])


def test_duty_hours_become_acts_rounded_to_the_nearest_act():
    hours = np.array([0.0, 0.9, 1.0, 1.5, 2.0, 2.9, 3.0, 7.5])
    assert role_work_acts(hours, 2.0).tolist() == [0, 0, 1, 1, 1, 1, 2, 4]
    assert role_work_acts(hours, 1000.0).tolist() == [0] * 8
    assert role_work_acts(hours, 2.0).dtype == np.int64


def test_helpers_station_volunteers_and_leaders_book_their_duty_as_acts_others_do_not():
    model = CommunityModel(rng=9, n_residents=200, initial_organiser_share=0.0, points_per_act=5.0)
    residents, week, acts = model.residents, model.week, model.acts
    residents.role[:] = NO_ROLE
    residents.role[:3] = HELPER
    residents.role[3:5] = AID_STATION
    residents.role[5] = LEADER
    residents.role[6] = EXPERT
    residents.role[7] = ORGANISER
    week.role_hours[5:8] = 4.0  # a meeting chaired, a meeting advised, sessions run
    before = residents.participation_count.copy()
    book_role_work(acts, model.layout, model.p)
    hours = duty_hours(residents, model.layout, model.p)
    served = model.layout.building_residents[residents.building[5]]
    expected = np.zeros(len(residents), dtype=np.int64)
    expected[:5] = 1  # a two-hour shift and an hour and a half each
    expected[5] = role_work_acts(np.array([hours[5] + 4.0]), model.p["role_hours_per_act"])[0]
    assert hours[5] > 0 and served > 0
    assert np.array_equal(week.acts_role_work, expected)
    assert np.array_equal(week.acts, expected)
    assert np.array_equal(residents.participation_count - before, expected)
    assert residents.points[:5] == pytest.approx(np.full(5, 5.0))
    assert week.acts_needing_support() == 0  # duty is itself support work


def test_role_duty_adds_no_support_work_to_the_volunteers_load():
    model = CommunityModel(rng=9, n_residents=200, initial_organiser_share=0.0, support_hours_per_act=0.5)
    residents, week = model.residents, model.week
    residents.role[:] = NO_ROLE
    residents.role[:10] = HELPER
    unbooked = volunteer_load(residents, model.layout, week, model.p)
    book_role_work(model.acts, model.layout, model.p)
    assert week.acts.sum() == 10
    assert np.array_equal(volunteer_load(residents, model.layout, week, model.p), unbooked)
    assert support_hours(model._roles()) == 0.0
