"""Resident state: one numpy array per variable, and how residents are drawn.

Resident slots are dwellings: slot ``i`` always lives in ``building[i]``; when a migrant
moves out, a newcomer takes the slot with fresh state (see :mod:`commsim.processes.churn`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from commsim.config.declaration import Params

AGE_GROUPS = ("youth", "adult", "elderly")
TENURES = ("long_term", "migrant")
ACTIVITY_TYPES = ("culture", "sports", "elderly_care", "children", "learning")
NEEDS = ("elderly_care", "childcare", "disability", "low_income")
ROLES = ("none", "team_leader", "expert", "organiser", "helper", "aid_station")
COOPERATOR_TYPES = ("free_rider", "conditional", "unconditional")
NEVER = -(10**6)
# Plain words for a resident's state, declared beside it, as an inspector shows one resident.
STATE_LABELS = {
    "age_group": "Age group",
    "migrant": "Migrant (short tenure)",
    "with_children": "Child at home",
    "needs": "Has a care, childcare, disability or income need",
    "free_time": "Free time (hours per week)",
    "civic_skills": "Civic skills (0-1)",
    "belonging": "Belonging (0-1)",
    "trust": "Trust (0-1)",
    "efficacy": "Efficacy (0-1)",
    "satisfaction": "Satisfaction (0-1)",
    "fatigue": "Fatigue (0-1)",
    "role": "Volunteer role",
    "participation_count": "Acts so far",
    "acts_activities": "Activities joined",
    "acts_deliberation": "Deliberations joined",
    "acts_mutual_aid": "Mutual-aid acts",
    "last_any": "Weeks since the last act",
    "points": "Points held",
    "time_bank_member": "Time bank member",
}
CATEGORY_LABELS = {
    "age_group": ("18-34", "35-59", "60 and over"),
    "role": (
        "none",
        "building team leader",
        "expert",
        "organiser",
        "centre and event helper",
        "mutual-aid station volunteer",
    ),
}

YOUTH, ADULT, ELDERLY = 0, 1, 2
ELDERLY_CARE, CHILDREN = 2, 3
NO_ROLE, LEADER, EXPERT, ORGANISER, HELPER, AID_STATION = 0, 1, 2, 3, 4, 5

# How the population is drawn (ODD section 5): the distributions of the initial state, not
# rules of behaviour. Profiles set the shares and means that vary between communities.
# Relative likelihood of being a migrant by age group (migrants are mostly of working age).
MIGRANT_AGE_FACTOR = np.array([2.0, 1.0, 0.15])
# Mean interest in each activity type by age group (rows: youth, adult, elderly).
INTEREST_BY_AGE = np.array(
    [
        [0.45, 0.55, 0.05, 0.10, 0.50],
        [0.40, 0.40, 0.15, 0.15, 0.35],
        [0.55, 0.35, 0.55, 0.10, 0.30],
    ]
)
INTEREST_SD = 0.15
CHILDREN_INTEREST = (0.75, 0.15)  # mean and SD of interest in children's sessions with a child at home
CARE_INTEREST = (0.8, 0.1)  # mean and SD of interest in elderly care with a care need
FREE_TIME_SHAPE = 4.0  # Gamma shape of free time around the age group's mean
CHILDCARE_HOURS = 2.0  # free time a child at home takes, hours/week
MIN_FREE_TIME_H = 0.5
CIVIC_SKILLS_BETA = (0.3, 2.5)  # mean and concentration; skilled residents get a bonus on top
SKILLED_CIVIC_BONUS = 0.3
ATTITUDE_CONCENTRATION = 8.0  # Beta concentration of belonging, trust, efficacy and satisfaction
BELONGING_AGE_SHIFT = np.array([-0.08, 0.0, 0.1])  # by age group; half of it for trust
EFFICACY_MEAN = 0.3
EFFICACY_PER_CIVIC_SKILL = 0.3
SATISFACTION_MEAN = 0.5
BETA_MEAN_RANGE = (0.02, 0.98)


@dataclass(slots=True)
class Residents:
    """The state of all resident slots; every field is an array over slots.

    Attributes mirror MODEL_SPEC section 2 (residents and volunteers). Scores are in
    [0, 1]; hours are per week; ``last_*`` hold the step of the last act (NEVER if none).
    ``credits`` is the time-bank balance (hours, down to minus the overdraft) and
    ``credits_paid`` the hours a member has paid from it since arriving;
    ``last_helped_informally`` the step of the last help given to a tie or a neighbour
    outside the time bank.
    """

    building: np.ndarray
    age_group: np.ndarray
    migrant: np.ndarray
    with_children: np.ndarray
    free_time: np.ndarray
    interests: np.ndarray
    need_elderly_care: np.ndarray
    need_disability: np.ndarray
    need_low_income: np.ndarray
    civic_skills: np.ndarray
    skilled: np.ndarray
    digital: np.ndarray
    platform_follower: np.ndarray
    belonging: np.ndarray
    trust: np.ndarray
    efficacy: np.ndarray
    satisfaction: np.ndarray
    fatigue: np.ndarray
    points: np.ndarray
    credits: np.ndarray
    credits_paid: np.ndarray
    social_threshold: np.ndarray
    cooperator_type: np.ndarray
    participation_count: np.ndarray
    acts_activities: np.ndarray
    acts_deliberation: np.ndarray
    acts_mutual_aid: np.ndarray
    acts_recent: np.ndarray
    last_activities: np.ndarray
    last_deliberation: np.ndarray
    last_mutual_aid: np.ndarray
    last_volunteered: np.ndarray
    last_helped_informally: np.ndarray
    role: np.ndarray
    role_capacity: np.ndarray
    burnout: np.ndarray
    role_load: np.ndarray
    time_bank_member: np.ndarray
    arrival_step: np.ndarray

    def __len__(self) -> int:
        return len(self.building)

    @property
    def needs(self) -> np.ndarray:
        """Residents with any of the 'old, young, poor, disabled' needs."""
        return self.need_elderly_care | self.with_children | self.need_disability | self.need_low_income

    def last_any(self) -> np.ndarray:
        """Step of each resident's last act in any channel."""
        return np.maximum(np.maximum(self.last_activities, self.last_deliberation), self.last_mutual_aid)

    def replace(self, slots: np.ndarray, newcomers: Residents) -> None:
        """Overwrite the state of ``slots`` with the state of ``newcomers`` (same length)."""
        for field in fields(self):
            if field.name != "building":
                getattr(self, field.name)[slots] = getattr(newcomers, field.name)


