"""Process 5 — mutual aid: requests for help met through ties, neighbours or the time bank.

Residents with needs ("old, young, poor, disabled") ask for help. A helper is sought
first among the requester's ties (drawn in proportion to tie strength), then among
neighbours in the same building, then — when the time bank is on — among time-bank
members within the matching radius. Willingness to help rises with tie strength,
belonging and the share of requests others met recently (conditional cooperation).
A time-bank match moves time credits from the requester (or, when the requester has
none, from the time bank's pool) to the helper: credits are conserved. Every match
creates or strengthens a tie.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from commsim.mechanisms import logistic

NEIGHBOUR_PENALTY = 1.0  # lower log-odds of helping someone one has no tie with
TIME_BANK_BONUS = 1.0  # higher log-odds of helping when the help earns credits
TIME_BANK_TRIES = 3


def help_log_odds(*, tie_strength, belonging, fatigue, met_share, params) -> np.ndarray:
    """Log-odds that an asked resident helps."""
    return (
        params["help_intercept"]
        + params["w_help_tie"] * tie_strength
        + params["w_help_others"] * met_share
        + params["w_belonging"] * 0.5 * belonging
        - params["w_fatigue"] * fatigue
    )


def first_come(helpers: np.ndarray, accepted: np.ndarray, busy: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Keep acceptances so that each helper helps at most once this week.

    A helper wanted by several requesters helps one of them, chosen at random.
    """
    ok = accepted & (helpers >= 0) & ~busy[np.maximum(helpers, 0)]
    index = rng.permutation(np.flatnonzero(ok))
    _, first = np.unique(helpers[index], return_index=True)
    keep = np.zeros(len(helpers), dtype=bool)
    keep[index[first]] = True
    return keep


def buildings_within(building_xy: np.ndarray, radius_m: float, detour: float) -> tuple[np.ndarray, np.ndarray]:
    """For each building, the buildings within a walking radius (straight line × detour).

    Returns:
        CSR-style ``(indptr, indices)``: building ``b``'s neighbours are
        ``indices[indptr[b]:indptr[b + 1]]`` (always including ``b`` itself).
    """
    tree = cKDTree(building_xy)
    pairs = tree.query_pairs(radius_m / detour, output_type="ndarray")
    n = len(building_xy)
    rows = np.concatenate([pairs[:, 0], pairs[:, 1], np.arange(n)])
    cols = np.concatenate([pairs[:, 1], pairs[:, 0], np.arange(n)])
    order = np.lexsort((cols, rows))
    indptr = np.searchsorted(rows[order], np.arange(n + 1))
    return indptr, cols[order]


def transfer_credits(
    credits: np.ndarray,
    pool: float,
    payer: np.ndarray,
    payee: np.ndarray,
    hours: float,
    *,
    overdraft: float = 0.0,
) -> tuple[float, float, float]:
    """Move ``hours`` credits per match from payer (or from the pool) to payee, in place.

    A payer pays up to ``hours`` from its balance, which may go down to ``-overdraft``
    (mutual credit); the rest comes from the pool while it lasts. Each payer appears at
    most once (a resident posts at most one request a week).

    Returns:
        New pool balance, hours paid by residents (spent), hours paid by the pool.
    """
    own = np.minimum(np.maximum(credits[payer] + overdraft, 0.0), hours)
    from_pool_wanted = hours - own
    cumulative = np.cumsum(from_pool_wanted)
    from_pool = np.clip(pool - (cumulative - from_pool_wanted), 0.0, from_pool_wanted)
    np.subtract.at(credits, payer, own)
    np.add.at(credits, payee, own + from_pool)
    return pool - float(from_pool.sum()), float(own.sum()), float(from_pool.sum())


def accepts(model, candidate: np.ndarray, tie_strength: np.ndarray | float, shift: float) -> np.ndarray:
    """Draw whether each asked candidate helps (``shift`` adds to the log-odds; -1 = nobody)."""
    residents, params = model.residents, model.p
    safe = np.maximum(candidate, 0)
    log_odds = help_log_odds(
        tie_strength=tie_strength,
        belonging=residents.belonging[safe],
        fatigue=residents.fatigue[safe],
        met_share=model.recent_met_share,
        params=params,
    )
    return (candidate >= 0) & (model.rng.random(len(candidate)) < logistic(log_odds + shift))


