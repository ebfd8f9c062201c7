"""Process 6b — volunteer roles: team leaders, experts and organisers; load, burnout, quitting, recruitment.

Building team leaders serve one covered building each and reach its residents (a chance
per week that rises with their training); experts serve meetings anywhere; organisers run
sessions in their compound. A volunteer's load is the role's own hours plus an equal
share of the support work all acts of participation need, so participation resting on
few volunteers overloads them: burnout builds above capacity and raises the chance of
quitting (Maslach, Schaufeli & Leiter 2001). Active, high-belonging residents who are
asked — by their leader, the resource library or the residents' committee — may take a
role: expert while the pool has room, team leader of a covered building without one,
organiser otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from commsim.config.declaration import Params
from commsim.state.layout import Layout
from commsim.state.organisations import Organisations
from commsim.state.residents import EXPERT, LEADER, NO_ROLE, ORGANISER, Residents
from commsim.state.week import Week


@dataclass(slots=True)
class Roles:
    """Which buildings are meant to have a team leader, and how far leaders reach.

    Attributes:
        covered: Buildings meant to have a team leader (fixed for a run).
        reach_by_building: Weekly chance that the building's team leader reaches a given
            resident (0 without a leader).
    """

    covered: np.ndarray
    reach_by_building: np.ndarray

    @classmethod
    def appoint(cls, params: Params, residents: Residents, n_buildings: int, rng: np.random.Generator) -> Roles:
        """Choose the covered buildings, appoint the initial volunteers and compute the leaders' reach."""
        covered = np.zeros(n_buildings, dtype=bool)
        covered[rng.permutation(n_buildings)[: int(round(params["leader_coverage"] * n_buildings))]] = True
        appoint_initial_volunteers(residents, covered, params)
        roles = cls(covered=covered, reach_by_building=np.zeros(n_buildings))
        roles.refresh(residents, params)
        return roles

    def refresh(self, residents: Residents, params: Params) -> None:
        """Recompute the leaders' reach from the current roles (after churn and at the end of a week)."""
        self.reach_by_building = buildings_with_leader(residents, len(self.covered)) * leader_reach(params)

    def reach_by_resident(self, residents: Residents) -> np.ndarray:
        """Weekly chance that each resident is reached by a team leader."""
        return self.reach_by_building[residents.building]


def training_effect(params: Params) -> float:
    """Share by which training closes a leader's gap in reach and cuts the load of serving residents."""
    return params["leader_training_effect"] * params["leader_training"]


def leader_reach(params: Params) -> float:
    """Weekly chance that a team leader reaches a given resident of the building."""
    return params["leader_reach"] + (1 - params["leader_reach"]) * training_effect(params)


def buildings_with_leader(residents: Residents, n_buildings: int) -> np.ndarray:
    """Mask of buildings whose team leader lives there."""
    has_leader = np.zeros(n_buildings, dtype=bool)
    has_leader[residents.building[residents.role == LEADER]] = True
    return has_leader


def expert_pool_size(params: Params, residents: Residents) -> int:
    """Experts the pool is meant to hold: ``expert_pool_share`` of skilled residents."""
    return int(round(params["expert_pool_share"] * residents.skilled.sum()))


def appoint_initial_volunteers(residents: Residents, covered: np.ndarray, params: Params) -> None:
    """Leaders in covered buildings, the expert pool and existing organisers, by decreasing belonging."""
    order = np.argsort(-residents.belonging, kind="stable")
    by_building = residents.building[order]
    _, first = np.unique(by_building, return_index=True)
    top_per_building = order[first]
    leaders = top_per_building[covered[residents.building[top_per_building]]]
    residents.role[leaders] = LEADER
    skilled = order[residents.skilled[order] & (residents.role[order] == NO_ROLE)]
    residents.role[skilled[: expert_pool_size(params, residents)]] = EXPERT
    free = order[residents.role[order] == NO_ROLE]
    residents.role[free[: int(round(params["initial_organiser_share"] * len(residents)))]] = ORGANISER
    residents.role_capacity[residents.role != NO_ROLE] = params["volunteer_capacity_h"]


def library_ask_probability(organisations: Organisations, params: Params) -> float | None:
    """Weekly chance that the resource library asks a resident to volunteer (None without members)."""
    members = organisations.in_library
    if not members.any():
        return None
    return params["library_ask_rate"] * float(organisations.engagement[members].mean())


