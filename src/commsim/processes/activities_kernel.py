"""Compiled kernels of the activities process: candidate choice, utility, awareness and admission.

:func:`choose_sessions` fuses what :mod:`commsim.processes.activities` describes step by
step — the candidate sessions each resident draws, the civic-voluntarism utility of each,
being asked, and hearing of the session — into one pass over the residents;
:func:`admit_by_session` fills the sessions' places, keenest first, after a counting
sort by session. Random numbers
come from the model's Generator in the order of the process's definition (each draw a
whole array over the residents), and every floating-point expression keeps the order of
the documented formula, so the results are those of the array formulation bit for bit.
numpy's own ``tanh`` (the logistic) differs from the C library's in the last bit, so it
is called through numba's object mode.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, objmode


@njit(cache=True)
def numpy_logistic(x: np.ndarray) -> np.ndarray:
    """Numpy's logistic ``0.5 * (1 + tanh(x / 2))`` of an array, bit for bit as numpy computes it."""
    with objmode(result="float64[:]"):
        result = 0.5 * (1.0 + np.tanh(0.5 * x))
    return result


@njit(cache=True)
def _grouped(keys: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Items grouped by key (stable: ascending index within a group) and each group's start."""
    start = np.zeros(n_groups + 2, dtype=np.int64)
    for key in keys:
        start[key + 1] += 1
    for g in range(n_groups + 1):
        start[g + 1] += start[g]
    fill = start[:-1].copy()
    order = np.empty(len(keys), dtype=np.int64)
    for item in range(len(keys)):
        order[fill[keys[item]]] = item
        fill[keys[item]] += 1
    return order, start[: n_groups + 1]


@njit(cache=True)
def draw_candidates(
    rng: np.random.Generator,
    session_centre: np.ndarray,
    session_compound: np.ndarray,
    building: np.ndarray,
    building_compound: np.ndarray,
    near_centres: np.ndarray,
    near_weights: np.ndarray,
    n_centres: int,
    n_compounds: int,
    compound_share: float,
) -> np.ndarray:
    """One candidate session per resident (-1 if none within reach); see ``candidate_sessions``."""
    n = len(building)
    centre_keys = np.where(session_centre >= 0, session_centre, n_centres)
    compound_keys = np.where(session_centre >= 0, n_compounds, session_compound)
    centre_order, centre_start = _grouped(centre_keys, n_centres)
    compound_order, compound_start = _grouped(compound_keys, n_compounds)
    choice = np.full(n, -1, dtype=np.int64)
    use_compound = np.zeros(n, dtype=np.bool_)
    look, place = rng.random(n), rng.random(n)
    for r in range(n):
        compound = building_compound[building[r]]
        count = compound_start[compound + 1] - compound_start[compound]
        if count > 0 and look[r] < compound_share:
            use_compound[r] = True
            choice[r] = compound_order[compound_start[compound] + np.int64(place[r] * count)]
    if n_centres:
        which, place = rng.random(n), rng.random(n)
        width = near_weights.shape[1]
        for r in range(n):
            b = building[r]
            cumulative, k = 0.0, 0
            for c in range(width):
                cumulative += near_weights[b, c]
                k += which[r] > cumulative
            centre = near_centres[b, min(k, width - 1)]
            count = centre_start[centre + 1] - centre_start[centre]
            if not use_compound[r] and count > 0:
                choice[r] = centre_order[centre_start[centre] + np.int64(place[r] * count)]
    return choice


class Weights(NamedTuple):
    """The parameters of the attendance utility and of awareness, as the kernel reads them."""

    intercept: float
    interest: float
    rewarded: bool
    extrinsic: float
    crowding_out: float
    civic_skills: float
    belonging: float
    efficacy: float
    social: float
    asked: float
    decay_per_km: float
    metres_per_minute: float
    time_cost: float
    fatigue: float
    compound_share: float
    platform_promotion: float
    noticeboard_missed: float
    word_of_mouth: float
    platform_awareness: float


@njit(cache=True)
def _utility(w: Weights, interest: float, km: float, asked: bool, r: int, residents: tuple) -> float:
    """Attendance log-odds of resident ``r`` (``attendance_log_odds``, in the same order of operations)."""
    _, _, civic_skills, belonging, efficacy, free_time, fatigue, hours, social = residents
    intrinsic = w.interest * interest
    pull = w.extrinsic - w.crowding_out * intrinsic if w.rewarded else 0.0
    return (
        w.intercept
        + intrinsic
        + pull
        + w.civic_skills * civic_skills[r]
        + (w.belonging * belonging[r] + w.efficacy * efficacy[r])
        + w.social * social[r]
        + w.asked * asked
        - w.decay_per_km * km
        - w.time_cost * hours[r] / free_time[r]
        - w.fatigue * fatigue[r]
    )


@njit(cache=True)
def choose_sessions(
    rng: np.random.Generator,
    sessions: tuple,
    residents: tuple,
    places: tuple,
    reach: tuple,
    w: Weights,
    n_candidates: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each resident's best candidate session, its attendance log-odds and whether they heard of it.

    Args:
        rng: The model's stream.
        sessions: Centre, compound and activity type of each session.
        residents: Building, interests, civic skills, belonging, efficacy, free time, fatigue,
            hours a session takes, social pull (threshold response).
        places: Building compound, near centres and their weights, centre minutes,
            compound minutes, number of centres, number of compounds.
        reach: Share of ties recently active, leader reach, platform follower (0/1).
        w: Utility and awareness parameters.
        n_candidates: Candidate sessions each resident draws (``candidates_per_resident``);
            each round draws for every resident, and a resident keeps the first
            ``n_candidates[r]`` rounds.

    Returns:
        ``(best, log_odds, aware)`` per resident (-1 and -inf without a candidate).
    """
    centre, compound, activity = sessions
    building, interests = residents[0], residents[1]
    building_compound, near_centres, near_weights, centre_minutes, compound_minutes, n_centres, n_compounds = places
    share_recent, leader_reach, follower = reach
    n = len(building)
    rounds = n_candidates.max() if n else 0
    draws = np.empty((rounds, n), dtype=np.int64)
    for d in range(rounds):
        draws[d] = draw_candidates(
            rng,
            centre,
            compound,
            building,
            building_compound,
            near_centres,
            near_weights,
            n_centres,
            n_compounds,
            w.compound_share,
        )
    by_leader, by_platform = rng.random(n), rng.random(n)
    best = np.full(n, -1, dtype=np.int64)
    log_odds = np.full(n, -np.inf)
    for r in range(n):
        asked = (by_leader[r] < leader_reach[r]) | ((follower[r] > 0) & (by_platform[r] < w.platform_promotion))
        for d in range(n_candidates[r]):
            choice = draws[d, r]
            utility = -np.inf
            if choice >= 0:
                host = centre[choice]
                minutes = centre_minutes[building[r], host] if host >= 0 else compound_minutes[building[r]]
                km = minutes * w.metres_per_minute / 1000.0
                utility = _utility(w, interests[r, activity[choice]], km, asked, r, residents)
            if d == 0 or utility > log_odds[r]:
                best[r] = choice
            log_odds[r] = utility if d == 0 else max(log_odds[r], utility)
    hear = rng.random(n)
    aware = np.empty(n, dtype=np.bool_)
    for r in range(n):
        missed = (
            w.noticeboard_missed
            * (1 - w.word_of_mouth * share_recent[r])
            * (1 - leader_reach[r])
            * (1 - w.platform_awareness * follower[r])
        )
        aware[r] = hear[r] < 1 - missed
    return best, log_odds, aware


@njit(cache=True)
def admit_by_session(
    rng: np.random.Generator,
    best: np.ndarray,
    log_odds: np.ndarray,
    aware: np.ndarray,
    organiser: np.ndarray,
    capacity: np.ndarray,
    booked: np.ndarray,
    booked_priority: float,
    forced: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The willing residents who get a place, keenest first within each session.

    A resident is willing if aware, with a candidate that someone else organises, and a
    uniform draw below the logistic of the log-odds — or, where ``forced`` is 0 or 1
    (a student playing the resident chose; :mod:`commsim.state.forced`), as chosen, the
    draw still made. Eagerness is log-odds plus Gumbel
    noise (numpy's formula from uniform draws), plus ``booked_priority`` for a booking;
    the willing are grouped by session by a counting sort, and a session with more
    willing than places admits the keenest (a stable sort by eagerness, so the order
    ``lexsort`` by session, then eagerness, gives).

    Returns:
        ``(attendee, session_of)``, attendees ascending.
    """
    n = len(best)
    probability = numpy_logistic(log_odds)
    keen = rng.random(n)
    who = np.empty(n, dtype=np.int64)
    m = 0
    for r in range(n):
        wants = keen[r] < probability[r] if forced[r] < 0 else forced[r] == 1
        if aware[r] and best[r] >= 0 and wants and organiser[max(best[r], 0)] != r:
            who[m] = r
            m += 1
    who = who[:m]
    priority = np.empty(m)
    for t in range(m):
        while True:
            u = 1.0 - rng.random()
            if u < 1.0:
                break
        gumbel = 0.0 - 1.0 * np.log(-np.log(u))
        priority[t] = -((log_odds[who[t]] + gumbel) + booked_priority * booked[who[t]])
    wanted = best[who]
    # Counting sort by session (stable: residents ascending within a session), then the
    # keenest first within each session whose willing outnumber its places.
    start = np.zeros(len(capacity) + 1, dtype=np.int64)
    for t in range(m):
        start[wanted[t] + 1] += 1
    for session in range(len(capacity)):
        start[session + 1] += start[session]
    fill = start[:-1].copy()
    grouped = np.empty(m, dtype=np.int64)
    for t in range(m):
        grouped[fill[wanted[t]]] = t
        fill[wanted[t]] += 1
    admitted = np.zeros(m, dtype=np.bool_)
    for session in range(len(capacity)):
        members = grouped[start[session] : start[session + 1]]
        if len(members) <= capacity[session]:
            admitted[members] = True
        else:
            keenest = members[np.argsort(priority[members], kind="mergesort")]
            admitted[keenest[: max(capacity[session], 0)]] = True
    return who[admitted], wanted[admitted]


@njit(cache=True)
def acquainted_pairs(
    rng: np.random.Generator,
    attendee: np.ndarray,
    session_of: np.ndarray,
    n_sessions: int,
    probability: float,
    age_group: np.ndarray,
    filtered: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Co-attendees who meet and keep the tie (``mechanisms.coattendance_pairs``, then homophily).

    Attendees are grouped by session (a stable counting sort, the order of a stable
    argsort); each meets, with ``probability``, the attendee a random number of places
    after them in the group; a meeting across age groups is kept with probability
    ``1 - filtered``.

    Returns:
        The two ends of each kept meeting.
    """
    m = len(attendee)
    start = np.zeros(n_sessions + 1, dtype=np.int64)
    for k in range(m):
        start[session_of[k] + 1] += 1
    for s in range(n_sessions):
        start[s + 1] += start[s]
    fill = start[:-1].copy()
    people = np.empty(m, dtype=np.int64)
    group = np.empty(m, dtype=np.int64)
    for k in range(m):
        position = fill[session_of[k]]
        people[position] = attendee[k]
        group[position] = session_of[k]
        fill[session_of[k]] += 1
    meets, place = rng.random(m), rng.random(m)
    first = np.empty(m, dtype=np.int64)
    second = np.empty(m, dtype=np.int64)
    count = 0
    for k in range(m):
        lo = start[group[k]]
        size = start[group[k] + 1] - lo
        if size > 1 and meets[k] < probability:
            shift = 1 + np.int64(place[k] * max(size - 1, 1))
            first[count] = people[k]
            second[count] = people[lo + (k - lo + shift) % max(size, 1)]
            count += 1
    keep = rng.random(count)
    kept = 0
    for t in range(count):
        similar = age_group[first[t]] == age_group[second[t]]
        if keep[t] < (1 - filtered) + filtered * similar:
            first[kept], second[kept] = first[t], second[t]
            kept += 1
    return first[:kept], second[:kept]
