"""Attitudes: open days, grievances, belonging and efficacy."""

from __future__ import annotations

import numpy as np
import pytest

from commsim import CommunityModel
from commsim.processes.attitudes import AttitudesContext, disclosure_due, grievance_by_building, update_attitudes


def test_disclosure_cadence():
    """Open days: none never, semi-annual every 26 weeks, monthly every 4 weeks."""
    assert not any(disclosure_due("none", s) for s in range(60))
    assert [s for s in range(1, 60) if disclosure_due("semiannual", s)] == [26, 52]
    assert [s for s in range(1, 17) if disclosure_due("monthly", s)] == [4, 8, 12, 16]


def _context(model, **changes):
    fields = dict(
        params=model.p,
        residents=model.residents,
        layout=model.layout,
        issues=model.issues,
        ties=model.ties,
        week=model.week,
        disclosure=model.disclosure,
        step=model.steps,
    )
    fields.update(changes)
    return AttitudesContext(**fields)


def _issue(model, *, scope, raised, compound=False, resolved=-1, known=-1):
    model.issues.append(
        category=np.array([0]),
        compound_scope=np.array([compound]),
        scope_id=np.array([scope]),
        urgency=np.array([0.8]),
        cost=np.array([100.0]),
        raised_step=np.array([raised]),
        known_step=np.array([known]),
        resolved_step=np.array([resolved]),
        next_meeting=np.array([-1]),
        attempts=np.array([0]),
    )


def test_grievance_counts_old_open_issues_of_the_building_and_its_compound():
    model = CommunityModel(rng=1, n_residents=400)
    layout = model.layout
    _issue(model, scope=0, raised=0)  # building 0, old enough
    _issue(model, scope=0, raised=9)  # building 0, too recent
    _issue(model, scope=layout.building_compound[1], raised=0, compound=True)  # building 1's compound
    _issue(model, scope=2, raised=0, resolved=5)  # resolved
    grievance = grievance_by_building(model.issues, layout, step=10, grace_weeks=2)
    in_compound = layout.building_compound == layout.building_compound[1]
    expected = 0.8 * in_compound + 0.8 * (np.arange(layout.n_buildings) == 0)
    assert grievance == pytest.approx(expected)


def test_acts_raise_belonging_and_efficacy_drifts_toward_its_rest():
    model = CommunityModel(rng=2, n_residents=200)
    residents = model.residents
    residents.belonging[:] = 0.3
    residents.efficacy[:] = 0.9
    model.week.acts[:100] = 2
    update_attitudes(_context(model, params={**model.p, "efficacy_rest": 0.1, "efficacy_drift": 0.5}))
    assert np.all(residents.belonging[:100] > residents.belonging[100:])
    assert residents.efficacy == pytest.approx(np.full(200, 0.5))


def test_an_open_day_raises_trust_by_openness_and_record_and_resets_the_record():
    model = CommunityModel(rng=3, n_residents=200, disclosure="monthly")
    _issue(model, scope=0, raised=0, known=1, resolved=2)
    _issue(model, scope=1, raised=0, known=1)
    record = model.disclosure
    assert record.successes_since(model.issues) == 1
    assert record.resolved_share_since(model.issues, 0.5) == pytest.approx(0.5)
    before = model.residents.trust.copy()
    update_attitudes(_context(model, step=4, params={**model.p, "trust_decay": 0.0, "grievance_erosion": 0.0}))
    gain = model.p["trust_disclosure_gain"] * (0.5 + 0.5 * 0.5)
    assert model.residents.trust == pytest.approx(before + gain * (1 - before))
    assert record.successes_since(model.issues) == 0
    assert record.resolved_share_since(model.issues, 0.25) == 0.25  # nothing reported since
