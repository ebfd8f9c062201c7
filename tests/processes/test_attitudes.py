"""Attitudes: open days, grievances, belonging and efficacy."""

from __future__ import annotations

import numpy as np
import pytest

from commsim import CommunityModel
from commsim.mechanisms import engagement_log_odds
from commsim.processes.attitudes import (
    AttitudesContext,
    buildings_with_solved_issue,
    disclosure_due,
    grievance_by_building,
    success_seen,
    update_attitudes,
)
from commsim.state.ties import Ties


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
    # Before any issue is old enough it is still floats (the compiled pass takes no other type).
    none_old = grievance_by_building(model.issues, layout, step=1, grace_weeks=2)
    assert none_old.dtype == np.float64 and not none_old.any()


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


def test_engagement_adds_belonging_and_efficacy_at_their_weights():
    """Civic voluntarism: engagement is w_belonging * belonging + w_efficacy * efficacy."""
    value = engagement_log_odds(np.array([0.0, 0.5, 0.0]), np.array([0.0, 0.0, 0.4]), w_belonging=2.0, w_efficacy=1.5)
    assert value == pytest.approx([0.0, 1.0, 0.6])
    assert engagement_log_odds(np.array([0.9]), np.array([0.9]), w_belonging=0.0, w_efficacy=0.0)[0] == 0.0


def test_an_issue_solved_this_week_is_seen_in_its_building_or_its_whole_compound():
    model = CommunityModel(rng=4, n_residents=400)
    layout = model.layout
    _issue(model, scope=0, raised=0, resolved=7)  # building 0, solved this week
    _issue(model, scope=layout.building_compound[1], raised=0, compound=True, resolved=7)
    _issue(model, scope=2, raised=0, resolved=6)  # solved last week
    _issue(model, scope=3, raised=0)  # still open
    seen = buildings_with_solved_issue(model.issues, layout, step=7)
    expected = (np.arange(layout.n_buildings) == 0) | (layout.building_compound == layout.building_compound[1])
    assert np.array_equal(seen, expected)


def test_ties_of_those_who_took_part_where_a_success_happened_see_it_too():
    ties = Ties(6)
    ties.strengthen(np.array([0, 1]), np.array([3, 4]), 0.5)
    at_home = np.array([True, True, True, False, False, False])
    took_part = np.array([True, False, False, False, False, False])
    # 3 is a tie of 0, who took part; 4 is a tie of 1, who did not; 5 has no tie.
    assert success_seen(at_home, took_part, ties).tolist() == [True, True, True, True, False, False]
    assert success_seen(at_home, np.zeros(6, dtype=bool), ties).tolist() == at_home.tolist()


def test_seeing_a_success_raises_belonging_efficacy_and_trust_of_those_who_see_it_only():
    model = CommunityModel(rng=5, n_residents=400)
    residents = model.residents
    _issue(model, scope=0, raised=0, resolved=model.steps)
    for state in (residents.belonging, residents.efficacy, residents.trust):
        state[:] = 0.4
    quiet = {"belonging_decay": 0.0, "efficacy_drift": 0.0, "trust_decay": 0.0, "grievance_erosion": 0.0}
    update_attitudes(_context(model, params={**model.p, **quiet}))
    there = residents.building == 0
    connected = model.ties.share_of_ties(there) > 0  # nobody took part, so only building 0 sees it
    assert there.any()
    p = model.p
    for state, gain in (
        (residents.belonging, p["visible_success_gain"]),
        (residents.efficacy, p["visible_success_efficacy_gain"]),
        (residents.trust, p["visible_success_trust_gain"]),
    ):
        assert state[there] == pytest.approx(0.4 + gain * 0.6)
        assert state[~there] == pytest.approx(0.4)
    assert connected[~there].any()  # ties elsewhere existed but did not see it


def test_an_open_day_shows_every_success_since_the_last_to_everyone():
    model = CommunityModel(rng=6, n_residents=300, disclosure="monthly")
    _issue(model, scope=0, raised=0, known=1, resolved=2)
    model.residents.efficacy[:] = 0.4
    update_attitudes(_context(model, step=4, params={**model.p, "efficacy_drift": 0.0}))
    gain = model.p["visible_success_efficacy_gain"]
    assert model.residents.efficacy == pytest.approx(np.full(300, 0.4 + gain * 0.6))
