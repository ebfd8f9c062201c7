"""Process 4 — deliberation: known issues are handled in formats, opinions converge, projects run.

With the tiered policy each issue category has its own format (the five formats of the
Lanzhou social work committee); otherwise every issue waits for the regular council,
which takes a limited agenda. Invited residents attend by a deliberation utility in
which trust and efficacy weigh more than for activities. Opinions on the proposal move
by bounded confidence (Deffuant et al. 2000); the meeting agrees when the spread falls
under a threshold. An agreed project draws on the autonomy fund, library organisations
and residents' contributed hours (conditional cooperation); its success follows an
accelerating production function in resources and experts (Oliver, Marwell & Teixeira
1985).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from commsim.config.declaration import Params
from commsim.mechanisms import (
    bounded_confidence,
    coattendance_pairs,
    conditional_contributions,
    logistic,
    project_success_probability,
)
from commsim.state.finance import Finance
from commsim.state.issue_table import CATEGORIES, IssueTable
from commsim.state.layout import Layout
from commsim.state.organisations import Organisations
from commsim.state.residents import EXPERT, LEADER, Residents
from commsim.state.ties import Ties
from commsim.state.week import Acts, Week

PROPOSAL = 0.5  # the proposal's position on the opinion scale [0, 1]


@dataclass(frozen=True, slots=True)
class Format:
    """A deliberation format: how soon it meets, how many sittings, whether invitations are capped.

    Attributes:
        name: Name of the format.
        delay_weeks: Weeks from becoming known to the first meeting (formats other than the council).
        sittings: Sittings of one meeting (opinions carry across them).
        small: Whether invitations are capped at ``on_the_spot_max_invited``.
        at_council: Whether the issue waits for the regular council.
    """

    name: str
    delay_weeks: int
    sittings: int
    small: bool = False
    at_council: bool = False


FORMATS = {
    "on_the_spot": Format("on_the_spot", 0, 1, small=True),
    "on_site": Format("on_site", 1, 1),
    "council": Format("council", 0, 1, at_council=True),
    "immediate": Format("immediate", 0, 1),
    "multi_round": Format("multi_round", 2, 3),
}
# Format of each category (order of CATEGORIES) when tiered formats are on.
TIERED_FORMAT = ("on_site", "on_the_spot", "council", "multi_round", "immediate")
assert len(TIERED_FORMAT) == len(CATEGORIES)


@dataclass(slots=True)
class Projects:
    """What agreed projects leave behind.

    Attributes:
        contribution_share: Share of the maximum that contributors gave at the last agreed
            project: what conditional cooperators give next time.
        succeeded: Agreed projects with a cost that succeeded, since the start.
        failed: Agreed projects with a cost that failed, since the start.
    """

    contribution_share: float
    succeeded: int = 0
    failed: int = 0


@dataclass(frozen=True, slots=True)
class DeliberationContext:
    """What deliberation reads and writes.

    Attributes:
        params: Resolved parameters.
        residents: Resident state (reads who is invited and attends; writes efficacy and
            satisfaction).
        layout: Buildings and compounds (who an issue affects).
        issues: The issue table (meetings scheduled; issues resolved).
        finance: Money (the autonomy fund pays for projects).
        organisations: Library members (pay into projects; engagement after joint success).
        ties: The network (attendees who meet form ties).
        projects: What past projects left (contribution share, outcomes).
        week: This week's record (meetings, resolutions, visible successes, hours).
        acts: Books participants' acts.
        rng: The model's stream (invitations, attendance, experts, opinions, success).
        step: This week's step (schedules, resolutions, the acts' date).
    """

    params: Params
    residents: Residents
    layout: Layout
    issues: IssueTable
    finance: Finance
    organisations: Organisations
    ties: Ties
    projects: Projects
    week: Week
    acts: Acts
    rng: np.random.Generator
    step: int


def format_for(category: int, tiered: bool) -> Format:
    """The format that handles an issue of ``category``."""
    return FORMATS[TIERED_FORMAT[category]] if tiered else FORMATS["council"]


def next_council(step: int, interval: int) -> int:
    """The first council sitting at or after ``step`` (councils sit when step % interval == 0)."""
    return int(-(-step // interval) * interval)


def deliberation_log_odds(
    *,
    trust: np.ndarray,
    efficacy: np.ndarray,
    civic_skills: np.ndarray,
    belonging: np.ndarray,
    urgency: float,
    hours: float,
    free_time: np.ndarray,
    fatigue: np.ndarray,
    params: Params,
) -> np.ndarray:
    """Log-odds that an invited resident attends a deliberation."""
    return (
        params["delib_intercept"]
        + params["w_civic_skills"] * civic_skills
        + params["w_delib_trust"] * trust
        + params["w_delib_efficacy"] * efficacy
        + params["w_belonging"] * belonging
        + params["w_delib_urgency"] * urgency
        - params["w_delib_time_cost"] * hours / free_time
        - params["w_fatigue"] * fatigue
    )


def initial_opinions(trust: np.ndarray, params: Params, rng: np.random.Generator) -> np.ndarray:
    """Opinions on a proposal: centred on it, more dispersed among the less trusting."""
    spread = params["opinion_spread"] * (params["opinion_trust_ceiling"] - trust)
    return np.clip(rng.normal(PROPOSAL, spread), 0.0, 1.0)


def schedule(issues: IssueTable, issue: np.ndarray, params: Params, step: int, *, retry: bool) -> None:
    """Set the next meeting of issues that just became known or failed."""
    for k in issue:
        fmt = format_for(int(issues.category[k]), params["tiered_formats"])
        wait = fmt.delay_weeks + (params["retry_weeks"] if retry else 0)
        when = step + wait
        if fmt.at_council:
            when = next_council(step + (1 if retry else 0), params["council_interval_weeks"])
        issues.next_meeting[k] = when


def scope_slots(layout: Layout, issues: IssueTable, issue: int) -> np.ndarray:
    """Resident slots affected by an issue (its building or its compound)."""
    scope = int(issues.scope_id[issue])
    if issues.compound_scope[issue]:
        first = layout.compound_building_start[scope]
        last = layout.compound_building_start[scope + 1]
        return np.arange(layout.building_start[first], layout.building_start[last])
    return np.arange(layout.building_start[scope], layout.building_start[scope + 1])


def due_issues(issues: IssueTable, params: Params, step: int) -> np.ndarray:
    """Issues meeting this week, with the council's agenda limit applied."""
    due = np.flatnonzero(issues.open & issues.known & (issues.next_meeting >= 0) & (issues.next_meeting <= step))
    if len(due) == 0:
        return due
    at_council = np.array([format_for(int(c), params["tiered_formats"]).at_council for c in issues.category[due]])
    council = due[at_council]
    if len(council) > params["council_agenda_size"]:
        waited = (step - issues.raised_step[council]) / params["council_priority_ageing_weeks"]
        priority = issues.urgency[council] * (1 + waited)
        order = np.argsort(-priority, kind="stable")
        postponed = council[order[params["council_agenda_size"] :]]
        issues.next_meeting[postponed] = next_council(step + 1, params["council_interval_weeks"])
        council = council[order[: params["council_agenda_size"]]]
    return np.sort(np.concatenate([due[~at_council], council]))


