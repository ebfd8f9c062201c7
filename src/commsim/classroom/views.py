"""What the agent a student plays would know this week, read from the model's state.

A resident sees their own situation (age group, free time, how they feel about the
neighbourhood), the open issues of their own building and compound (and whether the
committee knows of them), how many of their ties took part recently, and their credits
and points: not the map, not other residents' states, not the model's parameters. The
view is what the student's page shows and what their choices are checked against.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from commsim.state.issue_table import CATEGORIES
from commsim.state.residents import AGE_GROUPS

# Words for an attitude on the 0-1 scale, by upper bound.
FEELINGS = ((0.2, "very low"), (0.4, "low"), (0.6, "middling"), (0.8, "high"), (1.01, "very high"))


@dataclass(frozen=True, slots=True)
class IssueSeen:
    """An open issue of the resident's building or compound."""

    issue: int
    category: str
    weeks_open: int
    known_to_committee: bool
    whole_compound: bool


@dataclass(frozen=True, slots=True)
class ResidentView:
    """What a resident knows in the week about to run.

    Attributes:
        slot: The resident's slot (the agent the student plays).
        week: Weeks run so far.
        age_group: ``youth``, ``adult`` or ``elderly``.
        free_hours: Free hours a week.
        belonging, trust, efficacy: Words for the resident's attitudes (:data:`FEELINGS`).
        ties: Number of ties.
        ties_active: How many of them took part in an activity within the recent window.
        issues: Open issues of the resident's building and compound.
        credits: Time-bank credits (hours), if a member; None otherwise.
        points: Points balance.
    """

    slot: int
    week: int
    age_group: str
    free_hours: float
    belonging: str
    trust: str
    efficacy: str
    ties: int
    ties_active: int
    issues: tuple[IssueSeen, ...]
    credits: float | None
    points: float


def feeling(value: float) -> str:
    """A word for an attitude on the 0-1 scale."""
    return next(word for bound, word in FEELINGS if value < bound)


def issues_of_building(model, building: int) -> tuple[IssueSeen, ...]:
    """Open issues of ``building`` and of its compound, as its residents see them."""
    issues, step = model.issues, model.steps
    compound = int(model.layout.building_compound[building])
    mine = np.flatnonzero(
        issues.open & np.where(issues.compound_scope, issues.scope_id == compound, issues.scope_id == building)
    )
    return tuple(
        IssueSeen(
            issue=int(index),
            category=CATEGORIES[int(issues.category[index])],
            weeks_open=int(step - issues.raised_step[index]),
            known_to_committee=bool(issues.known_step[index] >= 0),
            whole_compound=bool(issues.compound_scope[index]),
        )
        for index in mine
    )


def resident_view(model, slot: int) -> ResidentView:
    """The view of the resident in ``slot`` of ``model`` (a :class:`~commsim.model.CommunityModel`).

    Raises:
        IndexError: If ``slot`` is not a resident slot of the model.
    """
    residents = model.residents
    if not isinstance(slot, int | np.integer) or not 0 <= int(slot) < len(residents):
        raise IndexError(f"no resident slot {slot!r}")
    slot = int(slot)
    params, step = model.p, model.steps
    seen = issues_of_building(model, int(residents.building[slot]))
    recent = residents.last_activities >= step - params["recent_window_weeks"]
    start, length = int(model.ties.start[slot]), int(model.ties.length[slot])
    neighbours = model.ties.column[start : start + length]
    return ResidentView(
        slot=slot,
        week=step,
        age_group=AGE_GROUPS[int(residents.age_group[slot])],
        free_hours=float(residents.free_time[slot]),
        belonging=feeling(float(residents.belonging[slot])),
        trust=feeling(float(residents.trust[slot])),
        efficacy=feeling(float(residents.efficacy[slot])),
        ties=length,
        ties_active=int(np.sum(recent[neighbours])),
        issues=seen,
        credits=float(residents.credits[slot]) if residents.time_bank_member[slot] else None,
        points=float(residents.points[slot]),
    )
