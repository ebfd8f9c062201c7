"""Who is asked to take a volunteer role, who agrees, and how role duty counts as participation.

Civic voluntarism (Verba, Schlozman & Brady 1995): people volunteer when they are asked
and when they are engaged. Organisations ask those they see taking part — the resource
library and the residents' committee ask a resident in proportion to how active the
resident has been (:func:`ask_prospect`) — and an asked resident agrees more readily the
stronger their belonging and efficacy (:func:`recruit_agreement`, a smooth curve rather
than a threshold). A volunteer's weekly duty hours are acts of participation in their own
right (:func:`role_work_acts`): the active minority who hold roles carry much of a
community's participation (Pareto-like concentration, MODEL_SPEC section 8).

These are pure functions of arrays; :mod:`commsim.processes.roles` wires them.
"""

from __future__ import annotations

import numpy as np

from commsim.config.declaration import Params
from commsim.mechanisms import logistic


def recruit_agreement(belonging: np.ndarray, efficacy: np.ndarray, params: Params) -> np.ndarray:
    """Weekly chance that an asked, active resident agrees to take a role.

    ``volunteer_recruit_rate`` × logistic(``recruit_belonging_slope`` × (belonging −
    ``recruit_belonging_min``) + ``recruit_efficacy_slope`` × (efficacy −
    ``recruit_efficacy_mid``)): half the rate at the belonging midpoint and resting
    efficacy, nearly all of it for the most engaged, little for the detached.

    Args:
        belonging: Belonging of each resident (0-1).
        efficacy: Efficacy of each resident (0-1).
        params: Resolved parameters.

    Returns:
        A probability per resident.
    """
    log_odds = params["recruit_belonging_slope"] * (belonging - params["recruit_belonging_min"])
    log_odds = log_odds + params["recruit_efficacy_slope"] * (efficacy - params["recruit_efficacy_mid"])
    return params["volunteer_recruit_rate"] * logistic(log_odds)


def ask_prospect(acts_recent: np.ndarray, params: Params) -> np.ndarray:
    """Share of the library's and the committee's asks that reach each resident, by how active they are.

    acts_recent / (acts_recent + ``recruit_prospect_acts``): organisations ask the
    residents they see taking part, most of all the most active.

    Args:
        acts_recent: Each resident's acts over about the last year (``Residents.acts_recent``).
        params: Resolved parameters.

    Returns:
        A share (0-1) per resident.
    """
    return acts_recent / (acts_recent + params["recruit_prospect_acts"])


def role_work_acts(duty_hours: np.ndarray, hours_per_act: float) -> np.ndarray:
    """Acts of participation that each resident's weekly role duty hours count for.

    One act per ``hours_per_act`` hours, rounded to the nearest act (half an act and more
    is one): a helper's two-hour shift or a station volunteer's hour and a half is one act
    at the default of two hours per act.

    Args:
        duty_hours: Hours of role duty per resident this week.
        hours_per_act: Hours booked as one act (``role_hours_per_act``).

    Returns:
        Integer acts per resident.
    """
    return np.floor(duty_hours / hours_per_act + 0.5).astype(np.int64)