@dataclass(frozen=True, slots=True)
class RolesContext:
    """What the roles process reads and writes.

    Attributes:
        params: Resolved parameters.
        residents: Resident state (writes roles, capacity, load, burnout, last volunteered).
        layout: Buildings (residents a team leader serves).
        roles: Covered buildings and the leaders' reach.
        library_ask: Weekly chance that the library asks a resident (None without members).
        week: This week's record (reads acts and role hours; writes quits).
        rng: The model's stream (quitting, being asked, accepting).
        step: This week's step (who was active recently; last volunteering).
    """

    params: Params
    residents: Residents
    layout: Layout
    roles: Roles
    library_ask: float | None
    week: Week
    rng: np.random.Generator
    step: int


def volunteer_load(residents: Residents, layout: Layout, week: Week, params: Params) -> np.ndarray:
    """Hours each volunteer's role took this week.

    A volunteer's own role hours (sessions run, meetings attended; team leaders also serve
    every resident of their building), plus an equal share of the support work that all
    of this week's acts of participation need. The fewer the volunteers, the larger the
    share: participation that rests on few volunteers overloads them.
    """
    load = week.role_hours.copy()
    leaders = residents.role == LEADER
    served = layout.building_residents[residents.building[leaders]]
    load[leaders] += params["leader_hours_per_resident"] * served * (1 - training_effect(params))
    volunteer = residents.role != NO_ROLE
    if volunteer.any():
        load[volunteer] += params["support_hours_per_act"] * week.acts.sum() / volunteer.sum()
    return load


def update_roles(ctx: RolesContext) -> tuple[np.ndarray, np.ndarray]:
    """Burnout, quitting and recruitment.

    Returns:
        Slots that quit a role and slots that took one this week.
    """
    params, residents, rng, step = ctx.params, ctx.residents, ctx.rng, ctx.step
    n = len(residents)
    volunteer = residents.role != NO_ROLE
    load = volunteer_load(residents, ctx.layout, ctx.week, params)
    residents.role_load = load
    overload = np.maximum(load / np.maximum(residents.role_capacity, 1e-9) - 1.0, 0.0)
    residents.burnout = np.where(
        volunteer,
        np.clip(
            residents.burnout + params["burnout_rate"] * overload - params["burnout_recovery"] * (overload == 0),
            0,
            1,
        ),
        0.0,
    )
    quit_p = params["quit_base"] + params["quit_burnout"] * residents.burnout
    quitting = np.flatnonzero(volunteer & (rng.random(n) < quit_p))
    residents.role[quitting] = NO_ROLE
    residents.burnout[quitting] = 0.0
    ctx.week.quits = len(quitting)

    active = residents.last_any() > step - params["recent_window_weeks"]
    asked = rng.random(n) < ctx.roles.reach_by_resident(residents)
    if ctx.library_ask is not None:
        asked |= rng.random(n) < ctx.library_ask
    asked |= rng.random(n) < params["committee_ask_rate"]
    candidate = (residents.role == NO_ROLE) & active & asked & (residents.belonging >= params["recruit_belonging_min"])
    candidate &= rng.random(n) < params["volunteer_recruit_rate"]
    candidate[quitting] = False
    recruits = np.flatnonzero(candidate)
    roles = assign_roles(residents, recruits, ctx.roles.covered, params)
    residents.role[recruits] = roles
    residents.role_capacity[recruits] = params["volunteer_capacity_h"]
    taken = recruits[roles != NO_ROLE]
    residents.last_volunteered[residents.role != NO_ROLE] = step
    return quitting, taken


def assign_roles(residents: Residents, recruits: np.ndarray, covered: np.ndarray, params: Params) -> np.ndarray:
    """Role of each recruit.

    Expert if skilled and the pool has room, team leader if the building is covered but
    has none, otherwise activity organiser.
    """
    roles = np.full(len(recruits), ORGANISER, dtype=np.int8)
    expert_room = expert_pool_size(params, residents) - int(np.sum(residents.role == EXPERT))
    skilled = np.flatnonzero(residents.skilled[recruits])[: max(expert_room, 0)]
    roles[skilled] = EXPERT
    has_leader = buildings_with_leader(residents, len(covered))
    building = residents.building[recruits]
    wants = (roles == ORGANISER) & covered[building] & ~has_leader[building]
    index = np.flatnonzero(wants)
    _, first = np.unique(building[index], return_index=True)
    roles[index[first]] = LEADER
    return roles
