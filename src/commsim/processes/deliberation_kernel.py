"""Compiled kernel of a deliberation meeting: initial opinions and bounded-confidence encounters.

:func:`meeting_opinions` draws the attendees' opinions on the proposal
(``deliberation.initial_opinions``) and runs the Deffuant-Weisbuch encounters of
``mechanisms.bounded_confidence`` on them, in one call instead of a dozen array calls
per round. It draws from the model's Generator in the same order (one normal per
attendee, then one uniform per attendee and round) and pairs attendees the same way
(a stable sort of the uniforms, neighbours in that order paired), so its opinions are
the array formulation's bit for bit.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from commsim.processes.activities_kernel import numpy_logistic


@njit(cache=True)
def meeting_opinions(
    rng: np.random.Generator,
    trust: np.ndarray,
    proposal: float,
    spread: float,
    trust_ceiling: float,
    epsilon: float,
    mu: float,
    encounters: int,
) -> np.ndarray:
    """Opinions of a meeting's attendees after ``encounters`` bounded-confidence encounters.

    Args:
        rng: The model's stream.
        trust: Trust of each attendee.
        proposal: The proposal's position on the opinion scale.
        spread: ``opinion_spread``: dispersion per unit of distrust.
        trust_ceiling: ``opinion_trust_ceiling``: trust at which opinions stop dispersing.
        epsilon: Confidence bound.
        mu: Convergence rate.
        encounters: Total encounters (pairs meeting), in rounds of disjoint pairs.

    Returns:
        The opinions, in [0, 1].
    """
    n = len(trust)
    opinions = np.empty(n)
    for k in range(n):
        opinions[k] = min(max(rng.normal(proposal, spread * (trust_ceiling - trust[k])), 0.0), 1.0)
    if n < 2:
        return opinions
    remaining = encounters
    while remaining > 0:
        order = np.argsort(rng.random(n), kind="mergesort")
        pairs = min(n // 2, remaining)
        for p in range(pairs):
            left, right = order[2 * p], order[2 * p + 1]
            difference = opinions[right] - opinions[left]
            shift = mu * difference * (abs(difference) < epsilon)
            opinions[left] += shift
            opinions[right] -= shift
        remaining -= pairs
    return opinions


@njit(cache=True)
def sorted_difference(items: np.ndarray, removed: np.ndarray) -> np.ndarray:
    """The sorted unique values of ``items`` not in ``removed`` (what ``numpy.setdiff1d`` returns)."""
    ordered = np.sort(items)
    excluded = np.sort(removed)
    kept = np.empty(len(ordered), dtype=ordered.dtype)
    count = 0
    for k in range(len(ordered)):
        value = ordered[k]
        if k > 0 and value == ordered[k - 1]:
            continue
        position = np.searchsorted(excluded, value)
        if position < len(excluded) and excluded[position] == value:
            continue
        kept[count] = value
        count += 1
    return kept[:count]


@njit(cache=True)
def _block_sum(values: np.ndarray, first: int, n: int) -> float:
    """Numpy's sum of a block of at most 128 values (eight accumulators past eight values)."""
    if n < 8:
        total = -0.0
        for k in range(n):
            total += values[first + k]
        return total
    partial = values[first : first + 8].copy()
    k = 8
    while k < n - (n % 8):
        for lane in range(8):
            partial[lane] += values[first + k + lane]
        k += 8
    total = ((partial[0] + partial[1]) + (partial[2] + partial[3])) + ((partial[4] + partial[5]) + (partial[6] + partial[7]))
    while k < n:
        total += values[first + k]
        k += 1
    return total


@njit(cache=True)
def _pairwise(values: np.ndarray, first: int, n: int) -> float:
    """Numpy's pairwise summation of ``values[first:first + n]``: halves (multiples of 8) down to blocks of 128.

    The recursion runs on explicit stacks (numba cannot cache a recursive function).
    """
    task_first = np.empty(256, dtype=np.int64)
    task_n = np.empty(256, dtype=np.int64)  # -1 marks "add the last two sums"
    sums = np.empty(128)
    tasks, depth = 1, 0
    task_first[0], task_n[0] = first, n
    while tasks:
        tasks -= 1
        start, count = task_first[tasks], task_n[tasks]
        if count < 0:
            depth -= 1
            sums[depth - 1] = sums[depth - 1] + sums[depth]
        elif count <= 128:
            sums[depth] = _block_sum(values, start, count)
            depth += 1
        else:
            half = count // 2
            half -= half % 8
            task_first[tasks], task_n[tasks] = 0, -1
            task_first[tasks + 1], task_n[tasks + 1] = start + half, count - half
            task_first[tasks + 2], task_n[tasks + 2] = start, half
            tasks += 3
    return sums[0]


@njit(cache=True)
def numpy_sum(values: np.ndarray) -> float:
    """``values.sum()`` bit for bit as numpy computes it (pairwise, from an initial 0)."""
    return 0.0 + _pairwise(values, 0, len(values))


