"""The outputs' one-pass count kernel gives the array formulation's outputs bit for bit.

The reference below is the formulation the kernel replaced in :mod:`commsim.metrics`:
one boolean reduction per rate over whole arrays. A busy model pickled at week k runs to
week k+1, and every output computed from the kernel's counts must equal the reference's
exactly, value and type.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import commsim.state.census_kernel as census
from commsim import CommunityModel
from commsim.mechanisms import gini, top_share
from commsim.metric_table import YEAR
from commsim.metrics import compute_metrics, count_residents, recent_participation
from commsim.state.residents import (
    ADULT,
    AID_STATION,
    ELDERLY,
    EXPERT,
    HELPER,
    LEADER,
    NO_ROLE,
    ORGANISER,
    YOUTH,
    Residents,
)

BUSY = {
    "profile": "migrant_heavy",
    "policy": "complete_community",
    "n_centres": 3,
    "time_bank": True,
    "platform_reach": 0.5,
    "points_per_act": 10.0,
    "leader_coverage": 1.0,
}


def _share(mask: np.ndarray, within: np.ndarray) -> float:
    count = within.sum()
    return float((mask & within).sum() / count) if count else 0.0


def reference_counted_outputs(residents: Residents, step: int, window: int) -> dict[str, float]:
    """The counted outputs as whole-array reductions (the kernel's reference)."""
    everyone = np.ones(len(residents), dtype=bool)
    recent = recent_participation(residents, step, window)
    any_recent = recent["activities"] | recent["deliberation"] | recent["mutual_aid"]
    any_recent |= residents.last_volunteered > step - window
    age, migrant, needs = residents.age_group, residents.migrant, residents.needs
    delib_year = residents.last_deliberation > step - YEAR
    volunteer = residents.role != NO_ROLE
    return {
        "rate_any": _share(any_recent, everyone),
        "rate_activities": _share(recent["activities"], everyone),
        "rate_deliberation": _share(recent["deliberation"], everyone),
        "rate_mutual_aid": _share(recent["mutual_aid"], everyone),
        "rate_youth": _share(any_recent, age == YOUTH),
        "rate_adult": _share(any_recent, age == ADULT),
        "rate_elderly": _share(any_recent, age == ELDERLY),
        "rate_long_term": _share(any_recent, ~migrant),
        "rate_migrant": _share(any_recent, migrant),
        "rate_with_needs": _share(any_recent, needs),
        "rate_without_needs": _share(any_recent, ~needs),
        "activity_rate_elderly": _share(recent["activities"], age == ELDERLY),
        "deliberation_year_youth": _share(delib_year, age == YOUTH),
        "deliberation_year_adult": _share(delib_year, age == ADULT),
        "deliberation_year_elderly": _share(delib_year, age == ELDERLY),
        "formal_volunteering_year": _share(residents.last_volunteered > step - YEAR, everyone),
        "unique_participants": int((np.maximum(residents.last_any(), residents.last_volunteered) > step - YEAR).sum()),
        "participation_gini": gini(residents.acts_recent),
        "top10_share": top_share(residents.acts_recent, 0.1),
        "volunteers_active": int(volunteer.sum()),
        "team_leaders": int(np.sum(residents.role == LEADER)),
        "experts": int(np.sum(residents.role == EXPERT)),
        "organisers": int(np.sum(residents.role == ORGANISER)),
        "helpers": int(np.sum(residents.role == HELPER)),
        "aid_station_volunteers": int(np.sum(residents.role == AID_STATION)),
        "volunteer_burnout": float(residents.burnout[volunteer].mean()) if volunteer.any() else 0.0,
        "time_bank_members": int(residents.time_bank_member.sum()),
    }


def reference_issue_counts(model: CommunityModel) -> dict[str, int]:
    """Issues raised and resolved by category, one reduction each."""
    issues = model.issues
    values = {}
    for c, name in enumerate(("environment", "disputes", "public_services", "facilities", "safety_health")):
        values[f"raised_{name}"] = int(np.sum(issues.category == c))
        values[f"resolved_{name}"] = int(np.sum((issues.category == c) & (issues.resolved_step >= 0)))
    return values


@pytest.fixture(scope="module")
def pickled_week() -> bytes:
    model = CommunityModel(rng=11, n_residents=900, **BUSY)
    for _ in range(30):
        model.step()
    return pickle.dumps(model)


@pytest.mark.parametrize("weeks", [1, 3])
def test_outputs_from_the_count_kernel_equal_the_array_reductions(pickled_week, weeks):
    model = pickle.loads(pickled_week)
    for _ in range(weeks):
        model.step()
    outputs = compute_metrics(model)
    expected = reference_counted_outputs(model.residents, model.steps, model.p["recent_window_weeks"])
    expected |= reference_issue_counts(model)
    for name, value in expected.items():
        assert type(outputs[name]) is type(value), name
        assert outputs[name] == value, name
    assert 0 < expected["rate_any"] < 1 and expected["volunteers_active"] > 0  # the comparison means something


def test_counts_by_group_add_up_and_follow_each_flag():
    model = CommunityModel(rng=3, n_residents=400, **BUSY)
    for _ in range(8):
        model.step()
    residents, step = model.residents, model.steps
    counts = count_residents(residents, step, 4)
    n = len(residents)
    assert counts[census.BY_AGE : census.BY_AGE + 3].sum() == n
    assert counts[census.BY_ROLE : census.BY_ROLE + census.N_ROLES].sum() == n
    assert counts[census.WITH_NEEDS] == residents.needs.sum()
    assert counts[census.MIGRANTS] == residents.migrant.sum()
    residents.last_mutual_aid[:] = step  # everyone took part in mutual aid this week
    counts = count_residents(residents, step, 4)
    assert counts[census.ANY_RECENT] == counts[census.AID_RECENT] == counts[census.UNIQUE_YEAR] == n
    assert (
        counts[census.ANY_RECENT_BY_AGE : census.ANY_RECENT_BY_AGE + 3].tolist()
        == counts[census.BY_AGE : census.BY_AGE + 3].tolist()
    )
