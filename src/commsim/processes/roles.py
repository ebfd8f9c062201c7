"""Process 6b — volunteer roles: who holds which role, its load, burnout, quitting and recruitment.

Five formal roles (MODEL_SPEC section 2; the practice reports' volunteer teams):

* building team leaders serve one covered building each and reach its residents (a
  chance per week that rises with their training);
* resident experts serve meetings anywhere;
* activity organisers run sessions in their compound, as many as the compound's public
  space can host (``compound_space_sessions_per_week`` over ``organiser_sessions_per_week``);
* centre and event helpers and mutual-aid station volunteers give weekly duty hours
  without running sessions, in the posts the community can use (:func:`open_posts`).

A volunteer's load is the role's own hours plus an equal share of the support work all
acts need, less the staff hours of engaged library members. Participation resting on
few volunteers overloads them: burnout builds above capacity and raises the chance of
quitting, in every role (Maslach, Schaufeli & Leiter 2001). Active residents who are
asked — by their leader, or, the more active they are, by the resource library or the
residents' committee — may take a role, the more readily the stronger their belonging
and efficacy (civic voluntarism: being asked is the strongest route into volunteering,
Verba, Schlozman & Brady 1995; :func:`commsim.mechanisms.recruit_agreement`): expert
while the pool has room, team leader of a covered building without one, organiser while
the compound's space has room, otherwise a helper or station post while one is open.
Formal volunteering is thus limited by the posts organisations can use (volunteer
management capacity, Hager & Brudney 2004) as well as by who is asked. The duty hours
are booked as acts of participation (:func:`book_role_work`, before the attitudes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import commsim.processes.roles_kernel as kernel
from commsim.config.declaration import Params
from commsim.mechanisms import ask_prospect, recruit_agreement, role_work_acts
from commsim.state.forced import MODEL, ForcedRoles
from commsim.state.layout import Layout
from commsim.state.organisations import Organisations
from commsim.state.residents import AID_STATION, EXPERT, HELPER, LEADER, NO_ROLE, ORGANISER, Residents
from commsim.state.week import Acts, Week


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

    def reach_by_resident(self, residents: Residents, asks: np.ndarray | None = None) -> np.ndarray:
        """Weekly chance that each resident is reached by a team leader.

        Args:
            residents: Resident state (buildings).
            asks: Per slot, whether a student playing the building's leader asked the
                resident this week (1: reached for certain, 0: not at all) or -1 (the
                leader's reach); :class:`commsim.state.forced.ForcedRoles`.
        """
        reach = self.reach_by_building[residents.building]
        return reach if asks is None else np.where(asks == MODEL, reach, asks.astype(float))


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
class Posts:
    """The role posts a community can use this week.

    Attributes:
        organisers_per_compound: Organisers a compound's public space has sessions for.
        helpers: Centre and event helper posts.
        aid_station: Mutual-aid station posts.
    """

    organisers_per_compound: int
    helpers: int
    aid_station: int


def organiser_places(params: Params) -> int:
    """Organisers whose weekly sessions a compound's public space can host (0 if they run none)."""
    per_organiser = params["organiser_sessions_per_week"]
    if per_organiser <= 0:
        return 0
    return int(params["compound_space_sessions_per_week"] / per_organiser)


def centre_open(params: Params) -> bool:
    """Whether the community has a service centre that opens sessions (where centre helpers help)."""
    return params["n_centres"] > 0 and params["centre_sessions_per_week"] > 0


def open_posts(
    params: Params,
    n_residents: int,
    organisations: Organisations,
    forced: ForcedRoles | None = None,
    *,
    funded: float = 1.0,
) -> Posts:
    """Posts of each role: organisers by the compounds' space, helpers and station posts per 1000 residents.

    Centre and event helpers help at a service centre's sessions and the events it runs,
    so their per-1000 posts open only where a centre opens sessions, in proportion to the
    share of its planned sessions paid for this week (``funded``, ``Finance.funded_share``;
    helpers in post when money runs short stay until they quit). Library members with
    space of their own open helper posts too, in proportion to their engagement.
    """
    _, space = library_contributions(organisations, forced)
    hosting = organisations.in_library & organisations.space
    if forced is not None:
        hosting = np.where(forced.org_space == MODEL, hosting, (forced.org_space == 1) & organisations.space)
    library_posts = params["org_space_helper_posts"] * float(space[hosting].sum())
    per_resident = n_residents / 1000.0
    centre_posts = params["helper_posts_per_1000"] * per_resident * funded if centre_open(params) else 0.0
    return Posts(
        organisers_per_compound=organiser_places(params),
        helpers=int(round(centre_posts + library_posts)),
        aid_station=int(round(params["aid_station_posts_per_1000"] * per_resident)),
    )


def library_contributions(
    organisations: Organisations, forced: ForcedRoles | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """What each organisation gives this week: staff hours, and the share of the week its space hosts helpers.

    By the model's rule a library member gives its staff hours and its space (if it has
    any) in proportion to its engagement; others give nothing. A student playing the
    organisation's representative chooses instead (within what the organisation has).

    Returns:
        Staff hours and space share, one per organisation.
    """
    hours = organisations.in_library * organisations.engagement * organisations.staff_hours
    space = np.where(organisations.in_library & organisations.space, organisations.engagement, 0.0)
    if forced is not None:
        hours = np.where(forced.org_staff_hours == MODEL, hours, forced.org_staff_hours)
        space = np.where(forced.org_space == MODEL, space, forced.org_space * organisations.space)
    return hours, space


def library_staff_support_hours(
    organisations: Organisations, params: Params, forced: ForcedRoles | None = None
) -> float:
    """Weekly hours of support work that library members' staff take on (scaled by engagement)."""
    staff, _ = library_contributions(organisations, forced)
    return params["org_staff_support_share"] * float(staff.sum())


@dataclass(frozen=True, slots=True)
class RolesContext:
    """What the roles process reads and writes.

    Attributes:
        params: Resolved parameters.
        residents: Resident state (writes roles, capacity, load, burnout, last volunteered).
        layout: Buildings and compounds (residents a team leader serves; organisers' space).
        roles: Covered buildings and the leaders' reach.
        organisations: The resource library (who asks; staff hours; space for helpers).
        week: This week's record (reads acts and role hours; writes quits).
        rng: The model's stream (quitting, being asked, accepting).
        step: This week's step (who was active recently; last volunteering).
        officials: Choices of students playing team leaders (whom they ask) and
            organisations' representatives (space, staff hours); -1 elsewhere.
        funded_share: Share of the centres' planned sessions paid this week (helper posts follow).
    """

    params: Params
    residents: Residents
    layout: Layout
    roles: Roles
    organisations: Organisations
    week: Week
    rng: np.random.Generator
    step: int
    officials: ForcedRoles
    funded_share: float


def duty_hours(residents: Residents, layout: Layout, params: Params) -> np.ndarray:
    """Weekly duty hours of each role outside sessions and meetings.

    Team leaders serve every resident of their building (less with training), centre
    and event helpers and mutual-aid station volunteers give their shifts.

    Returns:
        Hours per resident slot (0 for other roles and without a role).
    """
    hours = np.zeros(len(residents))
    leaders = residents.role == LEADER
    served = layout.building_residents[residents.building[leaders]]
    hours[leaders] = params["leader_hours_per_resident"] * served * (1 - training_effect(params))
    hours[residents.role == HELPER] = params["helper_hours_per_week"]
    hours[residents.role == AID_STATION] = params["aid_station_hours_per_week"]
    return hours


def book_role_work(acts: Acts, layout: Layout, params: Params) -> None:
    """Book this week's role duty as acts of participation (``role_hours_per_act`` hours each).

    The duty of :func:`duty_hours` and the meetings team leaders chaired count; an
    organiser's sessions and an expert's sittings are already acts of their own.
    """
    residents, week = acts.residents, acts.week
    hours = duty_hours(residents, layout, params) + np.where(residents.role == LEADER, week.role_hours, 0.0)
    acts.record_role_work(role_work_acts(hours, params["role_hours_per_act"]))


def volunteer_load(
    residents: Residents, layout: Layout, week: Week, params: Params, *, staff_support_h: float = 0.0
) -> np.ndarray:
    """Hours each volunteer's role took this week.

    A volunteer's own role hours (sessions run, meetings attended; team leaders also serve
    every resident of their building; helpers and station volunteers their duty hours),
    plus an equal share of the support work that all of this week's acts of participation
    need, less what library members' staff took on. The fewer the volunteers, the larger
    the share: participation that rests on few volunteers overloads them.

    Args:
        residents: Resident state (roles).
        layout: Buildings (residents a leader serves).
        week: This week's acts and role hours.
        params: Resolved parameters.
        staff_support_h: Support hours library members' staff take on this week.

    Returns:
        Hours per resident slot (0 without a role).
    """
    load = week.role_hours + duty_hours(residents, layout, params)
    volunteer = residents.role != NO_ROLE
    if volunteer.any():
        support = max(params["support_hours_per_act"] * week.acts_needing_support() - staff_support_h, 0.0)
        load[volunteer] += support / volunteer.sum()
    return load


def burn_out_and_quit(residents: Residents, load: np.ndarray, params: Params, rng: np.random.Generator) -> np.ndarray:
    """Burnout from load above capacity, recovery below it, and quitting; returns the slots that quit."""
    volunteer = residents.role != NO_ROLE
    residents.role_load = load
    overload = np.maximum(load / np.maximum(residents.role_capacity, 1e-9) - 1.0, 0.0)
    raised = residents.burnout + params["burnout_rate"] * overload - params["burnout_recovery"] * (overload == 0)
    residents.burnout = np.where(volunteer, np.clip(raised, 0, 1), 0.0)
    quit_p = params["quit_base"] + params["quit_burnout"] * residents.burnout
    quitting = np.flatnonzero(volunteer & (rng.random(len(residents)) < quit_p))
    residents.role[quitting] = NO_ROLE
    residents.burnout[quitting] = 0.0
    return quitting


def update_roles(ctx: RolesContext) -> tuple[np.ndarray, np.ndarray]:
    """Burnout, quitting and recruitment (the pass over the residents compiled).

    Returns:
        Slots that quit a role and slots that took one this week.
    """
    params, residents, step = ctx.params, ctx.residents, ctx.step
    library_ask = library_ask_probability(ctx.organisations, params)
    rates = weekly_rates(params, support_h=support_hours(ctx), library_ask=library_ask)
    load, quitting, recruits = kernel.load_burnout_and_asks(
        (
            residents.role,
            residents.building,
            residents.role_capacity,
            residents.burnout,
            residents.last_activities,
            residents.last_deliberation,
            residents.last_mutual_aid,
        ),
        ctx.week.role_hours,
        ctx.layout.building_residents,
        ctx.roles.reach_by_resident(residents, ctx.officials.leader_asks),
        (
            ask_prospect(residents.acts_recent, params["recruit_prospect_acts"]),
            agreement_when_asked(residents, params),
        ),
        rates,
        library_ask is not None,
        step - params["recent_window_weeks"],
        ctx.rng,
    )
    residents.role_load = load
    ctx.organisations.staff_given, ctx.organisations.space_given = library_contributions(
        ctx.organisations, ctx.officials
    )
    ctx.week.quits = len(quitting)
    return quitting, take_posts(ctx, recruits)


def agreement_when_asked(residents: Residents, params: Params) -> np.ndarray:
    """Each resident's chance of agreeing to take a role when asked (:func:`commsim.mechanisms.recruit_agreement`)."""
    return recruit_agreement(
        residents.belonging,
        residents.efficacy,
        rate=params["volunteer_recruit_rate"],
        belonging_mid=params["recruit_belonging_min"],
        belonging_slope=params["recruit_belonging_slope"],
        efficacy_mid=params["recruit_efficacy_mid"],
        efficacy_slope=params["recruit_efficacy_slope"],
    )


def support_hours(ctx: RolesContext) -> float:
    """Support work this week's acts need, less what library members' staff take on (hours)."""
    staff = library_staff_support_hours(ctx.organisations, ctx.params, ctx.officials)
    return max(ctx.params["support_hours_per_act"] * ctx.week.acts_needing_support() - staff, 0.0)


def weekly_rates(params: Params, *, support_h: float, library_ask: float | None) -> np.ndarray:
    """The rates of the roles kernel, at the positions ``roles_kernel`` names."""
    rates = np.zeros(kernel.N_RATES)
    rates[kernel.LEADER_HOURS] = params["leader_hours_per_resident"]
    rates[kernel.LEADER_KEPT_LOAD] = 1 - training_effect(params)
    rates[kernel.HELPER_HOURS] = params["helper_hours_per_week"]
    rates[kernel.AID_STATION_HOURS] = params["aid_station_hours_per_week"]
    rates[kernel.SUPPORT_HOURS] = support_h
    rates[kernel.BURNOUT_RATE] = params["burnout_rate"]
    rates[kernel.BURNOUT_RECOVERY] = params["burnout_recovery"]
    rates[kernel.QUIT_BASE] = params["quit_base"]
    rates[kernel.QUIT_BURNOUT] = params["quit_burnout"]
    rates[kernel.LIBRARY_ASK] = library_ask if library_ask is not None else 0.0
    rates[kernel.COMMITTEE_ASK] = params["committee_ask_rate"]
    return rates


def take_posts(ctx: RolesContext, recruits: np.ndarray) -> np.ndarray:
    """Give the recruits the open posts; every role holder volunteered this week. Returns the slots that took one."""
    params, residents = ctx.params, ctx.residents
    posts = open_posts(params, len(residents), ctx.organisations, ctx.officials, funded=ctx.funded_share)
    compound = ctx.layout.building_compound[residents.building]
    roles = assign_roles(residents, recruits, ctx.roles.covered, params, posts=posts, compound=compound)
    taken = recruits[roles != NO_ROLE]
    residents.role[taken] = roles[roles != NO_ROLE]
    residents.role_capacity[taken] = params["volunteer_capacity_h"]
    residents.last_volunteered[residents.role != NO_ROLE] = ctx.step
    return taken


def update_roles_by_arrays(ctx: RolesContext) -> tuple[np.ndarray, np.ndarray]:
    """The array formulation of :func:`update_roles`, kept as the compiled pass's reference (tested equal).

    Returns:
        Slots that quit a role and slots that took one this week.
    """
    params, residents, rng, step = ctx.params, ctx.residents, ctx.rng, ctx.step
    n = len(residents)
    staff = library_staff_support_hours(ctx.organisations, params, ctx.officials)
    ctx.organisations.staff_given, ctx.organisations.space_given = library_contributions(
        ctx.organisations, ctx.officials
    )
    load = volunteer_load(residents, ctx.layout, ctx.week, params, staff_support_h=staff)
    quitting = burn_out_and_quit(residents, load, params, rng)
    ctx.week.quits = len(quitting)

    active = residents.last_any() > step - params["recent_window_weeks"]
    asked = rng.random(n) < ctx.roles.reach_by_resident(residents, ctx.officials.leader_asks)
    prospect = ask_prospect(residents.acts_recent, params["recruit_prospect_acts"])
    library_ask = library_ask_probability(ctx.organisations, params)
    if library_ask is not None:
        asked |= rng.random(n) < library_ask * prospect
    asked |= rng.random(n) < params["committee_ask_rate"] * prospect
    candidate = (residents.role == NO_ROLE) & active & asked
    candidate &= rng.random(n) < agreement_when_asked(residents, params)
    candidate[quitting] = False
    recruits = np.flatnonzero(candidate)
    posts = open_posts(params, n, ctx.organisations, ctx.officials, funded=ctx.funded_share)
    compound = ctx.layout.building_compound[residents.building]
    roles = assign_roles(residents, recruits, ctx.roles.covered, params, posts=posts, compound=compound)
    taken = recruits[roles != NO_ROLE]
    residents.role[taken] = roles[roles != NO_ROLE]
    residents.role_capacity[taken] = params["volunteer_capacity_h"]
    residents.last_volunteered[residents.role != NO_ROLE] = step
    return quitting, taken


def first_in_each_group(group: np.ndarray, room: np.ndarray) -> np.ndarray:
    """Mask of the first ``room[g]`` entries of each group ``g`` (in the given order)."""
    order = np.argsort(group, kind="stable")
    ordered = group[order]
    rank = np.arange(len(order)) - np.searchsorted(ordered, ordered, side="left")
    taken = np.zeros(len(group), dtype=bool)
    taken[order] = rank < room[ordered]
    return taken


def assign_roles(
    residents: Residents,
    recruits: np.ndarray,
    covered: np.ndarray,
    params: Params,
    *,
    posts: Posts,
    compound: np.ndarray,
) -> np.ndarray:
    """Role of each recruit (NO_ROLE where no post is open).

    Expert if skilled and the pool has room; team leader if the building is covered but
    has none; organiser while the compound's space has room; otherwise centre and event
    helper while a post is open, then mutual-aid station volunteer.

    Args:
        residents: Resident state (current roles, skills, buildings).
        recruits: Slots that agreed to take a role, in the order they are served.
        covered: Buildings meant to have a team leader.
        params: Resolved parameters.
        posts: Posts the community can use this week.
        compound: Compound of each resident slot.

    Returns:
        A role code per recruit.
    """
    roles = np.full(len(recruits), NO_ROLE, dtype=np.int8)
    expert_room = expert_pool_size(params, residents) - int(np.sum(residents.role == EXPERT))
    skilled = np.flatnonzero(residents.skilled[recruits])[: max(expert_room, 0)]
    roles[skilled] = EXPERT
    has_leader = buildings_with_leader(residents, len(covered))
    building = residents.building[recruits]
    wants = (roles == NO_ROLE) & covered[building] & ~has_leader[building]
    index = np.flatnonzero(wants)
    _, first = np.unique(building[index], return_index=True)
    roles[index[first]] = LEADER
    n_compounds = int(compound.max()) + 1 if len(compound) else 0
    held = np.bincount(compound[residents.role == ORGANISER], minlength=n_compounds)
    room = np.maximum(posts.organisers_per_compound - held, 0)
    open_slot = np.flatnonzero(roles == NO_ROLE)
    roles[open_slot[first_in_each_group(compound[recruits[open_slot]], room)]] = ORGANISER
    for role, total in ((HELPER, posts.helpers), (AID_STATION, posts.aid_station)):
        open_slot = np.flatnonzero(roles == NO_ROLE)
        roles[open_slot[: max(total - int(np.sum(residents.role == role)), 0)]] = role
    return roles
