"""The practice reports' claims as paired arms: coverage of section 6, verdicts and directions."""

from __future__ import annotations

import numpy as np
import pytest

from commsim.state.layout import build_layout, life_circle_coverage
from commsim.validation.claims import CLAIMS, CLAIMS_BY_NAME, arm_settings, claim_arm, verdict


def test_every_behaviour_of_section_6_is_a_claim():
    """MODEL_SPEC section 6 lists seven behaviours; two of them have two parts (ties, turnover)."""
    assert {
        "no_levers",
        "centres_elderly",
        "leaders_ties",
        "coattendance_ties",
        "transparency_trust",
        "trust_turnout",
        "turnover_weakens",
        "mutual_aid_restores",
        "burnout_few",
        "funding_fade",
    } == set(CLAIMS_BY_NAME)
    for claim in CLAIMS:
        assert claim.reference != claim.treatment
        assert claim.primary.sign in (-1, 1)


@pytest.mark.parametrize(
    ("sign", "low", "high", "expected"),
    [
        (1, 0.1, 0.3, "supported"),
        (1, -0.3, -0.1, "contradicted"),
        (1, -0.1, 0.2, "not shown"),
        (-1, -0.3, -0.1, "supported"),
        (-1, 0.1, 0.2, "contradicted"),
        (1, 0.0, 0.2, "not shown"),
        (1, 0.0, 0.0, "no difference"),
        (-1, 0.0, 0.0, "no difference"),
    ],
)
def test_verdict(sign, low, high, expected):
    assert verdict(sign, low, high) == expected


def test_arms_differ_only_in_the_claims_settings():
    claim = CLAIMS_BY_NAME["transparency_trust"]
    assert arm_settings(claim, "reference") == {"n_residents": 1000, "disclosure": "none"}
    assert arm_settings(claim, "treatment") == {"n_residents": 1000, "disclosure": "monthly"}
    with pytest.raises(ValueError, match="unknown arm"):
        arm_settings(claim, "placebo")
    with pytest.raises(KeyError):
        claim_arm(seed=1, claim="no_such_claim", arm="reference")


def test_claim_arm_is_deterministic_and_reports_missing_secondaries_as_nan():
    first = claim_arm(seed=3, claim="transparency_trust", arm="reference", steps=10)
    assert first == claim_arm(seed=3, claim="transparency_trust", arm="reference", steps=10)
    assert np.isnan(first["secondary"]) and 0 <= first["primary"] <= 1


@pytest.mark.slow
@pytest.mark.parametrize("name", ["transparency_trust", "turnover_weakens"])
def test_claim_direction_on_paired_seeds(name):
    """The claim's predicted sign shows on every one of three paired seeds (runs of the claims' own length)."""
    claim = CLAIMS_BY_NAME[name]
    differences = [
        claim_arm(seed=s, claim=name, arm="treatment")["primary"]
        - claim_arm(seed=s, claim=name, arm="reference")["primary"]
        for s in (21, 22, 23)
    ]
    assert all(claim.primary.sign * d > 0 for d in differences), differences


@pytest.mark.parametrize(
    "profile", ["old_inner_city", "new_commercial_estate", "migrant_heavy", "semi_rural_village", "putuo_street"]
)
def test_the_coverage_claims_arms_differ_in_placement_alone_and_cover_nobody_against_nearly_everyone(
    profile, params_for
):
    """The same centres and sessions in both arms, outside the area or spread over it.

    A dense estate is wholly within 15 minutes of any centre of its own, so only centres
    beyond it (the street's) leave its residents outside the circle, as the claim needs.
    """
    claim = CLAIMS_BY_NAME["centres_elderly"]
    reference = arm_settings(claim, "reference", profile=profile)
    treatment = arm_settings(claim, "treatment", profile=profile)
    assert {k for k in reference if reference[k] != treatment[k]} == {"centre_placement"}
    coverage = {}
    for arm, settings in (("reference", reference), ("treatment", treatment)):
        coverage[arm] = life_circle_coverage(build_layout(params_for(**settings), np.random.default_rng(0)))
    assert coverage["reference"] == 0.0
    assert coverage["treatment"] == (1.0 if profile != "putuo_street" else pytest.approx(1.0, abs=0.01))
