"""Outputs of MODEL_SPEC section 5, computed from the model's arrays once per step.

The columns are declared in :mod:`commsim.metric_table`; :func:`compute_metrics` fills them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from commsim.mechanisms import gini, top_share
from commsim.metric_table import YEAR
from commsim.state.issue_table import CATEGORIES, IssueTable
from commsim.state.layout import life_circle_coverage
from commsim.state.residents import ADULT, ELDERLY, EXPERT, LEADER, NO_ROLE, ORGANISER, YOUTH, Residents
from commsim.state.ties import clustering_coefficient, cross_building_share
from commsim.state.week import Week

if TYPE_CHECKING:
    from commsim.model import CommunityModel


def _share(mask: np.ndarray, within: np.ndarray) -> float:
    count = within.sum()
    return float((mask & within).sum() / count) if count else 0.0


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
    values = participation_metrics(model.residents, model.steps, model.p["recent_window_weeks"])
    values |= community_metrics(model)
    values |= issue_metrics(model.issues, model.week, model.steps)
    values |= service_metrics(model, unique=int(values["unique_participants"]))
    return values


def participation_metrics(residents: Residents, step: int, window: int) -> dict[str, float]:
    """Participation rates by channel and group, yearly rates and inequality of acts."""
    everyone = np.ones(len(residents), dtype=bool)
    recent = recent_participation(residents, step, window)
    any_recent = recent["activities"] | recent["deliberation"] | recent["mutual_aid"]
    age, migrant, needs = residents.age_group, residents.migrant, residents.needs
    delib_year = residents.last_deliberation > step - YEAR
    return {
        "rate_any": _share(any_recent, everyone),
        "rate_activities": _share(recent["activities"], everyone),
        "rate_deliberation": _share(recent["deliberation"], everyone),
        "rate_mutual_aid": _share(recent["mutual_aid"], everyone),
        "rate_youth": _share(any_recent, age == YOUTH),
        "rate_adult": _share(any_recent, age == ADULT),
        "rate_elderly": _share(any_recent, age == ELDERLY),
        "rate_long_term": _share(any_recent, ~migrant),
        "rate_migrant": _share(any_recent, migrant),
        "rate_with_needs": _share(any_recent, needs),
        "rate_without_needs": _share(any_recent, ~needs),
        "activity_rate_elderly": _share(recent["activities"], age == ELDERLY),
        "deliberation_year_youth": _share(delib_year, age == YOUTH),
        "deliberation_year_adult": _share(delib_year, age == ADULT),
        "deliberation_year_elderly": _share(delib_year, age == ELDERLY),
        "formal_volunteering_year": _share(residents.last_volunteered > step - YEAR, everyone),
        "unique_participants": int((residents.last_any() > step - YEAR).sum()),
        "participation_gini": gini(residents.acts_recent),
        "top10_share": top_share(residents.acts_recent, 0.1),
    }


def community_metrics(model: CommunityModel) -> dict[str, float]:
    """Volunteers, attitudes, the network, mutual aid and organisations."""
    residents, week = model.residents, model.week
    volunteer = residents.role != NO_ROLE
    return {
        "volunteers_active": int(volunteer.sum()),
        "team_leaders": int(np.sum(residents.role == LEADER)),
        "experts": int(np.sum(residents.role == EXPERT)),
        "organisers": int(np.sum(residents.role == ORGANISER)),
        "volunteer_burnout": float(residents.burnout[volunteer].mean()) if volunteer.any() else 0.0,
        "volunteer_quits": week.quits,
        "mean_belonging": float(residents.belonging.mean()),
        "mean_trust": float(residents.trust.mean()),
        "mean_efficacy": float(residents.efficacy.mean()),
        "mean_satisfaction": float(residents.satisfaction.mean()),
        "network_mean_degree": 2.0 * len(model.ties) / len(residents),
        "network_clustering": clustering_coefficient(model.ties, model.metrics_rng),
        "cross_building_ties": cross_building_share(model.ties, residents.building),
        "aid_requests": week.aid_requests,
        "aid_met": week.aid_met,
        "aid_met_share": model.aid_memory.met_share(),
        "time_bank_members": int(residents.time_bank_member.sum()),
        "credits_earned": model.time_bank.credits_earned,
        "credits_spent": model.time_bank.credits_spent,
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
    }
    resolved_category = issues.category[resolved_recent]
    for c, name in enumerate(CATEGORIES):
        weeks = resolution[resolved_category == c]
        values[f"median_weeks_{name}"] = float(np.median(weeks)) if len(weeks) else float("nan")
        values[f"raised_{name}"] = int(np.sum(issues.category == c))
        values[f"resolved_{name}"] = int(np.sum((issues.category == c) & (issues.resolved_step >= 0)))
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
