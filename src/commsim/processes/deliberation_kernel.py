"""Compiled kernels of deliberation: all of a week's meetings in one call.

:func:`hold_meetings` runs the week's meetings in order (invitations, attendance,
experts, opinions, ties met, projects and their consequences), drawing from the model's
Generator in the order the per-meeting array code did. Where numba's numpy differs from
numpy it uses :mod:`commsim.processes.numpy_kernel`: choice without replacement, pairwise
sums and the standard deviation, and the logistic, which is left to numpy.

:func:`meeting_opinions` draws opinions (``deliberation.initial_opinions``) and runs the
Deffuant-Weisbuch encounters of ``mechanisms.bounded_confidence``, drawing (one normal per
attendee, one uniform per attendee and round) and pairing (neighbours after a stable sort
of the uniforms) as the array formulation does, so its opinions are that formulation's.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from commsim.processes.numpy_kernel import numpy_choice, numpy_logistic, numpy_std, numpy_sum


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
def _contribute(
    rng: np.random.Generator, amount: float, in_library: np.ndarray, pot: np.ndarray
) -> tuple[float, np.ndarray]:
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


# Positions in hold_meetings' parameter array (deliberation.kernel_parameters writes it).
(INCLUSIVENESS, MAX_INVITED, NOTICE_LOGIT, INTERCEPT, W_CIVIC, W_TRUST, W_EFFICACY, W_BELONGING) = range(8)
(W_URGENCY, W_TIME_COST, W_FATIGUE, EXPERTS_PER_MEETING, CONFIDENCE_BOUND, EXPERT_EPSILON_GAIN) = range(8, 14)
(OPINION_SPREAD, TRUST_CEILING, PROPOSAL, CONVERGENCE_RATE, ENCOUNTERS_PER_ROUND, AGREEMENT_SPREAD) = range(14, 20)
(TIE_FORMATION, EFFICACY_GAIN, EFFICACY_FAILURE_SHARE, SATISFACTION_GAIN, MAX_HOURS, HOURS_NEEDED) = range(20, 26)
(PUBLIC_SHARE, EXPERT_RESOURCE_GAIN, SUCCESS_HALF, SUCCESS_ACCELERATION, ENGAGEMENT_GAIN) = range(26, 31)
(POINTS_PER_ACT, POINT_VALUE, STEP, LEADER_ROLE) = range(31, 35)
N_PARAMETERS = 35


@njit(cache=True)
def _turnout(
    rng: np.random.Generator,
    slots: np.ndarray,
    small: int,
    hours: float,
    urgency: float,
    pool: np.ndarray,
    resident: tuple,
    param: np.ndarray,
    forced: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Leaders, attendees and experts of one meeting; the uninvited affected come on its notice (not to small talks).

    ``forced``: 1 or 0 where a student playing the resident chose (:mod:`commsim.state.forced`).
    """
    role, trust, efficacy, civic_skills, belonging, free_time, fatigue = resident[:7]
    # A leader comes, unless the student playing the resident chose to stay away.
    leaders = slots[(role[slots] == param[LEADER_ROLE]) & (forced[slots] != 0)]
    drawn = rng.random(len(slots)) < param[INCLUSIVENESS]
    invited = slots[drawn]
    if small and len(invited) > param[MAX_INVITED]:
        invited = invited[numpy_choice(rng, len(invited), int(param[MAX_INVITED]))]
    invited = sorted_difference(invited, leaders)
    n_invited = len(invited)
    if not small:
        invited = np.concatenate((invited, sorted_difference(slots[~drawn], leaders)))
    w_urgent = param[W_URGENCY] * urgency
    w_time = param[W_TIME_COST] * hours
    log_odds = np.empty(len(invited))
    for k in range(len(invited)):
        r = invited[k]
        log_odds[k] = (
            param[INTERCEPT]
            + param[W_CIVIC] * civic_skills[r]
            + param[W_TRUST] * trust[r]
            + param[W_EFFICACY] * efficacy[r]
            + param[W_BELONGING] * belonging[r]
            + w_urgent
            - w_time / free_time[r]
            - param[W_FATIGUE] * fatigue[r]
            + (param[NOTICE_LOGIT] if k >= n_invited else 0.0)
        )
    p_attend = numpy_logistic(log_odds)
    for k in range(len(invited)):
        if forced[invited[k]] >= 0:
            p_attend[k] = float(forced[invited[k]])
    attendees = np.concatenate((leaders, invited[rng.random(len(invited)) < p_attend]))
    experts = pool
    if len(experts) > param[EXPERTS_PER_MEETING]:
        experts = experts[numpy_choice(rng, len(experts), int(param[EXPERTS_PER_MEETING]))]
    return leaders, attendees, sorted_difference(experts, attendees)


