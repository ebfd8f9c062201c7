"""The community participation model: it wires state and processes into the weekly schedule.

``CommunityModel.step`` runs the processes of the ODD's section 3 in order — churn,
issues, activities, deliberation, mutual aid, attitudes, the network and volunteer
roles, joining the time bank, organisations' engagement — then collects the outputs.
State lives in :mod:`commsim.state` (resident arrays, ties, layout, issues,
organisations, money); each process of :mod:`commsim.processes` receives a typed
context naming what it reads and writes. Mesa agents are thin views over the arrays,
built when something first asks for them (:mod:`commsim.agents`).
"""

from __future__ import annotations

import time
from functools import partial
from typing import Any

import mesa
import numpy as np

from commsim.agents import AgentViews, Organization, Resident, Volunteer
from commsim.config.presets import resolve_parameters
from commsim.metric_table import METRIC_NAMES
from commsim.metrics import compute_metrics, read_metric
from commsim.processes.activities import ActivitiesContext, run_activities
from commsim.processes.attitudes import AttitudesContext, DisclosureRecord, update_attitudes
from commsim.processes.churn import ChurnContext, run_churn
from commsim.processes.deliberation import DeliberationContext, Projects, run_deliberation
from commsim.processes.issues import IssuesContext, run_issues
from commsim.processes.mutual_aid import AidMemory, MutualAidContext, run_mutual_aid
from commsim.processes.network import initial_network, weaken_ties
from commsim.processes.roles import Roles, RolesContext, book_role_work, update_roles
from commsim.processes.time_bank import JoiningContext, TimeBank, join_time_bank
from commsim.state.finance import Finance
from commsim.state.forced import Forced, ForcedRoles
from commsim.state.issue_table import CATEGORIES, IssueTable
from commsim.state.layout import build_layout
from commsim.state.organisations import Organisations
from commsim.state.residents import draw_residents
from commsim.state.week import Acts, Week


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
        commsim.config.yaml_files.ConfigError: On an unknown preset or parameter or an invalid value.
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
        self.p = params = resolve_parameters(profile, policy, overrides)
        streams = np.random.SeedSequence(int(self.rng.integers(2**63))).spawn(2)
        self.rng = np.random.default_rng(streams[0])
        self.metrics_rng = np.random.default_rng(streams[1])

        # Initialisation (ODD section 5), in the order of its random draws.
        self.layout = build_layout(params, self.rng)
        building = np.repeat(np.arange(self.layout.n_buildings), self.layout.building_residents)
        self.residents = draw_residents(building, params, self.rng)
        self.ties = initial_network(self.residents, self.layout, params, self.rng)
        # Decisions taken by students playing residents (classroom); the model's own everywhere else.
        self.forced = Forced.none(len(self.residents))
        self.issues = IssueTable()
        self.organisations = Organisations.create(params, self.rng)
        self.finance = Finance(params, households=len(self.residents) / params["persons_per_household"])
        self.projects = Projects(contribution_share=params["initial_contribution_share"])
        self.time_bank = TimeBank.open(params, self.residents)
        self.aid_memory = AidMemory(weeks=params["aid_memory_weeks"], prior=params["aid_met_share_prior"])
        self.disclosure = DisclosureRecord()
        self.roles = Roles.appoint(params, self.residents, self.layout.n_buildings, self.rng)
        # Choices of students playing team leaders, the committee and organisations (classroom).
        self.forced_roles = self.no_forced_roles()

        self.views = AgentViews()

        self._new_week()
        self.metrics = compute_metrics(self)
        self.datacollector = mesa.DataCollector(
            model_reporters={name: partial(read_metric, name) for name in METRIC_NAMES}
        )
        self.datacollector.collect(self)
        self.running = True

    # ------------------------------------------------------------------ schedule

    def step(self) -> None:
        """One week, in the order of the ODD schedule (docs/ODD.md, section 3)."""
        self._start_week()
        moved = run_churn(self._churn())
        self.roles.refresh(self.residents, self.p)  # leaders who moved out no longer reach their building
        run_issues(self._issues())
        run_activities(self._activities())
        run_deliberation(self._deliberation())
        run_mutual_aid(self._mutual_aid())
        book_role_work(self.acts, self.layout, self.p)
        update_attitudes(self._attitudes())
        weaken_ties(self.ties, self.p)
        quits, recruits = update_roles(self._roles())
        join_time_bank(self._joining())
        self.organisations.update_engagement(self.p, self.steps)
        self._end_week(moved, quits, recruits)

        self.metrics = compute_metrics(self)
        self.datacollector.collect(self)

    def _new_week(self) -> None:
        """A fresh record of the week and the book of its acts."""
        self.week = Week(len(self.residents), n_buildings=self.layout.n_buildings)
        self.acts = Acts(
            self.residents,
            self.week,
            self.finance,
            self.steps,
            points_per_act=self.p["points_per_act"],
            point_value_yuan=self.p["point_value_yuan"],
        )

    def no_forced_roles(self) -> ForcedRoles:
        """Nobody playing an official: the model's rules for every leader, the committee and every organisation."""
        sizes = (len(self.residents), self.layout.n_buildings, len(self.organisations), len(CATEGORIES))
        return ForcedRoles.none(*sizes)

    def _start_week(self) -> None:
        """A fresh week; the fund's and the library members' weekly income."""
        self._new_week()
        self.finance.start_week(self.steps)
        self.organisations.accrue()

    def _end_week(self, moved: np.ndarray, quits: np.ndarray, recruits: np.ndarray) -> None:
        """Note movers and role changes for the agent views; the leaders' reach for next week."""
        self.views.note(moved, quits, recruits)
        self.roles.refresh(self.residents, self.p)

    # ------------------------------------------------------------------ Mesa agent views, built on request

    @property
    def agents(self) -> Any:
        """Mesa's set of all agents (the views, brought up to date first)."""
        self.views.sync(self)
        return super().agents

    @property
    def agents_by_type(self) -> Any:
        """Mesa's agent sets by type (the views, brought up to date first)."""
        self.views.sync(self)
        return super().agents_by_type

    @property
    def agent_types(self) -> list[type]:
        """Agent types present (the views, brought up to date first)."""
        self.views.sync(self)
        return super().agent_types

    @property
    def resident_agents(self) -> list[Resident]:
        """The resident views, one per slot."""
        self.views.sync(self)
        return self.views.residents

    @property
    def volunteer_agents(self) -> dict[int, Volunteer]:
        """The volunteer views by slot, one per role holder."""
        self.views.sync(self)
        return self.views.volunteers

    @property
    def organisation_agents(self) -> list[Organization]:
        """The organisation views, one per row."""
        self.views.sync(self)
        return self.views.organisations

    # ------------------------------------------------------------------ what each process sees

    def _churn(self) -> ChurnContext:
        return ChurnContext(self.p, self.residents, self.ties, self.time_bank, self.rng, self.steps)

    def _issues(self) -> IssuesContext:
        return IssuesContext(
            self.p,
            self.residents,
            self.layout,
            self.issues,
            self.week,
            leader_reach=self.roles.reach_by_building,
            rng=self.rng,
            step=self.steps,
            leader_report=self.forced_roles.leader_report,
        )

    def _activities(self) -> ActivitiesContext:
        return ActivitiesContext(
            self.p,
            self.residents,
            self.layout,
            self.ties,
            self.finance,
            self.organisations,
            self.week,
            self.acts,
            leader_reach=self.roles.reach_by_resident(self.residents, self.forced_roles.leader_asks),
            rng=self.rng,
            step=self.steps,
            forced=self.forced,
        )

    def _deliberation(self) -> DeliberationContext:
        return DeliberationContext(
            self.p,
            self.residents,
            self.layout,
            self.issues,
            self.finance,
            self.organisations,
            self.ties,
            self.projects,
            self.week,
            self.acts,
            rng=self.rng,
            step=self.steps,
            forced=self.forced,
            officials=self.forced_roles,
        )

    def _mutual_aid(self) -> MutualAidContext:
        return MutualAidContext(
            self.p,
            self.residents,
            self.layout,
            self.ties,
            self.time_bank,
            self.aid_memory,
            self.week,
            self.acts,
            rng=self.rng,
            step=self.steps,
            forced=self.forced,
        )

    def _attitudes(self) -> AttitudesContext:
        return AttitudesContext(
            self.p,
            self.residents,
            self.layout,
            self.issues,
            self.ties,
            self.week,
            self.disclosure,
            step=self.steps,
            disclose=self.forced_roles.disclose,
        )

    def _roles(self) -> RolesContext:
        return RolesContext(
            self.p,
            self.residents,
            self.layout,
            self.roles,
            self.organisations,
            week=self.week,
            rng=self.rng,
            step=self.steps,
            officials=self.forced_roles,
            funded_share=self.finance.funded_share,
        )

    def _joining(self) -> JoiningContext:
        return JoiningContext(
            self.p,
            self.residents,
            leader_reach=self.roles.reach_by_resident(self.residents, self.forced_roles.leader_asks),
            centre_attendees=self.week.centre_attendees,
            rng=self.rng,
        )


# Weeks and overrides of the small run that compiles every kernel: a migrant-heavy
# community (people move every week, so the tie removal runs) with every lever on.
WARM_UP_RUN: dict[str, Any] = {
    "n_residents": 300,
    "profile": "migrant_heavy",
    "policy": "complete_community",
    "n_centres": 2,
    "time_bank": True,
    "platform_reach": 0.5,
    "platform_booking": True,
    "points_per_act": 10.0,
    "point_value_yuan": 0.1,
}
WARM_UP_WEEKS = 6


def warm_kernels() -> float:
    """Compile, or load from numba's cache, every compiled kernel of a step; seconds taken.

    A dashboard server calls this once at start so that its first step does not wait for
    the compiler (a few seconds without the cache, a fraction of a second with it).
    """
    started = time.perf_counter()
    model = CommunityModel(rng=0, **WARM_UP_RUN)
    for _ in range(WARM_UP_WEEKS):
        model.step()
    return time.perf_counter() - started
