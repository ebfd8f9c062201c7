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

import commsim.processes.deliberation_kernel as kernel
from commsim.config.declaration import Params
from commsim.state.finance import Finance
from commsim.state.forced import MODEL, NO_ISSUE, Forced, ForcedRoles
from commsim.state.issue_table import CATEGORIES, IssueTable
from commsim.state.layout import Layout
from commsim.state.organisations import Organisations
from commsim.state.residents import EXPERT, LEADER, Residents
from commsim.state.ties import Ties
from commsim.state.week import Acts, Week

PROPOSAL = 0.5  # the proposal's position on the opinion scale [0, 1]


@dataclass(frozen=True, slots=True)
class Format:
    """A deliberation format: how soon it meets, how long, whether invitations are capped.

    Attributes:
        name: Name of the format.
        delay_weeks: Weeks from becoming known to the first meeting (formats other than the council).
        sittings: Sittings of one meeting (opinions carry across them).
        hours: The parameter giving the length of one sitting (the time cost of attending).
        small: Whether invitations are capped at ``on_the_spot_max_invited`` (and only the
            invited come: a small talk has no notice).
        at_council: Whether the issue waits for the regular council.
    """

    name: str
    delay_weeks: int
    sittings: int
    hours: str
    small: bool = False
    at_council: bool = False

    def meeting_hours(self, params: Params) -> float:
        """Hours an attendee spends on one meeting of this format (all its sittings)."""
        return float(params[self.hours]) * self.sittings


# A talk on the spot takes half an hour at the door; an on-site or an immediate meeting about
# an hour; the council and each round of a negotiation sit for the length of a meeting.
FORMATS = {
    "on_the_spot": Format("on_the_spot", 0, 1, "on_the_spot_hours", small=True),
    "on_site": Format("on_site", 1, 1, "on_site_hours"),
    "council": Format("council", 0, 1, "delib_hours", at_council=True),
    "immediate": Format("immediate", 0, 1, "immediate_hours"),
    "multi_round": Format("multi_round", 2, 3, "delib_hours"),
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
        forced: Decisions students playing residents took (whether to come to a meeting they may attend).
        officials: Choices of a student playing a committee member: formats by issue
            category, the issue the fund pays for this week (-1 elsewhere).
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
    forced: Forced
    officials: ForcedRoles


def format_for(category: int, tiered: bool, chosen: tuple[str | None, ...] | None = None) -> Format:
    """The format that handles an issue of ``category``: the committee's choice where a student made one."""
    if chosen is not None and chosen[category] is not None:
        return FORMATS[chosen[category]]
    return FORMATS[TIERED_FORMAT[category]] if tiered else FORMATS["council"]


def fund_caps(issues: np.ndarray, officials: ForcedRoles) -> np.ndarray:
    """Most the autonomy fund pays for each issue's project this week (infinite: the fund's balance decides)."""
    if officials.fund_issue == MODEL:
        return np.full(len(issues), np.inf)
    chosen = (issues == officials.fund_issue) & (officials.fund_issue != NO_ISSUE)
    return np.where(chosen, officials.fund_cap_yuan, 0.0)


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
    notice: bool | np.ndarray = False,
) -> np.ndarray:
    """Log-odds that an affected resident attends a deliberation of ``hours``.

    ``notice`` marks residents who were not personally invited but read the meeting's
    notice: their log-odds are lower by ``notice_attend_logit``.
    """
    return (
        params["delib_intercept"]
        + params["w_civic_skills"] * civic_skills
        + params["w_delib_trust"] * trust
        + params["w_delib_efficacy"] * efficacy
        + params["w_belonging"] * belonging
        + params["w_delib_urgency"] * urgency
        - params["w_delib_time_cost"] * hours / free_time
        - params["w_fatigue"] * fatigue
        + params["notice_attend_logit"] * np.asarray(notice, dtype=float)
    )


def initial_opinions(trust: np.ndarray, params: Params, rng: np.random.Generator) -> np.ndarray:
    """Opinions on a proposal: centred on it, more dispersed among the less trusting."""
    spread = params["opinion_spread"] * (params["opinion_trust_ceiling"] - trust)
    return np.clip(rng.normal(PROPOSAL, spread), 0.0, 1.0)


def schedule(
    issues: IssueTable,
    issue: np.ndarray,
    params: Params,
    step: int,
    *,
    retry: bool,
    chosen: tuple[str | None, ...] | None = None,
) -> None:
    """Set the next meeting of issues that just became known or failed (``chosen``: the committee's formats)."""
    for k in issue:
        fmt = format_for(int(issues.category[k]), params["tiered_formats"], chosen)
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


def due_issues(
    issues: IssueTable, params: Params, step: int, chosen: tuple[str | None, ...] | None = None
) -> np.ndarray:
    """Issues meeting this week, with the council's agenda limit applied (``chosen``: the committee's formats)."""
    due = np.flatnonzero(issues.open & issues.known & (issues.next_meeting >= 0) & (issues.next_meeting <= step))
    if len(due) == 0:
        return due
    tiered = params["tiered_formats"]
    at_council = np.array([format_for(int(c), tiered, chosen).at_council for c in issues.category[due]])
    council = due[at_council]
    if len(council) > params["council_agenda_size"]:
        waited = (step - issues.raised_step[council]) / params["council_priority_ageing_weeks"]
        priority = issues.urgency[council] * (1 + waited)
        order = np.argsort(-priority, kind="stable")
        postponed = council[order[params["council_agenda_size"] :]]
        issues.next_meeting[postponed] = next_council(step + 1, params["council_interval_weeks"])
        council = council[order[: params["council_agenda_size"]]]
    return np.sort(np.concatenate([due[~at_council], council]))


