"""Outputs of MODEL_SPEC section 5, computed from the model's arrays once per step.

The columns are declared in :mod:`commsim.metric_table`; :func:`compute_metrics` fills them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

import commsim.metrics_kernel as kernel
import commsim.state.census_kernel as census
from commsim.mechanisms import gini, top_share
from commsim.metric_table import YEAR
from commsim.state.issue_table import CATEGORIES, IssueTable
from commsim.state.layout import life_circle_coverage
from commsim.state.residents import (
    ADULT,
    AID_STATION,
    ELDERLY,
    EXPERT,
    HELPER,
    LEADER,
    NO_ROLE,
    ORGANISER,
    YOUTH,
    Residents,
)
from commsim.state.ties import CLUSTERING_SAMPLE, cross_building_share
from commsim.state.week import Week

if TYPE_CHECKING:
    from commsim.model import CommunityModel


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def recent_participation(residents: Residents, step: int, window: int) -> dict[str, np.ndarray]:
    """Who took part in each channel within the last ``window`` weeks.

    Args:
        residents: The model's resident arrays.
        step: The current step.
        window: Weeks counted as recent (``recent_window_weeks``).

    Returns:
        Channel (``activities``, ``deliberation``, ``mutual_aid``) to a boolean array over residents.
    """
    return {
        "activities": residents.last_activities > step - window,
        "deliberation": residents.last_deliberation > step - window,
        "mutual_aid": residents.last_mutual_aid > step - window,
    }


def compute_metrics(model: CommunityModel) -> dict[str, float]:
    """Compute every output column for the current step."""
    counts, outputs = resident_outputs(model.residents, model.steps, model.p["recent_window_weeks"])
    values = participation_metrics(model.residents, counts)
    values |= community_metrics(model, counts, outputs)
    values |= issue_metrics(model.issues, model.week, model.steps)
    values |= service_metrics(model, unique=int(values["unique_participants"]))
    return values


def resident_outputs(residents: Residents, step: int, window: int) -> tuple[np.ndarray, np.ndarray]:
    """The per-resident counts and floating-point outputs (``commsim.metrics_kernel``), in one call.

    Args:
        residents: The model's resident arrays.
        step: The current step.
        window: Weeks counted as recent (``recent_window_weeks``).

    Returns:
        The counts, at the positions ``census_kernel`` names, and the floats, at the
        positions ``metrics_kernel`` names.
    """
    return kernel.resident_outputs(
        _census_arrays(residents),
        (residents.belonging, residents.trust, residents.efficacy, residents.satisfaction),
        residents.burnout,
        residents.last_helped_informally,
        residents.credits,
        residents.credits_paid,
        step - window,
        step - YEAR,
    )


def _census_arrays(residents: Residents) -> tuple[np.ndarray, ...]:
    return (
        residents.age_group,
        residents.migrant,
        residents.need_elderly_care,
        residents.with_children,
        residents.need_disability,
        residents.need_low_income,
        residents.last_activities,
        residents.last_deliberation,
        residents.last_mutual_aid,
        residents.last_volunteered,
        residents.role,
        residents.time_bank_member,
    )


def count_residents(residents: Residents, step: int, window: int) -> np.ndarray:
    """The per-resident counts of the outputs (``commsim.state.census_kernel``), in one pass.

    Args:
        residents: The model's resident arrays.
        step: The current step.
        window: Weeks counted as recent (``recent_window_weeks``).

    Returns:
        The counts, at the positions the kernel module names.
    """
    return census.resident_counts(*_census_arrays(residents), step - window, step - YEAR)


def participation_metrics(residents: Residents, counts: np.ndarray) -> dict[str, float]:
    """Participation rates by channel and group, yearly rates and inequality of acts."""
    c = counts.tolist()
    n, any_recent = c[census.RESIDENTS], c[census.ANY_RECENT]
    by_age, any_by_age = census.BY_AGE, census.ANY_RECENT_BY_AGE
    delib_year = census.DELIBERATION_YEAR_BY_AGE
    migrants, any_migrants = c[census.MIGRANTS], c[census.ANY_RECENT_MIGRANTS]
    needs, any_needs = c[census.WITH_NEEDS], c[census.ANY_RECENT_WITH_NEEDS]
    return {
        "rate_any": _ratio(any_recent, n),
        "rate_activities": _ratio(c[census.ACTIVITIES_RECENT], n),
        "rate_deliberation": _ratio(c[census.DELIBERATION_RECENT], n),
        "rate_mutual_aid": _ratio(c[census.AID_RECENT], n),
        "rate_youth": _ratio(c[any_by_age + YOUTH], c[by_age + YOUTH]),
        "rate_adult": _ratio(c[any_by_age + ADULT], c[by_age + ADULT]),
        "rate_elderly": _ratio(c[any_by_age + ELDERLY], c[by_age + ELDERLY]),
        "rate_long_term": _ratio(any_recent - any_migrants, n - migrants),
        "rate_migrant": _ratio(any_migrants, migrants),
        "rate_with_needs": _ratio(any_needs, needs),
        "rate_without_needs": _ratio(any_recent - any_needs, n - needs),
        "activity_rate_elderly": _ratio(c[census.ACTIVITIES_RECENT_ELDERLY], c[by_age + ELDERLY]),
        "deliberation_year_youth": _ratio(c[delib_year + YOUTH], c[by_age + YOUTH]),
        "deliberation_year_adult": _ratio(c[delib_year + ADULT], c[by_age + ADULT]),
        "deliberation_year_elderly": _ratio(c[delib_year + ELDERLY], c[by_age + ELDERLY]),
        "formal_volunteering_year": _ratio(c[census.VOLUNTEERED_YEAR], n),
        "unique_participants": c[census.UNIQUE_YEAR],
        "participation_gini": gini(residents.acts_recent),
        "top10_share": top_share(residents.acts_recent, 0.1),
    }


def community_metrics(model: CommunityModel, counts: np.ndarray, outputs: np.ndarray) -> dict[str, float]:
    """Volunteers, attitudes, the network, mutual aid and organisations."""
    residents, week = model.residents, model.week
    holders = counts[census.BY_ROLE : census.BY_ROLE + census.N_ROLES].tolist()
    volunteers = len(residents) - holders[NO_ROLE]
    means = outputs.tolist()
    return {
        "volunteers_active": volunteers,
        "team_leaders": holders[LEADER],
        "experts": holders[EXPERT],
        "organisers": holders[ORGANISER],
        "helpers": holders[HELPER],
        "aid_station_volunteers": holders[AID_STATION],
        "volunteer_burnout": means[kernel.VOLUNTEER_BURNOUT],
        "volunteer_quits": week.quits,
        "mean_belonging": means[kernel.MEAN_BELONGING],
        "mean_trust": means[kernel.MEAN_TRUST],
        "mean_efficacy": means[kernel.MEAN_EFFICACY],
        "mean_satisfaction": means[kernel.MEAN_SATISFACTION],
        "network_mean_degree": 2.0 * len(model.ties) / len(residents),
        "network_clustering": kernel.network_clustering(
            model.ties.start, model.ties.length, model.ties.column, model.metrics_rng, CLUSTERING_SAMPLE
        ),
        "cross_building_ties": cross_building_share(model.ties, residents.building),
        "informal_helping_year": means[kernel.INFORMAL_HELPING_YEAR],
        "aid_requests": week.aid_requests,
        "aid_met": week.aid_met,
        "aid_met_share": model.aid_memory.met_share(),
        "time_bank_members": int(counts[census.TIME_BANK_MEMBERS]),
        "credits_earned": model.time_bank.credits_earned,
        "credits_spent": model.time_bank.credits_spent,
        "credits_idle_share": means[kernel.CREDITS_IDLE_SHARE],
        "spenders_overdrawn": means[kernel.SPENDERS_OVERDRAWN],
        "organisations_engaged": model.organisations.engaged_count(model.p["org_engaged_threshold"]),
        "projects_succeeded": model.projects.succeeded,
        "projects_failed": model.projects.failed,
    }


def issue_metrics(issues: IssueTable, week: Week, step: int) -> dict[str, float]:
    """Issues raised, reported, resolved and open; meetings; resolution times by category."""
    resolved_recent = (issues.resolved_step > step - YEAR) & (issues.resolved_step >= 0)
    resolution = issues.resolved_step[resolved_recent] - issues.raised_step[resolved_recent]
    values = {
        "issues_raised": int(week.issues_raised.sum()),
        "issues_reported": int(np.sum(issues.known_step == step)),
        "issues_unreported": int(np.sum(issues.open & ~issues.known)),
        "issues_resolved": int(week.issues_resolved.sum()),
        "issues_open": int(issues.open.sum()),
        "median_resolution_weeks": float(np.median(resolution)) if len(resolution) else float("nan"),
        "meetings": week.meetings,
        "meeting_affected": week.meeting_affected,
        "meeting_attendees": week.meeting_attendees,
    }
    resolved_category = issues.category[resolved_recent]
    raised = np.bincount(issues.category, minlength=len(CATEGORIES)).tolist()
    resolved = np.bincount(issues.category[~issues.open], minlength=len(CATEGORIES)).tolist()
    for c, name in enumerate(CATEGORIES):
        weeks = resolution[resolved_category == c]
        values[f"median_weeks_{name}"] = float(np.median(weeks)) if len(weeks) else float("nan")
        values[f"raised_{name}"] = raised[c]
        values[f"resolved_{name}"] = resolved[c]
    return values


def service_metrics(model: CommunityModel, *, unique: int) -> dict[str, float]:
    """Centres, coverage and money: sessions, utilisation, fund, programme cost per participant."""
    week, finance = model.week, model.finance
    centre = week.sessions.centre >= 0 if week.sessions is not None else np.zeros(0, bool)
    places = week.sessions.capacity[centre].sum() if week.sessions is not None else 0
    used = week.session_attendance[centre].sum() if week.session_attendance is not None else 0
    cost = finance.programme_cost()
    return {
        "fund_spent": finance.fund_spent,
        "fund_balance": finance.fund_balance,
        "centre_sessions": int(centre.sum()),
        "centre_funded_share": finance.funded_share,
        "centre_utilisation": float(used / places) if places else 0.0,
        "coverage_15min": life_circle_coverage(model.layout),
        "programme_cost": cost,
        "cost_per_participant": cost / unique if unique else 0.0,
    }


def read_metric(name: str, model: CommunityModel) -> float:
    """DataCollector reporter body: one column of ``model.metrics`` (use with functools.partial)."""
    return model.metrics[name]
