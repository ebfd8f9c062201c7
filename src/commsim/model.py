"""The community participation model: state, schedule and data collection.

``CommunityModel.step`` runs the seven processes of MODEL_SPEC section 3 in order:
churn, issues, activities, deliberation, mutual aid, attitudes and roles, data
collection. Resident state lives in numpy arrays (:class:`commsim.state.residents.Residents`);
Mesa agents are thin views over them (:mod:`commsim.agents`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

import mesa
import numpy as np

from commsim.agents import Organization, Resident, Volunteer
from commsim.config import resolve_parameters
from commsim.metrics import METRIC_NAMES, compute_metrics, read_metric
from commsim.processes.activities import Sessions, run_activities
from commsim.processes.attitudes import join_time_bank, update_attitudes, update_roles, update_ties
from commsim.processes.churn import run_churn
from commsim.processes.deliberation import run_deliberation
from commsim.processes.issues import run_issues
from commsim.processes.mutual_aid import buildings_within, run_mutual_aid
from commsim.state.finance import Finance
from commsim.state.issue_table import CATEGORIES, IssueTable
from commsim.state.layout import build_layout
from commsim.state.organisations import Organisations
from commsim.state.residents import EXPERT, LEADER, NO_ROLE, ORGANISER, draw_residents
from commsim.state.ties import Ties, initial_ties

LIBRARY_ASK = 0.1  # weekly chance that a fully engaged library invites a resident to volunteer
AID_MEMORY_WEEKS = 4


@dataclass(slots=True)
class Week:
    """What happened this week; reset at the start of every step."""

    n: int
    acts: np.ndarray = field(init=False)
    activity_acts: np.ndarray = field(init=False)
    hours_used: np.ndarray = field(init=False)
    role_hours: np.ndarray = field(init=False)
    successes_by_building: np.ndarray = field(init=False)
    n_buildings: int = 0
    sessions: Sessions | None = None
    session_attendance: np.ndarray | None = None
    activity_attendees: np.ndarray | None = None
    centre_attendees: np.ndarray | None = None
    turned_away: np.ndarray | None = None
    issues_raised: np.ndarray = field(default_factory=lambda: np.zeros(len(CATEGORIES), dtype=np.int64))
    issues_resolved: np.ndarray = field(default_factory=lambda: np.zeros(len(CATEGORIES), dtype=np.int64))
    meetings: int = 0
    agreements: int = 0
    fund_spent: float = 0.0
    aid_requests: int = 0
    aid_met: int = 0
    credits_earned: float = 0.0
    credits_spent: float = 0.0
    credits_from_pool: float = 0.0
    quits: int = 0
    moved_in: int = 0
    disclosure: bool = False

    def __post_init__(self) -> None:
        self.acts = np.zeros(self.n, dtype=np.int64)
        self.activity_acts = np.zeros(self.n, dtype=np.int64)
        self.hours_used = np.zeros(self.n)
        self.role_hours = np.zeros(self.n)
        self.successes_by_building = np.zeros(self.n_buildings, dtype=np.int64)


class CommunityModel(mesa.Model):
    """Residents, volunteers and organisations of one neighbourhood under a policy package.

    Args:
        rng: Seed (int) or None for a fresh one. Same seed, same run.
        n_residents: Number of residents; None takes the profile's.
        profile: Community profile preset (``configs/profiles``).
        policy: Policy package preset (``configs/policies``).
        **overrides: Any declared parameter (``configs/parameters.yaml``) as a flat
            keyword, overriding profile and package.

    Raises:
        commsim.config.ConfigError: On an unknown preset or parameter or an invalid value.
    """

    def __init__(
        self,
        *,
        rng: int | None = None,
        n_residents: int | None = None,
        profile: str = "old_inner_city",
        policy: str = "baseline",
        **overrides: Any,
    ) -> None:
        super().__init__(rng=rng)
        if n_residents is not None:
            overrides["n_residents"] = n_residents
        self.profile, self.policy = profile, policy
        self.p = resolve_parameters(profile, policy, overrides)
        params = self.p
        streams = np.random.SeedSequence(int(self.rng.integers(2**63))).spawn(2)
        self.rng = np.random.default_rng(streams[0])
        self.metrics_rng = np.random.default_rng(streams[1])

        self.layout = build_layout(params, self.rng)
        building = np.repeat(np.arange(self.layout.n_buildings), self.layout.building_residents)
        self.residents = draw_residents(building, params, self.rng)
        n = len(self.residents)
        self.ties = Ties(n)
        similarity = self.residents.age_group * 2 + self.residents.migrant
        i, j = initial_ties(
            building,
            self.layout.building_start,
            self.layout.building_compound,
            self.layout.compound_building_start,
            similarity,
            mean_degree=params["initial_mean_degree"],
            share_within_building=params["share_initial_ties_within_building"],
            homophily=params["homophily"],
            rng=self.rng,
        )
        self.ties.strengthen(i, j, self.rng.uniform(0.3, 1.0, len(i)))
        self.issues = IssueTable()
        self.organisations = Organisations.create(params, self.rng)
        self.finance = Finance(params, households=n / params["persons_per_household"])
        self.contribution_share = 0.5
        self.projects = {True: 0, False: 0}  # funded projects by outcome (succeeded?)
        self.time_bank_pool = (
            params["time_bank_start_credits"] * float(self.residents.needs.sum()) if params["time_bank"] else 0.0
        )
        self.credits_earned = 0.0
        self.credits_spent = 0.0
        self._aid_history: list[tuple[int, int]] = []
        self._resolved_at_disclosure = 0
        self._known_at_disclosure = 0
        self._near_buildings = None
        self.covered_buildings = np.zeros(self.layout.n_buildings, dtype=bool)
        covered = self.rng.permutation(self.layout.n_buildings)[
            : int(round(params["leader_coverage"] * self.layout.n_buildings))
        ]
        self.covered_buildings[covered] = True
        self._appoint_initial_volunteers()

        self.resident_agents = [Resident(self, slot) for slot in range(n)]
        self.volunteer_agents: dict[int, Volunteer] = {
            int(slot): Volunteer(self, int(slot)) for slot in np.flatnonzero(self.residents.role != NO_ROLE)
        }
        self.organisation_agents = [Organization(self, row) for row in range(len(self.organisations))]

        self.week = Week(n, n_buildings=self.layout.n_buildings)
        self._refresh_leader_reach()
        self.metrics = compute_metrics(self)
        self.datacollector = mesa.DataCollector(
            model_reporters={name: partial(read_metric, name) for name in METRIC_NAMES}
        )
        self.datacollector.collect(self)
        self.running = True

    # ------------------------------------------------------------------ set-up helpers

    def _appoint_initial_volunteers(self) -> None:
        """Leaders in covered buildings, the expert pool and existing organisers."""
        params, residents = self.p, self.residents
        order = np.argsort(-residents.belonging, kind="stable")
        capacity = params["volunteer_capacity_h"]
        by_building = residents.building[order]
        _, first = np.unique(by_building, return_index=True)
        top_per_building = order[first]
        leaders = top_per_building[self.covered_buildings[residents.building[top_per_building]]]
        residents.role[leaders] = LEADER
        skilled = order[residents.skilled[order] & (residents.role[order] == NO_ROLE)]
        experts = skilled[: int(round(params["expert_pool_share"] * residents.skilled.sum()))]
        residents.role[experts] = EXPERT
        free = order[residents.role[order] == NO_ROLE]
        organisers = free[: int(round(params["initial_organiser_share"] * len(residents)))]
        residents.role[organisers] = ORGANISER
        residents.role_capacity[residents.role != NO_ROLE] = capacity

    # ------------------------------------------------------------------ shared queries

    def _refresh_leader_reach(self) -> None:
        params, residents = self.p, self.residents
        reach = params["leader_reach"] + (1 - params["leader_reach"]) * 0.5 * params["leader_training"]
        has_leader = np.zeros(self.layout.n_buildings, dtype=bool)
        has_leader[residents.building[residents.role == LEADER]] = True
        self._leader_reach_building = has_leader * reach

    def leader_reach_by_building(self) -> np.ndarray:
        """Weekly chance that the building's team leader reaches a given resident (0 if none)."""
        return self._leader_reach_building

    def leader_reach_by_resident(self) -> np.ndarray:
        """Weekly chance that each resident is reached by a team leader."""
        return self._leader_reach_building[self.residents.building]

    def library_asks(self, n: int) -> np.ndarray:
        """Residents invited to volunteer by resource-library organisations this week."""
        members = self.organisations.in_library
        if not members.any():
            return np.zeros(n, dtype=bool)
        engaged = float(self.organisations.engagement[members].mean())
        return self.rng.random(n) < LIBRARY_ASK * engaged

    def time_bank_neighbourhood(self) -> tuple[np.ndarray, np.ndarray]:
        """Buildings within the time bank's matching radius of each building (cached)."""
        if self._near_buildings is None:
            self._near_buildings = buildings_within(
                self.layout.building_xy, self.p["matching_radius_m"], self.p["route_detour"]
            )
        return self._near_buildings

    @property
    def recent_met_share(self) -> float:
        """Share of mutual-aid requests met over the last four weeks (0.5 before any)."""
        requests = sum(r for r, _ in self._aid_history)
        return sum(m for _, m in self._aid_history) / requests if requests else 0.5

    @property
    def successes_since_disclosure(self) -> int:
        """Issues resolved since the last open day."""
        return int(np.sum(self.issues.resolved_step >= 0)) - self._resolved_at_disclosure

    def resolved_share_since_disclosure(self) -> float:
        """Issues resolved over issues reported since the last open day, capped at 1 (0.5 if none)."""
        reported = int(np.sum(self.issues.known)) - self._known_at_disclosure
        if reported <= 0:
            return 0.5
        return min(1.0, self.successes_since_disclosure / reported)

    def mark_disclosure(self) -> None:
        """Remember where the last open day left the record."""
        self._resolved_at_disclosure = int(np.sum(self.issues.resolved_step >= 0))
        self._known_at_disclosure = int(np.sum(self.issues.known))

    def record_acts(self, slots: np.ndarray, channel: str, count: int = 1) -> None:
        """Record acts of participation of ``slots`` (repeats allowed) in ``channel``."""
        if len(slots) == 0:
            return
        residents, week = self.residents, self.week
        np.add.at(week.acts, slots, count)
        np.add.at(residents.participation_count, slots, count)
        np.add.at(getattr(residents, f"acts_{channel}"), slots, count)
        getattr(residents, f"last_{channel}")[slots] = self.steps
        if channel == "activities":
            np.add.at(week.activity_acts, slots, count)
        points = self.p["points_per_act"] * count * len(slots)
        np.add.at(residents.points, slots, self.p["points_per_act"] * count)
        self.finance.points_paid += points * self.p["point_value_yuan"]

    # ------------------------------------------------------------------ schedule

    def step(self) -> None:
        """One week: churn, issues, activities, deliberation, mutual aid, attitudes and roles, data."""
        self.week = Week(len(self.residents), n_buildings=self.layout.n_buildings)
        self.finance.start_week(self.steps)
        self.organisations.accrue()

        moved = run_churn(self)
        self._refresh_leader_reach()  # leaders who moved out no longer reach their building
        run_issues(self)
        run_activities(self)
        run_deliberation(self)
        run_mutual_aid(self)
        update_attitudes(self)
        update_ties(self)
        quits, recruits = update_roles(self)
        join_time_bank(self)
        self.organisations.update_engagement(self.p, self.steps)
        self._after_week(moved, quits, recruits)

        self.metrics = compute_metrics(self)
        self.datacollector.collect(self)

    def _after_week(self, moved: np.ndarray, quits: np.ndarray, recruits: np.ndarray) -> None:
        """Bookkeeping: agent views of movers and volunteers, aid memory, leader reach."""
        for slot in moved.tolist():
            self.resident_agents[slot].remove()
            self.resident_agents[slot] = Resident(self, slot)
        for slot in np.concatenate([moved, quits]).tolist():
            agent = self.volunteer_agents.pop(slot, None)
            if agent is not None:
                agent.remove()
        for slot in recruits.tolist():
            self.volunteer_agents[slot] = Volunteer(self, slot)
        self._aid_history = [*self._aid_history, (self.week.aid_requests, self.week.aid_met)][-AID_MEMORY_WEEKS:]
        self.credits_earned += self.week.credits_earned
        self.credits_spent += self.week.credits_spent
        self._refresh_leader_reach()

    def time_credits_total(self) -> float:
        """Credits held by residents plus the time bank's pool (constant: credits are conserved)."""
        return float(self.residents.credits.sum()) + self.time_bank_pool