def hold_meeting(
    ctx: DeliberationContext, issue: int, pool: np.ndarray, acquainted: list[tuple[np.ndarray, np.ndarray]]
) -> None:
    """Deliberate one issue, run its project if agreed, and apply the consequences.

    Args:
        ctx: What deliberation reads and writes.
        issue: The issue deliberated.
        pool: The resident experts this week (the expert pool does not change while meetings run).
        acquainted: Collects the pairs of attendees who become acquainted; the ties are
            formed once after all of the week's meetings (no meeting reads them).
    """
    params, residents, issues, rng, week = ctx.params, ctx.residents, ctx.issues, ctx.rng, ctx.week
    fmt = format_for(int(issues.category[issue]), params["tiered_formats"])
    slots = scope_slots(ctx.layout, issues, issue)
    leaders = slots[residents.role[slots] == LEADER]
    invited = slots[rng.random(len(slots)) < params["inclusiveness"]]
    if fmt.small and len(invited) > params["on_the_spot_max_invited"]:
        invited = rng.choice(invited, params["on_the_spot_max_invited"], replace=False)
    invited = np.setdiff1d(invited, leaders)
    hours = params["delib_hours"] * fmt.sittings
    p_attend = logistic(
        deliberation_log_odds(
            trust=residents.trust[invited],
            efficacy=residents.efficacy[invited],
            civic_skills=residents.civic_skills[invited],
            belonging=residents.belonging[invited],
            urgency=issues.urgency[issue],
            hours=hours,
            free_time=residents.free_time[invited],
            fatigue=residents.fatigue[invited],
            params=params,
        )
    )
    attendees = np.concatenate([leaders, invited[rng.random(len(invited)) < p_attend]])
    experts = pool
    if len(experts) > params["experts_per_meeting"]:
        experts = rng.choice(experts, params["experts_per_meeting"], replace=False)
    experts = np.setdiff1d(experts, attendees)
    issues.attempts[issue] += 1
    week.meetings += 1
    if len(attendees) + len(experts) >= 1:
        ctx.acts.record(np.concatenate([attendees, experts]), "deliberation", count=fmt.sittings)
        week.hours_used[attendees] += hours
        week.role_hours[experts] += hours
        week.role_hours[leaders] += hours
    if len(attendees) < 2:
        schedule(issues, np.array([issue]), params, ctx.step, retry=True)
        return

    epsilon = params["confidence_bound"] + params["expert_epsilon_gain"] * len(experts)
    opinions = bounded_confidence(
        initial_opinions(residents.trust[attendees], params, rng),
        epsilon=epsilon,
        mu=params["convergence_rate"],
        encounters=int(round(params["encounters_per_round"] * len(attendees) * fmt.sittings / 2)),
        rng=rng,
    )
    agreed = np.std(opinions) < params["agreement_spread"]
    # Neighbours who deliberate together may become acquainted, as at sessions.
    acquainted.append(
        coattendance_pairs(attendees, np.zeros(len(attendees), dtype=np.int64), params["tie_formation_coattend"], rng)
    )
    succeeded = run_project(ctx, issue, attendees, len(experts)) if agreed else False
    gain = params["efficacy_gain"]
    if succeeded:
        issues.resolved_step[issue] = ctx.step
        week.issues_resolved[issues.category[issue]] += 1
        week.successes_by_building[np.unique(residents.building[slots])] += 1
        residents.satisfaction[slots] += params["satisfaction_gain"] * (1 - residents.satisfaction[slots])
        residents.efficacy[attendees] += gain * (1 - residents.efficacy[attendees])
    else:
        residents.efficacy[attendees] -= params["efficacy_failure_share"] * gain * residents.efficacy[attendees]
        schedule(issues, np.array([issue]), params, ctx.step, retry=True)


