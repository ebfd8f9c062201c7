"""The practice reports' claims (MODEL_SPEC section 6) as paired-seed comparisons.

Each :class:`Claim` names a reference arm (without the cause), a treatment arm (with it),
the outcome the claim is about and the sign the claim predicts for treatment minus
reference. :func:`claim_arm` is an experiment-runner target
(``commsim.validation.claims:claim_arm``): ``experiments/validation.yaml`` makes the claim
a factor and the two arms scenarios, so that both arms of a claim run on the same seeds
and the runner's paired effects (with 95% intervals) answer whether the model supports it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from commsim.model import CommunityModel

# The default run (MODEL_SPEC section 2): a claim speaks of where participation settles.
# At 78 weeks the status quo on the new commercial estate was still broadening (its
# top-10% share 0.60, 0.56 and 0.50 over the 26 weeks to weeks 78, 104 and 156), so that
# claim read reversed.
STEPS = 104
LAST_WEEKS = 26


def _last(metric: str) -> Callable[[pd.DataFrame], float]:
    def measure(frame: pd.DataFrame) -> float:
        return float(frame[metric].iloc[-LAST_WEEKS:].mean())

    measure.__doc__ = f"Mean of {metric} over the last {LAST_WEEKS} weeks."
    return measure


def _burnout_per_volunteer_week(frame: pd.DataFrame) -> float:
    """Mean volunteer burnout over the weeks with any volunteer (0 if none)."""
    active = frame["volunteers_active"] > 0
    return float(frame.loc[active, "volunteer_burnout"].mean()) if active.any() else 0.0


def _turnout(frame: pd.DataFrame) -> float:
    """Share of the residents affected by the run's meetings who attended them (0 without meetings)."""
    affected = float(frame["meeting_affected"].sum())
    return float(frame["meeting_attendees"].sum()) / affected if affected else 0.0


def _fade(frame: pd.DataFrame) -> float:
    """Activity participation in the last 10 weeks minus the 10 weeks before funding ends (weeks 16-26)."""
    return float(frame["rate_activities"].iloc[-10:].mean() - frame["rate_activities"].iloc[16:27].mean())


@dataclass(frozen=True, slots=True)
class Outcome:
    """An outcome of a claim: a label, how it is measured on a run's series, the predicted sign."""

    label: str
    measure: Callable[[pd.DataFrame], float]
    sign: int


@dataclass(frozen=True, slots=True)
class Claim:
    """One claim of the practice reports, as two arms run on the same seeds.

    Attributes:
        name: Identifier (a level of the ``claim`` factor).
        statement: The claim, as MODEL_SPEC section 6 words it.
        reference: Model settings without the cause.
        treatment: Model settings with the cause.
        primary: The outcome the claim is about.
        secondary: A second outcome it implies, if any.
        n_residents: Residents per run.
    """

    name: str
    statement: str
    reference: dict[str, Any]
    treatment: dict[str, Any]
    primary: Outcome
    secondary: Outcome | None = None
    n_residents: int = 1000


_VILLAGE = {"profile": "semi_rural_village", "centre_sessions_per_week": 6}
_CHURNING = {"profile": "migrant_heavy", "migrant_turnover_per_year": 1.5}
_BURNOUT = {"policy": "centres", "volunteer_recruit_rate": 0.0}
_AFTER_FUNDING = {"policy": "centres", "centre_public_funding_weeks": 26}

