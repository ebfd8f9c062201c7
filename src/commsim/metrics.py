"""Outputs of MODEL_SPEC section 5, computed from the model's arrays once per step.

:data:`METRICS` declares every model-level column (name, unit, range, meaning);
``docs/metrics.md`` is generated from it and :func:`compute_metrics` fills it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from commsim.mechanisms import gini, top_share
from commsim.state.issue_table import CATEGORIES, IssueTable
from commsim.state.layout import life_circle_coverage
from commsim.state.residents import ADULT, ELDERLY, EXPERT, LEADER, NO_ROLE, ORGANISER, YOUTH, Residents
from commsim.state.ties import clustering_coefficient, cross_building_share
from commsim.state.timescale import WEEKS_PER_YEAR
from commsim.state.week import Week

if TYPE_CHECKING:
    from commsim.model import CommunityModel

YEAR = WEEKS_PER_YEAR  # yearly rates and resolution times look back this far
RECENTLY = "in the last `recent_window_weeks` weeks"
LAST_YEAR = f"in the last {YEAR} weeks"


@dataclass(frozen=True, slots=True)
class Metric:
    """One output column."""

    name: str
    unit: str
    range: str
    meaning: str


def _rate(name: str, meaning: str) -> Metric:
    return Metric(name, "share of residents", "0-1", meaning)


METRICS: tuple[Metric, ...] = (
    _rate("rate_any", f"Took part in any channel {RECENTLY}"),
    _rate("rate_activities", f"Attended or ran an activity session {RECENTLY}"),
    _rate("rate_deliberation", f"Took part in a deliberation {RECENTLY}"),
    _rate("rate_mutual_aid", f"Gave or received help through mutual aid {RECENTLY}"),
    _rate("rate_youth", f"Youth (18-34) who took part in any channel {RECENTLY}"),
    _rate("rate_adult", f"Adults (35-59) who took part in any channel {RECENTLY}"),
    _rate("rate_elderly", f"Elderly (60+) who took part in any channel {RECENTLY}"),
    _rate("rate_long_term", f"Long-term residents who took part {RECENTLY}"),
    _rate("rate_migrant", f"Migrants who took part {RECENTLY}"),
    _rate(
        "rate_with_needs",
        f"Residents with a need (old, young, poor, disabled) who took part {RECENTLY}",
    ),
    _rate("rate_without_needs", f"Residents without such needs who took part {RECENTLY}"),
    _rate("activity_rate_elderly", f"Elderly who attended an activity {RECENTLY}"),
    _rate("deliberation_year_youth", f"Youth who took part in a deliberation {LAST_YEAR}"),
    _rate("deliberation_year_adult", f"Adults who took part in a deliberation {LAST_YEAR}"),
    _rate("deliberation_year_elderly", f"Elderly who took part in a deliberation {LAST_YEAR}"),
    _rate(
        "formal_volunteering_year",
        f"Held a volunteer role or helped through the time bank {LAST_YEAR} (formal volunteering)",
    ),
    Metric(
        "unique_participants",
        "residents",
        "0-n",
        f"Residents who took part in any channel {LAST_YEAR}",
    ),
    Metric(
        "participation_gini",
        "index",
        "0-1",
        f"Gini coefficient of acts over the last year (exponentially weighted, {YEAR}-week memory)",
    ),
    Metric(
        "top10_share",
        "share of acts",
        "0-1",
        "Share of the last year's acts given by the most active 10% of residents",
    ),
    Metric("volunteers_active", "residents", "0-n", "Residents holding a volunteer role"),
    Metric("team_leaders", "residents", "0-n", "Building team leaders"),
    Metric("experts", "residents", "0-n", "Resident experts in the pool"),
    Metric("organisers", "residents", "0-n", "Activity organisers"),
    Metric("volunteer_burnout", "score", "0-1", "Mean burnout of volunteers (0 without volunteers)"),
    Metric("volunteer_quits", "residents/week", "0-n", "Volunteers who quit their role this week"),
    Metric("mean_belonging", "score", "0-1", "Mean sense of belonging"),
    Metric("mean_trust", "score", "0-1", "Mean trust in local institutions"),
    Metric("mean_efficacy", "score", "0-1", "Mean efficacy"),
    Metric("mean_satisfaction", "score", "0-1", "Mean satisfaction"),
    Metric("network_mean_degree", "ties/resident", ">=0", "Mean number of ties"),
    Metric(
        "network_clustering",
        "coefficient",
        "0-1",
        "Mean local clustering coefficient over residents with 2+ ties (exact up to 2,000, else a 2,000-node sample)",
    ),
    Metric(
        "cross_building_ties",
        "share of ties",
        "0-1",
        "Share of ties joining residents of different buildings",
    ),
    Metric("issues_raised", "issues/week", ">=0", "New issues this week"),
    Metric("issues_reported", "issues/week", ">=0", "Issues that became known to the committee this week"),
    Metric("issues_unreported", "issues", ">=0", "Open issues not yet known to the committee"),
    Metric("issues_resolved", "issues/week", ">=0", "Issues resolved this week"),
    Metric("issues_open", "issues", ">=0", "Issues not yet resolved"),
    Metric(
        "median_resolution_weeks",
        "weeks",
        ">=0 or empty",
        f"Median weeks from raising to resolution of issues resolved {LAST_YEAR} (empty until one is resolved)",
    ),
    *(
        Metric(f"raised_{c}", "issues", ">=0", f"Issues of category {c.replace('_', ' ')} raised since the start")
        for c in CATEGORIES
    ),
    *(
        Metric(
            f"resolved_{c}",
            "issues",
            ">=0",
            f"Issues of category {c.replace('_', ' ')} resolved since the start",
        )
        for c in CATEGORIES
    ),
    *(
        Metric(
            f"median_weeks_{c}",
            "weeks",
            ">=0 or empty",
            f"Median weeks to resolution of {c.replace('_', ' ')} issues resolved {LAST_YEAR}",
        )
        for c in CATEGORIES
    ),
    Metric("projects_succeeded", "projects", ">=0", "Agreed projects with a cost that succeeded, since the start"),
    Metric("projects_failed", "projects", ">=0", "Agreed projects with a cost that failed, since the start"),
    Metric("meetings", "meetings/week", ">=0", "Deliberation meetings held this week"),
    Metric("aid_requests", "requests/week", ">=0", "Mutual-aid requests posted this week"),
    Metric("aid_met", "requests/week", ">=0", "Mutual-aid requests met this week"),
    Metric(
        "aid_met_share",
        "share of requests",
        "0-1",
        "Share of requests met in the last `aid_memory_weeks` weeks (what helpers see)",
    ),
    Metric("time_bank_members", "residents", "0-n", "Members of the time bank"),
    Metric("credits_earned", "hours", ">=0", "Time credits earned by helpers since the start"),
    Metric(
        "credits_spent",
        "hours",
        ">=0",
        "Time credits paid by requesters from their own balance (down to the overdraft) since the start",
    ),
    Metric(
        "organisations_engaged",
        "organisations",
        "0-n",
        "Library members with engagement of at least `org_engaged_threshold`",
    ),
    Metric("fund_spent", "yuan", ">=0", "Autonomy fund spent since the start (projects and centre running costs)"),
    Metric("fund_balance", "yuan", ">=0", "Autonomy fund available for projects"),
    Metric("centre_sessions", "sessions/week", ">=0", "Centre sessions held this week (after funding)"),
    Metric("centre_funded_share", "share", "0-1", "Share of planned centre sessions paid for this week"),
    Metric(
        "centre_utilisation",
        "share of places",
        "0-1",
        "Places taken over places offered in centre sessions this week (0 without sessions)",
    ),
    Metric("coverage_15min", "share of residents", "0-1", "Residents within 15 walking minutes of a centre"),
    Metric(
        "programme_cost",
        "yuan",
        ">=0",
        "Cumulative cost of measures: centre running costs, fund spending on projects, points redeemed",
    ),
    Metric(
        "cost_per_participant",
        "yuan/resident",
        ">=0",
        f"Programme cost over residents who took part {LAST_YEAR}",
    ),
)
METRIC_NAMES = tuple(metric.name for metric in METRICS)


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
