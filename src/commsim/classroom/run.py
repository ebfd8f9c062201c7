"""A class run: the model, the roster and the clock together; students choose, weeks run, the debrief compares.

The teacher's page and the students' pages call into one :class:`ClassRun` from many
threads, so every call takes its lock. A week runs when the clock says so
(:meth:`ClassRun.tick`): the choices sent in time become the week's forced decisions
(residents' in :class:`~commsim.state.forced.Forced`, team leaders', the committee's and
organisations' representatives' in :class:`~commsim.state.forced.ForcedRoles`), the rest
are the model's own, and each played agent's week goes into the timeline with its role
(what was chosen, or that the model chose, and what came of it). The debrief
(:meth:`ClassRun.comparisons`) runs the same community on the same seed with nobody
playing and compares, per played agent and role, what the class did with what the model
would have done (:mod:`commsim.classroom.debrief`).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from commsim.classroom.choices import ResidentChoice, forced_by
from commsim.classroom.clock import ClassClock
from commsim.classroom.debrief import DEBRIEF_ACTS, Twin, comparisons, expected_asks, run_twin
from commsim.classroom.official_choices import check_against_view, forced_roles_by, parse_choice
from commsim.classroom.official_views import COMMITTEE_SEATS, committee_view, leader_view, organisation_view
from commsim.classroom.roster import ROLES, ClassLimits, ClassroomError, Roster, Student
from commsim.classroom.views import resident_view
from commsim.model import CommunityModel
from commsim.state.forced import DECISIONS, Forced
from commsim.state.residents import LEADER, YOUTH

VIEWS = {
    "resident": resident_view,
    "leader": leader_view,
    "committee": committee_view,
    "organisation": organisation_view,
}
# What the timeline records of an official's week (None where it does not apply).
OFFICIAL_COLUMNS = (
    "building", "choice", "asked", "reported_issue", "fund_spent_yuan", "open_day", "staff_hours_given", "space_given"
)  # fmt: skip
TIMELINE_COLUMNS = ("week", "role", "student", "agent", "resident", "chose_in_time", *DECISIONS, *DEBRIEF_ACTS,
                    *OFFICIAL_COLUMNS)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ClassSetup:
    """The community a class plays: profile, package, lever edits, seed, size and length."""

    profile: str = "old_inner_city"
    policy: str = "acquaintance"
    overrides: Mapping[str, Any] = field(default_factory=dict)
    seed: int = 1
    n_residents: int = 1000
    weeks: int = 26

    def build(self) -> CommunityModel:
        """The model of this setup at week 0."""
        return CommunityModel(
            rng=self.seed, n_residents=self.n_residents, profile=self.profile, policy=self.policy, **self.overrides
        )


def resident_seats(model: CommunityModel) -> list[int]:
    """Slots students may play: long-term adult and elderly residents (they never move out)."""
    residents = model.residents
    return np.flatnonzero(~residents.migrant & (residents.age_group != YOUTH)).tolist()


def seats(model: CommunityModel) -> dict[str, list[int]]:
    """Agents each role may seat: residents; long-term residents who lead a building; committee seats; organisations."""
    residents = model.residents
    return {
        "resident": resident_seats(model),
        "leader": np.flatnonzero((residents.role == LEADER) & ~residents.migrant).tolist(),
        "committee": list(range(COMMITTEE_SEATS)),
        "organisation": list(range(len(model.organisations))),
    }


@dataclass(frozen=True, slots=True)
class WeekStart:
    """What the timeline needs from the start of a week: acts so far, the leaders' reach, the fund, open days."""

    acts: dict[str, np.ndarray]
    expected_asks: np.ndarray
    project_spent: float
    open_days: int

    @classmethod
    def of(cls, model: CommunityModel) -> WeekStart:
        """The record of ``model`` before its week runs."""
        acts = {name: getattr(model.residents, name).copy() for name in DEBRIEF_ACTS}
        return cls(acts, expected_asks(model), model.finance.project_spent, model.disclosure.open_days)


def week_row(model: CommunityModel, start: WeekStart, student: Student, chosen: Any) -> dict[str, Any]:
    """A played agent's week for the timeline: who, what was chosen (None: the model chose) and what came of it."""
    seat = student.seat
    row = {"week": model.steps, "role": seat.role, "student": student.name, "agent": seat.agent}
    row |= {
        "resident": seat.agent if seat.role in ("resident", "leader") else None,
        "chose_in_time": chosen is not None,
    }
    if seat.role == "resident":
        row |= {decision: getattr(chosen, decision) if chosen else None for decision in DECISIONS}
        row |= {name: int(getattr(model.residents, name)[seat.agent] - start.acts[name][seat.agent])
                for name in DEBRIEF_ACTS}  # fmt: skip
        return row
    row["choice"] = chosen.model_dump_json() if chosen else None
    if seat.role == "leader":
        building = int(model.residents.building[seat.agent])
        row |= {"building": building, "reported_issue": chosen.report if chosen else None}
        row["asked"] = len(chosen.ask) if chosen else float(start.expected_asks[building])
    elif seat.role == "committee":
        row["fund_spent_yuan"] = model.finance.project_spent - start.project_spent
        row["open_day"] = model.disclosure.open_days > start.open_days
    else:
        row["staff_hours_given"] = float(model.organisations.staff_given[seat.agent])
        row["space_given"] = float(model.organisations.space_given[seat.agent])
    return row


