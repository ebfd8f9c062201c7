"""Process 6 — attitudes and roles.

Attitudes update from this week's experience: participation raises belonging (identity),
visible success raises belonging further, disclosure raises trust in proportion to the
share of issues resolved, unresolved issues erode satisfaction and trust, fatigue builds
with hours used and recovers. Volunteers accrue burnout when their load exceeds their
capacity and may quit; active, high-belonging residents who are asked take roles;
organisations' engagement follows joint success and work meetings.
"""

from __future__ import annotations

import numpy as np

from commsim.state.residents import EXPERT, LEADER, NO_ROLE, ORGANISER

DISCLOSURE_INTERVAL = {"none": 0, "semiannual": 26, "monthly": 4}
UNRESOLVED_GRACE_WEEKS = 2
ACTIVITY_SATISFACTION = 0.02


def toward(value: np.ndarray, target: float | np.ndarray, rate: float | np.ndarray) -> np.ndarray:
    """Move ``value`` a share ``rate`` of the way toward ``target``."""
    return value + rate * (target - value)


def disclosure_due(disclosure: str, step: int) -> bool:
    """Whether an open day disclosing affairs and finances takes place this week."""
    interval = DISCLOSURE_INTERVAL[disclosure]
    return interval > 0 and step % interval == 0


def grievance_by_building(model) -> np.ndarray:
    """Sum of urgencies of open issues older than a short grace period, per building."""
    issues, layout = model.issues, model.layout
    old = issues.open & (issues.raised_step <= model.steps - UNRESOLVED_GRACE_WEEKS)
    urgency = issues.urgency[old]
    scope = issues.scope_id[old]
    compound = issues.compound_scope[old]
    by_building = np.bincount(scope[~compound], weights=urgency[~compound], minlength=layout.n_buildings)
    by_compound = np.bincount(scope[compound], weights=urgency[compound], minlength=layout.n_compounds)
    return by_building + by_compound[layout.building_compound]


def update_attitudes(model) -> None:
    """Belonging, trust, efficacy, satisfaction and fatigue after this week."""
    params, residents, week, step = model.p, model.residents, model.week, model.steps
    acts = week.acts
    residents.belonging = toward(residents.belonging, 1.0, 1 - (1 - params["belonging_gain"]) ** acts)
    # Visible success: residents of buildings where a project succeeded see it.
    seen = week.successes_by_building[residents.building] > 0
    residents.belonging = toward(residents.belonging, 1.0, params["visible_success_gain"] * seen)
    residents.belonging = toward(residents.belonging, params["belonging_rest"], params["belonging_decay"])

    grievance = grievance_by_building(model)[residents.building]
    erosion = np.minimum(params["grievance_erosion"] * grievance, 0.5)
    residents.satisfaction = toward(residents.satisfaction, params["grievance_floor"], erosion)
    residents.satisfaction = toward(residents.satisfaction, 1.0, ACTIVITY_SATISFACTION * (week.activity_acts > 0))
    residents.trust = toward(residents.trust, params["grievance_floor"], 0.5 * erosion)
    residents.trust = toward(residents.trust, params["trust_rest"], params["trust_decay"])

    if disclosure_due(params["disclosure"], step):
        week.disclosure = True
        # Opening the books earns half the gain by itself, the other half by the record shown.
        record = model.resolved_share_since_disclosure()
        residents.trust = toward(residents.trust, 1.0, params["trust_disclosure_gain"] * (0.5 + 0.5 * record))
        # Disclosure makes every success since the last open day visible to all.
        if model.successes_since_disclosure > 0:
            residents.belonging = toward(residents.belonging, 1.0, params["visible_success_gain"])
        model.mark_disclosure()

    residents.efficacy = toward(residents.efficacy, 0.3, 0.002)
    residents.fatigue = residents.fatigue * (1 - params["fatigue_recovery"]) + week.hours_used / residents.free_time
    residents.acts_recent = residents.acts_recent * (1 - 1 / 52) + acts
    for array in (residents.belonging, residents.trust, residents.efficacy, residents.satisfaction):
        np.clip(array, 0.0, 1.0, out=array)


