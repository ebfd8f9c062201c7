"""The compiled step: kernels give the numpy formulation's results bit for bit, and warm up once.

The activities kernels replace an array formulation whose functions stay in
:mod:`commsim.processes.activities` as the documented reference; the meeting kernel
replaces ``initial_opinions`` and ``mechanisms.bounded_confidence``, which stay too. A model pickled at
week k runs week k+1 once through the kernels and once through that reference, from the
same generator state; every resident array, the week's record, the ties and the
generator's state after the week must be identical.
"""

from __future__ import annotations

import pickle
from dataclasses import fields

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import commsim.metrics_kernel as metrics_kernel
import commsim.processes.activities_kernel as activities_kernel
import commsim.processes.attitudes_kernel as attitudes_kernel
import commsim.processes.churn_kernel as churn_kernel
import commsim.processes.deliberation_kernel as deliberation_kernel
import commsim.processes.mutual_aid_kernel as mutual_aid_kernel
import commsim.processes.numpy_kernel as numpy_kernel
import commsim.processes.roles_kernel as roles_kernel
import commsim.processes.time_bank_kernel as time_bank_kernel
import commsim.state.census_kernel as census_kernel
import commsim.state.ties_kernel as ties_kernel
from commsim import CommunityModel
from commsim.mechanisms import bounded_confidence, coattendance_pairs, logistic, threshold_response
from commsim.model import warm_kernels
from commsim.processes import activities
from commsim.processes.activities import (
    admit,
    awareness_probability,
    candidate_sessions,
    session_log_odds,
    this_weeks_sessions,
)
from commsim.processes.churn import run_churn
from commsim.processes.deliberation import PROPOSAL, initial_opinions
from commsim.processes.issues import run_issues

BUSY = {
    "profile": "migrant_heavy",
    "policy": "complete_community",
    "n_centres": 3,
    "time_bank": True,
    "platform_reach": 0.5,
    "platform_booking": True,
    "points_per_act": 10.0,
    "point_value_yuan": 0.1,
    "leader_coverage": 1.0,
}


def reference_activities(ctx: activities.ActivitiesContext) -> None:
    """The activities process in its array formulation (the kernels' reference)."""
    params, residents, layout, rng, week = ctx.params, ctx.residents, ctx.layout, ctx.rng, ctx.week
    sessions = this_weeks_sessions(ctx)
    week.sessions = sessions
    n = len(residents)
    if len(sessions) == 0:
        return
    recent = residents.last_activities >= ctx.step - params["recent_window_weeks"]
    share_recent = ctx.ties.share_of_ties(recent)
    follower = residents.platform_follower & (params["platform_reach"] > 0)
    counts = activities.candidates_per_resident(
        params["candidate_sessions"], activities.open_centres_in_circle(layout, sessions)[residents.building]
    )
    draws = [
        candidate_sessions(
            sessions,
            residents.building,
            layout.building_compound,
            layout.near_centres,
            layout.near_centre_weights,
            layout.n_centres,
            layout.n_compounds,
            params["compound_session_share"],
            rng,
        )
        for _ in range(counts.max())
    ]
    saving = np.where(follower & params["platform_booking"], 1 - params["booking_time_saving"], 1.0)
    hours = params["session_hours"] * saving
    asked = (rng.random(n) < ctx.leader_reach) | (follower & (rng.random(n) < params["platform_promotion"]))
    social = threshold_response(share_recent, residents.social_threshold, params["threshold_sharpness"])
    best, log_odds = draws[0], session_log_odds(ctx, sessions, draws[0], social=social, asked=asked, hours=hours)
    for d, choice in enumerate(draws[1:], start=1):
        utility = session_log_odds(ctx, sessions, choice, social=social, asked=asked, hours=hours)
        utility = np.where(d < counts, utility, -np.inf)  # beyond the resident's own search
        best = np.where(utility > log_odds, choice, best)
        log_odds = np.maximum(log_odds, utility)
    aware = rng.random(n) < awareness_probability(
        share_ties_recent=share_recent, leader_reach=ctx.leader_reach, platform=follower, params=params
    )
    willing = aware & (best >= 0) & (rng.random(n) < logistic(log_odds))
    willing &= sessions.organiser[np.maximum(best, 0)] != np.arange(n)
    who = np.flatnonzero(willing)
    wanted = best[who]
    booked = follower[who] & params["platform_booking"]
    eagerness = log_odds[who] + rng.gumbel(size=len(who))
    admitted = admit(wanted, sessions.capacity, eagerness + params["booked_priority"] * booked)
    attendee, session_of = who[admitted], wanted[admitted]
    week.centre_attendees = attendee[sessions.centre[session_of] >= 0]
    week.session_attendance = np.bincount(session_of, minlength=len(sessions))
    week.hours_used[attendee] += hours[attendee]
    ctx.acts.record(attendee, "activities")
    ran = np.unique(sessions.organiser[session_of][sessions.organiser[session_of] >= 0])
    ctx.acts.record(ran, "activities")
    np.add.at(week.role_hours, sessions.organiser[sessions.organiser >= 0], params["session_hours"])
    i, j = coattendance_pairs(attendee, session_of, params["tie_formation_coattend"], rng)
    similar = residents.age_group[i] == residents.age_group[j]
    filtered = params["homophily"] * params["coattendance_homophily_share"]
    keep = rng.random(len(i)) < (1 - filtered) + filtered * similar
    ctx.ties.strengthen(i[keep], j[keep], params["tie_contact_gain"])