@dataclass
class ClassRun:
    """One class's shared run.

    Attributes:
        setup: The community and length.
        model: The run the class plays.
        roster: Join code, teacher and students.
        clock: Where the run is in time.
        pending: Choices sent for the open week, by student token.
        timeline: One row per played agent and week run.
        failure: Why the class stopped early, if a week could not run.
    """

    setup: ClassSetup
    model: CommunityModel
    roster: Roster
    clock: ClassClock
    pending: dict[str, Any] = field(default_factory=dict)
    timeline: list[dict[str, Any]] = field(default_factory=list)
    failure: str | None = None
    lock: threading.RLock = field(default_factory=threading.RLock)
    _twin: Twin | None = None

    @classmethod
    def open(
        cls,
        setup: ClassSetup,
        *,
        pace: float = 4.0,
        limits: ClassLimits | None = None,
        roles: Sequence[str] = ("resident",),
    ) -> ClassRun:
        """A new class at week 0 with seats open for ``roles``.

        Raises:
            ClassroomError: If a role is unknown.
        """
        unknown = set(roles) - set(ROLES)
        if unknown:
            raise ClassroomError(f"there is no role {sorted(unknown)[0]!r}; roles are {', '.join(ROLES)}")
        model = setup.build()
        roster = Roster.open(seats(model), limits=limits)
        roster.open_roles = set(roles)
        return cls(setup, model, roster, ClassClock(last_week=setup.weeks, pace=pace))

    def view(self, token: str) -> Any:
        """What the student's agent knows now (a view of their role, :mod:`views`, :mod:`official_views`)."""
        with self.lock:
            seat = self.roster.student(token).seat
            return VIEWS[seat.role](self.model, seat.agent)

    def choose(self, token: str, choice: Mapping[str, Any]) -> Any:
        """Record a student's choices for the open week (the last one sent counts).

        Raises:
            ClassroomError: An unknown token, too many actions, a class that has ended, or
                choices that are not their role's or that reach outside their agent's view.
        """
        with self.lock:
            student = self.roster.student(token)
            if not self.roster.allow(token):
                raise ClassroomError("too many clicks: wait a few seconds")
            if self.clock.state == "ended":
                raise ClassroomError("the class has ended")
            role = student.seat.role
            if role == "resident":
                try:
                    checked = ResidentChoice.model_validate(dict(choice))
                except (ValidationError, TypeError, ValueError):
                    raise ClassroomError("choices are yes or no for: " + ", ".join(DECISIONS)) from None
            else:
                checked = parse_choice(role, choice)
                check_against_view(checked, VIEWS[role](self.model, student.seat.agent))
            self.pending[student.token] = checked
            return checked

    def tick(self, now: float) -> bool:
        """Run the open week if the clock says it is due; return whether a week ran."""
        with self.lock:
            if not self.clock.due(now):
                return False
            self._run_week()
            self.clock.ran(now)
            return True

    def _chosen(self, role: str) -> dict[int, Any]:
        return {
            student.seat.agent: self.pending[token]
            for token, student in self.roster.students.items()
            if student.seat.role == role and token in self.pending
        }

    def _served(self, leaders: Mapping[int, Any]) -> dict[int, tuple[int, np.ndarray]]:
        building = self.model.residents.building
        return {slot: (int(building[slot]), np.flatnonzero(building == building[slot])) for slot in leaders}

    def _run_week(self) -> None:
        model = self.model
        played = dict(self.roster.students)
        # A leader who quit the role since the choice no longer leads: the model plays the resident.
        leaders = {slot: c for slot, c in self._chosen("leader").items() if model.residents.role[slot] == LEADER}
        committee = next(iter(self._chosen("committee").values()), None)
        model.forced = forced_by(len(model.residents), self._chosen("resident"))
        model.forced_roles = forced_roles_by(
            model.no_forced_roles(), self._served(leaders), leaders, committee, self._chosen("organisation")
        )
        start = WeekStart.of(model)
        try:
            model.step()
        finally:
            model.forced = Forced.none(len(model.residents))
            model.forced_roles = model.no_forced_roles()
        for token, student in played.items():
            # A leader's choice counts only if it applied (a leader who quit the role no longer leads).
            chosen = leaders.get(student.seat.agent) if student.seat.role == "leader" else self.pending.get(token)
            self.timeline.append(week_row(model, start, student, chosen))
        self.pending.clear()

    def timeline_table(self) -> pd.DataFrame:
        """The class's decisions, one row per played agent and week, with its role (for the debrief and grading)."""
        with self.lock:
            return pd.DataFrame(self.timeline, columns=list(TIMELINE_COLUMNS))

    def twin(self) -> Twin:
        """The same setup and seed run to the class's week with the model's own rules for everyone."""
        with self.lock:
            weeks = self.model.steps
            if self._twin is not None and self._twin.model.steps == weeks:
                return self._twin
        twin = run_twin(self.setup, weeks)
        with self.lock:
            self._twin = twin
        return twin

    def comparisons(self) -> pd.DataFrame:
        """Per role and measure: the played agents in the class against the same agents in the twin (paired).

        Returns:
            One row per role and measure: mean per played agent in the class and in the
            twin, the mean paired difference with its 95% t-interval, and the agents compared.
        """
        twin = self.twin()
        with self.lock:
            return comparisons(self.model, twin, self.timeline_table())

    def debrief(self) -> pd.DataFrame:
        """Per channel: acts of the played residents in the class against the same residents with nobody playing.

        The twin runs the same setup and seed to the class's week with the model's own rules
        for everyone (common random numbers), so each difference is paired by resident.

        Returns:
            One row per channel: mean acts per played resident in the class and in the
            twin, the mean paired difference with its 95% t-interval, and the residents compared.
        """
        table = self.comparisons()
        residents = table[table["role"] == "resident"].drop(columns="role")
        return residents.rename(columns={"measure": "channel", "agents": "residents"}).reset_index(drop=True)
