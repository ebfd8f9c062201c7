"""Process 3 — activities: sessions offered at centres and compounds, and who attends.

Who takes part follows the civic voluntarism model (Verba, Schlozman & Brady 1995):
resources (free time, fatigue), engagement (interest, belonging) and recruitment (being
asked by a team leader or the platform), plus the threshold influence of one's ties
(Granovetter 1978) and a points incentive with crowding out. Walking distance lowers
the odds exponentially (distance decay). Each resident weighs a few candidate sessions, more
where more centres lie within the walk (a consideration set). Awareness gates attendance: a resident who
never hears of a session cannot attend. Capacity binds. Co-attendees may form ties
(focus theory, Feld 1981).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import commsim.processes.activities_kernel as kernel
from commsim.config.declaration import Params
from commsim.mechanisms import engagement_log_odds, incentive_pull, threshold_response
from commsim.state.finance import Finance
from commsim.state.forced import Forced
from commsim.state.layout import Layout
from commsim.state.organisations import Organisations
from commsim.state.residents import ACTIVITY_TYPES, CHILDREN, ELDERLY_CARE, ORGANISER, Residents
from commsim.state.ties import Ties
from commsim.state.week import Acts, Sessions, Week

GENERAL_TYPES = np.array([0, 1, 4])  # culture, sports, learning


@dataclass(frozen=True, slots=True)
class ActivitiesContext:
    """What the activities process reads and writes.

    Attributes:
        params: Resolved parameters.
        residents: Resident state (reads who they are and how they feel).
        layout: Buildings, compounds, centres and walking minutes.
        ties: The network (reads who attended recently; co-attendees' ties strengthen).
        finance: Money (pays this week's centre sessions).
        organisations: Library members (offer sessions).
        week: This week's record (sessions, attendance, hours used, role hours).
        acts: Books attendees' and organisers' acts.
        leader_reach: Weekly chance that each resident is reached by a team leader.
        rng: The model's stream (supply, candidates, being asked, awareness, places, meetings).
        step: This week's step (what counts as recent; the acts' date).
        forced: Decisions students playing residents took (whether to go; all the model's without a class).
    """

    params: Params
    residents: Residents
    layout: Layout
    ties: Ties
    finance: Finance
    organisations: Organisations
    week: Week
    acts: Acts
    leader_reach: np.ndarray
    rng: np.random.Generator
    step: int
    forced: Forced


def centre_session_types(
    n_sessions: int, share_elderly: float, share_children: float, rng: np.random.Generator
) -> np.ndarray:
    """Activity types of one centre's sessions: targeted shares first, the rest general."""
    n_elderly = int(round(share_elderly * n_sessions))
    n_children = min(int(round(share_children * n_sessions)), n_sessions - n_elderly)
    general = rng.choice(GENERAL_TYPES, n_sessions - n_elderly - n_children)
    return np.concatenate([np.full(n_elderly, ELDERLY_CARE), np.full(n_children, CHILDREN), general]).astype(np.int64)


def offer_sessions(
    *,
    centre_sessions: np.ndarray,
    params: Params,
    organisers: np.ndarray,
    organiser_compound: np.ndarray,
    organiser_type: np.ndarray,
    org_sessions_at_centres: int,
    n_compounds: int,
    rng: np.random.Generator,
) -> Sessions:
    """Assemble this week's sessions from centres, organisers and library organisations.

    Args:
        centre_sessions: Sessions each centre opens this week (after funding).
        params: Resolved parameters.
        organisers: Slots of active activity organisers.
        organiser_compound: Compound of each organiser.
        organiser_type: Favourite activity type of each organiser.
        org_sessions_at_centres: Sessions offered by library organisations (hosted at
            centres, or at random compounds when there is no centre).
        n_compounds: Number of compounds.
        rng: Random generator.

    Returns:
        The week's sessions.
    """
    centre_ids = np.repeat(np.arange(len(centre_sessions)), centre_sessions)
    types = [
        centre_session_types(int(k), params["targeted_share_elderly"], params["targeted_share_children"], rng)
        for k in centre_sessions
        if k > 0
    ]
    centre_types = np.concatenate(types) if types else np.zeros(0, dtype=np.int64)
    n_centres = len(centre_sessions)
    if n_centres:
        org_centre = rng.integers(0, n_centres, org_sessions_at_centres)
        org_compound = np.full(org_sessions_at_centres, -1)
    else:
        org_centre = np.full(org_sessions_at_centres, -1)
        org_compound = rng.integers(0, n_compounds, org_sessions_at_centres)
    org_types = rng.integers(0, len(ACTIVITY_TYPES), org_sessions_at_centres)

    runs = rng.poisson(params["organiser_sessions_per_week"], len(organisers))
    run_slot = np.repeat(organisers, runs)
    run_compound = np.repeat(organiser_compound, runs)
    run_type = np.repeat(organiser_type, runs)
    # A compound's public space hosts a limited number of sessions a week.
    held = within_limit(run_compound, params["compound_space_sessions_per_week"], rng)
    run_slot, run_compound, run_type = run_slot[held], run_compound[held], run_type[held]

    centre_capacity, compound_capacity = params["centre_capacity"], params["compound_session_capacity"]
    return Sessions(
        centre=np.concatenate([centre_ids, org_centre, np.full(len(run_slot), -1)]).astype(np.int64),
        compound=np.concatenate([np.full(len(centre_ids), -1), org_compound, run_compound]).astype(np.int64),
        activity_type=np.concatenate([centre_types, org_types, run_type]).astype(np.int64),
        capacity=np.concatenate(
            [
                np.full(len(centre_ids), centre_capacity),
                np.where(org_centre >= 0, centre_capacity, compound_capacity),
                np.full(len(run_slot), compound_capacity),
            ]
        ).astype(np.int64),
        organiser=np.concatenate([np.full(len(centre_ids) + org_sessions_at_centres, -1), run_slot]).astype(np.int64),
    )


def within_limit(group: np.ndarray, limit: int, rng: np.random.Generator) -> np.ndarray:
    """Keep at most ``limit`` randomly chosen items of each group; return the mask of kept items."""
    order = np.lexsort((rng.random(len(group)), group))
    sorted_group = group[order]
    rank = np.arange(len(group)) - np.searchsorted(sorted_group, sorted_group, side="left")
    keep = np.zeros(len(group), dtype=bool)
    keep[order] = rank < limit
    return keep


def _grouped_slots(keys: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Order of items sorted by key and the start of each key's run (length n_groups + 1)."""
    order = np.argsort(keys, kind="stable")
    return order, np.searchsorted(keys[order], np.arange(n_groups + 1))


def candidate_sessions(
    sessions: Sessions,
    resident_building: np.ndarray,
    building_compound: np.ndarray,
    near_centres: np.ndarray,
    near_weights: np.ndarray,
    n_centres: int,
    n_compounds: int,
    compound_share: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Draw one candidate session for every resident (-1 if none is within reach).

    A resident looks in the own compound's public space with probability
    ``compound_share`` (when it has sessions), else at one of the nearest centres,
    chosen with distance-decay weights, and then at a random session there.

    Returns:
        Session index per resident, or -1.
    """
    n = len(resident_building)
    choice = np.full(n, -1, dtype=np.int64)
    at_centre = sessions.centre >= 0
    centre_order, centre_start = _grouped_slots(np.where(at_centre, sessions.centre, n_centres), n_centres)
    compound_order, compound_start = _grouped_slots(np.where(at_centre, n_compounds, sessions.compound), n_compounds)

    compound = building_compound[resident_building]
    compound_count = compound_start[compound + 1] - compound_start[compound]
    use_compound = (compound_count > 0) & (rng.random(n) < compound_share)
    offset = (rng.random(n) * compound_count).astype(np.int64)
    picked = compound_start[compound] + offset
    choice[use_compound] = compound_order[picked[use_compound]]

    if n_centres:
        weights = near_weights[resident_building]
        cumulative = np.cumsum(weights, axis=1)
        k = (rng.random(n)[:, None] > cumulative).sum(axis=1)
        k = np.minimum(k, weights.shape[1] - 1)
        centre = near_centres[resident_building, k]
        centre_count = centre_start[centre + 1] - centre_start[centre]
        use_centre = ~use_compound & (centre_count > 0)
        offset = (rng.random(n) * centre_count).astype(np.int64)
        picked = centre_start[centre] + offset
        choice[use_centre] = centre_order[picked[use_centre]]
    return choice


def attendance_log_odds(
    *,
    interest: np.ndarray,
    civic_skills: np.ndarray,
    belonging: np.ndarray,
    efficacy: np.ndarray,
    social_pull: np.ndarray,
    asked: np.ndarray,
    walking_km: np.ndarray,
    hours: np.ndarray | float,
    free_time: np.ndarray,
    fatigue: np.ndarray,
    reward_yuan: float,
    params: Params,
) -> np.ndarray:
    """Log-odds that an aware resident attends a session (civic voluntarism utility).

    ``intercept + w_interest*interest (minus crowding out) + w_civic_skills*skills + engagement
    + w_social*threshold response + w_asked*asked + points pull - decay*km
    - w_time*hours/free_time - w_fatigue*fatigue``, where engagement is
    ``w_belonging*belonging + w_efficacy*efficacy`` (:func:`engagement_log_odds`, the two
    loop links back from belonging and from visible success to taking part).

    Returns:
        Log-odds per resident.
    """
    intrinsic = params["w_interest"] * interest
    return (
        params["attend_intercept"]
        + intrinsic
        + incentive_pull(
            reward_yuan,
            weight=params["w_points"],
            half_value=params["points_half_value_yuan"],
            crowding_out=params["crowding_out"],
            intrinsic=intrinsic,
        )
        + params["w_civic_skills"] * civic_skills
        + engagement_log_odds(belonging, efficacy, w_belonging=params["w_belonging"], w_efficacy=params["w_efficacy"])
        + params["w_social"] * social_pull
        + params["w_asked"] * asked
        - params["distance_decay_per_km"] * walking_km
        - params["w_time_cost"] * hours / free_time
        - params["w_fatigue"] * fatigue
    )


def awareness_probability(
    *, share_ties_recent: np.ndarray, leader_reach: np.ndarray, platform: np.ndarray, params: Params
) -> np.ndarray:
    """Chance of hearing of a session: notices, word of mouth, team leader, platform."""
    missed = (
        (1 - params["awareness_noticeboard"])
        * (1 - params["awareness_word_of_mouth"] * share_ties_recent)
        * (1 - leader_reach)
        * (1 - params["platform_awareness"] * platform)
    )
    return 1 - missed


def admit(session_of: np.ndarray, capacity: np.ndarray, priority: np.ndarray) -> np.ndarray:
    """Admit willing residents up to each session's capacity, highest priority first.

    Args:
        session_of: Session wanted by each willing resident.
        capacity: Places per session.
        priority: Priority per willing resident (random, plus a bonus for booking).

    Returns:
        Boolean mask of the willing residents who get a place.
    """
    order = np.lexsort((-priority, session_of))
    sorted_sessions = session_of[order]
    first = np.searchsorted(sorted_sessions, sorted_sessions, side="left")
    rank = np.arange(len(order)) - first
    admitted = np.zeros(len(order), dtype=bool)
    admitted[order] = rank < capacity[sorted_sessions]
    return admitted


def this_weeks_sessions(ctx: ActivitiesContext) -> Sessions:
    """Sessions of centres (as far as they are paid for), library members and organisers."""
    residents, layout, rng = ctx.residents, ctx.layout, ctx.rng
    organisers = np.flatnonzero(residents.role == ORGANISER)
    return offer_sessions(
        centre_sessions=ctx.finance.centre_sessions_this_week(layout.n_centres, rng),
        params=ctx.params,
        organisers=organisers,
        organiser_compound=layout.building_compound[residents.building[organisers]],
        organiser_type=np.argmax(residents.interests[organisers], axis=1),
        org_sessions_at_centres=ctx.organisations.sessions_this_week(ctx.params, rng),
        n_compounds=layout.n_compounds,
        rng=rng,
    )


def session_log_odds(
    ctx: ActivitiesContext,
    sessions: Sessions,
    choice: np.ndarray,
    *,
    social: np.ndarray,
    asked: np.ndarray,
    hours: np.ndarray,
) -> np.ndarray:
    """Attendance log-odds of each resident for the candidate session ``choice`` (-inf for none)."""
    params, residents, layout = ctx.params, ctx.residents, ctx.layout
    valid = choice >= 0
    safe = np.where(valid, choice, 0)
    activity = sessions.activity_type[safe]
    centre = sessions.centre[safe]
    minutes = np.where(
        centre >= 0,
        layout.centre_minutes[residents.building, np.maximum(centre, 0)] if layout.n_centres else 0.0,
        layout.compound_minutes[residents.building],
    )
    km = minutes * params["walking_speed_m_per_min"] / 1000.0
    log_odds = attendance_log_odds(
        interest=residents.interests[np.arange(len(residents)), activity],
        civic_skills=residents.civic_skills,
        belonging=residents.belonging,
        efficacy=residents.efficacy,
        social_pull=social,
        asked=asked,
        walking_km=km,
        hours=hours,
        free_time=residents.free_time,
        fatigue=residents.fatigue,
        reward_yuan=params["points_per_act"] * params["point_value_yuan"],
        params=params,
    )
    return np.where(valid, log_odds, -np.inf)


def utility_weights(params: Params) -> kernel.Weights:
    """Parameters of the attendance utility and of awareness, as the kernel reads them.

    The kernel computes :func:`attendance_log_odds` and :func:`awareness_probability`.
    """
    reward = params["points_per_act"] * params["point_value_yuan"]
    return kernel.Weights(
        intercept=params["attend_intercept"],
        interest=params["w_interest"],
        rewarded=reward > 0,
        extrinsic=params["w_points"] * reward / (reward + params["points_half_value_yuan"]) if reward > 0 else 0.0,
        crowding_out=params["crowding_out"],
        civic_skills=params["w_civic_skills"],
        belonging=params["w_belonging"],
        efficacy=params["w_efficacy"],
        social=params["w_social"],
        asked=params["w_asked"],
        decay_per_km=params["distance_decay_per_km"],
        metres_per_minute=params["walking_speed_m_per_min"],
        time_cost=params["w_time_cost"],
        fatigue=params["w_fatigue"],
        compound_share=params["compound_session_share"],
        platform_promotion=params["platform_promotion"],
        noticeboard_missed=1 - params["awareness_noticeboard"],
        word_of_mouth=params["awareness_word_of_mouth"],
        platform_awareness=params["platform_awareness"],
    )


def candidates_per_resident(per_place: int, centres_in_circle: np.ndarray) -> np.ndarray:
    """Candidate sessions each resident draws: ``per_place`` for each centre within the walk.

    A resident looks at ``candidate_sessions`` sessions for each of the nearest centres
    that lie within the 15-minute walk, and at least once as many when none does, so a
    denser offer within reach widens the search (a consideration set that grows with the
    alternatives on offer; Hauser & Wernerfelt 1990) while a single centre leaves it as it is.

    Args:
        per_place: ``candidate_sessions``.
        centres_in_circle: Nearest centres within the walk, per resident.

    Returns:
        Candidate draws per resident (at least ``per_place``).
    """
    return per_place * np.maximum(centres_in_circle, 1)


def open_centres_in_circle(layout: Layout, sessions: Sessions) -> np.ndarray:
    """Per building, the nearest centres within the walk that hold sessions this week (a closed one widens nothing)."""
    holding = np.zeros(layout.n_centres, dtype=bool)
    holding[sessions.centre[sessions.centre >= 0]] = True
    return layout.near_centres_in_circle(holding)


def choice_inputs(
    sessions: Sessions, residents: Residents, layout: Layout, hours: np.ndarray, social: np.ndarray
) -> tuple[tuple, tuple, tuple]:
    """The sessions, residents and places as ``kernel.choose_sessions`` reads them.

    Args:
        sessions: This week's sessions.
        residents: The residents.
        layout: The neighbourhood's geometry.
        hours: Hours a session takes, per resident.
        social: Social pull of each resident's ties (threshold response).

    Returns:
        ``(sessions, residents, places)`` tuples in the kernel's order.
    """
    return (
        (sessions.centre, sessions.compound, sessions.activity_type),
        (
            residents.building,
            residents.interests,
            residents.civic_skills,
            residents.belonging,
            residents.efficacy,
            residents.free_time,
            residents.fatigue,
            hours,
            social,
        ),
        (
            layout.building_compound,
            layout.near_centres,
            layout.near_centre_weights,
            layout.centre_minutes,
            layout.compound_minutes,
            layout.n_centres,
            layout.n_compounds,
        ),
    )


def run_activities(ctx: ActivitiesContext) -> None:
    """Offer this week's sessions, decide attendance, admit, record acts and new ties."""
    params, residents, layout, rng, week = ctx.params, ctx.residents, ctx.layout, ctx.rng, ctx.week
    sessions = this_weeks_sessions(ctx)
    week.sessions = sessions
    if len(sessions) == 0:
        return

    recent = residents.last_activities >= ctx.step - params["recent_window_weeks"]
    share_recent = ctx.ties.share_of_ties(recent)
    follower = residents.platform_follower & (params["platform_reach"] > 0)
    saving = np.where(follower & params["platform_booking"], 1 - params["booking_time_saving"], 1.0)
    hours = params["session_hours"] * saving
    social = threshold_response(share_recent, residents.social_threshold, params["threshold_sharpness"])
    best, log_odds, aware = kernel.choose_sessions(
        rng,
        *choice_inputs(sessions, residents, layout, hours, social),
        (share_recent, ctx.leader_reach.astype(float), follower.astype(float)),
        utility_weights(params),
        candidates_per_resident(
            params["candidate_sessions"], open_centres_in_circle(layout, sessions)[residents.building]
        ),
    )
    # First come, first served: the keener come earlier (log-odds plus Gumbel noise);
    # with online booking a place is secured in advance.
    booked = (follower & params["platform_booking"]).astype(float)
    attendee, session_of = kernel.admit_by_session(
        rng,
        best,
        log_odds,
        aware,
        sessions.organiser,
        sessions.capacity,
        booked,
        params["booked_priority"],
        ctx.forced.activity,
    )

    week.centre_attendees = attendee[sessions.centre[session_of] >= 0]
    week.session_attendance = np.bincount(session_of, minlength=len(sessions))
    week.hours_used[attendee] += hours[attendee]
    ctx.acts.record(attendee, "activities")
    # Organisers who ran a session with attendees took part too.
    ran = np.unique(sessions.organiser[session_of][sessions.organiser[session_of] >= 0])
    ctx.acts.record(ran, "activities")
    np.add.at(week.role_hours, sessions.organiser[sessions.organiser >= 0], params["session_hours"])
    acquaint_coattendees(ctx, attendee, session_of, len(sessions))


def acquaint_coattendees(ctx: ActivitiesContext, attendee: np.ndarray, session_of: np.ndarray, n_sessions: int) -> None:
    """Co-attendees meet (focus theory); a meeting across age groups is kept less often (homophily)."""
    params = ctx.params
    i, j = kernel.acquainted_pairs(
        ctx.rng,
        attendee,
        session_of,
        n_sessions,
        params["tie_formation_coattend"],
        ctx.residents.age_group.astype(np.int64),
        params["homophily"] * params["coattendance_homophily_share"],
    )
    ctx.ties.strengthen(i, j, params["tie_contact_gain"])
