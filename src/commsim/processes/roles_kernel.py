"""Compiled kernel of the roles process's pass over the residents: load, burnout, quitting and being asked.

:func:`load_burnout_and_asks` does in one call what :mod:`commsim.processes.roles` does
over whole arrays before the posts are assigned: each volunteer's load
(:func:`commsim.processes.roles.volunteer_load`), burnout and quitting
(:func:`~commsim.processes.roles.burn_out_and_quit`), and who is asked and agrees to
take a role. The uniform draws are the array formulation's — one array over the
residents per decision, in its order, from the model's generator — and every expression
keeps its order of operations, so the results are the array formulation's to the bit.
Assigning the posts to the few recruits stays in numpy.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# Role codes (commsim.state.residents.ROLES).
NO_ROLE, LEADER, HELPER, AID_STATION = 0, 1, 4, 5

# Positions of the rates in the array passed to load_burnout_and_asks.
LEADER_HOURS, LEADER_KEPT_LOAD, HELPER_HOURS, AID_STATION_HOURS, SUPPORT_HOURS = 0, 1, 2, 3, 4  # support: of the week
BURNOUT_RATE, BURNOUT_RECOVERY, QUIT_BASE, QUIT_BURNOUT = 5, 6, 7, 8
LIBRARY_ASK, COMMITTEE_ASK = 9, 10
N_RATES = 11


@njit(cache=True)
def _clip01(value: float) -> float:
    # As numpy's clip: the maximum with the lower bound first, then the minimum with the upper.
    value = value if value > 0.0 else 0.0
    return value if value < 1.0 else 1.0


@njit(cache=True)
def _burn_out(role: np.ndarray, burnout: np.ndarray, load: np.ndarray, capacity: np.ndarray, rates: np.ndarray) -> None:
    for i in range(len(role)):
        if role[i] == NO_ROLE:
            burnout[i] = 0.0
            continue
        room = capacity[i] if capacity[i] >= 1e-9 else 1e-9
        overload = load[i] / room - 1.0
        overload = overload if overload >= 0.0 else 0.0
        resting = 1.0 if overload == 0 else 0.0
        burnout[i] = _clip01(burnout[i] + rates[BURNOUT_RATE] * overload - rates[BURNOUT_RECOVERY] * resting)


@njit(cache=True)
def load_burnout_and_asks(
    residents: tuple,
    week: np.ndarray,
    served: np.ndarray,
    reach: np.ndarray,
    recruiting: tuple,
    rates: np.ndarray,
    library_asks: bool,
    active_after: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """This week's load, burnout and quitting of volunteers, and who agrees to take a role.

    Args:
        residents: Role, building, role capacity, burnout and the steps of the last
            activity, deliberation and mutual aid of each resident; role and burnout are
            written in place.
        week: This week's role hours per resident.
        served: Residents of each building (whom a team leader serves).
        reach: Weekly chance that each resident's team leader reaches them (1 or 0 where a
            student playing the leader chose).
        recruiting: Per resident, the share of the library's and committee's asks that
            reach them (:func:`commsim.mechanisms.ask_prospect`) and the chance that
            they agree when asked (:func:`commsim.mechanisms.recruit_agreement`).
        rates: The rates at the positions this module names (``SUPPORT_HOURS``: the
            week's support work left to volunteers; ``LIBRARY_ASK`` only read when
            ``library_asks``).
        library_asks: Whether the resource library asks (it has members).
        active_after: A resident is active when a last act's step is above this.
        rng: The model's generator.

    Returns:
        Each resident's load this week (the new ``role_load``), the slots that quit and
        the slots that agreed to take a role.
    """
    role, building, capacity, burnout, last_activities, last_deliberation, last_aid = residents
    prospect, agreement = recruiting
    role_hours = week
    n = len(role)
    load = role_hours.copy()
    volunteers = 0
    for i in range(n):
        if role[i] == LEADER:
            load[i] += rates[LEADER_HOURS] * served[building[i]] * rates[LEADER_KEPT_LOAD]
        elif role[i] == HELPER:
            load[i] += rates[HELPER_HOURS]
        elif role[i] == AID_STATION:
            load[i] += rates[AID_STATION_HOURS]
        volunteers += role[i] != NO_ROLE
    if volunteers:
        for i in range(n):
            if role[i] != NO_ROLE:
                load[i] += rates[SUPPORT_HOURS] / volunteers
    _burn_out(role, burnout, load, capacity, rates)
    draws = rng.random(n)
    quit = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        if role[i] != NO_ROLE and draws[i] < rates[QUIT_BASE] + rates[QUIT_BURNOUT] * burnout[i]:
            quit[i] = True
            role[i] = NO_ROLE
            burnout[i] = 0.0
    asked = rng.random(n) < reach
    if library_asks:
        asked |= rng.random(n) < rates[LIBRARY_ASK] * prospect
    asked |= rng.random(n) < rates[COMMITTEE_ASK] * prospect
    agrees = rng.random(n) < agreement
    candidate = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        active = max(max(last_activities[i], last_deliberation[i]), last_aid[i]) > active_after
        willing = role[i] == NO_ROLE and active and asked[i]
        candidate[i] = willing and agrees[i] and not quit[i]
    return load, np.flatnonzero(quit), np.flatnonzero(candidate)