def beta_shapes(mean: np.ndarray | float, concentration: float) -> tuple[np.ndarray, np.ndarray]:
    """The Beta distribution's two shapes for a mean (kept within ``BETA_MEAN_RANGE``) and a concentration."""
    mean = np.clip(mean, *BETA_MEAN_RANGE)
    return mean * concentration, (1 - mean) * concentration


def _beta(mean: np.ndarray | float, concentration: float, size: int, rng: np.random.Generator) -> np.ndarray:
    return rng.beta(*beta_shapes(mean, concentration), size=size)


def draw_residents(
    building: np.ndarray,
    params: Params,
    rng: np.random.Generator,
    *,
    step: int = 0,
    newcomers: bool = False,
) -> Residents:
    """Draw residents for the given building slots.

    Args:
        building: Building of each slot.
        params: Resolved parameters.
        rng: Random generator.
        step: Step of arrival.
        newcomers: If True, draw incoming migrants (no ties, low belonging and trust);
            otherwise draw the initial population of the profile.

    Returns:
        Fresh resident state for the slots.
    """
    n = len(building)
    age, migrant = _age_and_tenure(params, n, rng, newcomers=newcomers)
    elderly = age == ELDERLY
    with_children = ~elderly & (rng.random(n) < params["share_with_children"])
    free_mean = np.array([params["free_time_youth_h"], params["free_time_adult_h"], params["free_time_elderly_h"]])[age]
    free_time = free_mean * rng.gamma(FREE_TIME_SHAPE, 1 / FREE_TIME_SHAPE, size=n)
    free_time = np.maximum(free_time - CHILDCARE_HOURS * with_children, MIN_FREE_TIME_H)
    interests, need_care = _interests_and_care_need(params, age, with_children, rng)
    skilled = rng.random(n) < params["share_skilled"]
    civic_skills = np.clip(_beta(*CIVIC_SKILLS_BETA, n, rng) + SKILLED_CIVIC_BONUS * skilled, 0, 1)
    digital_share = np.where(elderly, params["digital_access_elderly"], params["digital_access_nonelderly"])
    digital = rng.random(n) < digital_share
    belonging_mean, trust_mean = _attitude_means(params, age, migrant, newcomers=newcomers)
    cooperator_type = _cooperator_types(params, n, rng)
    return Residents(
        building=building.astype(np.int32),
        age_group=age.astype(np.int8),
        migrant=migrant,
        with_children=with_children,
        free_time=free_time,
        interests=interests,
        need_elderly_care=need_care,
        need_disability=rng.random(n) < params["share_disability"],
        need_low_income=rng.random(n) < params["share_low_income"],
        civic_skills=civic_skills,
        skilled=skilled,
        digital=digital,
        platform_follower=digital & (rng.random(n) < params["platform_reach"]),
        belonging=_beta(belonging_mean, ATTITUDE_CONCENTRATION, n, rng),
        trust=_beta(trust_mean, ATTITUDE_CONCENTRATION, n, rng),
        efficacy=np.clip(
            _beta(EFFICACY_MEAN, ATTITUDE_CONCENTRATION, n, rng) + EFFICACY_PER_CIVIC_SKILL * civic_skills, 0, 1
        ),
        satisfaction=_beta(SATISFACTION_MEAN, ATTITUDE_CONCENTRATION, n, rng),
        social_threshold=np.clip(rng.normal(params["social_threshold_mean"], params["social_threshold_sd"], n), 0, 1),
        cooperator_type=cooperator_type.astype(np.int8),
        **fresh_history(n, step),
    )


