"""Invariants that hold for any lever setting (hypothesis draws the levers from their declarations)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commsim import CommunityModel, Resident, Volunteer
from commsim.metrics import METRICS
from commsim.params import parameters

CAPS = {"n_centres": 6, "centre_sessions_per_week": 20, "council_agenda_size": 20, "centre_capacity": 200}
RATES = [m.name for m in METRICS if m.range == "0-1"]


def _strategy(spec):
    if spec.type == "bool":
        return st.booleans()
    if spec.type == "choice":
        return st.sampled_from(spec.choices)
    high = min(spec.maximum, CAPS.get(spec.name, spec.maximum))
    if spec.type == "int":
        return st.integers(int(spec.minimum), int(high))
    return st.floats(spec.minimum, high, allow_nan=False)


LEVERS = st.fixed_dictionaries({name: _strategy(spec) for name, spec in parameters().items() if spec.group == "policy"})


@settings(max_examples=20, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    levers=LEVERS,
    seed=st.integers(0, 2**31),
    profile=st.sampled_from(["old_inner_city", "migrant_heavy", "semi_rural_village", "new_commercial_estate"]),
)
def test_outputs_stay_valid_under_any_levers(levers, seed, profile):
    total = levers["targeted_share_elderly"] + levers["targeted_share_children"]
    if total > 1:
        levers["targeted_share_children"] = max(0.0, 1 - levers["targeted_share_elderly"])
    model = CommunityModel(rng=seed, n_residents=200, profile=profile, **levers)
    credits = model.time_credits_total()
    for _ in range(10):
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    values = frame.drop(columns=[c for c in frame.columns if c.startswith("median_")])
    assert not values.isna().any().any()
    assert ((frame[RATES] >= 0) & (frame[RATES] <= 1 + 1e-9)).all().all()
    assert (values >= 0).all().all()
    assert (frame["unique_participants"] <= 200).all()
    assert (frame["volunteers_active"] == frame["team_leaders"] + frame["experts"] + frame["organisers"]).all()
    assert (frame["aid_met"] <= frame["aid_requests"]).all()
    raised = frame[[c for c in frame.columns if c.startswith("raised_")]].sum(axis=1)
    assert (frame["issues_open"] <= raised).all()
    assert len(model.agents_by_type[Resident]) == 200
    volunteers = model.agents_by_type.get(Volunteer, [])
    assert {v.slot for v in volunteers} == set(np.flatnonzero(model.residents.role > 0).tolist())
    assert abs(model.time_credits_total() - credits) < 1e-6 * max(1.0, credits)