@njit(cache=True)
def _book(
    leaders: np.ndarray,
    attendees: np.ndarray,
    experts: np.ndarray,
    sittings: int,
    hours: float,
    resident: tuple,
    acts: np.ndarray,
    week_hours: tuple,
    fund: np.ndarray,
    param: np.ndarray,
) -> None:
    """``Acts.record`` of the participants' acts, and their hours."""
    participation, acts_deliberation, last_deliberation, points = resident[10:14]
    hours_used, role_hours = week_hours
    points_each = param[POINTS_PER_ACT] * sittings
    for group in (attendees, experts):
        for r in group:
            acts[r] += sittings
            participation[r] += sittings
            acts_deliberation[r] += sittings
            last_deliberation[r] = param[STEP]
            points[r] += points_each
    fund[3] += points_each * (len(attendees) + len(experts)) * param[POINT_VALUE]
    for r in attendees:
        hours_used[r] += hours
    for r in experts:
        role_hours[r] += hours
    for r in leaders:
        role_hours[r] += hours


@njit(cache=True)
def _project(
    rng: np.random.Generator,
    attendees: np.ndarray,
    n_experts: int,
    cost: float,
    cooperator: np.ndarray,
    hours_used: np.ndarray,
    fund: np.ndarray,
    org: tuple,
    param: np.ndarray,
    fund_cap: float,
) -> tuple[bool, float, bool, np.ndarray]:
    """``deliberation.run_project``: (succeeded, resources or -1 without a cost, asked orgs, contributors)."""
    n = len(attendees)
    given_hours = np.empty(n)
    for k in range(n):
        kind = cooperator[attendees[k]]
        given_hours[k] = (0.0 if kind == 0 else fund[4] if kind == 1 else 1.0) * param[MAX_HOURS]
    if param[MAX_HOURS] > 0 and n:
        fund[4] = numpy_sum(given_hours) / n / param[MAX_HOURS]
    for k in range(n):
        hours_used[attendees[k]] += given_hours[k]
    if cost <= 0:
        return True, -1.0, False, np.zeros(0, dtype=np.int64)
    public = param[PUBLIC_SHARE] * cost
    needed = cost - public
    if needed < 0.0:
        needed = 0.0
    from_fund = fund[0] if fund[0] < needed else needed  # Finance.spend_on_project
    from_fund = fund_cap if fund_cap < from_fund else from_fund  # a played committee's limit
    fund[0] -= from_fund
    fund[1] += from_fund
    fund[2] += from_fund
    in_library, pot, engagement = org
    from_orgs, contributors = _contribute(rng, needed - from_fund, in_library, pot)
    # Co-production: residents' hours and money are complements; neither makes up for the other.
    covered = min((public + from_fund + from_orgs) / cost, 1.0)
    hands = numpy_sum(given_hours) / (param[HOURS_NEEDED] * cost / 1000.0)
    resources = covered * hands + param[EXPERT_RESOURCE_GAIN] * n_experts
    scaled = max(resources, 0.0) ** param[SUCCESS_ACCELERATION]
    succeeded = rng.random() < scaled / (scaled + param[SUCCESS_HALF] ** param[SUCCESS_ACCELERATION])
    if succeeded and from_orgs > 0:
        for o in contributors:
            engagement[o] += param[ENGAGEMENT_GAIN] * (1 - engagement[o])
    return succeeded, resources, True, contributors


@njit(cache=True)
def _deliberate(
    rng: np.random.Generator,
    attendees: np.ndarray,
    n_experts: int,
    sittings: int,
    trust: np.ndarray,
    pair_i: np.ndarray,
    pair_j: np.ndarray,
    n_pairs: int,
    param: np.ndarray,
) -> tuple[bool, int]:
    """Opinions converge or not; co-attendees meet (``mechanisms.coattendance_pairs``). (agreed, pairs so far)."""
    n = len(attendees)
    epsilon = param[CONFIDENCE_BOUND] + param[EXPERT_EPSILON_GAIN] * n_experts
    encounters = int(np.rint(param[ENCOUNTERS_PER_ROUND] * n * sittings / 2))
    opinions = meeting_opinions(
        rng,
        trust[attendees],
        param[PROPOSAL],
        param[OPINION_SPREAD],
        param[TRUST_CEILING],
        epsilon,
        param[CONVERGENCE_RATE],
        encounters,
    )
    agreed = numpy_std(opinions) < param[AGREEMENT_SPREAD]
    meets = rng.random(n) < param[TIE_FORMATION]
    shift = rng.random(n)
    for k in range(n):
        if meets[k]:
            pair_i[n_pairs] = attendees[k]
            pair_j[n_pairs] = attendees[(k + 1 + np.int64(shift[k] * max(n - 1, 1))) % n]
            n_pairs += 1
    return agreed, n_pairs


