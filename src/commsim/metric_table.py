"""The outputs of MODEL_SPEC section 5, declared once.

:data:`METRICS` declares every model-level column (name, plain label, unit, range,
meaning) and :data:`DERIVED` the measures the analysis computes from them;
``docs/metrics.md`` is generated from both, every face reads its labels through
:mod:`commsim.runs.labels`, and :mod:`commsim.metrics` fills the columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from commsim.state.issue_table import CATEGORIES
from commsim.state.timescale import WEEKS_PER_YEAR

if TYPE_CHECKING:
    pass

YEAR = WEEKS_PER_YEAR  # yearly rates and resolution times look back this far
# Texts name windows and thresholds by the parameter that sets them, as format fields
# filled in with the run's values (or the defaults) by commsim.runs.labels.
RECENTLY = "in the last {recent_window_weeks} weeks"
LAST_YEAR = f"in the last {YEAR} weeks"
CATEGORY_WORDS = {
    "environment": "environment",
    "disputes": "neighbour dispute",
    "public_services": "public service",
    "facilities": "facility",
    "safety_health": "safety and health",
}


@dataclass(frozen=True, slots=True)
class Metric:
    """One output column, declared once: what the code, the docs and every face call it.

    Attributes:
        name: Column name.
        label: A few plain words a policymaker reads (a chart legend, a table row).
        unit: Unit of measurement; ``commsim.runs.labels.unit_label`` gives its plain form.
        range: Values it can take (``0-1`` for shares and scores).
        meaning: One plain sentence saying what it measures. Label and meaning may name
            a parameter as a format field (``{recent_window_weeks}``), filled in with its value.
    """

    name: str
    label: str
    unit: str
    range: str
    meaning: str


def _rate(name: str, label: str, meaning: str) -> Metric:
    return Metric(name, label, "share of residents", "0-1", meaning)


ANY_WAY = "in an activity, a deliberation, mutual aid or a volunteer role"


def _took_part(who: str, when: str = RECENTLY, how: str = ANY_WAY) -> str:
    return f"Share of {who} who took part {how} {when}"


METRICS: tuple[Metric, ...] = (
    _rate("rate_any", f"Took part {RECENTLY}", _took_part("residents")),
    _rate("rate_activities", "Took part in activities", _took_part("residents", how="in an activity session")),
    _rate("rate_deliberation", "Took part in deliberation", _took_part("residents", how="in a deliberation")),
    _rate(
        "rate_mutual_aid",
        "Took part in mutual aid",
        _took_part("residents", how="in mutual aid (gave or got help with a need, or through the time bank)"),
    ),
    _rate("rate_youth", "Young adults (18-34) taking part", _took_part("young adults (18-34)")),
    _rate("rate_adult", "Adults (35-59) taking part", _took_part("adults aged 35-59")),
    _rate("rate_elderly", "Elderly (60+) taking part", _took_part("elderly residents (60+)")),
    _rate("rate_long_term", "Long-term residents taking part", _took_part("long-term residents")),
    _rate("rate_migrant", "Migrants taking part", _took_part("migrant residents")),
    _rate(
        "rate_with_needs",
        "Residents with a need taking part",
        _took_part("residents with a need (elderly care, a young child, a disability or low income)"),
    ),
    _rate("rate_without_needs", "Residents without such needs taking part", _took_part("residents without such needs")),
    _rate(
        "activity_rate_elderly",
        "Elderly in activities",
        _took_part("elderly residents (60+)", how="in an activity session"),
    ),
    _rate(
        "deliberation_year_youth",
        "Young adults in deliberation over a year",
        _took_part("young adults (18-34)", LAST_YEAR, "in a deliberation"),
    ),
    _rate(
        "deliberation_year_adult",
        "Adults in deliberation over a year",
        _took_part("adults aged 35-59", LAST_YEAR, "in a deliberation"),
    ),
    _rate(
        "deliberation_year_elderly",
        "Elderly in deliberation over a year",
        _took_part("elderly residents (60+)", LAST_YEAR, "in a deliberation"),
    ),
    _rate(
        "formal_volunteering_year",
        "Formal volunteering over a year",
        f"Share of residents who held a volunteer role or helped through the time bank {LAST_YEAR}",
    ),
    _rate(
        "informal_helping_year",
        "Informal helping over a year",
        f"Share of residents who helped a tie or a neighbour outside the time bank {LAST_YEAR}",
    ),
    Metric(
        "unique_participants",
        "Residents who took part over a year",
        "residents",
        "0-n",
        f"Residents who took part in an activity, a deliberation, mutual aid or a volunteer role {LAST_YEAR}",
    ),
    Metric(
        "participation_gini",
        "Inequality of participation",
        "index",
        "0-1",
        f"How unevenly recent acts (a week's acts lose 1/{YEAR} of their weight each week after) "
        "are spread over residents "
        "(Gini index: 0 when all give as many, 1 when one resident gives them all)",
    ),
    Metric(
        "top10_share",
        "Acts by the most active tenth",
        "share of acts",
        "0-1",
        f"Share of recent acts (a week's acts lose 1/{YEAR} of their weight each week after) "
        "given by the most active tenth of residents",
    ),
    Metric(
        "volunteers_active",
        "Volunteers",
        "residents",
        "0-n",
        "Residents holding a volunteer role: building team leaders, resident experts, activity organisers,"
        " centre and event helpers and mutual-aid station volunteers",
    ),
    Metric("team_leaders", "Building team leaders", "residents", "0-n", "Residents serving as building team leaders"),
    Metric("experts", "Resident experts", "residents", "0-n", "Residents in the pool of resident experts"),
    Metric("organisers", "Activity organisers", "residents", "0-n", "Residents who organise activity sessions"),
    Metric(
        "helpers",
        "Centre and event helpers",
        "residents",
        "0-n",
        "Residents who help at the centres' sessions and community events without running them",
    ),
    Metric(
        "aid_station_volunteers",
        "Mutual-aid station volunteers",
        "residents",
        "0-n",
        "Residents on duty at the community's mutual-aid station",
    ),
    Metric(
        "volunteer_burnout",
        "Burnout of volunteers",
        "score",
        "0-1",
        "Average burnout of volunteers, from 0 (none) to 1 (full); 0 when there are no volunteers",
    ),
    Metric(
        "volunteer_quits", "Volunteers quitting", "residents/week", "0-n", "Volunteers who gave up their role this week"
    ),
    Metric("mean_belonging", "Belonging", "score", "0-1", "Average sense of belonging to the community, from 0 to 1"),
    Metric(
        "mean_trust",
        "Trust in local institutions",
        "score",
        "0-1",
        "Average trust in the residents' committee and the street office, from 0 to 1",
    ),
    Metric(
        "mean_efficacy",
        "Efficacy",
        "score",
        "0-1",
        "Average belief that taking part changes things, from 0 to 1",
    ),
    Metric(
        "mean_satisfaction",
        "Satisfaction",
        "score",
        "0-1",
        "Average satisfaction with the neighbourhood, from 0 to 1",
    ),
    Metric(
        "network_mean_degree",
        "Ties per resident",
        "ties/resident",
        ">=0",
        "Average number of neighbours a resident knows",
    ),
    Metric(
        "network_clustering",
        "Closeness of circles of acquaintances",
        "coefficient",
        "0-1",
        "How often two acquaintances of a resident know each other too (the clustering coefficient over residents "
        "with two ties or more, from a count of the triangles through them every week; exact while "
        "there are at most 2,000 of them, else from a fresh random sample of 2,000 each week)",
    ),
    Metric(
        "cross_building_ties",
        "Ties across buildings",
        "share of ties",
        "0-1",
        "Share of acquaintances who live in different buildings",
    ),
    Metric("issues_raised", "New issues", "issues/week", ">=0", "Local issues that arose this week"),
    Metric(
        "issues_reported",
        "Issues reported",
        "issues/week",
        ">=0",
        "Issues that became known to the residents' committee this week",
    ),
    Metric(
        "issues_unreported",
        "Issues not yet reported",
        "issues",
        ">=0",
        "Open issues the residents' committee does not know of yet",
    ),
    Metric("issues_resolved", "Issues resolved", "issues/week", ">=0", "Issues resolved this week"),
    Metric("issues_open", "Open issues", "issues", ">=0", "Issues not yet resolved"),
    Metric(
        "median_resolution_weeks",
        "Weeks to resolve an issue",
        "weeks",
        ">=0 or empty",
        f"Median weeks from an issue arising to its resolution, over the issues resolved {LAST_YEAR} "
        "(empty when none was resolved in that time)",
    ),
    *(
        Metric(
            f"raised_{c}",
            f"{CATEGORY_WORDS[c].capitalize()} issues raised",
            "issues",
            ">=0",
            f"{CATEGORY_WORDS[c].capitalize()} issues that arose since the start",
        )
        for c in CATEGORIES
    ),
    *(
        Metric(
            f"resolved_{c}",
            f"{CATEGORY_WORDS[c].capitalize()} issues resolved",
            "issues",
            ">=0",
            f"{CATEGORY_WORDS[c].capitalize()} issues resolved since the start",
        )
        for c in CATEGORIES
    ),
    *(
        Metric(
            f"median_weeks_{c}",
            f"Weeks to resolve a {CATEGORY_WORDS[c]} issue",
            "weeks",
            ">=0 or empty",
            f"Median weeks to the resolution of {CATEGORY_WORDS[c]} issues resolved {LAST_YEAR}",
        )
        for c in CATEGORIES
    ),
    Metric(
        "projects_succeeded",
        "Projects that succeeded",
        "projects",
        ">=0",
        "Agreed projects with a cost that succeeded, since the start",
    ),
    Metric(
        "projects_failed",
        "Projects that failed",
        "projects",
        ">=0",
        "Agreed projects with a cost that failed, since the start",
    ),
    Metric("meetings", "Deliberation meetings", "meetings/week", ">=0", "Deliberation meetings held this week"),
    Metric(
        "meeting_affected",
        "Residents affected by meetings",
        "residents/week",
        ">=0",
        "Residents affected by this week's deliberation meetings, building leaders apart (counted once per meeting)",
    ),
    Metric(
        "meeting_attendees",
        "Affected residents who attended",
        "residents/week",
        ">=0",
        "Affected residents who attended this week's deliberation meetings, invited or on the notice",
    ),
    Metric("aid_requests", "Requests for help", "requests/week", ">=0", "Requests for help posted this week"),
    Metric("aid_met", "Requests for help met", "requests/week", ">=0", "Requests for help met this week"),
    Metric(
        "aid_met_share",
        "Requests for help met",
        "share of requests",
        "0-1",
        "Share of requests for help met in the last {aid_memory_weeks} weeks (what helpers see)",
    ),
    Metric("time_bank_members", "Time-bank members", "residents", "0-n", "Residents who are members of the time bank"),
    Metric(
        "credits_earned",
        "Time credits earned",
        "hours",
        ">=0",
        "Hours of time credit earned by helpers since the start",
    ),
    Metric(
        "credits_spent",
        "Time credits spent",
        "hours",
        ">=0",
        "Hours of time credit requesters paid from their own balance since the start (down to the overdraft)",
    ),
    Metric(
        "credits_idle_share",
        "Time credits held by members who never spent",
        "share",
        "0-1",
        "Share of the credits members hold (positive balances) that lie with members who have never paid from theirs",
    ),
    Metric(
        "spenders_overdrawn",
        "Spending members in debt",
        "share",
        "0-1",
        "Share of the time-bank members who have paid from their balance whose balance is now below zero",
    ),
    Metric(
        "organisations_engaged",
        "Engaged organisations",
        "organisations",
        "0-n",
        "Members of the resource library whose engagement has reached {org_engaged_threshold} on a scale of 0 to 1",
    ),
    Metric(
        "fund_spent",
        "Autonomy fund spent",
        "yuan",
        ">=0",
        "Autonomy fund spent since the start, on projects and on centre running costs",
    ),
    Metric("fund_balance", "Autonomy fund available", "yuan", ">=0", "Autonomy fund money available for projects"),
    Metric(
        "centre_sessions",
        "Centre sessions",
        "sessions/week",
        ">=0",
        "Sessions held at service centres this week: the centres' own, as far as they were paid for, and those "
        "resource-library members hold there",
    ),
    Metric(
        "centre_funded_share",
        "Centre sessions paid for",
        "share",
        "0-1",
        "Share of the planned centre sessions that were paid for this week",
    ),
    Metric(
        "centre_utilisation",
        "Use of centre places",
        "share of places",
        "0-1",
        "Share of the places offered in centre sessions this week that were taken (0 without sessions)",
    ),
    Metric(
        "coverage_15min",
        "Within 15 minutes' walk of a centre",
        "share of residents",
        "0-1",
        "Share of residents who live within 15 walking minutes of a service centre",
    ),
    Metric(
        "programme_cost",
        "Programme cost",
        "yuan",
        ">=0",
        "Total cost of the measures since the start: centre running costs, fund spending on projects and "
        "points redeemed",
    ),
    Metric(
        "cost_per_participant",
        "Programme cost per participant",
        "yuan/resident",
        ">=0",
        f"Programme cost so far over the residents who took part {LAST_YEAR} (an average, not the cost of an "
        "added participant)",
    ),
)
METRIC_NAMES = tuple(metric.name for metric in METRICS)
COST_PER_ADDITIONAL = "cost_per_additional_participant"
RESOLVED_SHARE = "issues_resolved_share"
# Measures computed from the outputs of several runs or columns, by the analysis and the figures.
DERIVED: tuple[Metric, ...] = (
    Metric(
        COST_PER_ADDITIONAL,
        "Cost per additional participant",
        "yuan/additional resident",
        "any or empty",
        f"Extra programme cost per extra resident taking part, against the same community without the measures "
        f"on the same seeds: the difference in mean programme cost over the last {YEAR} weeks divided by the "
        f"difference in mean residents who took part {LAST_YEAR} (empty where the measures add no participant)",
    ),
    Metric(
        RESOLVED_SHARE,
        "Issues resolved of those raised",
        "share of issues",
        "0-1",
        "Share of the issues raised since the start that have been resolved",
    ),
)