def run_project(ctx: DeliberationContext, issue: int, contributors: np.ndarray, n_experts: int) -> bool:
    """Fund and carry out an agreed project; return whether it succeeded.

    Money comes from the street office's routine budget (a fixed share), the autonomy
    fund and engaged library organisations; residents
    contribute hours by conditional cooperation. Resources, as a share of cost, plus the
    experts' gain, set the success probability of the accelerating production function.
    """
    params, issues, residents, rng, week = ctx.params, ctx.issues, ctx.residents, ctx.rng, ctx.week
    projects = ctx.projects
    cost = float(issues.cost[issue])
    hours = conditional_contributions(
        residents.cooperator_type[contributors], projects.contribution_share, params["max_contribution_hours"]
    )
    if params["max_contribution_hours"] > 0 and len(hours):
        projects.contribution_share = float(hours.mean() / params["max_contribution_hours"])
    week.hours_used[contributors] += hours
    if cost <= 0:
        return True
    labour = hours.sum() * params["volunteer_hour_value_yuan"]
    public = params["public_project_share"] * cost
    needed = max(cost - labour - public, 0.0)
    from_fund = ctx.finance.spend_on_project(needed)
    from_orgs = ctx.organisations.contribute(needed - from_fund, rng)
    resources = (labour + public + from_fund + from_orgs) / cost + params["expert_resource_gain"] * n_experts
    success = bool(
        rng.random()
        < project_success_probability(
            resources, half=params["success_half_resources"], acceleration=params["success_acceleration"]
        )
    )
    if success and from_orgs > 0:
        ctx.organisations.joint_success(params)
    if success:
        projects.succeeded += 1
    else:
        projects.failed += 1
    return success


def routine_fixes(issues: IssueTable, week: Week, rate: float, step: int, rng: np.random.Generator) -> None:
    """The street office fixes some known issues without residents' deliberation."""
    known_open = np.flatnonzero(issues.open & issues.known)
    fixed = known_open[rng.random(len(known_open)) < rate]
    issues.resolved_step[fixed] = step
    np.add.at(week.issues_resolved, issues.category[fixed], 1)


def run_deliberation(ctx: DeliberationContext) -> None:
    """Schedule newly known issues, hold this week's meetings, then routine fixes."""
    issues, params = ctx.issues, ctx.params
    newly_known = np.flatnonzero(issues.open & (issues.known_step == ctx.step))
    schedule(issues, newly_known, params, ctx.step, retry=False)
    # Once per week, not per meeting: meetings grow with the population, and a scan of
    # all residents or all ties inside each one would make a step quadratic.
    pool = np.flatnonzero(ctx.residents.role == EXPERT)
    acquainted: list[tuple[np.ndarray, np.ndarray]] = []
    for issue in due_issues(issues, params, ctx.step):
        hold_meeting(ctx, int(issue), pool, acquainted)
    if acquainted:
        ctx.ties.strengthen(
            np.concatenate([i for i, _ in acquainted]),
            np.concatenate([j for _, j in acquainted]),
            params["tie_contact_gain"],
        )
    routine_fixes(issues, ctx.week, params["routine_fix_rate"], ctx.step, ctx.rng)