# Float parameters of the week's meetings, in the order deliberation_kernel.hold_meetings reads them.
KERNEL_PARAMS = (
    "inclusiveness",
    "on_the_spot_max_invited",
    "notice_attend_logit",
    "delib_intercept",
    "w_civic_skills",
    "w_delib_trust",
    "w_delib_efficacy",
    "w_belonging",
    "w_delib_urgency",
    "w_delib_time_cost",
    "w_fatigue",
    "experts_per_meeting",
    "confidence_bound",
    "expert_epsilon_gain",
    "opinion_spread",
    "opinion_trust_ceiling",
)
KERNEL_PARAMS_AFTER_PROPOSAL = (
    "convergence_rate",
    "encounters_per_round",
    "agreement_spread",
    "tie_formation_coattend",
    "efficacy_gain",
    "efficacy_failure_share",
    "satisfaction_gain",
    "max_contribution_hours",
    "project_hours_per_1000_yuan",
    "public_project_share",
    "expert_resource_gain",
    "success_half_resources",
    "success_acceleration",
    "engagement_gain",
)


def hold_meetings(ctx: DeliberationContext, due: np.ndarray, pool: np.ndarray) -> None:
    """Hold the week's meetings of the ``due`` issues, in order, in one compiled call.

    The attendees who become acquainted form ties once after all of the week's meetings
    (no meeting reads them).
    """
    params, residents, issues, week, acts = ctx.params, ctx.residents, ctx.issues, ctx.week, ctx.acts
    waiting = issues.next_meeting[due].copy()
    chosen = ctx.officials.formats
    schedule(issues, due, params, ctx.step, retry=True, chosen=chosen)  # where each goes if its meeting fails
    meeting = np.empty((len(due), 5), dtype=np.int64)
    meeting_hours = np.empty(len(due))
    slot_range = np.empty((len(due), 2), dtype=np.int64)
    for row, k in enumerate(due):
        fmt = format_for(int(issues.category[k]), params["tiered_formats"], chosen)
        slots = scope_slots(ctx.layout, issues, int(k))
        slot_range[row] = (slots[0], slots[-1] + 1) if len(slots) else (0, 0)
        meeting[row] = (k, fmt.small, fmt.sittings, issues.next_meeting[k], issues.category[k])
        meeting_hours[row] = fmt.meeting_hours(params)
    issues.next_meeting[due] = waiting
    finance, projects, organisations = ctx.finance, ctx.projects, ctx.organisations
    money = (finance.fund_balance, finance.fund_spent, finance.project_spent, finance.points_paid)
    fund = np.array([*money, projects.contribution_share])
    values = np.array(
        [
            *(float(params[name]) for name in KERNEL_PARAMS),
            PROPOSAL,
            *(float(params[name]) for name in KERNEL_PARAMS_AFTER_PROPOSAL),
            float(acts.points_per_act),
            float(acts.point_value_yuan),
            float(ctx.step),
            float(LEADER),
        ]
    )
    assert len(values) == kernel.N_PARAMETERS
    turnout = np.zeros(2)
    any_pairs, pair_i, pair_j, asked, last, _, success = kernel.hold_meetings(
        ctx.rng,
        meeting,
        meeting_hours,
        fund_caps(due, ctx.officials),
        slot_range,
        pool,
        (
            residents.role,
            residents.trust,
            residents.efficacy,
            residents.civic_skills,
            residents.belonging,
            residents.free_time,
            residents.fatigue,
            residents.cooperator_type,
            residents.satisfaction,
            residents.building,
            residents.participation_count,
            residents.acts_deliberation,
            residents.last_deliberation,
            residents.points,
            ctx.forced.deliberation,
        ),
        (week.acts, week.successes_by_building, week.issues_resolved, turnout),
        (week.hours_used, week.role_hours),
        (issues.attempts, issues.next_meeting, issues.resolved_step, issues.urgency, issues.cost),
        fund,
        (organisations.in_library, organisations.pot, organisations.engagement),
        values,
    )
    week.meetings += len(due)
    week.meeting_affected += int(turnout[0])
    week.meeting_attendees += int(turnout[1])
    projects.succeeded += int(success.sum())
    projects.failed += int((~success).sum())
    finance.fund_balance, finance.fund_spent, finance.project_spent, finance.points_paid = (float(v) for v in fund[:4])
    projects.contribution_share = float(fund[4])
    if asked:
        organisations.last_contributors = last
    if any_pairs:
        ctx.ties.strengthen(pair_i, pair_j, params["tie_contact_gain"])


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
    chosen = ctx.officials.formats
    schedule(issues, newly_known, params, ctx.step, retry=False, chosen=chosen)
    # Once per week, not per meeting: meetings grow with the population, and a scan of
    # all residents or all ties inside each one would make a step quadratic.
    # An expert whose student chose to stay away from meetings does not come either.
    pool = np.flatnonzero((ctx.residents.role == EXPERT) & (ctx.forced.deliberation != 0))
    hold_meetings(ctx, due_issues(issues, params, ctx.step, chosen), pool)
    routine_fixes(issues, ctx.week, params["routine_fix_rate"], ctx.step, ctx.rng)
