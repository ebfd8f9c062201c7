"""Invariants that must hold under any lever setting (hypothesis draws levers from their declarations).

Whatever the policy, rates are shares, counts are counts, the bookkeeping adds up
(volunteers by role, issues raised/resolved/open, requests met), the Mesa agent views stay
in step with the resident arrays, and time-bank credits are conserved (MODEL_SPEC 3.5).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commsim import CommunityModel, Resident, Volunteer
from commsim.config.declaration import parameters
from commsim.metric_table import METRICS
from commsim.state.issue_table import CATEGORIES

PROFILES = ("old_inner_city", "migrant_heavy", "semi_rural_village", "new_commercial_estate", "putuo_street")
CAPS = {"n_centres": 6, "centre_sessions_per_week": 20, "council_agenda_size": 20}
RATES = [m.name for m in METRICS if m.range == "0-1"]
COUNTS = [m.name for m in METRICS if m.range in ("0-n", ">=0")]
MAY_BE_EMPTY = [m.name for m in METRICS if m.range == ">=0 or empty"]
RESIDENT_COUNTS = ["unique_participants", "volunteers_active", "team_leaders", "experts", "organisers", "helpers"]
RESIDENT_COUNTS += ["aid_station_volunteers"]
RESIDENT_COUNTS += ["volunteer_quits", "time_bank_members"]
CUMULATIVE = [f"raised_{c}" for c in CATEGORIES] + [f"resolved_{c}" for c in CATEGORIES]
CUMULATIVE += ["projects_succeeded", "projects_failed", "credits_earned", "credits_spent", "fund_spent"]
CUMULATIVE += ["programme_cost"]


def _strategy(spec):
    if spec.type == "bool":
        return st.booleans()
    if spec.type == "choice":
        return st.sampled_from(spec.choices)
    high = min(spec.maximum, CAPS.get(spec.name, spec.maximum))
    if spec.type == "int":
        return st.integers(int(spec.minimum), int(high))
    return st.floats(spec.minimum, high, allow_nan=False, allow_infinity=False)


POLICY = {name: spec for name, spec in parameters().items() if spec.group == "policy"}
LEVERS = st.fixed_dictionaries({name: _strategy(spec) for name, spec in POLICY.items()})


def _respect_shares(levers: dict) -> dict:
    """Targeted shares of centre sessions add up to at most one (declared consistency rule)."""
    if levers["targeted_share_elderly"] + levers["targeted_share_children"] > 1.0:
        levers["targeted_share_children"] = max(0.0, 1.0 - levers["targeted_share_elderly"])
    return levers


def _check_state(model, n: int, credits: float) -> None:
    """Agent views and conservation after one step."""
    assert len(model.agents_by_type[Resident]) == n
    assert len(model.residents) == n
    with_role = set(np.flatnonzero(model.residents.role > 0).tolist())
    volunteers = {agent.slot for agent in model.agents_by_type.get(Volunteer, [])}
    assert volunteers == with_role
    assert len(model.agents_by_type.get(Volunteer, [])) == len(with_role)  # one view per role holder
    assert model.time_bank.total(model.residents) == pytest.approx(credits, rel=1e-9, abs=1e-9)
    residents = model.residents
    # Attitudes are scores in [0, 1]; fatigue and burnout stay in range.
    for name in ("belonging", "trust", "efficacy", "satisfaction"):
        values = getattr(residents, name)
        assert np.all((values >= 0) & (values <= 1)), name
    assert np.all(residents.fatigue >= 0) and np.all((residents.burnout >= 0) & (residents.burnout <= 1))
    # Capacity binds in every session.
    week = model.week
    if week.sessions is not None and week.session_attendance is not None:
        assert np.all(week.session_attendance <= week.sessions.capacity)
    # A meeting's attendees are among the residents it affects.
    assert 0 <= week.meeting_attendees <= week.meeting_affected
    # Ties: unique unordered pairs of distinct residents with strength in (0, 1].
    i, j = model.ties.pairs
    assert np.all(i < j) and np.all(j < n)
    assert np.all(np.diff(model.ties.keys) > 0)
    assert np.all((model.ties.strength > 0) & (model.ties.strength <= 1))


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    levers=LEVERS,
    seed=st.integers(0, 2**31),
    profile=st.sampled_from(PROFILES),
    n=st.integers(150, 300),
    steps=st.integers(8, 15),
)
def test_outputs_and_bookkeeping_stay_valid_under_any_levers(levers, seed, profile, n, steps):
    """Any lever setting: shares in [0,1], counts consistent, agents in step with arrays, credits conserved."""
    levers = _respect_shares(levers)
    model = CommunityModel(rng=seed, n_residents=n, profile=profile, **levers)
    credits = model.time_bank.total(model.residents)
    _check_state(model, n, credits)
    for _ in range(steps):
        model.step()
        _check_state(model, n, credits)

    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == steps + 1
    # Shares are shares.
    rates = frame[RATES]
    assert not rates.isna().any().any()
    assert ((rates >= 0) & (rates <= 1 + 1e-9)).all().all(), rates.agg(["min", "max"]).T
    # No NaN except the medians, which are empty until an issue is resolved.
    assert not frame.drop(columns=MAY_BE_EMPTY).isna().any().any()
    medians = frame[MAY_BE_EMPTY]
    assert (medians.isna() | (medians >= 0)).all().all()
    # Counts are non-negative, resident counts bounded by the population.
    assert (frame[COUNTS] >= 0).all().all()
    assert (frame[RESIDENT_COUNTS] <= n).all().all()
    assert (frame["organisations_engaged"] <= len(model.organisations)).all()
    roles = ["team_leaders", "experts", "organisers", "helpers", "aid_station_volunteers"]
    assert (frame["volunteers_active"] == frame[roles].sum(axis=1)).all()
    assert (frame["aid_met"] <= frame["aid_requests"]).all()
    # Issues: cumulative raised bounds open; resolved never exceeds raised in any category.
    raised = frame[[f"raised_{c}" for c in CATEGORIES]].sum(axis=1)
    resolved = frame[[f"resolved_{c}" for c in CATEGORIES]].sum(axis=1)
    assert (frame["issues_open"] <= raised).all()
    assert (frame["issues_open"] == raised - resolved).all()
    for c in CATEGORIES:
        assert (frame[f"resolved_{c}"] <= frame[f"raised_{c}"]).all()
    assert (frame["issues_raised"].iloc[1:].to_numpy() == np.diff(raised.to_numpy())).all()
    # Cumulative outputs never fall.
    assert (frame[CUMULATIVE].diff().iloc[1:] >= -1e-9).all().all()
    # Credits earned are those paid by requesters plus those paid by the pool.
    assert (frame["credits_earned"] >= frame["credits_spent"] - 1e-9).all()
    if not levers["time_bank"]:
        assert (frame["time_bank_members"] == 0).all() and (frame["credits_earned"] == 0).all()
    # Geometry is fixed for a run.
    assert frame["coverage_15min"].nunique() == 1
    if levers["n_centres"] == 0:
        assert (frame["coverage_15min"] == 0).all()
    # Centres never hold more sessions than planned (library sessions come on top only with members).
    library = levers["library_share_red"] + levers["library_share_green"] > 0
    if not library:
        assert (frame["centre_sessions"] <= levers["n_centres"] * levers["centre_sessions_per_week"]).all()
