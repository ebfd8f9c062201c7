"""Pure behavioural mechanisms, each a documented function of arrays and an explicit rng.

These are the canonical models the processes stand on (MODEL_SPEC section 7):

* :func:`bounded_confidence` — Deffuant, Neau, Amblard & Weisbuch (2000);
* :func:`hegselmann_krause` — Hegselmann & Krause (2002), the synchronous variant;
* :func:`threshold_response` — threshold models of collective behaviour (Granovetter
  1978; Watts 2002), in a smooth form;
* :func:`project_success_probability` — accelerating production function of collective
  action (Oliver, Marwell & Teixeira 1985);
* :func:`conditional_contributions` — conditional cooperation (Fischbacher, Gächter &
  Fehr 2001);
* :func:`incentive_pull` — extrinsic rewards with crowding out (Gneezy & Rustichini
  2000; Frey & Goette 1999);
* :func:`distance_decay` — exponential decay of walking trips with distance;
* :func:`coattendance_pairs` — ties from a shared focus (Feld 1981): people who attend
  the same session or meeting meet;
* :func:`engagement_log_odds` — the engagement term of the civic voluntarism model
  (Verba, Schlozman & Brady 1995): belonging and efficacy;
* :func:`recruit_agreement`, :func:`ask_prospect`, :func:`role_work_acts` — civic
  voluntarism again: the asked and engaged take volunteer roles, and their duty counts;
* :func:`toward` — partial adjustment of an attitude toward a target;
* :func:`forced_log_odds` — a decision taken by a person playing the agent (classroom).
"""

from __future__ import annotations

import numpy as np


def logistic(x: np.ndarray | float) -> np.ndarray:
    """The logistic function 1 / (1 + exp(-x)), safe for large |x|."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=float)))


def distance_decay(km: np.ndarray, rate_per_km: float) -> np.ndarray:
    """Relative attractiveness of a destination ``km`` away: exp(-rate * km).

    Half the trips are lost at ln(2) / rate km (``distance_decay_per_km``; 0.8 km at
    0.87 per km, 0.73 km at 0.95 per km).
    """
    return np.exp(-rate_per_km * np.asarray(km))


def toward(value: np.ndarray, target: float | np.ndarray, rate: float | np.ndarray) -> np.ndarray:
    """Move ``value`` a share ``rate`` of the way toward ``target`` (partial adjustment)."""
    return value + rate * (target - value)


def engagement_log_odds(
    belonging: np.ndarray, efficacy: np.ndarray, *, w_belonging: float, w_efficacy: float
) -> np.ndarray:
    """Engagement term of the civic voluntarism utility (Verba, Schlozman & Brady 1995).

    ``w_belonging * belonging + w_efficacy * efficacy``: the participation loop's links
    back from belonging and from efficacy (raised by visible success) to taking part.
    The activities utility adds it to the attendance log-odds; the roles process can
    add it to the log-odds of taking a role.

    Args:
        belonging: Belonging per resident (0-1).
        efficacy: Efficacy per resident (0-1).
        w_belonging: Weight of belonging (``w_belonging``).
        w_efficacy: Weight of efficacy (``w_efficacy``).

    Returns:
        Log-odds per resident.
    """
    return w_belonging * belonging + w_efficacy * efficacy


def coattendance_pairs(
    attendee: np.ndarray, session_of: np.ndarray, probability: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of co-attendees who meet: each attendee, with ``probability``, meets one other.

    Focus theory (Feld 1981): a shared focus — the same session or meeting — creates
    ties. The partner is drawn uniformly among the other attendees of the same session.

    Args:
        attendee: Resident slot of each attendance.
        session_of: Session (or meeting) of each attendance.
        probability: Chance that an attendee meets someone.
        rng: Random generator.

    Returns:
        The two ends of each meeting pair.
    """
    order = np.argsort(session_of, kind="stable")
    people, sessions = attendee[order], session_of[order]
    start = np.searchsorted(sessions, sessions, side="left")
    stop = np.searchsorted(sessions, sessions, side="right")
    size = stop - start
    meets = (size > 1) & (rng.random(len(people)) < probability)
    position = np.arange(len(people)) - start
    shift = 1 + (rng.random(len(people)) * np.maximum(size - 1, 1)).astype(np.int64)
    partner = start + (position + shift) % np.maximum(size, 1)
    return people[meets], people[partner[meets]]