def update_ties(model) -> None:
    """Ties weaken without contact and dissolve below the floor (contact this week renewed them)."""
    model.ties.decay(model.p["tie_decay_per_week"], model.p["tie_floor"])


def volunteer_load(model) -> np.ndarray:
    """Hours each volunteer's role took this week.

    A volunteer's own role hours (sessions run, meetings attended; team leaders also serve
    every resident of their building), plus an equal share of the support work that all
    of this week's acts of participation need. The fewer the volunteers, the larger the
    share: participation that rests on few volunteers overloads them.
    """
    params, residents, layout = model.p, model.residents, model.layout
    load = model.week.role_hours.copy()
    leaders = residents.role == LEADER
    served = layout.building_residents[residents.building[leaders]]
    load[leaders] += params["leader_hours_per_resident"] * served * (1 - 0.5 * params["leader_training"])
    volunteer = residents.role != NO_ROLE
    if volunteer.any():
        load[volunteer] += params["support_hours_per_act"] * model.week.acts.sum() / volunteer.sum()
    return load


def update_roles(model) -> tuple[np.ndarray, np.ndarray]:
    """Burnout, quitting and recruitment.

    Returns:
        Slots that quit a role and slots that took one this week.
    """
    params, residents, rng, step = model.p, model.residents, model.rng, model.steps
    n = len(residents)
    volunteer = residents.role != NO_ROLE
    load = volunteer_load(model)
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
    model.week.quits = len(quitting)

    active = residents.last_any() > step - params["recent_window_weeks"]
    asked = (rng.random(n) < model.leader_reach_by_resident()) | model.library_asks(n)
    asked |= rng.random(n) < params["committee_ask_rate"]
    candidate = (residents.role == NO_ROLE) & active & asked & (residents.belonging >= params["recruit_belonging_min"])
    candidate &= rng.random(n) < params["volunteer_recruit_rate"]
    candidate[quitting] = False
    recruits = np.flatnonzero(candidate)
    roles = assign_roles(model, recruits)
    residents.role[recruits] = roles
    residents.role_capacity[recruits] = params["volunteer_capacity_h"]
    taken = recruits[roles != NO_ROLE]
    residents.last_volunteered[residents.role != NO_ROLE] = step
    return quitting, taken


def assign_roles(model, recruits: np.ndarray) -> np.ndarray:
    """Role of each recruit.

    Expert if skilled and the pool has room, team leader if the building is covered but
    has none, otherwise activity organiser.
    """
    params, residents, layout = model.p, model.residents, model.layout
    roles = np.full(len(recruits), ORGANISER, dtype=np.int8)
    expert_room = int(round(params["expert_pool_share"] * residents.skilled.sum())) - int(
        np.sum(residents.role == EXPERT)
    )
    skilled = np.flatnonzero(residents.skilled[recruits])[: max(expert_room, 0)]
    roles[skilled] = EXPERT
    has_leader = np.zeros(layout.n_buildings, dtype=bool)
    has_leader[residents.building[residents.role == LEADER]] = True
    building = residents.building[recruits]
    wants = (roles == ORGANISER) & model.covered_buildings[building] & ~has_leader[building]
    index = np.flatnonzero(wants)
    _, first = np.unique(building[index], return_index=True)
    roles[index[first]] = LEADER
    return roles


def join_time_bank(model) -> None:
    """Residents reached by the platform, a team leader or a centre session join the time bank."""
    params, residents, rng, week = model.p, model.residents, model.rng, model.week
    if not params["time_bank"]:
        return
    n = len(residents)
    reached = residents.platform_follower | (rng.random(n) < model.leader_reach_by_resident())
    if week.centre_attendees is not None:
        reached[week.centre_attendees] = True
    joins = reached & (rng.random(n) < params["time_bank_join_rate"] * (0.5 + residents.belonging))
    residents.time_bank_member |= joins
