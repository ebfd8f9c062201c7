"""Process 1 — churn: migrants move out and newcomers take their dwellings.

Migrants move out at the rate ``migrant_turnover_per_year`` (per year): each week a
migrant leaves with probability ``1 - exp(-rate / 52)``, so that a share
``1 - exp(-rate)`` of the migrants present at the start of a year leaves within it. The newcomer is a migrant with no
ties, low belonging and low trust; roles, points and ties of the leaver are lost, and
the leaver's time credits return to the time bank's pool (credits are conserved).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

import commsim.processes.churn_kernel as kernel
import commsim.state.residents as population
from commsim.config.declaration import Params
from commsim.state.residents import Residents, draw_residents
from commsim.state.ties import Ties
from commsim.state.timescale import WEEKS_PER_YEAR

if TYPE_CHECKING:
    from commsim.processes.time_bank import TimeBank


@dataclass(frozen=True, slots=True)
class ChurnContext:
    """What churn reads and writes.

    Attributes:
        params: Resolved parameters (turnover, and how newcomers are drawn).
        residents: Resident slots (a leaver's slot gets a newcomer).
        ties: The network (a leaver's ties are deleted).
        time_bank: The time bank (a leaver's balance returns to its pool).
        rng: The model's stream (who leaves, who arrives).
        step: This week's step (the newcomers' arrival).
    """

    params: Params
    residents: Residents
    ties: Ties
    time_bank: TimeBank
    rng: np.random.Generator
    step: int


def weekly_leave_probability(turnover_per_year: float) -> float:
    """Weekly probability of leaving for a move-out rate of ``turnover_per_year`` per year."""
    return float(-np.expm1(-turnover_per_year / WEEKS_PER_YEAR))


def run_churn(ctx: ChurnContext) -> np.ndarray:
    """Replace leaving migrants with newcomers; return the slots that changed hands (one compiled call)."""
    params, residents = ctx.params, ctx.residents
    drawn = kernel.move_out_and_draw_newcomers(
        residents.migrant,
        newcomer_numbers(params),
        newcomer_age_cdf(params),
        np.array([params["free_time_youth_h"], params["free_time_adult_h"], params["free_time_elderly_h"]]),
        population.INTEREST_BY_AGE,
        ctx.rng,
    )
    leaving = drawn[0]
    if len(leaving) == 0:
        return leaving
    ctx.time_bank.take_back(residents.credits[leaving])
    residents.replace(leaving, newcomers_from(drawn, residents.building[leaving], ctx.step))
    ctx.ties.remove_residents(leaving)
    return leaving


def newcomer_age_cdf(params: Params) -> np.ndarray:
    """Cumulative shares of the newcomers' age groups, as numpy's ``choice`` builds them from the probabilities."""
    cdf = population.newcomer_age_shares(params).cumsum()
    cdf /= cdf[-1]
    return cdf


def newcomer_numbers(params: Params) -> np.ndarray:
    """The leaving probability and the newcomers' shares, means and Beta shapes, at the kernel's positions."""
    numbers = np.zeros(kernel.N_NUMBERS)
    numbers[kernel.LEAVE_P] = weekly_leave_probability(params["migrant_turnover_per_year"])
    numbers[kernel.SHARE_WITH_CHILDREN] = params["share_with_children"]
    numbers[kernel.FREE_TIME_SHAPE] = population.FREE_TIME_SHAPE
    numbers[kernel.FREE_TIME_SCALE] = 1 / population.FREE_TIME_SHAPE
    numbers[kernel.CHILDCARE_HOURS] = population.CHILDCARE_HOURS
    numbers[kernel.MIN_FREE_TIME] = population.MIN_FREE_TIME_H
    numbers[kernel.INTEREST_SD] = population.INTEREST_SD
    numbers[kernel.CHILDREN_MEAN], numbers[kernel.CHILDREN_SD] = population.CHILDREN_INTEREST
    numbers[kernel.CARE_SHARE] = params["share_elderly_care_need"]
    numbers[kernel.CARE_MEAN], numbers[kernel.CARE_SD] = population.CARE_INTEREST
    numbers[kernel.SHARE_SKILLED] = params["share_skilled"]
    numbers[kernel.CIVIC_A], numbers[kernel.CIVIC_B] = population.beta_shapes(*population.CIVIC_SKILLS_BETA)
    numbers[kernel.SKILLED_BONUS] = population.SKILLED_CIVIC_BONUS
    numbers[kernel.DIGITAL_ELDERLY] = params["digital_access_elderly"]
    numbers[kernel.DIGITAL_OTHERS] = params["digital_access_nonelderly"]
    numbers[kernel.FREE_RIDERS] = params["share_free_riders"]
    numbers[kernel.COOPERATORS_UP_TO] = params["share_free_riders"] + params["share_conditional_cooperators"]
    numbers[kernel.SHARE_DISABILITY] = params["share_disability"]
    numbers[kernel.SHARE_LOW_INCOME] = params["share_low_income"]
    numbers[kernel.PLATFORM_REACH] = params["platform_reach"]
    concentration = population.ATTITUDE_CONCENTRATION
    numbers[kernel.BELONGING_A], numbers[kernel.BELONGING_B] = population.beta_shapes(
        params["newcomer_belonging"], concentration
    )
    numbers[kernel.TRUST_A], numbers[kernel.TRUST_B] = population.beta_shapes(params["newcomer_trust"], concentration)
    numbers[kernel.EFFICACY_A], numbers[kernel.EFFICACY_B] = population.beta_shapes(
        population.EFFICACY_MEAN, concentration
    )
    numbers[kernel.EFFICACY_PER_SKILL] = population.EFFICACY_PER_CIVIC_SKILL
    numbers[kernel.SATISFACTION_A], numbers[kernel.SATISFACTION_B] = population.beta_shapes(
        population.SATISFACTION_MEAN, concentration
    )
    numbers[kernel.THRESHOLD_MEAN] = params["social_threshold_mean"]
    numbers[kernel.THRESHOLD_SD] = params["social_threshold_sd"]
    return numbers


def newcomers_from(drawn: tuple, building: np.ndarray, step: int) -> Residents:
    """The newcomers' state from the kernel's draws (after the leaving slots), with a fresh history."""
    (age, with_children, free_time, interests, need_care, skilled, civic_skills, digital, platform) = drawn[1:10]
    (disability, low_income, belonging, trust, efficacy, satisfaction, threshold, cooperator) = drawn[10:]
    return Residents(
        building=building.astype(np.int32),
        age_group=age,
        migrant=np.ones(len(age), dtype=bool),
        with_children=with_children,
        free_time=free_time,
        interests=interests,
        need_elderly_care=need_care,
        need_disability=disability,
        need_low_income=low_income,
        civic_skills=civic_skills,
        skilled=skilled,
        digital=digital,
        platform_follower=platform,
        belonging=belonging,
        trust=trust,
        efficacy=efficacy,
        satisfaction=satisfaction,
        social_threshold=threshold,
        cooperator_type=cooperator,
        **population.fresh_history(len(age), step),
    )


def run_churn_by_arrays(ctx: ChurnContext) -> np.ndarray:
    """The array formulation of :func:`run_churn`, kept as the compiled call's reference (tested equal)."""
    params, residents, rng = ctx.params, ctx.residents, ctx.rng
    p = weekly_leave_probability(params["migrant_turnover_per_year"])
    leaving = np.flatnonzero(residents.migrant & (rng.random(len(residents)) < p))
    if len(leaving) == 0:
        return leaving
    ctx.time_bank.take_back(residents.credits[leaving])
    newcomers = draw_residents(residents.building[leaving], params, rng, step=ctx.step, newcomers=True)
    residents.replace(leaving, newcomers)
    ctx.ties.remove_residents(leaving)
    return leaving
