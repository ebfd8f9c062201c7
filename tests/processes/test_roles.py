"""Volunteer roles: load, burnout, recruitment and role assignment."""

from __future__ import annotations

import numpy as np
import pytest

from commsim import CommunityModel
from commsim.processes.roles import volunteer_load
from commsim.state.residents import ORGANISER


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