CLAIMS: tuple[Claim, ...] = (
    Claim(
        "no_levers",
        "Without any lever, participation settles low and is concentrated in few residents",
        {"policy": "baseline"},
        {"policy": "no_levers"},
        Outcome("participation, any channel (rate_any)", _last("rate_any"), -1),
        Outcome("share of acts by the top 10% (top10_share)", _last("top10_share"), +1),
    ),
    Claim(
        "centres_elderly",
        "More centre coverage raises elderly activity participation",
        {**_VILLAGE, "n_centres": 4, "centre_placement": "outside"},
        {**_VILLAGE, "n_centres": 4, "centre_placement": "spread"},
        Outcome("elderly activity participation (activity_rate_elderly)", _last("activity_rate_elderly"), +1),
        Outcome("15-minute coverage (coverage_15min)", _last("coverage_15min"), +1),
    ),
    Claim(
        "leaders_ties",
        "Team leaders raise ties across buildings",
        {"leader_coverage": 0.0},
        {"leader_coverage": 1.0, "leader_training": 0.5},
        Outcome("share of ties across buildings (cross_building_ties)", _last("cross_building_ties"), +1),
    ),
    Claim(
        "coattendance_ties",
        "Co-attendance raises ties (more centre sessions, more ties)",
        {"centre_sessions_per_week": 0},
        {"centre_sessions_per_week": 12},
        Outcome("ties per resident (network_mean_degree)", _last("network_mean_degree"), +1),
        Outcome("share of ties across buildings (cross_building_ties)", _last("cross_building_ties"), +1),
    ),
    Claim(
        "transparency_trust",
        "Transparency raises trust",
        {"disclosure": "none"},
        {"disclosure": "monthly"},
        Outcome("trust in institutions (mean_trust)", _last("mean_trust"), +1),
    ),
    Claim(
        "trust_turnout",
        "Trust raises reporting and deliberation turnout",
        {"policy": "baseline", "initial_trust": 0.15, "newcomer_trust": 0.1, "trust_rest": 0.15},
        {"policy": "baseline", "initial_trust": 0.8, "newcomer_trust": 0.6, "trust_rest": 0.7},
        Outcome("deliberation turnout of the affected (meeting_attendees / meeting_affected, whole run)", _turnout, +1),
        Outcome("open issues nobody reported (issues_unreported)", _last("issues_unreported"), -1),
    ),
    Claim(
        "turnover_weakens",
        "High turnover of migrants weakens the loop",
        {"profile": "migrant_heavy", "migrant_turnover_per_year": 0.05},
        _CHURNING,
        Outcome("belonging (mean_belonging)", _last("mean_belonging"), -1),
        Outcome("participation, any channel (rate_any)", _last("rate_any"), -1),
    ),
    Claim(
        "mutual_aid_restores",
        "Mutual aid (a time bank) partly restores the loop under high turnover",
        _CHURNING,
        {**_CHURNING, "time_bank": True},
        Outcome("belonging (mean_belonging)", _last("mean_belonging"), +1),
        Outcome("requests for help met (aid_met_share)", _last("aid_met_share"), +1),
    ),
    Claim(
        "burnout_few",
        "Volunteers burn out when participation rests on too few of them",
        {**_BURNOUT, "initial_organiser_share": 0.05},
        {**_BURNOUT, "initial_organiser_share": 0.004},
        Outcome("volunteer burnout per volunteer-week", _burnout_per_volunteer_week, +1),
    ),
    Claim(
        "funding_fade",
        "Removing funding (no fund, no cross-subsidy) makes centres' gains fade",
        {**_AFTER_FUNDING, "self_financing": 1.0},
        {**_AFTER_FUNDING, "self_financing": 0.0, "fund_per_household_year": 0.0},
        Outcome("activity participation (rate_activities)", _last("rate_activities"), -1),
        Outcome("change in activity participation after funding ends", _fade, -1),
    ),
)
CLAIMS_BY_NAME = {claim.name: claim for claim in CLAIMS}
ARMS = ("reference", "treatment")


def arm_settings(claim: Claim, arm: str, *, profile: str | None = None) -> dict[str, Any]:
    """Model keyword arguments of one arm of a claim.

    Args:
        claim: The claim.
        arm: ``reference`` or ``treatment``.
        profile: A community profile for both arms instead of the claim's own (None: the
            claim's, which is the default profile unless the claim names one). The rest of
            the arm's settings are kept: the village claim's six centre sessions a week,
            the turnover claims' migrant turnover.

    Raises:
        ValueError: On an unknown arm.
    """
    if arm not in ARMS:
        raise ValueError(f"unknown arm {arm!r}; expected one of {', '.join(ARMS)}")
    settings = {"n_residents": claim.n_residents, **(claim.reference if arm == "reference" else claim.treatment)}
    if profile is not None:
        settings["profile"] = profile
    return settings


def claim_arm(*, seed: int, claim: str, arm: str, steps: int = STEPS, profile: str | None = None) -> dict[str, float]:
    """Run one arm of one claim and measure its outcomes (experiment-runner target).

    Args:
        seed: Model seed (the runner gives both arms of a claim the same seeds).
        claim: A claim's name (see :data:`CLAIMS`).
        arm: ``reference`` or ``treatment``.
        steps: Weeks to run.
        profile: Run both arms on this community profile instead of the claim's own.

    Returns:
        ``primary`` and ``secondary`` outcomes (secondary NaN if the claim has none).

    Raises:
        KeyError: On an unknown claim.
    """
    found = CLAIMS_BY_NAME[claim]
    model = CommunityModel(rng=seed, **arm_settings(found, arm, profile=profile))
    for _ in range(steps):
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    secondary = found.secondary.measure(frame) if found.secondary is not None else math.nan
    return {"primary": found.primary.measure(frame), "secondary": secondary}


def effect_row(found: Claim, outcome: Outcome, effect: Any) -> dict[str, Any]:
    """One outcome of a claim as a row of a claims table: the runner's paired effect and its verdict.

    Args:
        found: The claim.
        outcome: Its primary or secondary outcome.
        effect: The runner's effects row of that claim and outcome (reference_mean,
            difference, ci_low, ci_high, n and, if present, p_value).
    """
    return {
        "claim": found.name,
        "statement": found.statement,
        "outcome": outcome.label,
        "predicted_sign": outcome.sign,
        "reference_mean": effect["reference_mean"],
        "difference": effect["difference"],
        "ci_low": effect["ci_low"],
        "ci_high": effect["ci_high"],
        "n": int(effect["n"]),
        "p_value": effect.get("p_value", math.nan),
        "verdict": verdict(outcome.sign, effect["ci_low"], effect["ci_high"]),
    }


def verdict(sign: int, low: float, high: float) -> str:
    """Whether a 95% interval of treatment minus reference supports a claim of sign ``sign``.

    Returns:
        ``supported`` (interval excludes zero on the predicted side), ``contradicted``
        (excludes zero on the other side), ``no difference`` (the interval is zero itself:
        the outcome is the same in both arms on every seed, as 15-minute coverage would be
        if both arms' centres covered everyone) or ``not shown`` (includes zero).
    """
    if low == 0 and high == 0:
        return "no difference"
    if sign * low > 0 and sign * high > 0:
        return "supported"
    if sign * low < 0 and sign * high < 0:
        return "contradicted"
    return "not shown"
