"""Compiled kernel of the outputs' per-resident counts: one pass over the residents.

:func:`resident_counts` counts, in a single loop, everything the participation and
volunteering outputs of :mod:`commsim.metrics` count over residents (who took part
recently in each channel or in a volunteer role, by age group, tenure and need; deliberation and volunteering
over a year; unique participants; roles; time-bank members), instead of about forty
numpy reductions over whole arrays. Counts are integers, so the shares computed from
them are the array formulation's to the bit.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# Positions in the array returned by resident_counts.
RESIDENTS = 0
ANY_RECENT, ACTIVITIES_RECENT, DELIBERATION_RECENT, AID_RECENT = 1, 2, 3, 4
BY_AGE = 5  # residents of age group g at BY_AGE + g
ANY_RECENT_BY_AGE = 8  # of whom took part recently, at ANY_RECENT_BY_AGE + g
MIGRANTS, ANY_RECENT_MIGRANTS = 11, 12
WITH_NEEDS, ANY_RECENT_WITH_NEEDS = 13, 14
ACTIVITIES_RECENT_ELDERLY = 15
DELIBERATION_YEAR_BY_AGE = 16  # at DELIBERATION_YEAR_BY_AGE + g
VOLUNTEERED_YEAR = 19
UNIQUE_YEAR = 20
BY_ROLE = 21  # holders of role r at BY_ROLE + r (r = 0 is no role)
N_ROLES = 6  # the role codes of commsim.state.residents.ROLES
TIME_BANK_MEMBERS = BY_ROLE + N_ROLES
N_COUNTS = TIME_BANK_MEMBERS + 1


@njit(cache=True)
def resident_counts(
    age_group: np.ndarray,
    migrant: np.ndarray,
    need_elderly_care: np.ndarray,
    with_children: np.ndarray,
    need_disability: np.ndarray,
    need_low_income: np.ndarray,
    last_activities: np.ndarray,
    last_deliberation: np.ndarray,
    last_mutual_aid: np.ndarray,
    last_volunteered: np.ndarray,
    role: np.ndarray,
    time_bank_member: np.ndarray,
    recent_after: int,
    year_after: int,
) -> np.ndarray:
    """Every per-resident count of the participation outputs, in one pass.

    Args:
        age_group: Age group code of each resident (0 youth, 1 adult, 2 elderly).
        migrant: Migrant (short tenure) flags.
        need_elderly_care: Flags of residents with an elderly-care need.
        with_children: Flags of residents with a child at home.
        need_disability: Flags of residents with a disability.
        need_low_income: Flags of residents on a low income.
        last_activities: Step of each resident's last activity.
        last_deliberation: Step of the last deliberation.
        last_mutual_aid: Step of the last mutual-aid act.
        last_volunteered: Step of the last volunteering.
        role: Volunteer role code (0 none, 1 leader, 2 expert, 3 organiser, 4 helper,
            5 mutual-aid station volunteer).
        time_bank_member: Time-bank membership flags.
        recent_after: A last act counts as recent when its step is above this
            (the step minus ``recent_window_weeks``).
        year_after: A last act counts within the year when its step is above this.

    Returns:
        ``N_COUNTS`` integer counts at the positions named by this module's constants.
    """
    counts = np.zeros(N_COUNTS, dtype=np.int64)
    counts[RESIDENTS] = len(age_group)
    for i in range(len(age_group)):
        g = age_group[i]
        activities = last_activities[i] > recent_after
        deliberation = last_deliberation[i] > recent_after
        aid = last_mutual_aid[i] > recent_after
        # Holding a role is taking part: its duty is booked as acts (roles.book_role_work).
        any_recent = activities or deliberation or aid or last_volunteered[i] > recent_after
        counts[BY_AGE + g] += 1
        counts[BY_ROLE + role[i]] += 1
        if any_recent:
            counts[ANY_RECENT] += 1
            counts[ANY_RECENT_BY_AGE + g] += 1
        if activities:
            counts[ACTIVITIES_RECENT] += 1
            if g == 2:
                counts[ACTIVITIES_RECENT_ELDERLY] += 1
        if deliberation:
            counts[DELIBERATION_RECENT] += 1
        if aid:
            counts[AID_RECENT] += 1
        if migrant[i]:
            counts[MIGRANTS] += 1
            if any_recent:
                counts[ANY_RECENT_MIGRANTS] += 1
        if need_elderly_care[i] or with_children[i] or need_disability[i] or need_low_income[i]:
            counts[WITH_NEEDS] += 1
            if any_recent:
                counts[ANY_RECENT_WITH_NEEDS] += 1
        if last_deliberation[i] > year_after:
            counts[DELIBERATION_YEAR_BY_AGE + g] += 1
        if last_volunteered[i] > year_after:
            counts[VOLUNTEERED_YEAR] += 1
        last_act = max(max(last_activities[i], last_deliberation[i]), last_mutual_aid[i])
        if max(last_act, last_volunteered[i]) > year_after:
            counts[UNIQUE_YEAR] += 1
        if time_bank_member[i]:
            counts[TIME_BANK_MEMBERS] += 1
    return counts
