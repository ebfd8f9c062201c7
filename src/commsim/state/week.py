"""The record of the current week, its sessions, and how an act of participation is recorded.

A fresh :class:`Week` is started every step; the processes fill it and the attitudes,
roles and outputs read it. :class:`Acts` is the one place where an act of participation
is booked: the resident's counters and last-act step, this week's tally, and the points
it earns under the points rules (costed at once: redemption is assumed).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from commsim.state.finance import Finance
from commsim.state.issue_table import CATEGORIES
from commsim.state.residents import Residents


@dataclass(frozen=True, slots=True)
class Sessions:
    """This week's activity sessions.

    Attributes:
        centre: Centre hosting each session, -1 for a compound public space.
        compound: Compound hosting each session, -1 for a centre.
        activity_type: Index into ``ACTIVITY_TYPES``.
        capacity: Places.
        organiser: Resident slot of the organiser running it, -1 if none.
    """

    centre: np.ndarray
    compound: np.ndarray
    activity_type: np.ndarray
    capacity: np.ndarray
    organiser: np.ndarray

    def __len__(self) -> int:
        return len(self.centre)


@dataclass(slots=True)
class Week:
    """What happened this week; a fresh record at the start of every step.

    Attributes:
        n: Resident slots.
        n_buildings: Buildings.
        acts: Acts of participation per resident (all channels and role duty; a meeting of k sittings counts k).
        activity_acts: Activity acts per resident.
        acts_role_work: Acts per resident booked for volunteer role duty (included in ``acts``).
        hours_used: Hours each resident spent taking part (sessions, meetings, projects, help).
        role_hours: Hours of volunteer role work per resident (sessions run, meetings as leader or expert).
        successes_by_building: Projects that succeeded this week, per building (visible success).
        sessions: This week's sessions (None until the activities ran).
        session_attendance: Attendees per session.
        centre_attendees: Slots of the residents who attended a centre session.
        issues_raised: New issues per category.
        issues_resolved: Issues resolved per category (meetings and routine fixes).
        meetings: Deliberation meetings held.
        meeting_affected: Residents affected by this week's meetings, leaders apart (one per meeting).
        meeting_attendees: Of them, those who attended (invited or on the notice).
        aid_requests: Mutual-aid requests posted.
        aid_met: Mutual-aid requests met.
        quits: Volunteers who quit their role.
    """

    n: int
    n_buildings: int
    acts: np.ndarray = field(init=False)
    activity_acts: np.ndarray = field(init=False)
    acts_role_work: np.ndarray = field(init=False)
    hours_used: np.ndarray = field(init=False)
    role_hours: np.ndarray = field(init=False)
    successes_by_building: np.ndarray = field(init=False)
    sessions: Sessions | None = None
    session_attendance: np.ndarray | None = None
    centre_attendees: np.ndarray | None = None
    issues_raised: np.ndarray = field(default_factory=lambda: np.zeros(len(CATEGORIES), dtype=np.int64))
    issues_resolved: np.ndarray = field(default_factory=lambda: np.zeros(len(CATEGORIES), dtype=np.int64))
    meetings: int = 0
    meeting_affected: int = 0
    meeting_attendees: int = 0
    aid_requests: int = 0
    aid_met: int = 0
    quits: int = 0

    def __post_init__(self) -> None:
        self.acts = np.zeros(self.n, dtype=np.int64)
        self.activity_acts = np.zeros(self.n, dtype=np.int64)
        self.acts_role_work = np.zeros(self.n, dtype=np.int64)
        self.hours_used = np.zeros(self.n)
        self.role_hours = np.zeros(self.n)
        self.successes_by_building = np.zeros(self.n_buildings, dtype=np.int64)

    def acts_needing_support(self) -> int:
        """This week's acts in the three channels (role duty is itself support work, so it needs none)."""
        return int(self.acts.sum() - self.acts_role_work.sum())


@dataclass(frozen=True, slots=True)
class Acts:
    """Books acts of participation for one week.

    Attributes:
        residents: Resident state (counters, last act per channel, points).
        week: This week's record (acts, activity acts).
        finance: Money (the value of points earned is booked as programme cost).
        step: This week's step.
        points_per_act: Points earned per act (points incentive).
        point_value_yuan: Value of one point.
    """

    residents: Residents
    week: Week
    finance: Finance
    step: int
    points_per_act: float
    point_value_yuan: float

    def record(self, slots: np.ndarray, channel: str, count: int = 1) -> None:
        """Record ``count`` acts of each of ``slots`` (repeats allowed) in ``channel``.

        Args:
            slots: Resident slots that took part.
            channel: ``activities``, ``deliberation`` or ``mutual_aid``.
            count: Acts per slot (the sittings of a meeting).
        """
        if len(slots) == 0:
            return
        residents, week = self.residents, self.week
        np.add.at(week.acts, slots, count)
        np.add.at(residents.participation_count, slots, count)
        np.add.at(getattr(residents, f"acts_{channel}"), slots, count)
        getattr(residents, f"last_{channel}")[slots] = self.step
        if channel == "activities":
            np.add.at(week.activity_acts, slots, count)
        points = self.points_per_act * count * len(slots)
        np.add.at(residents.points, slots, self.points_per_act * count)
        self.finance.points_paid += points * self.point_value_yuan

    def record_role_work(self, acts: np.ndarray) -> None:
        """Record each resident's acts of volunteer role duty this week (they earn points as any act).

        Args:
            acts: Acts per resident slot (0 for most).
        """
        slots = np.flatnonzero(acts)
        if len(slots) == 0:
            return
        count = acts[slots]
        self.week.acts[slots] += count
        self.week.acts_role_work[slots] += count
        self.residents.participation_count[slots] += count
        self.residents.points[slots] += self.points_per_act * count
        self.finance.points_paid += self.points_per_act * float(count.sum()) * self.point_value_yuan
