"""A class run: the model, the roster and the clock together; students choose, weeks run, the debrief compares.

The teacher's page and the students' pages call into one :class:`ClassRun` from many
threads, so every call takes its lock. A week runs when the clock says so
(:meth:`ClassRun.tick`): the choices sent in time become the week's forced decisions, the
rest are the model's own, and each played resident's week goes into the timeline (what
was chosen, or that the model chose). The debrief (:meth:`ClassRun.debrief`) runs the same
community on the same seed with nobody playing and compares, per played resident, what
the class did with what the model would have done.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from commsim.classroom.choices import ResidentChoice, forced_by
from commsim.classroom.clock import ClassClock
from commsim.classroom.roster import ClassLimits, ClassroomError, Roster
from commsim.classroom.views import ResidentView, resident_view
from commsim.model import CommunityModel
from commsim.runs.statistics import estimate
from commsim.state.forced import DECISIONS, Forced
from commsim.state.residents import YOUTH

# What the debrief compares per played resident: acts by channel over the class run.
DEBRIEF_ACTS = ("acts_activities", "acts_deliberation", "acts_mutual_aid")


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


@dataclass
class ClassRun:
    """One class's shared run.

    Attributes:
        setup: The community and length.
        model: The run the class plays.
        roster: Join code, teacher and students.
        clock: Where the run is in time.
        pending: Choices sent for the open week, by student token.
        timeline: One row per played resident and week run.
        failure: Why the class stopped early, if a week could not run.
    """

    setup: ClassSetup
    model: CommunityModel
    roster: Roster
    clock: ClassClock
    pending: dict[str, ResidentChoice] = field(default_factory=dict)
    timeline: list[dict[str, Any]] = field(default_factory=list)
    failure: str | None = None
    lock: threading.RLock = field(default_factory=threading.RLock)

    @classmethod
    def open(cls, setup: ClassSetup, *, pace: float = 4.0, limits: ClassLimits | None = None) -> ClassRun:
        """A new class at week 0 with residents' seats open."""
        model = setup.build()
        roster = Roster.open({"resident": resident_seats(model)}, limits=limits)
        return cls(setup, model, roster, ClassClock(last_week=setup.weeks, pace=pace))

    def view(self, token: str) -> ResidentView:
        """What the student's resident knows now."""
        with self.lock:
            return resident_view(self.model, self.roster.student(token).seat.agent)

    def choose(self, token: str, choice: Mapping[str, Any]) -> ResidentChoice:
        """Record a student's choices for the open week (the last one sent counts).

        Raises:
            ClassroomError: An unknown token, too many actions, a class that has ended, or
                choices that are not four yes/no answers.
        """
        with self.lock:
            student = self.roster.student(token)
            if not self.roster.allow(token):
                raise ClassroomError("too many clicks: wait a few seconds")
            if self.clock.state == "ended":
                raise ClassroomError("the class has ended")
            try:
                checked = ResidentChoice.model_validate(dict(choice))
            except (ValidationError, TypeError, ValueError):
                raise ClassroomError("choices are yes or no for: " + ", ".join(DECISIONS)) from None
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

    def _run_week(self) -> None:
        played = {token: student for token, student in self.roster.students.items() if student.seat.role == "resident"}
        choices = {
            student.seat.agent: self.pending[token] for token, student in played.items() if token in self.pending
        }
        self.model.forced = forced_by(len(self.model.residents), choices)
        before = {name: getattr(self.model.residents, name).copy() for name in DEBRIEF_ACTS}
        try:
            self.model.step()
        finally:
            self.model.forced = Forced.none(len(self.model.residents))
        for token, student in played.items():
            slot = student.seat.agent
            chosen = self.pending.get(token)
            row = {
                "week": self.model.steps,
                "student": student.name,
                "resident": slot,
                "chose_in_time": chosen is not None,
            }
            row.update({decision: getattr(chosen, decision) if chosen else None for decision in DECISIONS})
            row.update(
                {name: int(getattr(self.model.residents, name)[slot] - before[name][slot]) for name in DEBRIEF_ACTS}
            )
            self.timeline.append(row)
        self.pending.clear()

    def timeline_table(self) -> pd.DataFrame:
        """The class's decisions, one row per played resident and week (for the debrief and grading)."""
        with self.lock:
            columns = ["week", "student", "resident", "chose_in_time", *DECISIONS, *DEBRIEF_ACTS]
            return pd.DataFrame(self.timeline, columns=columns)

    def debrief(self) -> pd.DataFrame:
        """Per channel: acts of the played residents in the class against the same residents with nobody playing.

        The twin runs the same setup and seed to the class's week with the model's own rules
        for everyone (common random numbers), so each difference is paired by resident.

        Returns:
            One row per channel: mean acts per played resident in the class and in the
            twin, the mean paired difference with its 95% t-interval, and the residents compared.
        """
        with self.lock:
            weeks, slots = self.model.steps, sorted({row["resident"] for row in self.timeline})
            class_acts = {name: getattr(self.model.residents, name)[slots].astype(float) for name in DEBRIEF_ACTS}
        twin = self.setup.build()
        for _ in range(weeks):
            twin.step()
        rows = []
        for name in DEBRIEF_ACTS:
            model_acts = getattr(twin.residents, name)[slots].astype(float)
            difference = estimate(class_acts[name] - model_acts)
            rows.append(
                {
                    "channel": name.removeprefix("acts_").replace("_", " "),
                    "class": float(np.mean(class_acts[name])) if slots else np.nan,
                    "model": float(np.mean(model_acts)) if slots else np.nan,
                    "difference": difference.mean,
                    "ci_low": difference.ci_low,
                    "ci_high": difference.ci_high,
                    "residents": difference.n,
                }
            )
        return pd.DataFrame(rows)
