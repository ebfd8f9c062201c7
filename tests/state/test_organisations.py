"""Organisations: enrolment in the resource library, pots, contributions and engagement."""

from __future__ import annotations

import numpy as np
import pytest

from commsim.state.organisations import GREEN, RED, WHITE, Organisations


def _organisations(params_for, **overrides):
    params = params_for(
        n_red_orgs=4,
        n_white_orgs=6,
        n_green_orgs=5,
        library_share_red=0.5,
        library_share_white=0.0,
        library_share_green=1.0,
        **overrides,
    )
    return params, Organisations.create(params, np.random.default_rng(0))


def test_the_library_enrols_its_share_of_each_colour_at_their_starting_engagement(params_for):
    params, orgs = _organisations(params_for)
    assert len(orgs) == 15
    assert orgs.in_library[orgs.colour == RED].sum() == 2
    assert orgs.in_library[orgs.colour == WHITE].sum() == 0
    assert orgs.in_library[orgs.colour == GREEN].sum() == 5
    assert np.all(orgs.engagement[orgs.in_library] == params["org_engagement_member_start"])
    assert np.all(orgs.engagement[~orgs.in_library] == params["org_engagement_other_start"])
    assert np.all(orgs.pot == 0)


def test_pots_fill_with_engaged_budget_up_to_a_year(params_for):
    _, orgs = _organisations(params_for)
    for _ in range(200):
        orgs.accrue()
    assert np.all(orgs.pot[~orgs.in_library] == 0)
    assert orgs.pot[orgs.in_library] == pytest.approx(orgs.budget_year[orgs.in_library])


def test_contributions_never_exceed_the_need_or_the_pots_and_are_remembered(params_for):
    params, orgs = _organisations(params_for)
    orgs.pot[orgs.in_library] = 1000.0
    given = orgs.contribute(2500.0, np.random.default_rng(1))
    assert given == pytest.approx(2500.0)
    assert orgs.pot.sum() == pytest.approx(7 * 1000.0 - 2500.0)
    assert len(orgs.last_contributors) == 3 and orgs.in_library[orgs.last_contributors].all()
    before = orgs.engagement.copy()
    orgs.joint_success(params)
    raised = np.zeros(len(orgs), dtype=bool)
    raised[orgs.last_contributors] = True
    assert np.all(orgs.engagement[raised] > before[raised]) and np.all(orgs.engagement[~raised] == before[~raised])
    assert orgs.contribute(10**9, np.random.default_rng(2)) == pytest.approx(7 * 1000.0 - 2500.0)
    assert orgs.contribute(0.0, np.random.default_rng(3)) == 0.0 and len(orgs.last_contributors) == 0


def test_engagement_decays_and_the_monthly_work_meeting_lifts_members(params_for):
    params, orgs = _organisations(params_for, library_work_meeting=True)
    start = orgs.engagement.copy()
    orgs.update_engagement(params, step=1)
    assert np.all(orgs.engagement < start)
    after_decay = orgs.engagement.copy()
    orgs.update_engagement(params, step=4)
    assert np.all(orgs.engagement[orgs.in_library] > after_decay[orgs.in_library] * (1 - params["engagement_decay"]))
    assert orgs.engaged_count(0.0) == 7
    assert orgs.engaged_count(1.0) == 0
