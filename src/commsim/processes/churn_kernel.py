"""Compiled kernel of churn: who moves out, and the newcomers' draws, in one call.

:func:`move_out_and_draw_newcomers` draws who of the migrants leaves and, for each
leaver's slot, a newcomer as :func:`commsim.state.residents.draw_residents` draws one
(``newcomers=True``): the same distributions (numba reproduces numpy's uniform, normal,
gamma and beta streams; the age group is numpy's ``choice`` with probabilities, a
search of the cumulative shares), drawn over all newcomers one attribute after the
other in the array formulation's order, and the same clipping, so the newcomers are
the array formulation's to the bit. The shares, means and Beta parameters are worked
out in :mod:`commsim.processes.churn`, where they are plain Python arithmetic.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# Positions of the numbers in the array passed to move_out_and_draw_newcomers.
LEAVE_P = 0
SHARE_WITH_CHILDREN, FREE_TIME_SHAPE, FREE_TIME_SCALE, CHILDCARE_HOURS, MIN_FREE_TIME = 1, 2, 3, 4, 5
INTEREST_SD, CHILDREN_MEAN, CHILDREN_SD, CARE_SHARE, CARE_MEAN, CARE_SD = 6, 7, 8, 9, 10, 11
SHARE_SKILLED, CIVIC_A, CIVIC_B, SKILLED_BONUS = 12, 13, 14, 15
DIGITAL_ELDERLY, DIGITAL_OTHERS, FREE_RIDERS, COOPERATORS_UP_TO = 16, 17, 18, 19
SHARE_DISABILITY, SHARE_LOW_INCOME, PLATFORM_REACH = 20, 21, 22
BELONGING_A, BELONGING_B, TRUST_A, TRUST_B, EFFICACY_A, EFFICACY_B, EFFICACY_PER_SKILL = 23, 24, 25, 26, 27, 28, 29
SATISFACTION_A, SATISFACTION_B, THRESHOLD_MEAN, THRESHOLD_SD = 30, 31, 32, 33
N_NUMBERS = 34
# Columns of the interests (commsim.state.residents.ACTIVITY_TYPES) and the elderly age group.
ELDERLY_CARE, CHILDREN, ELDERLY = 2, 3, 2


@njit(cache=True)
def _clip01(value: float) -> float:
    # As numpy's clip: the maximum with 0 first (a -0.0 becomes 0.0), then the minimum with 1.
    value = value if value > 0.0 else 0.0
    return value if value < 1.0 else 1.0


@njit(cache=True)
def _clipped(values: np.ndarray) -> np.ndarray:
    result = np.empty_like(values)
    for k in range(len(values)):
        result[k] = _clip01(values[k])
    return result


@njit(cache=True)
def _people(
    n: int,
    n_types: int,
    numbers: np.ndarray,
    age_cdf: np.ndarray,
    free_time_by_age: np.ndarray,
    rng: np.random.Generator,
) -> tuple:
    """Age, children, free time, interests, care need, skills, digital access and cooperation."""
    age = np.searchsorted(age_cdf, rng.random(n), side="right")
    elderly = age == ELDERLY
    with_children = ~elderly & (rng.random(n) < numbers[SHARE_WITH_CHILDREN])
    free_time = free_time_by_age[age] * rng.gamma(numbers[FREE_TIME_SHAPE], numbers[FREE_TIME_SCALE], n)
    for k in range(n):
        hours = free_time[k] - numbers[CHILDCARE_HOURS] * (1.0 if with_children[k] else 0.0)
        free_time[k] = hours if hours >= numbers[MIN_FREE_TIME] else numbers[MIN_FREE_TIME]
    interests = rng.normal(0.0, numbers[INTEREST_SD], n * n_types).reshape((n, n_types))
    children = numbers[CHILDREN_MEAN] + rng.normal(0.0, numbers[CHILDREN_SD], n)
    need_care = elderly & (rng.random(n) < numbers[CARE_SHARE])
    care = numbers[CARE_MEAN] + rng.normal(0.0, numbers[CARE_SD], n)
    skilled = rng.random(n) < numbers[SHARE_SKILLED]
    civic_skills = rng.beta(numbers[CIVIC_A], numbers[CIVIC_B], n)
    for k in range(n):
        civic_skills[k] = _clip01(civic_skills[k] + numbers[SKILLED_BONUS] * (1.0 if skilled[k] else 0.0))
    digital_draw = rng.random(n)
    digital = np.empty(n, dtype=np.bool_)
    for k in range(n):
        digital[k] = digital_draw[k] < (numbers[DIGITAL_ELDERLY] if elderly[k] else numbers[DIGITAL_OTHERS])
    cooperation = rng.random(n)
    cooperator_type = np.full(n, 2, dtype=np.int8)
    for k in range(n):
        if cooperation[k] < numbers[FREE_RIDERS]:
            cooperator_type[k] = 0
        elif cooperation[k] < numbers[COOPERATORS_UP_TO]:
            cooperator_type[k] = 1
    return (
        age,
        with_children,
        free_time,
        interests,
        children,
        need_care,
        care,
        skilled,
        civic_skills,
        digital,
        (cooperator_type),
    )


@njit(cache=True)
def move_out_and_draw_newcomers(
    migrant: np.ndarray,
    numbers: np.ndarray,
    age_cdf: np.ndarray,
    free_time_by_age: np.ndarray,
    interest_by_age: np.ndarray,
    rng: np.random.Generator,
) -> tuple:
    """The slots whose migrants leave this week, and the newcomers drawn for them.

    Args:
        migrant: Migrant flags of every slot.
        numbers: The weekly leaving probability, shares, means and Beta parameters at the
            positions this module names.
        age_cdf: Cumulative shares of the newcomers' age groups (ending at 1).
        free_time_by_age: Mean free hours a week of each age group.
        interest_by_age: Mean interest in each activity type by age group.
        rng: The model's generator.

    Returns:
        The leaving slots, then the newcomers' age group, children at home, free time,
        interests, elderly-care need, skills, civic skills, digital access, platform
        following, disability, low income, belonging, trust, efficacy, satisfaction,
        social threshold and cooperator type.
    """
    leaving = np.flatnonzero(migrant & (rng.random(len(migrant)) < numbers[LEAVE_P]))
    n = len(leaving)
    people = _people(n, interest_by_age.shape[1], numbers, age_cdf, free_time_by_age, rng)
    age, with_children, free_time, noise, children, need_care, care, skilled, civic_skills, digital, cooperator = people
    interests = np.empty_like(noise)
    for k in range(n):
        for column in range(noise.shape[1]):
            interests[k, column] = _clip01(interest_by_age[age[k], column] + noise[k, column])
        if with_children[k]:
            interests[k, CHILDREN] = _clip01(children[k])
        if need_care[k]:
            interests[k, ELDERLY_CARE] = _clip01(care[k])
    disability = rng.random(n) < numbers[SHARE_DISABILITY]
    low_income = rng.random(n) < numbers[SHARE_LOW_INCOME]
    platform = digital & (rng.random(n) < numbers[PLATFORM_REACH])
    belonging = rng.beta(numbers[BELONGING_A], numbers[BELONGING_B], n)
    trust = rng.beta(numbers[TRUST_A], numbers[TRUST_B], n)
    efficacy = rng.beta(numbers[EFFICACY_A], numbers[EFFICACY_B], n)
    for k in range(n):
        efficacy[k] = _clip01(efficacy[k] + numbers[EFFICACY_PER_SKILL] * civic_skills[k])
    satisfaction = rng.beta(numbers[SATISFACTION_A], numbers[SATISFACTION_B], n)
    threshold = _clipped(rng.normal(numbers[THRESHOLD_MEAN], numbers[THRESHOLD_SD], n))
    return (
        leaving,
        age.astype(np.int8),
        with_children,
        free_time,
        interests,
        need_care,
        skilled,
        civic_skills,
        digital,
        platform,
        disability,
        low_income,
        belonging,
        trust,
        efficacy,
        satisfaction,
        threshold,
        cooperator,
    )