def run_mutual_aid(model) -> None:
    """Post requests, find helpers, transfer credits and record acts and ties."""
    params, residents, rng, week, ties = model.p, model.residents, model.rng, model.week, model.ties
    n = len(residents)
    requesters = np.flatnonzero(residents.needs & (rng.random(n) < params["aid_request_rate"]))
    week.aid_requests = len(requesters)
    if len(requesters) == 0:
        return
    busy = np.zeros(n, dtype=bool)
    busy[requesters] = True
    matched_helper = np.full(len(requesters), -1, dtype=np.int64)
    via_time_bank = np.zeros(len(requesters), dtype=bool)

    def match(asked: np.ndarray, candidate: np.ndarray, willing: np.ndarray) -> np.ndarray:
        keep = first_come(candidate, willing, busy, rng)
        matched_helper[asked[keep]] = candidate[keep]
        busy[candidate[keep]] = True
        return asked[keep]

    everyone = np.arange(len(requesters))
    # 1. Through ties, drawn in proportion to tie strength.
    helper = ties.random_neighbour(requesters, rng)
    strength = np.zeros(len(requesters))
    has = helper >= 0
    if has.any():
        strength[has] = np.asarray(ties.adjacency()[requesters[has], helper[has]]).ravel()
    match(everyone, helper, accepts(model, helper, strength, 0.0))

    # 2. A neighbour in the same building, with whom one has no tie.
    layout = model.layout
    open_ = np.flatnonzero(matched_helper < 0)
    building = residents.building[requesters]
    start, stop = layout.building_start[building[open_]], layout.building_start[building[open_] + 1]
    helper = start + (rng.random(len(open_)) * (stop - start)).astype(np.int64)
    match(open_, helper, accepts(model, helper, 0.0, -NEIGHBOUR_PENALTY))

    # 3. The time bank within the matching radius.
    if params["time_bank"]:
        members = member_index(model.time_bank_neighbourhood(), residents.building, residents.time_bank_member)
        for _ in range(TIME_BANK_TRIES):
            open_ = np.flatnonzero(matched_helper < 0)
            if len(open_) == 0:
                break
            candidate = random_members(members, building[open_], rng)
            via_time_bank[match(open_, candidate, accepts(model, candidate, 0.0, TIME_BANK_BONUS))] = True
        residents.time_bank_member[requesters] = True

    met = matched_helper >= 0
    helped, helpers = requesters[met], matched_helper[met]
    week.aid_met = int(met.sum())
    hours = params["aid_hours"]
    if via_time_bank.any():
        payer, payee = requesters[via_time_bank], matched_helper[via_time_bank]
        model.time_bank_pool, spent, donated = transfer_credits(
            residents.credits, model.time_bank_pool, payer, payee, hours, overdraft=params["time_bank_overdraft_h"]
        )
        week.credits_spent += spent
        week.credits_from_pool += donated
        week.credits_earned += spent + donated
        residents.last_volunteered[payee] = model.steps
    week.hours_used[helpers] += hours
    both = np.concatenate([helped, helpers])
    model.record_acts(both, "mutual_aid")
    residents.belonging[both] += params["aid_belonging_gain"] * (1 - residents.belonging[both])
    ties.strengthen(helped, helpers, 0.3)


@dataclass(frozen=True, slots=True)
class MemberIndex:
    """Time-bank members grouped by building, and how many live within reach of each building.

    Attributes:
        near_indptr: CSR row pointers of the buildings within reach of each building.
        near_indices: CSR column indices (the buildings within reach).
        members: Member slots sorted by building.
        member_start: Start of each building's members in ``members`` (length buildings + 1).
        cumulative: Running count of members over ``near_indices``, starting at 0.
    """

    near_indptr: np.ndarray
    near_indices: np.ndarray
    members: np.ndarray
    member_start: np.ndarray
    cumulative: np.ndarray


def member_index(near: tuple[np.ndarray, np.ndarray], resident_building: np.ndarray, member: np.ndarray) -> MemberIndex:
    """Index the time bank's members for :func:`random_members` (built once per week).

    Args:
        near: CSR ``(indptr, indices)`` of buildings within reach of each building.
        resident_building: Building of every resident slot.
        member: Whether each slot is a time-bank member.

    Returns:
        The index.
    """
    indptr, indices = near
    members = np.flatnonzero(member)
    member_building = resident_building[members]
    order = np.argsort(member_building, kind="stable")
    members, member_building = members[order], member_building[order]
    member_start = np.searchsorted(member_building, np.arange(len(indptr)))
    per_building = np.diff(member_start)
    cumulative = np.concatenate([[0], np.cumsum(per_building[indices])])
    return MemberIndex(indptr, indices, members, member_start, cumulative)


def random_members(index: MemberIndex, buildings: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """For each requester's building, a random time-bank member living within reach.

    Every member within the matching radius is equally likely to be drawn.

    Args:
        index: The members, from :func:`member_index`.
        buildings: Building of each requester.
        rng: Random generator.

    Returns:
        A member's slot per requester, or -1 where no member lives within reach.
    """
    indptr, indices, members, cumulative = index.near_indptr, index.near_indices, index.members, index.cumulative
    low, high = cumulative[indptr[buildings]], cumulative[indptr[buildings + 1]]
    total = high - low
    target = low + (rng.random(len(buildings)) * total).astype(np.int64)
    position = np.searchsorted(cumulative, target, side="right") - 1
    chosen = indices[np.minimum(position, len(indices) - 1)]
    offset = target - cumulative[np.minimum(position, len(cumulative) - 1)]
    slot = (
        members[np.minimum(index.member_start[chosen] + offset, max(len(members) - 1, 0))]
        if len(members)
        else np.zeros(len(buildings), dtype=np.int64)
    )
    return np.where(total > 0, slot, -1)
