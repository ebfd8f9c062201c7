"""Compiled kernel of the attitudes update: one pass over the residents, in place.

:func:`update_residents` applies the week's changes to belonging, trust, efficacy,
satisfaction, fatigue and the memory of acts of :mod:`commsim.processes.attitudes` in
one loop, instead of about thirty whole-array operations. Each attribute goes through
the same partial adjustments (:func:`commsim.mechanisms.toward`) in the same order and
with the same floating-point expressions as the array formulation, so the results are
its to the bit. What is not per resident stays outside: the per-building grievances and
solved issues (from the issue table), the open day's gains (from the record), and the
gain of the week's acts, ``1 - (1 - belonging_gain) ** acts``, which numpy's vectorised
power computes differently from the C library's in the last bit.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# Positions of the rates in the array passed to update_residents.
VISIBLE_BELONGING, VISIBLE_EFFICACY, VISIBLE_TRUST = 0, 1, 2
BELONGING_REST, BELONGING_DECAY = 3, 4
EROSION, EROSION_CAP, FLOOR, TRUST_SHARE = 5, 6, 7, 8
ACTIVITY_SATISFACTION = 9
TRUST_REST, TRUST_DECAY = 10, 11
OPEN_DAY_TRUST = 12
EFFICACY_REST, EFFICACY_DRIFT = 13, 14
FATIGUE_KEPT, ACTS_KEPT = 15, 16
N_RATES = 17


@njit(cache=True)
def _toward(value: float, target: float, rate: float) -> float:
    return value + rate * (target - value)


@njit(cache=True)
def _clip01(value: float) -> float:
    # As numpy's clip: the maximum with 0 first (a -0.0 becomes 0.0), then the minimum with 1.
    value = value if value > 0.0 else 0.0
    return value if value < 1.0 else 1.0


@njit(cache=True)
def success_seen(
    solved_at_home: np.ndarray, acts: np.ndarray, start: np.ndarray, length: np.ndarray, column: np.ndarray
) -> np.ndarray:
    """Residents who see a success: those where it happened, and the ties of those there who took part."""
    n = len(solved_at_home)
    seen = solved_at_home.copy()
    for i in range(n):
        if seen[i]:
            continue
        for k in range(start[i], start[i] + length[i]):
            neighbour = column[k]
            if solved_at_home[neighbour] and acts[neighbour] > 0:
                seen[i] = True
                break
    return seen


@njit(cache=True)
def update_residents(
    attitudes: tuple,
    week: tuple,
    building: np.ndarray,
    free_time: np.ndarray,
    solved_by_building: np.ndarray,
    grievance_by_building: np.ndarray,
    ties: tuple,
    rates: np.ndarray,
    open_day: bool,
    open_day_success: bool,
) -> None:
    """This week's attitudes, fatigue and memory of acts, in place.

    Args:
        attitudes: Belonging, trust, efficacy, satisfaction, fatigue and the memory of
            acts of each resident (written in place).
        week: This week's acts, activity acts, hours used and the belonging gain of the
            acts, per resident.
        building: Each resident's building.
        free_time: Each resident's free hours a week.
        solved_by_building: Whether an issue of each building (or its compound) was solved.
        grievance_by_building: Urgency of each building's old open issues.
        ties: The network's rows (start, length, column).
        rates: The rates at the positions this module names.
        open_day: Whether an open day takes place (its trust gain at ``OPEN_DAY_TRUST``).
        open_day_success: Whether successes since the last open day are shown.
    """
    belonging, trust, efficacy, satisfaction, fatigue, acts_recent = attitudes
    acts, activity_acts, hours_used, act_gain = week
    solved = solved_by_building[building]
    seen = success_seen(solved, acts, ties[0], ties[1], ties[2])
    for i in range(len(building)):
        visible = 1.0 if seen[i] else 0.0
        b = _toward(belonging[i], 1.0, act_gain[i])
        b = _toward(b, 1.0, rates[VISIBLE_BELONGING] * visible)
        b = _toward(b, rates[BELONGING_REST], rates[BELONGING_DECAY])
        e = _toward(efficacy[i], 1.0, rates[VISIBLE_EFFICACY] * visible)
        t = _toward(trust[i], 1.0, rates[VISIBLE_TRUST] * visible)
        erosion = rates[EROSION] * grievance_by_building[building[i]]
        if not erosion <= rates[EROSION_CAP]:
            erosion = rates[EROSION_CAP]
        s = _toward(satisfaction[i], rates[FLOOR], erosion)
        active = 1.0 if activity_acts[i] > 0 else 0.0
        s = _toward(s, 1.0, rates[ACTIVITY_SATISFACTION] * active)
        t = _toward(t, rates[FLOOR], rates[TRUST_SHARE] * erosion)
        t = _toward(t, rates[TRUST_REST], rates[TRUST_DECAY])
        if open_day:
            t = _toward(t, 1.0, rates[OPEN_DAY_TRUST])
            if open_day_success:
                b = _toward(b, 1.0, rates[VISIBLE_BELONGING])
                e = _toward(e, 1.0, rates[VISIBLE_EFFICACY])
        e = _toward(e, rates[EFFICACY_REST], rates[EFFICACY_DRIFT])
        fatigue[i] = fatigue[i] * rates[FATIGUE_KEPT] + hours_used[i] / free_time[i]
        acts_recent[i] = acts_recent[i] * rates[ACTS_KEPT] + acts[i]
        belonging[i], trust[i], efficacy[i], satisfaction[i] = _clip01(b), _clip01(t), _clip01(e), _clip01(s)