def _age_and_tenure(
    params: Params, n: int, rng: np.random.Generator, *, newcomers: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Age group and migrant status; newcomers are migrants, of the migrants' age mix."""
    age_shares = age_group_shares(params)
    if newcomers:
        return rng.choice(3, size=n, p=newcomer_age_shares(params)), np.ones(n, dtype=bool)
    age = rng.choice(3, size=n, p=age_shares)
    migrant_by_age = migrant_share_by_age(params, age_shares)
    return age, rng.random(n) < migrant_by_age[age]


def age_group_shares(params: Params) -> np.ndarray:
    """Shares of youth, adults and the elderly in the profile."""
    age_shares = np.array(
        [params["share_youth"], 1 - params["share_youth"] - params["share_elderly"], params["share_elderly"]]
    )
    age_shares = np.clip(age_shares, 0, None)
    age_shares /= age_shares.sum()
    return age_shares


def migrant_share_by_age(params: Params, age_shares: np.ndarray) -> np.ndarray:
    """Share of migrants in each age group (migrants are mostly of working age)."""
    migrant_by_age = params["share_migrant"] * MIGRANT_AGE_FACTOR / (age_shares @ MIGRANT_AGE_FACTOR)
    return np.clip(migrant_by_age, 0, 1)


def newcomer_age_shares(params: Params) -> np.ndarray:
    """Shares of the age groups among newcomers: the migrants' age mix."""
    age_shares = age_group_shares(params)
    weights = age_shares * migrant_share_by_age(params, age_shares)
    if weights.sum() == 0:
        weights = age_shares
    return weights / weights.sum()


def _interests_and_care_need(
    params: Params, age: np.ndarray, with_children: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Interests by age group, raised for children's sessions and elderly care by a child or a care need."""
    n = len(age)
    interests = np.clip(INTEREST_BY_AGE[age] + rng.normal(0, INTEREST_SD, size=(n, len(ACTIVITY_TYPES))), 0, 1)
    mean, sd = CHILDREN_INTEREST
    interests[:, CHILDREN] = np.where(with_children, np.clip(mean + rng.normal(0, sd, n), 0, 1), interests[:, CHILDREN])
    need_care = (age == ELDERLY) & (rng.random(n) < params["share_elderly_care_need"])
    mean, sd = CARE_INTEREST
    interests[:, ELDERLY_CARE] = np.where(
        need_care, np.clip(mean + rng.normal(0, sd, n), 0, 1), interests[:, ELDERLY_CARE]
    )
    return interests, need_care


def _attitude_means(
    params: Params, age: np.ndarray, migrant: np.ndarray, *, newcomers: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Mean belonging and trust: the profile's for long-term residents (shifted by age), newcomers' for migrants."""
    n = len(age)
    if newcomers:
        return np.full(n, params["newcomer_belonging"]), np.full(n, params["newcomer_trust"])
    age_shift = BELONGING_AGE_SHIFT[age]
    belonging_mean = np.where(migrant, params["newcomer_belonging"], params["initial_belonging"] + age_shift)
    trust_mean = np.where(migrant, params["newcomer_trust"], params["initial_trust"] + age_shift / 2)
    return belonging_mean, trust_mean


def _cooperator_types(params: Params, n: int, rng: np.random.Generator) -> np.ndarray:
    """Free riders, conditional and unconditional cooperators in the declared shares."""
    cooperation = rng.random(n)
    conditional = params["share_conditional_cooperators"]
    free_riders = params["share_free_riders"]
    return np.where(cooperation < free_riders, 0, np.where(cooperation < free_riders + conditional, 1, 2))


def fresh_history(n: int, step: int) -> dict[str, Any]:
    """A newcomer's slate: no fatigue, points, credits, acts, role or membership."""
    return {
        "fatigue": np.zeros(n),
        "points": np.zeros(n),
        "credits": np.zeros(n),
        "credits_paid": np.zeros(n),
        "participation_count": np.zeros(n, dtype=np.int64),
        "acts_activities": np.zeros(n, dtype=np.int64),
        "acts_deliberation": np.zeros(n, dtype=np.int64),
        "acts_mutual_aid": np.zeros(n, dtype=np.int64),
        "acts_recent": np.zeros(n),
        "last_activities": np.full(n, NEVER, dtype=np.int64),
        "last_deliberation": np.full(n, NEVER, dtype=np.int64),
        "last_mutual_aid": np.full(n, NEVER, dtype=np.int64),
        "last_volunteered": np.full(n, NEVER, dtype=np.int64),
        "last_helped_informally": np.full(n, NEVER, dtype=np.int64),
        "role": np.zeros(n, dtype=np.int8),
        "role_capacity": np.zeros(n),
        "burnout": np.zeros(n),
        "role_load": np.zeros(n),
        "time_bank_member": np.zeros(n, dtype=bool),
        "arrival_step": np.full(n, step, dtype=np.int64),
    }
