"""Churn: turnover arithmetic, only migrants move, newcomers arrive without ties."""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np
import pytest

from commsim import CommunityModel
from commsim.config.declaration import parameters
from commsim.processes.churn import ChurnContext, run_churn, weekly_leave_probability


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


def test_churned_newcomers_arrive_without_ties_as_low_belonging_migrants(degree):
    """MODEL_SPEC 3.1: newcomers arrive with no ties, low belonging and trust; leavers' credits go to the pool."""
    model = CommunityModel(
        rng=5, n_residents=600, profile="migrant_heavy", migrant_turnover_per_year=3.0, time_bank=True
    )
    residents = model.residents
    residents.credits[:] = np.random.default_rng(0).uniform(-2.0, 6.0, len(residents))
    total = model.time_bank.total(model.residents)
    degree_before = degree(model.ties)
    long_term = ~residents.migrant.copy()
    leaving = run_churn(ChurnContext(model.p, residents, model.ties, model.time_bank, model.rng, step=1))
    assert len(leaving) > 0
    assert degree_before[leaving].sum() > 0  # the leavers had ties that had to go
    assert np.all(degree(model.ties)[leaving] == 0)
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