def _activities_week(model: CommunityModel, run) -> CommunityModel:
    """The first half of a step, up to and including the activities, through ``run``."""
    model._start_week()
    run_churn(model._churn())
    model.roles.refresh(model.residents, model.p)
    run_issues(model._issues())
    run(model._activities())
    return model


def _state(model: CommunityModel) -> dict[str, np.ndarray]:
    arrays = {f"resident:{f.name}": np.asarray(getattr(model.residents, f.name)) for f in fields(model.residents)}
    for name in ("acts", "activity_acts", "hours_used", "role_hours", "session_attendance", "centre_attendees"):
        arrays[f"week:{name}"] = np.asarray(getattr(model.week, name))
    arrays |= dict(zip(("ties:i", "ties:j", "ties:strength"), model.ties.upper(), strict=True))
    arrays["rng"] = np.frombuffer(pickle.dumps(model.rng.bit_generator.state), dtype=np.uint8)
    arrays["finance"] = np.array([model.finance.points_paid])
    return arrays


@pytest.mark.parametrize(("seed", "week"), [(3, 5), (4, 30)])
def test_activities_kernels_reproduce_the_array_formulation_bit_for_bit(seed, week):
    model = CommunityModel(rng=seed, n_residents=1_500, **BUSY)
    for _ in range(week):
        model.step()
    frozen = pickle.dumps(model)
    compiled = _state(_activities_week(pickle.loads(frozen), activities.run_activities))
    reference = _state(_activities_week(pickle.loads(frozen), reference_activities))
    assert compiled.keys() == reference.keys()
    differ = [name for name in compiled if not np.array_equal(compiled[name], reference[name])]
    assert not differ, differ
    assert len(reference["week:centre_attendees"]) > 0  # the week had attendance to compare


@pytest.mark.parametrize(("attendees", "sittings", "seed"), [(1, 1, 0), (2, 1, 1), (7, 3, 2), (40, 1, 3), (41, 3, 4)])
def test_the_meeting_kernel_reproduces_initial_opinions_and_bounded_confidence(attendees, sittings, seed):
    params = CommunityModel(rng=seed, n_residents=100).p
    trust = np.random.default_rng(seed + 100).uniform(0.0, 0.9, attendees)
    epsilon = params["confidence_bound"] + 2 * params["expert_epsilon_gain"]
    encounters = int(round(params["encounters_per_round"] * attendees * sittings / 2))
    reference_rng, kernel_rng = np.random.default_rng(seed), np.random.default_rng(seed)
    reference = bounded_confidence(
        initial_opinions(trust, params, reference_rng),
        epsilon=epsilon,
        mu=params["convergence_rate"],
        encounters=encounters,
        rng=reference_rng,
    )
    compiled = deliberation_kernel.meeting_opinions(
        kernel_rng,
        trust,
        PROPOSAL,
        params["opinion_spread"],
        params["opinion_trust_ceiling"],
        epsilon,
        params["convergence_rate"],
        encounters,
    )
    assert np.array_equal(compiled, reference)
    assert kernel_rng.bit_generator.state == reference_rng.bit_generator.state


@settings(max_examples=60, deadline=None)
@given(
    items=st.lists(st.integers(0, 50), max_size=40),
    removed=st.lists(st.integers(0, 50), max_size=20),
)
def test_sorted_difference_is_setdiff1d(items, removed):
    items, removed = np.array(items, dtype=np.int64), np.array(removed, dtype=np.int64)
    result = deliberation_kernel.sorted_difference(items, removed)
    expected = np.setdiff1d(items, removed)
    assert result.dtype == expected.dtype and np.array_equal(result, expected)


@pytest.mark.parametrize(
    ("population", "size"), [(1, 1), (5, 3), (7, 1), (64, 64), (100, 8), (300, 299), (1000, 30), (20000, 500)]
)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_kernel_draws_a_choice_without_replacement_as_numpy_does(population, size, seed):
    reference_rng, kernel_rng = np.random.default_rng(seed), np.random.default_rng(seed)
    expected = reference_rng.choice(population, size, replace=False)
    assert np.array_equal(numpy_kernel.numpy_choice(kernel_rng, population, size), expected)
    assert kernel_rng.bit_generator.state == reference_rng.bit_generator.state


@pytest.mark.parametrize("n", [1, 2, 7, 8, 9, 127, 128, 129, 300, 1031, 5000])
def test_the_kernel_sums_and_spreads_as_numpy_does(n):
    values = np.random.default_rng(n).normal(0.3, 1.0, n)
    assert numpy_kernel.numpy_sum(values) == values.sum()
    assert numpy_kernel.numpy_std(values) == np.std(values)
    assert str(numpy_kernel.numpy_sum(np.full(n, -0.0))) == str(np.full(n, -0.0).sum())


def _signatures() -> dict[str, int]:
    found = {}
    modules = (ties_kernel, census_kernel, activities_kernel, deliberation_kernel, numpy_kernel, mutual_aid_kernel)
    modules += (time_bank_kernel, churn_kernel, attitudes_kernel, roles_kernel, metrics_kernel)
    for module in modules:
        for name in dir(module):
            kernel = getattr(module, name)
            if hasattr(kernel, "signatures") and hasattr(kernel, "py_func"):
                found[f"{module.__name__}.{name}"] = len(kernel.signatures)
    return found


def test_after_warming_the_kernels_a_busy_run_compiles_nothing():
    warm_kernels()
    before = _signatures()
    model = CommunityModel(rng=9, n_residents=2_000, **BUSY | {"profile": "old_inner_city"})
    for _ in range(8):
        model.step()
    assert _signatures() == before
