"""Resident slots: how the population and newcomers are drawn, and how a slot changes hands."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest

from commsim.state.residents import ELDERLY, NEVER, YOUTH, draw_residents

N = 20_000


def _draw(params, *, newcomers=False, step=0, seed=0):
    building = np.repeat(np.arange(N // 50), 50)
    return draw_residents(building, params, np.random.default_rng(seed), step=step, newcomers=newcomers)


def test_the_population_follows_the_profile_shares(params_for):
    params = params_for("old_inner_city")
    residents = _draw(params)
    assert len(residents) == N
    assert np.mean(residents.age_group == YOUTH) == pytest.approx(params["share_youth"], abs=0.015)
    assert np.mean(residents.age_group == ELDERLY) == pytest.approx(params["share_elderly"], abs=0.015)
    # Migrants are mostly of working age, and their overall share is the profile's.
    assert residents.migrant.mean() == pytest.approx(params["share_migrant"], abs=0.015)
    age = residents.age_group
    assert residents.migrant[age == YOUTH].mean() > residents.migrant[age == ELDERLY].mean()
    assert not residents.with_children[residents.age_group == ELDERLY].any()
    assert not residents.need_elderly_care[residents.age_group != ELDERLY].any()
    assert np.all(residents.free_time >= 0.5)
    # Scores are scores; a fresh population has no history.
    for name in ("belonging", "trust", "efficacy", "satisfaction", "civic_skills", "social_threshold"):
        values = getattr(residents, name)
        assert np.all((values >= 0) & (values <= 1)), name
    assert np.all(residents.last_activities == NEVER) and np.all(residents.role == 0)
    assert np.all(residents.arrival_step == 0) and not residents.time_bank_member.any()


def test_newcomers_are_migrants_with_the_newcomers_belonging_and_trust(params_for):
    params = params_for("migrant_heavy")
    newcomers = _draw(params, newcomers=True, step=7)
    assert newcomers.migrant.all()
    assert np.all(newcomers.arrival_step == 7)
    assert newcomers.belonging.mean() == pytest.approx(params["newcomer_belonging"], abs=0.02)
    assert newcomers.trust.mean() == pytest.approx(params["newcomer_trust"], abs=0.02)
    long_term = _draw(params)
    settled = ~long_term.migrant
    assert long_term.belonging[settled].mean() > newcomers.belonging.mean()


def test_residents_with_a_child_or_a_care_need_care_more_for_those_sessions(params_for):
    residents = _draw(params_for("old_inner_city"))
    children = residents.interests[:, 3]
    care = residents.interests[:, 2]
    assert children[residents.with_children].mean() > children[~residents.with_children].mean() + 0.3
    assert care[residents.need_elderly_care].mean() > care[~residents.need_elderly_care].mean() + 0.3


def test_replace_gives_a_slot_a_new_occupant_but_keeps_its_building(params_for):
    params = params_for("migrant_heavy")
    residents = _draw(params, seed=1)
    residents.last_deliberation[:] = 5
    slots = np.array([3, 40, 99])
    newcomers = draw_residents(np.zeros(3, dtype=np.int32), params, np.random.default_rng(2), step=9, newcomers=True)
    building = residents.building.copy()
    residents.replace(slots, newcomers)
    assert np.array_equal(residents.building, building)
    for field in fields(residents):
        if field.name != "building":
            assert np.array_equal(getattr(residents, field.name)[slots], getattr(newcomers, field.name)), field.name
    assert np.all(residents.last_deliberation[slots] == NEVER)
    assert np.all(residents.last_any()[slots] == NEVER)
    others = np.setdiff1d(np.arange(N), slots)
    assert np.all(residents.last_any()[others] == 5)
