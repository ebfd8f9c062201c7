"""Process 2 — issues: local problems arise in five categories and become known when reported.

An issue affects a building or a whole compound, has an urgency in [0, 1] and a cost in
yuan. Each week every affected resident may report it; the chance rises with trust, with
a platform reporting channel and with a team leader in the building. Issues are kept in
the :class:`~commsim.state.issue_table.IssueTable`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from commsim.config.declaration import Params
from commsim.state.forced import MODEL
from commsim.state.issue_table import CATEGORIES, IssueTable
from commsim.state.layout import Layout
from commsim.state.residents import Residents
from commsim.state.week import Week

# Relative frequency, whether the scope is a whole compound, mean urgency and median cost (yuan).
CATEGORY_WEIGHT = np.array([0.30, 0.25, 0.15, 0.20, 0.10])
CATEGORY_COMPOUND_SCOPE = np.array([0.7, 0.0, 0.8, 0.4, 0.3])
CATEGORY_URGENCY = np.array([0.4, 0.5, 0.4, 0.5, 0.85])
CATEGORY_COST_YUAN = np.array([4000.0, 0.0, 8000.0, 25000.0, 6000.0])
# Categories whose frequency grows with the age of buildings and facilities.
AGE_SENSITIVE = np.array([1.0, 0.0, 0.0, 1.0, 0.5])
# Spread of an issue around its category: urgency = mean + N(0, SD), at least the minimum;
# cost = median x LogNormal(0, dispersion).
URGENCY_SD = 0.1
URGENCY_MIN = 0.05
COST_DISPERSION = 0.5


@dataclass(frozen=True, slots=True)
class IssuesContext:
    """What the issues process reads and writes.

    Attributes:
        params: Resolved parameters.
        residents: Resident state (reads trust, platform following, building).
        layout: Buildings and compounds (issue scopes).
        issues: The issue table (new issues appended; reported ones marked known).
        week: This week's record (issues raised per category).
        leader_reach: Weekly chance that each building's team leader reports (0 without one).
        rng: The model's stream (new issues, reports).
        step: This week's step (when issues are raised and become known).
        leader_report: Per building, what a student playing its team leader reports: an
            issue, ``NO_ISSUE`` or -1 (the leader's reporting chance); :mod:`commsim.state.forced`.
    """

    params: Params
    residents: Residents
    layout: Layout
    issues: IssueTable
    week: Week
    leader_reach: np.ndarray
    rng: np.random.Generator
    step: int
    leader_report: np.ndarray


def new_issues(
    n_residents: int,
    params: Params,
    n_buildings: int,
    building_compound: np.ndarray,
    step: int,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Draw this week's new issues.

    The count is Poisson with mean ``issue_rate_per_1000 * n / 1000``; the category
    mix tilts toward environment and facilities as ``infrastructure_age`` rises.

    Returns:
        Columns for :meth:`IssueTable.append`.
    """
    count = rng.poisson(params["issue_rate_per_1000"] * n_residents / 1000.0)
    weights = CATEGORY_WEIGHT * (1 + AGE_SENSITIVE * (params["infrastructure_age"] - 0.5))
    category = rng.choice(len(CATEGORIES), size=count, p=weights / weights.sum())
    building = rng.integers(0, n_buildings, count)
    compound_scope = rng.random(count) < CATEGORY_COMPOUND_SCOPE[category]
    return {
        "category": category,
        "compound_scope": compound_scope,
        "scope_id": np.where(compound_scope, building_compound[building], building),
        "urgency": np.clip(CATEGORY_URGENCY[category] + rng.normal(0, URGENCY_SD, count), URGENCY_MIN, 1.0),
        "cost": CATEGORY_COST_YUAN[category] * rng.lognormal(0, COST_DISPERSION, count),
        "raised_step": np.full(count, step),
        "known_step": np.full(count, -1),
        "resolved_step": np.full(count, -1),
        "next_meeting": np.full(count, -1),
        "attempts": np.zeros(count, dtype=np.int64),
    }


def report_probability_per_resident(trust: np.ndarray, reporting_channel: np.ndarray, params: Params) -> np.ndarray:
    """Weekly chance that one affected resident reports an issue.

    ``report_base * trust``, multiplied by ``report_platform_boost`` for residents with a
    platform reporting channel, at most ``report_probability_cap``. (A team leader's
    reports are added per building in :func:`run_issues`.)
    """
    base = params["report_base"] * trust * np.where(reporting_channel, params["report_platform_boost"], 1.0)
    return np.clip(base, 0.0, params["report_probability_cap"])


def run_issues(ctx: IssuesContext) -> None:
    """Add new issues and mark open ones that an affected resident (or a played leader) reports as known."""
    params, residents, layout, rng, issues = ctx.params, ctx.residents, ctx.layout, ctx.rng, ctx.issues
    columns = new_issues(len(residents), params, layout.n_buildings, layout.building_compound, ctx.step, rng)
    ctx.week.issues_raised = np.bincount(columns["category"], minlength=len(CATEGORIES))
    issues.append(**columns)

    unknown = np.flatnonzero(issues.open & ~issues.known)
    if len(unknown) == 0:
        return
    channel = residents.platform_follower & params["platform_reporting"] & (params["platform_reach"] > 0)
    p = report_probability_per_resident(residents.trust, channel, params)
    log_silent = np.bincount(residents.building, weights=np.log1p(-p), minlength=layout.n_buildings)
    chosen = ctx.leader_report
    # A played leader reports only the issue the student chose, for certain, and nothing else.
    log_silent += np.log1p(-np.where(chosen == MODEL, ctx.leader_reach, 0.0))
    by_compound = np.bincount(layout.building_compound, weights=log_silent, minlength=layout.n_compounds)
    scope = issues.scope_id[unknown]
    compound = issues.compound_scope[unknown]
    silent = np.empty(len(unknown))
    silent[compound] = by_compound[scope[compound]]
    silent[~compound] = log_silent[scope[~compound]]
    reported = rng.random(len(unknown)) < -np.expm1(silent)
    reported |= np.isin(unknown, chosen[chosen >= 0])
    issues.known_step[unknown[reported]] = ctx.step