@njit(cache=True)
def _success(
    row: np.ndarray,
    slots: np.ndarray,
    attendees: np.ndarray,
    resident: tuple,
    week_counts: tuple,
    issue_state: tuple,
    param: np.ndarray,
) -> None:
    """A successful project resolves the issue and satisfies its scope; attendees' efficacy rises."""
    issue, category = row[0], row[4]
    efficacy, satisfaction, building = resident[2], resident[8], resident[9]
    issue_state[2][issue] = param[STEP]
    week_counts[2][category] += 1
    for b in np.unique(building[slots]):
        week_counts[1][b] += 1
    for r in slots:
        satisfaction[r] += param[SATISFACTION_GAIN] * (1 - satisfaction[r])
    for r in attendees:
        efficacy[r] += param[EFFICACY_GAIN] * (1 - efficacy[r])


@njit(cache=True)
def _failure(
    row: np.ndarray, attendees: np.ndarray, efficacy: np.ndarray, issue_state: tuple, param: np.ndarray
) -> None:
    """No agreement or a failed project: attendees' efficacy falls; the issue meets again."""
    loss = param[EFFICACY_FAILURE_SHARE] * param[EFFICACY_GAIN]
    for r in attendees:
        efficacy[r] -= loss * efficacy[r]
    issue_state[1][row[0]] = row[3]


@njit(cache=True)
def hold_meetings(
    rng: np.random.Generator,
    meeting: np.ndarray,
    meeting_hours: np.ndarray,
    fund_cap: np.ndarray,
    slot_range: np.ndarray,
    pool: np.ndarray,
    resident: tuple,
    week_counts: tuple,
    week_hours: tuple,
    issue_state: tuple,
    fund: np.ndarray,
    org: tuple,
    param: np.ndarray,
) -> tuple:
    """All of a week's meetings, in order, drawing from ``rng`` as the per-meeting code did.

    Args:
        rng: The model's stream.
        meeting: Per meeting (int64 rows): issue, small, sittings, retry week, category.
        meeting_hours: Per meeting: its hours over all sittings (the format's length).
        fund_cap: Per meeting: the most the autonomy fund pays for its project (infinite
            unless a student playing the committee chose).
        slot_range: Per meeting: first and stop slot of the issue's scope.
        pool: The week's resident experts.
        resident: Tuple of resident arrays (role, trust, efficacy, civic_skills, belonging,
            free_time, fatigue, cooperator_type, satisfaction, building, participation_count,
            acts_deliberation, last_deliberation, points, forced attendance).
        week_counts: Tuple (acts, successes_by_building, issues_resolved, turnout) of the week;
            turnout: affected residents (leaders apart) and those who attended, added to.
        week_hours: Tuple (hours_used, role_hours) of the week.
        issue_state: Tuple (attempts, next_meeting, resolved_step, urgency, cost) of the issue table.
        fund: fund_balance, fund_spent, project_spent, points_paid, contribution_share (updated).
        org: Tuple (in_library, pot, engagement) of the organisations.
        param: Parameters, at the positions named at the top of this kernel.

    Returns:
        Whether any pairs were formed, the pairs' two ends, whether organisations were asked for
        money, the last contributors, and the resources (share of cost, with the experts' gain)
        and outcome of each project with a cost.
    """
    trust, cooperator, acts, turnout = resident[1], resident[7], week_counts[0], week_counts[3]
    attempts, next_meeting, _, urgency, cost_of = issue_state
    pair_i = np.empty(np.sum(slot_range[:, 1] - slot_range[:, 0]), dtype=np.int64)
    pair_j = np.empty(len(pair_i), dtype=np.int64)
    n_pairs, costed = 0, 0
    any_pairs = asked = False
    last = np.zeros(0, dtype=np.int64)
    resources_of = np.empty(len(meeting))
    success_of = np.empty(len(meeting), dtype=np.bool_)
    for m in range(len(meeting)):
        issue, small, sittings, retry_week, _ = meeting[m]
        slots = np.arange(slot_range[m, 0], slot_range[m, 1])
        hours = meeting_hours[m]
        forced = resident[14]
        leaders, attendees, experts = _turnout(rng, slots, small, hours, urgency[issue], pool, resident, param, forced)
        attempts[issue] += 1
        n = len(attendees)
        turnout += np.array([len(slots), n]) - len(leaders)  # affected and attended, leaders apart
        if n + len(experts) >= 1:
            _book(leaders, attendees, experts, sittings, hours, resident, acts, week_hours, fund, param)
        if n < 2:
            next_meeting[issue] = retry_week
            continue
        agreed, n_pairs = _deliberate(rng, attendees, len(experts), sittings, trust, pair_i, pair_j, n_pairs, param)
        any_pairs = True
        succeeded = False
        if agreed:
            succeeded, resources, paid, contributors = _project(
                rng, attendees, len(experts), cost_of[issue], cooperator, week_hours[0], fund, org, param, fund_cap[m]
            )
            if paid:
                asked, last = True, contributors
                resources_of[costed], success_of[costed] = resources, succeeded
                costed += 1
        if succeeded:
            _success(meeting[m], slots, attendees, resident, week_counts, issue_state, param)
        else:
            _failure(meeting[m], attendees, resident[2], issue_state, param)
    return any_pairs, pair_i[:n_pairs], pair_j[:n_pairs], asked, last, resources_of[:costed], success_of[:costed]
