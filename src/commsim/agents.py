"""Mesa agent classes: thin views over the model's arrays.

Residents' state lives in :class:`commsim.state.residents.Residents` (one numpy array per
variable). A :class:`Resident` is a Mesa agent that reads its slot of those arrays, so
Mesa's agent sets, data collection and visualisation work while the processes run as
array operations. A :class:`Volunteer` is the role a resident holds; it reads the same
slot. An :class:`Organization` reads its row of the organisations' arrays.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from commsim.state.organisations import COLOURS
from commsim.state.residents import ACTIVITY_TYPES, AGE_GROUPS, NO_ROLE, ROLES, TENURES, Residents

if TYPE_CHECKING:
    from commsim.model import CommunityModel


class _ResidentView(mesa.Agent):
    """Shared read-only view of one resident slot."""

    model: CommunityModel

    def __init__(self, model: CommunityModel, slot: int) -> None:
        super().__init__(model)
        self.slot = slot

    @property
    def _state(self) -> Residents:
        return self.model.residents

    @property
    def age_group(self) -> str:
        """Age group: "youth" (18-34), "adult" (35-59) or "elderly" (60+)."""
        return AGE_GROUPS[self._state.age_group[self.slot]]

    @property
    def tenure(self) -> str:
        """Tenure: "long_term" or "migrant"."""
        return TENURES[int(self._state.migrant[self.slot])]

    @property
    def building(self) -> int:
        """Index of the resident's building."""
        return int(self._state.building[self.slot])

    @property
    def belonging(self) -> float:
        """Sense of belonging to the community, 0-1."""
        return float(self._state.belonging[self.slot])

    @property
    def trust(self) -> float:
        """Trust in local institutions, 0-1."""
        return float(self._state.trust[self.slot])

    @property
    def efficacy(self) -> float:
        """Belief that taking part makes a difference, 0-1."""
        return float(self._state.efficacy[self.slot])

    @property
    def satisfaction(self) -> float:
        """Satisfaction with the community, 0-1."""
        return float(self._state.satisfaction[self.slot])

    @property
    def participation_count(self) -> int:
        """Acts of participation in any channel since the run began (or since moving in)."""
        return int(self._state.participation_count[self.slot])

    @property
    def interests(self) -> dict[str, float]:
        """Interest in each activity type, 0-1."""
        return dict(zip(ACTIVITY_TYPES, self._state.interests[self.slot].tolist(), strict=True))


class Resident(_ResidentView):
    """A resident (Mesa agent) — a view over slot ``slot`` of ``model.residents``."""


class Volunteer(_ResidentView):
    """A resident holding a volunteer role: team leader, expert, organiser, helper or station volunteer."""

    @property
    def role(self) -> str:
        """Role: "team_leader", "expert" or "organiser"."""
        return ROLES[self._state.role[self.slot]]

    @property
    def burnout(self) -> float:
        """Burnout, 0-1; raises the chance of quitting."""
        return float(self._state.burnout[self.slot])

    @property
    def weekly_capacity(self) -> float:
        """Hours per week the volunteer can give without strain."""
        return float(self._state.role_capacity[self.slot])

    @property
    def load(self) -> float:
        """Hours the role took last week."""
        return float(self._state.role_load[self.slot])


class Organization(mesa.Agent):
    """An organisation (red, white or green) — a view over row ``row`` of ``model.organisations``."""

    model: CommunityModel

    def __init__(self, model: CommunityModel, row: int) -> None:
        super().__init__(model)
        self.row = row

    @property
    def colour(self) -> str:
        """Colour: "red" (party/government unit), "white" (business) or "green" (social organisation)."""
        return COLOURS[self.model.organisations.colour[self.row]]

    @property
    def engagement(self) -> float:
        """Engagement with the community, 0-1."""
        return float(self.model.organisations.engagement[self.row])

    @property
    def in_library(self) -> bool:
        """Whether the organisation is enrolled in the resource library."""
        return bool(self.model.organisations.in_library[self.row])

    @property
    def budget(self) -> float:
        """Yearly budget it can give the community (yuan)."""
        return float(self.model.organisations.budget_year[self.row])


class AgentViews:
    """A model's Mesa agent views, created only when something first asks for them.

    The processes never read the views, so a step does not build them: the model notes
    who moved and whose role changed, and :meth:`sync` brings the views up to date on
    the next request (``model.agents``, ``model.agents_by_type``, ``model.resident_agents``,
    ...). A resident who moved since then gets a new view (a new Mesa agent), as does a
    volunteer whose role changed; a slot that changed twice between requests gets one
    new view.
    """

    def __init__(self) -> None:
        self.built = False
        self.residents: list[Resident] = []
        self.volunteers: dict[int, Volunteer] = {}
        self.organisations: list[Organization] = []
        self._moved: set[int] = set()
        self._role_changed: set[int] = set()

    def note(self, moved: np.ndarray, quits: np.ndarray, recruits: np.ndarray) -> None:
        """Record a week's movers, quitting volunteers and recruits for the next :meth:`sync`."""
        if not self.built:
            return
        self._moved.update(moved.tolist())
        self._role_changed.update(moved.tolist(), quits.tolist(), recruits.tolist())

    def sync(self, model: CommunityModel) -> None:
        """Create the views if none exist yet, else replace those of movers and changed roles."""
        if not self.built:
            self.built = True
            self.residents = [Resident(model, slot) for slot in range(len(model.residents))]
            holders = np.flatnonzero(model.residents.role != NO_ROLE).tolist()
            self.volunteers = {slot: Volunteer(model, slot) for slot in holders}
            self.organisations = [Organization(model, row) for row in range(len(model.organisations))]
            return
        for slot in sorted(self._moved):
            self.residents[slot].remove()
            self.residents[slot] = Resident(model, slot)
        for slot in sorted(self._role_changed):
            agent = self.volunteers.pop(slot, None)
            if agent is not None:
                agent.remove()
            if model.residents.role[slot] != NO_ROLE:
                self.volunteers[slot] = Volunteer(model, slot)
        self._moved.clear()
        self._role_changed.clear()
