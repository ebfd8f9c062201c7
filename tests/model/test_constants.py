"""Every behavioural constant is declared once and read by the model: changing it changes a run.

Each constant below was a number written in a process module; it is now a parameter of
``configs/parameters.yaml``. Run a busy scenario (every lever on, places scarce, many
issues) with the declared default and with another value: the outputs must differ, so
the declaration is what the model actually reads.
"""

from __future__ import annotations

import hashlib
from dataclasses import fields

import numpy as np
import pytest

from commsim import CommunityModel
from commsim.config.declaration import parameters

BUSY = {
    "n_residents": 400,
    "profile": "old_inner_city",
    "policy": "complete_community",
    "n_centres": 2,
    "centre_capacity": 6,
    "compound_session_capacity": 4,
    "platform_reach": 0.6,
    "platform_booking": True,
    "platform_reporting": True,
    "disclosure": "monthly",
    "tiered_formats": True,
    "inclusiveness": 0.4,
    "council_agenda_size": 1,
    "issue_rate_per_1000": 15.0,
    "leader_coverage": 1.0,
    "leader_training": 0.6,
    "library_share_red": 1.0,
    "library_share_green": 1.0,
    "library_work_meeting": True,
    "expert_pool_share": 0.5,
    "time_bank": True,
    "aid_request_rate": 0.2,
}
WEEKS = 26

# constant -> (another value, settings it needs beyond BUSY)
CHANGED: dict[str, tuple[object, dict]] = {
    "candidate_sessions": (4, {}),
    "booking_time_saving": (0.9, {}),
    "booked_priority": (0.0, {}),
    "platform_awareness": (0.0, {}),
    "threshold_sharpness": (0.5, {}),
    "tie_contact_gain": (0.9, {}),
    "coattendance_homophily_share": (1.0, {}),
    "report_probability_cap": (0.001, {}),
    "experts_per_meeting": (0, {}),
    "on_the_spot_max_invited": (1, {}),
    "retry_weeks": (20, {}),
    # Urgency alone orders a full agenda; with every issue waiting for the council it is full.
    "council_priority_ageing_weeks": (1000.0, {"tiered_formats": False}),
    "opinion_spread": (0.02, {}),
    "opinion_trust_ceiling": (3.0, {}),
    "initial_contribution_share": (0.0, {"initial_trust": 0.8}),  # trust enough that issues reach projects
    "help_belonging_share": (5.0, {}),
    "neighbour_help_penalty": (10.0, {}),
    "time_bank_help_bonus": (10.0, {}),
    "time_bank_tries": (1, {}),
    "aid_memory_weeks": (1, {}),
    "aid_met_share_prior": (0.0, {}),
    "time_bank_join_base": (5.0, {}),
    "disclosure_openness_share": (0.0, {}),
    "disclosure_record_prior": (0.0, {"issue_rate_per_1000": 0.0}),
    "grievance_grace_weeks": (20, {}),
    "grievance_erosion_cap": (0.001, {}),
    "grievance_trust_share": (1.0, {}),
    "activity_satisfaction_gain": (0.5, {}),
    "efficacy_failure_share": (1.0, {}),
    "efficacy_rest": (0.9, {}),
    "efficacy_drift": (0.1, {}),
    "library_ask_rate": (1.0, {}),
    "leader_training_effect": (1.0, {}),
    "org_engagement_member_start": (0.9, {}),
    "org_engagement_other_start": (0.9, {}),
    "org_engaged_threshold": (0.01, {}),
}


def _fingerprint(settings: dict) -> str:
    model = CommunityModel(rng=3, **settings)
    for _ in range(WEEKS):
        model.step()
    digest = hashlib.sha256()
    frame = model.datacollector.get_model_vars_dataframe()
    digest.update(frame.to_numpy(dtype=np.float64).tobytes())
    for field in fields(model.residents):
        digest.update(np.ascontiguousarray(getattr(model.residents, field.name)).tobytes())
    digest.update(model.ties.strength.tobytes())
    digest.update(model.organisations.engagement.tobytes())  # shown by the Organization agents
    return digest.hexdigest()


def test_every_listed_constant_is_declared_in_the_behaviour_group_with_another_valid_value():
    declared = parameters()
    for name, (value, _) in CHANGED.items():
        spec = declared[name]
        assert spec.group == "behaviour"
        assert spec.check(value) != spec.default


@pytest.mark.parametrize("name", sorted(CHANGED))
def test_changing_a_declared_constant_changes_the_run(name):
    value, extra = CHANGED[name]
    base = {**BUSY, **extra}
    assert _fingerprint({**base, name: value}) != _fingerprint(base)