def threshold_response(share_active: np.ndarray, threshold: np.ndarray, sharpness: float) -> np.ndarray:
    """Smooth Granovetter threshold: near 1 once the share of active ties passes one's threshold.

    Args:
        share_active: Share of each resident's ties who took part recently.
        threshold: Each resident's threshold share.
        sharpness: Width of the step (``threshold_sharpness``); tends to the hard
            threshold as it goes to 0.

    Returns:
        Response in (0, 1) per resident.
    """
    return logistic((share_active - threshold) / sharpness)


def bounded_confidence(
    opinions: np.ndarray,
    *,
    epsilon: float,
    mu: float,
    encounters: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Deffuant-Weisbuch bounded-confidence dynamics over random pairs of the whole array.

    In each encounter two agents are drawn at random; if their opinions differ by less
    than ``epsilon`` each moves toward the other by ``mu`` times the difference.
    Encounters are drawn as rounds of random disjoint pairings (a random matching of the
    array), so the updates within a round touch different agents and are applied
    together, exactly as the same encounters applied one by one.

    Args:
        opinions: Opinions in [0, 1]; not modified.
        epsilon: Confidence bound.
        mu: Convergence parameter in [0, 0.5].
        encounters: Total number of pairwise encounters.
        rng: Random generator.

    Returns:
        The opinions after the encounters.
    """
    return grouped_bounded_confidence(
        opinions,
        np.zeros(len(opinions), dtype=np.int64),
        epsilon=epsilon,
        mu=mu,
        encounters_per_member=2.0 * encounters / max(len(opinions), 1),
        rng=rng,
        exact_total=encounters,
    )


def grouped_bounded_confidence(
    opinions: np.ndarray,
    group: np.ndarray,
    *,
    epsilon: float | np.ndarray,
    mu: float,
    encounters_per_member: float,
    rng: np.random.Generator,
    exact_total: int | None = None,
) -> np.ndarray:
    """Deffuant-Weisbuch dynamics run separately inside each group (one meeting per group).

    Args:
        opinions: Opinions in [0, 1]; not modified.
        group: Group (meeting) of each opinion; pairs form only within a group.
        epsilon: Confidence bound, a scalar or one value per element (the element's group's).
        mu: Convergence parameter.
        encounters_per_member: Encounters each member takes part in, on average.
        rng: Random generator.
        exact_total: If given, stop after exactly this many encounters in total.

    Returns:
        The opinions after the encounters.
    """
    result = np.array(opinions, dtype=float, copy=True)
    n = len(result)
    if n < 2:
        return result
    epsilon = np.broadcast_to(np.asarray(epsilon, dtype=float), (n,))
    rounds = max(1, int(round(encounters_per_member)))
    remaining = exact_total
    done = 0
    while (done < rounds) if remaining is None else (remaining > 0):
        order = np.lexsort((rng.random(n), group))
        left, right = order[0 : n - 1 : 2], order[1:n:2]
        same = group[left] == group[right]
        left, right = left[same], right[same]
        if len(left) == 0:
            break  # no two members share a group: no encounter is possible
        if remaining is not None:
            left, right = left[:remaining], right[:remaining]
            remaining -= len(left)
        difference = result[right] - result[left]
        shift = mu * difference * (np.abs(difference) < epsilon[left])
        result[left] += shift
        result[right] -= shift
        done += 1
    return result


def hegselmann_krause(
    opinions: np.ndarray,
    *,
    epsilon: float | np.ndarray,
    rounds: int,
    group: np.ndarray | None = None,
) -> np.ndarray:
    """Hegselmann-Krause bounded-confidence dynamics, run separately inside each group.

    In every round all agents move at once to the mean of the opinions within ``epsilon``
    of their own (|x_j - x_i| <= epsilon, their own included) among the members of their
    group (Hegselmann & Krause 2002). The neighbourhood of each agent is found by sorting
    the opinions within groups, so a round costs O(n log n). Stops early once no opinion
    moves (the dynamics reach a fixed point in finitely many rounds).

    Args:
        opinions: Opinions in [0, 1]; not modified.
        epsilon: Confidence bound in [0, 1), a scalar or one value per agent.
        rounds: Most synchronous rounds.
        group: Group (meeting) of each opinion; all one group if None.

    Returns:
        The opinions after the rounds.

    Raises:
        ValueError: If an opinion is not in [0, 1] or a bound not in [0, 1) (NaN included):
            outside them a neighbourhood could reach into another group.
    """
    result = np.array(opinions, dtype=float, copy=True)
    n = len(result)
    epsilon = np.broadcast_to(np.asarray(epsilon, dtype=float), (n,))
    if not np.all((result >= 0.0) & (result <= 1.0)):
        raise ValueError("Hegselmann-Krause opinions must lie in [0, 1]")
    if not np.all((epsilon >= 0.0) & (epsilon < 1.0)):
        raise ValueError("Hegselmann-Krause confidence bounds must lie in [0, 1)")
    if n < 2:
        return result
    # Groups ranked 0, 1, ... and set 3 apart on one axis: opinions in [0, 1] and bounds below 1
    # never reach another group, and ranks (not the ids themselves) keep the offsets small
    # enough that adding them loses no precision of the opinions.
    rank = np.zeros(n, dtype=np.int64) if group is None else np.unique(np.asarray(group), return_inverse=True)[1]
    offset = 3.0 * rank.reshape(n)
    for _ in range(rounds):
        order = np.argsort(offset + result, kind="stable")
        key = (offset + result)[order]
        values = result[order]
        cumulative = np.concatenate(([0.0], np.cumsum(values)))
        low = np.searchsorted(key, key - epsilon[order], side="left")
        high = np.searchsorted(key, key + epsilon[order], side="right")
        moved = np.empty(n)
        moved[order] = (cumulative[high] - cumulative[low]) / (high - low)
        settled = np.max(np.abs(moved - result)) <= 1e-12  # the prefix sums' rounding, not a move
        result = moved
        if settled:
            break
    return result


def opinion_clusters(opinions: np.ndarray, gap: float = 0.05) -> int:
    """Number of opinion clusters: runs of sorted opinions separated by more than ``gap``."""
    if len(opinions) == 0:
        return 0
    ordered = np.sort(opinions)
    return int(1 + np.sum(np.diff(ordered) > gap))


def project_success_probability(resources: np.ndarray | float, *, half: float, acceleration: float) -> np.ndarray:
    """Accelerating (S-shaped) production function of collective action.

    P = r^g / (r^g + h^g): with ``g > 1`` the first contributions add little and later
    ones add more (Oliver, Marwell & Teixeira 1985), until saturation.

    Args:
        resources: Resources mobilised, as a share of the project's cost.
        half: Resources at which success is 50%.
        acceleration: Exponent g (> 1 accelerating).

    Returns:
        Success probability in [0, 1).
    """
    r = np.maximum(np.asarray(resources, dtype=float), 0.0) ** acceleration
    return r / (r + half**acceleration)


def conditional_contributions(cooperator_type: np.ndarray, observed_share: float, max_hours: float) -> np.ndarray:
    """Hours given to a project by type of cooperator (Fischbacher, Gächter & Fehr 2001).

    Free riders (type 0) give nothing; conditional cooperators (type 1) give the share
    of the maximum they saw others give; unconditional cooperators (type 2) give fully.

    Args:
        cooperator_type: 0, 1 or 2 per contributor.
        observed_share: Share of the maximum that others gave last time, in [0, 1].
        max_hours: Hours of a full contribution.

    Returns:
        Hours given by each contributor.
    """
    share = np.choose(cooperator_type, [0.0, observed_share, 1.0])
    return share * max_hours


def incentive_pull(
    reward_yuan: float, *, weight: float, half_value: float, crowding_out: float, intrinsic: np.ndarray
) -> np.ndarray:
    """Net effect of a points reward on the log-odds of taking part.

    The extrinsic pull saturates with the reward (``weight * r / (r + half_value)``);
    any reward removes a share ``crowding_out`` of intrinsic motivation. Small rewards
    therefore lower participation of the intrinsically motivated and large rewards raise
    it (Gneezy & Rustichini 2000: "pay enough or don't pay at all").

    Args:
        reward_yuan: Value of the reward per act.
        weight: Maximum extrinsic pull (log-odds).
        half_value: Reward at which the pull is half its maximum.
        crowding_out: Share of intrinsic motivation lost when rewarded.
        intrinsic: Intrinsic motivation term (log-odds) per resident.

    Returns:
        Change in log-odds per resident.
    """
    if reward_yuan <= 0:
        return np.zeros_like(intrinsic)
    extrinsic = weight * reward_yuan / (reward_yuan + half_value)
    return extrinsic - crowding_out * intrinsic


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 equal, toward 1 concentrated)."""
    values = np.sort(np.asarray(values, dtype=float))
    total = values.sum()
    if total <= 0:
        return 0.0
    n = len(values)
    cumulative = np.cumsum(values)
    return float((n + 1 - 2 * np.sum(cumulative) / total) / n)


def top_share(values: np.ndarray, fraction: float = 0.1) -> float:
    """Share of the total held by the top ``fraction`` of units.

    The top units are summed in sorted order: the order ``np.partition`` leaves them in
    depends on the CPU's vector instructions, and a float sum on it would differ in its
    last bits from machine to machine.
    """
    values = np.asarray(values, dtype=float)
    total = values.sum()
    if total <= 0:
        return 0.0
    k = max(1, int(round(fraction * len(values))))
    return float(np.sort(np.partition(values, len(values) - k)[-k:]).sum() / total)


def forced_log_odds(log_odds: np.ndarray, forced: np.ndarray, *, decided: float = 50.0) -> np.ndarray:
    """Log-odds with decisions taken by the people playing some agents: +``decided`` for yes, -``decided`` for no.

    ``forced`` holds -1 where the model decides (``log_odds`` kept), 0 for no and 1 for
    yes (:mod:`commsim.state.forced`). A decision drawn as ``uniform < logistic(log_odds)``
    then follows the player (logistic(50) rounds to 1; the draw is still made, so every
    other agent's random numbers are unchanged).
    """
    return np.where(forced == 1, decided, np.where(forced == 0, -decided, log_odds))


# ---------------------------------------------------------------- recruitment into volunteer roles
# Civic voluntarism (Verba, Schlozman & Brady 1995): people volunteer when they are asked
# and engaged. Organisations ask those they see taking part; an asked resident agrees the
# more readily the stronger their belonging and efficacy; a volunteer's duty hours are
# acts of participation in their own right. commsim.processes.roles wires these.


def recruit_agreement(
    belonging: np.ndarray,
    efficacy: np.ndarray,
    *,
    rate: float,
    belonging_mid: float,
    belonging_slope: float,
    efficacy_mid: float,
    efficacy_slope: float,
) -> np.ndarray:
    """Weekly chance that an asked, active resident agrees to take a volunteer role.

    ``rate`` × logistic(``belonging_slope`` × (belonging − ``belonging_mid``) +
    ``efficacy_slope`` × (efficacy − ``efficacy_mid``)): half the rate at the belonging
    midpoint and the efficacy midpoint, nearly all of it for the most engaged, little for
    the detached (a smooth curve rather than a threshold).

    Args:
        belonging: Belonging of each resident (0-1).
        efficacy: Efficacy of each resident (0-1).
        rate: Chance for the most engaged (``volunteer_recruit_rate``).
        belonging_mid: Belonging at which half the rate agrees (``recruit_belonging_min``).
        belonging_slope: Log-odds per unit of belonging (``recruit_belonging_slope``).
        efficacy_mid: Efficacy that adds nothing (``recruit_efficacy_mid``).
        efficacy_slope: Log-odds per unit of efficacy (``recruit_efficacy_slope``).

    Returns:
        A probability per resident.
    """
    log_odds = belonging_slope * (belonging - belonging_mid) + efficacy_slope * (efficacy - efficacy_mid)
    return rate * logistic(log_odds)


def ask_prospect(acts_recent: np.ndarray, half_acts: float) -> np.ndarray:
    """Share of the organisations' asks that reach each resident, by how active the resident has been.

    acts_recent / (acts_recent + ``half_acts``): organisations ask the residents they see
    taking part, most of all the most active.

    Args:
        acts_recent: Each resident's acts over about the last year (``Residents.acts_recent``).
        half_acts: Acts at which half the asks reach a resident (``recruit_prospect_acts``).

    Returns:
        A share (0-1) per resident.
    """
    return acts_recent / (acts_recent + half_acts)


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