@njit(cache=True)
def numpy_std(values: np.ndarray) -> float:
    """``np.std(values)`` bit for bit as numpy computes it."""
    n = len(values)
    mean = numpy_sum(values) / n
    squares = np.empty(n)
    for k in range(n):
        squares[k] = (values[k] - mean) * (values[k] - mean)
    return np.sqrt(numpy_sum(squares) / n)


@njit(cache=True)
def numpy_choice(rng: np.random.Generator, population: int, size: int) -> np.ndarray:
    """``rng.choice(population, size, replace=False)``: numpy's draws and result, bit for bit.

    Numpy takes a tail shuffle of the whole range for large draws from large populations
    and Floyd's algorithm with a hash set otherwise, then shuffles the chosen indices; both
    draw bounded integers as ``rng.integers`` does.
    """
    if population > 10000 and size > population // 50:
        everyone = np.arange(population)
        for k in range(population - 1, max(population - size, 1) - 1, -1):
            swap = rng.integers(0, k + 1)
            everyone[k], everyone[swap] = everyone[swap], everyone[k]
        return everyone[population - size :].copy()
    chosen = np.empty(size, dtype=np.int64)
    mask = 0
    while mask < int(1.2 * size):
        mask = (mask << 1) | 1
    table = np.full(mask + 1, -1, dtype=np.int64)
    for j in range(population - size, population):
        value = rng.integers(0, j + 1)
        loc = value & mask
        while table[loc] != -1 and table[loc] != value:
            loc = (loc + 1) & mask
        if table[loc] == -1:
            table[loc] = value
            chosen[j - population + size] = value
        else:
            loc = j & mask
            while table[loc] != -1:
                loc = (loc + 1) & mask
            table[loc] = j
            chosen[j - population + size] = j
    for k in range(size - 1, 0, -1):
        swap = rng.integers(0, k + 1)
        chosen[k], chosen[swap] = chosen[swap], chosen[k]
    return chosen


@njit(cache=True)
def _contribute(rng, amount, in_library, pot):
    """``Organisations.contribute``: members give from their pots in random order; (given, contributors)."""
    if amount <= 0 or len(pot) == 0:
        return 0.0, np.zeros(0, dtype=np.int64)
    members = np.flatnonzero(in_library & (pot > 0))
    order = members[rng.permutation(len(members))]  # rng.permutation(members), which crashes numba
    given = np.empty(len(order))
    cumulative = 0.0
    for k in range(len(order)):
        own = pot[order[k]]
        cumulative += own
        given[k] = np.minimum(own, np.maximum(amount - (cumulative - own), 0.0))
    for k in range(len(order)):
        pot[order[k]] -= given[k]
    return numpy_sum(given), order[given > 0]


