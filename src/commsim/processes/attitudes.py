"""Process 6a — attitudes: belonging, trust, efficacy, satisfaction and fatigue after the week.

This module closes the loop of MODEL_SPEC section 1 (participation -> belonging ->
investment -> visible success -> more participation). Participation raises belonging
(identity; ``belonging_gain``). Belonging and efficacy raise the propensity to take part
(:func:`commsim.mechanisms.engagement_log_odds`, weights ``w_belonging`` and
``w_efficacy``), which the
activities utility reads and the roles process can read. Investment makes projects
succeed (deliberation). A success is seen by more than those who took part (collective
efficacy grows from observed success, Bandura 1997; Sampson, Raudenbush & Earls 1997):
by the residents of the building or compound where a project was completed or an issue
solved, by the ties of the residents there who took part that week, and, at an open day,
by everyone; seeing one raises belonging, efficacy and trust (``visible_success_*``).
Each link has its own parameter, so that setting it to 0 cuts the link.

Belonging, trust and efficacy drift back toward resting levels. Unresolved issues erode
satisfaction and trust; an activity lifts satisfaction. At an open day disclosing affairs
and finances, trust rises a little (a small effect, as the meta-analysis of
transparency and trust finds) — half by openness itself, half by the record shown
(issues resolved over issues reported since the last open day). Fatigue builds with
hours used and recovers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import commsim.processes.attitudes_kernel as kernel
from commsim.config.declaration import Params
from commsim.mechanisms import toward
from commsim.state.forced import MODEL
from commsim.state.issue_table import IssueTable
from commsim.state.layout import Layout
from commsim.state.residents import Residents
from commsim.state.ties import Ties
from commsim.state.timescale import WEEKS_PER_MONTH, WEEKS_PER_YEAR
from commsim.state.week import Week

# Weeks between open days for each choice of the transparency lever (0: none).
DISCLOSURE_INTERVAL = {"none": 0, "semiannual": WEEKS_PER_YEAR // 2, "monthly": WEEKS_PER_MONTH}


@dataclass(slots=True)
class DisclosureRecord:
    """Where the last open day left the record (transparency).

    Attributes:
        resolved: Issues resolved by the last open day.
        known: Issues known by the last open day.
        open_days: Open days held since the start.
        last_step: Step of the last open day (-1: none yet).
    """

    resolved: int = 0
    known: int = 0
    open_days: int = 0
    last_step: int = -1

    def successes_since(self, issues: IssueTable) -> int:
        """Issues resolved since the last open day."""
        return int(np.sum(issues.resolved_step >= 0)) - self.resolved

    def resolved_share_since(self, issues: IssueTable, prior: float) -> float:
        """Issues resolved over issues reported since the last open day, capped at 1 (``prior`` if none)."""
        reported = int(np.sum(issues.known)) - self.known
        if reported <= 0:
            return prior
        return min(1.0, self.successes_since(issues) / reported)

    def mark(self, issues: IssueTable, step: int) -> None:
        """Remember where this open day (at ``step``) leaves the record."""
        self.resolved = int(np.sum(issues.resolved_step >= 0))
        self.known = int(np.sum(issues.known))
        self.open_days += 1
        self.last_step = step


@dataclass(frozen=True, slots=True)
class AttitudesContext:
    """What the attitudes update reads and writes.

    Attributes:
        params: Resolved parameters.
        residents: Resident state (writes belonging, satisfaction, trust, efficacy,
            fatigue and the memory of acts).
        layout: Buildings and compounds (where unresolved issues weigh).
        issues: The issue table (reads open issues, issues solved this week and the
            record since the last open day).
        ties: The network (ties of those who took part in a success see it too).
        week: This week's record (reads acts, activity acts, projects completed, hours used).
        disclosure: Where the last open day left the record (updated at an open day).
        step: This week's step (open-day cadence, age of grievances).
        disclose: Whether a student playing the committee holds an open day this week
            (1 or 0), or -1: the transparency lever's cadence (:mod:`commsim.state.forced`).
    """

    params: Params
    residents: Residents
    layout: Layout
    issues: IssueTable
    ties: Ties
    week: Week
    disclosure: DisclosureRecord
    step: int
    disclose: int = MODEL


def disclosure_due(disclosure: str, step: int) -> bool:
    """Whether an open day disclosing affairs and finances takes place this week."""
    interval = DISCLOSURE_INTERVAL[disclosure]
    return interval > 0 and step % interval == 0


def grievance_by_building(issues: IssueTable, layout: Layout, step: int, grace_weeks: int) -> np.ndarray:
    """Sum of urgencies of open issues older than ``grace_weeks``, per building."""
    old = issues.open & (issues.raised_step <= step - grace_weeks)
    urgency = issues.urgency[old]
    scope = issues.scope_id[old]
    compound = issues.compound_scope[old]
    by_building = np.bincount(scope[~compound], weights=urgency[~compound], minlength=layout.n_buildings)
    by_compound = np.bincount(scope[compound], weights=urgency[compound], minlength=layout.n_compounds)
    # Without weights to sum numpy returns integers; the compiled pass takes floats only.
    return (by_building + by_compound[layout.building_compound]).astype(float, copy=False)


def buildings_with_solved_issue(issues: IssueTable, layout: Layout, step: int) -> np.ndarray:
    """Whether an issue of each building (or of its compound) was solved this week, by residents or the office.

    Args:
        issues: The issue table (issues resolved this ``step``, with their scope).
        layout: Buildings and compounds.
        step: This week's step.

    Returns:
        Boolean per building.
    """
    solved = issues.resolved_step == step
    scope = issues.scope_id[solved]
    compound = issues.compound_scope[solved]
    by_building = np.bincount(scope[~compound], minlength=layout.n_buildings)
    by_compound = np.bincount(scope[compound], minlength=layout.n_compounds)
    return (by_building + by_compound[layout.building_compound]) > 0


def success_seen(at_home: np.ndarray, took_part: np.ndarray, ties: Ties) -> np.ndarray:
    """Residents who see a success: those where it happened, and the ties of those there who took part.

    Args:
        at_home: Per resident, whether a success happened in the own building or compound.
        took_part: Per resident, whether they took part this week (any act).
        ties: The network.

    Returns:
        Boolean per resident.
    """
    witnesses = at_home & took_part
    if not witnesses.any():
        return at_home
    return at_home | (ties.share_of_ties(witnesses) > 0)


def see_success(residents: Residents, seen: np.ndarray | bool, params: Params, *, trust: bool = True) -> None:
    """Seeing a success raises belonging, efficacy and (unless the record shown carries it) trust."""
    residents.belonging = toward(residents.belonging, 1.0, params["visible_success_gain"] * seen)
    residents.efficacy = toward(residents.efficacy, 1.0, params["visible_success_efficacy_gain"] * seen)
    if trust:
        residents.trust = toward(residents.trust, 1.0, params["visible_success_trust_gain"] * seen)


def hold_open_day(ctx: AttitudesContext) -> None:
    """An open day: trust rises by openness and by the record; every success since the last is seen."""
    params, residents, issues = ctx.params, ctx.residents, ctx.issues
    # Opening the books earns a share of the gain by itself, the rest by the record shown.
    openness = params["disclosure_openness_share"]
    record = ctx.disclosure.resolved_share_since(issues, params["disclosure_record_prior"])
    gain = params["trust_disclosure_gain"] * (openness + (1 - openness) * record)
    residents.trust = toward(residents.trust, 1.0, gain)
    # The record already carries the successes into trust; they raise belonging and efficacy.
    if ctx.disclosure.successes_since(issues) > 0:
        see_success(residents, True, params, trust=False)
    ctx.disclosure.mark(issues, ctx.step)


def update_attitudes(ctx: AttitudesContext) -> None:
    """Belonging, trust, efficacy, satisfaction and fatigue after this week (one compiled pass, in place)."""
    params, residents, week, issues, layout = ctx.params, ctx.residents, ctx.week, ctx.issues, ctx.layout
    open_day = disclosure_due(params["disclosure"], ctx.step) if ctx.disclose == MODEL else ctx.disclose == 1
    rates = weekly_rates(params, open_day_trust=open_day_trust_gain(ctx) if open_day else 0.0)
    open_day_success = open_day and ctx.disclosure.successes_since(issues) > 0
    if open_day:
        ctx.disclosure.mark(issues, ctx.step)
    kernel.update_residents(
        (
            residents.belonging,
            residents.trust,
            residents.efficacy,
            residents.satisfaction,
            residents.fatigue,
            residents.acts_recent,
        ),
        (week.acts, week.activity_acts, week.hours_used, 1 - (1 - params["belonging_gain"]) ** week.acts),
        residents.building,
        residents.free_time,
        buildings_with_solved_issue(issues, layout, ctx.step),
        grievance_by_building(issues, layout, ctx.step, params["grievance_grace_weeks"]),
        (ctx.ties.start, ctx.ties.length, ctx.ties.column),
        rates,
        open_day,
        open_day_success,
    )


def open_day_trust_gain(ctx: AttitudesContext) -> float:
    """Trust gained at an open day: a share by openness itself, the rest by the record shown."""
    params = ctx.params
    openness = params["disclosure_openness_share"]
    record = ctx.disclosure.resolved_share_since(ctx.issues, params["disclosure_record_prior"])
    return params["trust_disclosure_gain"] * (openness + (1 - openness) * record)


def weekly_rates(params: Params, *, open_day_trust: float) -> np.ndarray:
    """The rates of the attitudes kernel, at the positions ``attitudes_kernel`` names."""
    rates = np.zeros(kernel.N_RATES)
    rates[kernel.VISIBLE_BELONGING] = params["visible_success_gain"]
    rates[kernel.VISIBLE_EFFICACY] = params["visible_success_efficacy_gain"]
    rates[kernel.VISIBLE_TRUST] = params["visible_success_trust_gain"]
    rates[kernel.BELONGING_REST] = params["belonging_rest"]
    rates[kernel.BELONGING_DECAY] = params["belonging_decay"]
    rates[kernel.EROSION] = params["grievance_erosion"]
    rates[kernel.EROSION_CAP] = params["grievance_erosion_cap"]
    rates[kernel.FLOOR] = params["grievance_floor"]
    rates[kernel.TRUST_SHARE] = params["grievance_trust_share"]
    rates[kernel.ACTIVITY_SATISFACTION] = params["activity_satisfaction_gain"]
    rates[kernel.TRUST_REST] = params["trust_rest"]
    rates[kernel.TRUST_DECAY] = params["trust_decay"]
    rates[kernel.OPEN_DAY_TRUST] = open_day_trust
    rates[kernel.EFFICACY_REST] = params["efficacy_rest"]
    rates[kernel.EFFICACY_DRIFT] = params["efficacy_drift"]
    rates[kernel.FATIGUE_KEPT] = 1 - params["fatigue_recovery"]
    rates[kernel.ACTS_KEPT] = 1 - 1 / WEEKS_PER_YEAR
    return rates


def update_attitudes_by_arrays(ctx: AttitudesContext) -> None:
    """The array formulation of :func:`update_attitudes`, kept as the compiled pass's reference (tested equal)."""
    params, residents, week, issues = ctx.params, ctx.residents, ctx.week, ctx.issues
    acts = week.acts
    residents.belonging = toward(residents.belonging, 1.0, 1 - (1 - params["belonging_gain"]) ** acts)
    solved = buildings_with_solved_issue(issues, ctx.layout, ctx.step)[residents.building]
    see_success(residents, success_seen(solved, acts > 0, ctx.ties), params)
    residents.belonging = toward(residents.belonging, params["belonging_rest"], params["belonging_decay"])

    grievance = grievance_by_building(issues, ctx.layout, ctx.step, params["grievance_grace_weeks"])
    erosion = np.minimum(params["grievance_erosion"] * grievance[residents.building], params["grievance_erosion_cap"])
    residents.satisfaction = toward(residents.satisfaction, params["grievance_floor"], erosion)
    active = week.activity_acts > 0
    residents.satisfaction = toward(residents.satisfaction, 1.0, params["activity_satisfaction_gain"] * active)
    residents.trust = toward(residents.trust, params["grievance_floor"], params["grievance_trust_share"] * erosion)
    residents.trust = toward(residents.trust, params["trust_rest"], params["trust_decay"])

    open_day = disclosure_due(params["disclosure"], ctx.step) if ctx.disclose == MODEL else ctx.disclose == 1
    if open_day:
        hold_open_day(ctx)

    residents.efficacy = toward(residents.efficacy, params["efficacy_rest"], params["efficacy_drift"])
    residents.fatigue = residents.fatigue * (1 - params["fatigue_recovery"]) + week.hours_used / residents.free_time
    # The memory of acts that participation inequality is measured over: a year.
    residents.acts_recent = residents.acts_recent * (1 - 1 / WEEKS_PER_YEAR) + acts
    for array in (residents.belonging, residents.trust, residents.efficacy, residents.satisfaction):
        np.clip(array, 0.0, 1.0, out=array)