@njit(cache=True)
def hold_meetings(rng, meeting, slot_range, pool, resident, week_counts, week_hours, issue_state, fund, org, param):
    """All of a week's meetings, in order, drawing from ``rng`` as the per-meeting code did.

    Args:
        rng: The model's stream.
        meeting: Per meeting (int64 rows): issue, small, sittings, retry week, category.
        slot_range: Per meeting: first and stop slot of the issue's scope.
        pool: The week's resident experts.
        resident: Tuple of resident arrays (role, trust, efficacy, civic_skills, belonging,
            free_time, fatigue, cooperator_type, satisfaction, building, participation_count,
            acts_deliberation, last_deliberation, points).
        week_counts: Tuple (acts, successes_by_building, issues_resolved) of the week.
        week_hours: Tuple (hours_used, role_hours) of the week.
        issue_state: Tuple (attempts, next_meeting, resolved_step, urgency, cost) of the issue table.
        fund: fund_balance, fund_spent, project_spent, points_paid, contribution_share (updated).
        org: Tuple (in_library, pot, engagement) of the organisations.
        param: Float parameters, in the order of ``deliberation.KERNEL_PARAMS``, then step,
            leader role and expert cap.

    Returns:
        Meetings held, projects succeeded, projects failed, whether any pairs were formed,
        the pairs' two ends, whether organisations were asked, and the last contributors.
    """
    (role, trust, efficacy, civic_skills, belonging, free_time, fatigue, cooperator, satisfaction,
     building, participation, acts_deliberation, last_deliberation, points) = resident
    acts, successes_by_building, issues_resolved = week_counts
    hours_used, role_hours = week_hours
    attempts, next_meeting, resolved_step, urgency, cost_of = issue_state
    in_library, pot, engagement = org
    (inclusiveness, max_invited, delib_hours, intercept, w_civic, w_trust, w_efficacy, w_belonging,
     w_urgency, w_time_cost, w_fatigue, experts_per_meeting, confidence_bound, expert_epsilon_gain,
     opinion_spread, trust_ceiling, proposal, convergence_rate, encounters_per_round, agreement_spread,
     tie_formation, efficacy_gain, efficacy_failure_share, satisfaction_gain, max_hours, hour_value,
     public_share, expert_resource_gain, success_half, success_acceleration, engagement_gain,
     points_per_act, point_value, step, leader) = param
    capacity = 0
    for m in range(len(meeting)):
        capacity += slot_range[m, 1] - slot_range[m, 0]
    pair_i = np.empty(capacity, dtype=np.int64)
    pair_j = np.empty(capacity, dtype=np.int64)
    n_pairs = 0
    any_pairs = False
    held = succeeded_count = failed_count = 0
    asked = False
    last_contributors = np.zeros(0, dtype=np.int64)
    for m in range(len(meeting)):
        issue, small, sittings, retry_week, category = meeting[m]
        slots = np.arange(slot_range[m, 0], slot_range[m, 1])
        leaders = slots[role[slots] == leader]
        invited = slots[rng.random(len(slots)) < inclusiveness]
        if small and len(invited) > max_invited:
            invited = invited[numpy_choice(rng, len(invited), int(max_invited))]
        invited = sorted_difference(invited, leaders)
        hours = delib_hours * sittings
        w_urgent = w_urgency * urgency[issue]
        w_time = w_time_cost * hours
        log_odds = np.empty(len(invited))
        for k in range(len(invited)):
            r = invited[k]
            log_odds[k] = (
                intercept
                + w_civic * civic_skills[r]
                + w_trust * trust[r]
                + w_efficacy * efficacy[r]
                + w_belonging * belonging[r]
                + w_urgent
                - w_time / free_time[r]
                - w_fatigue * fatigue[r]
            )
        p_attend = numpy_logistic(log_odds)
        attendees = np.concatenate((leaders, invited[rng.random(len(invited)) < p_attend]))
        experts = pool
        if len(experts) > experts_per_meeting:
            experts = experts[numpy_choice(rng, len(experts), int(experts_per_meeting))]
        experts = sorted_difference(experts, attendees)
        attempts[issue] += 1
        held += 1
        n = len(attendees)
        if n + len(experts) >= 1:
            points_each = points_per_act * sittings
            for group in (attendees, experts):
                for r in group:
                    acts[r] += sittings
                    participation[r] += sittings
                    acts_deliberation[r] += sittings
                    last_deliberation[r] = step
                    points[r] += points_each
            fund[3] += points_each * (n + len(experts)) * point_value
            for r in attendees:
                hours_used[r] += hours
            for r in experts:
                role_hours[r] += hours
            for r in leaders:
                role_hours[r] += hours
        if n < 2:
            next_meeting[issue] = retry_week
            continue

        epsilon = confidence_bound + expert_epsilon_gain * len(experts)
        encounters = int(np.rint(encounters_per_round * n * sittings / 2))
        opinions = meeting_opinions(
            rng, trust[attendees], proposal, opinion_spread, trust_ceiling, epsilon, convergence_rate, encounters
        )
        agreed = numpy_std(opinions) < agreement_spread
        meets = rng.random(n) < tie_formation
        shift = rng.random(n)
        any_pairs = True
        for k in range(n):
            if meets[k]:
                pair_i[n_pairs] = attendees[k]
                pair_j[n_pairs] = attendees[(k + 1 + np.int64(shift[k] * max(n - 1, 1))) % n]
                n_pairs += 1
        succeeded = False
        if agreed:
            share = fund[4]
            given_hours = np.empty(n)
            for k in range(n):
                kind = cooperator[attendees[k]]
                given_hours[k] = (0.0 if kind == 0 else share if kind == 1 else 1.0) * max_hours
            if max_hours > 0 and n:
                fund[4] = numpy_sum(given_hours) / n / max_hours
            for k in range(n):
                hours_used[attendees[k]] += given_hours[k]
            cost = cost_of[issue]
            if cost <= 0:
                succeeded = True
            else:
                labour = numpy_sum(given_hours) * hour_value
                public = public_share * cost
                needed = cost - labour - public
                if 0.0 > needed:
                    needed = 0.0
                from_fund = needed if not 0.0 > needed else 0.0
                if fund[0] < from_fund:
                    from_fund = fund[0]
                fund[0] -= from_fund
                fund[1] += from_fund
                fund[2] += from_fund
                from_orgs, last_contributors = _contribute(rng, needed - from_fund, in_library, pot)
                asked = True
                resources = (labour + public + from_fund + from_orgs) / cost + expert_resource_gain * len(experts)
                scaled = max(resources, 0.0) ** success_acceleration
                succeeded = rng.random() < scaled / (scaled + success_half**success_acceleration)
                if succeeded and from_orgs > 0:
                    for o in last_contributors:
                        engagement[o] += engagement_gain * (1 - engagement[o])
                if succeeded:
                    succeeded_count += 1
                else:
                    failed_count += 1
        if succeeded:
            resolved_step[issue] = step
            issues_resolved[category] += 1
            for b in np.unique(building[slots]):
                successes_by_building[b] += 1
            for r in slots:
                satisfaction[r] += satisfaction_gain * (1 - satisfaction[r])
            for r in attendees:
                efficacy[r] += efficacy_gain * (1 - efficacy[r])
        else:
            loss = efficacy_failure_share * efficacy_gain
            for r in attendees:
                efficacy[r] -= loss * efficacy[r]
            next_meeting[issue] = retry_week
    return held, succeeded_count, failed_count, any_pairs, pair_i[:n_pairs], pair_j[:n_pairs], asked, last_contributors
