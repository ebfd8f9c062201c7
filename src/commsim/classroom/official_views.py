"""What an official a student plays would know this week: a team leader, the committee, an organisation.

A **building team leader** knows the residents of their building (age group, whether they
took part recently, whether they hold a role) and the open issues of the building and
its compound, and whether the committee knows of each. The **residents' committee** knows
the issues reported to it, by category, with the format each goes to and when it meets,
the autonomy fund's balance and its last open day. An **organisation's representative**
knows what the organisation has (space, staff hours), what it gave last week, and what
the volunteers asked of it: the week's support work and the helper posts its space opens.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from commsim.classroom.views import IssueSeen, feeling, issues_of_building
from commsim.processes.deliberation import FORMATS, format_for
from commsim.state.issue_table import CATEGORIES
from commsim.state.organisations import COLOURS
from commsim.state.residents import AGE_GROUPS, LEADER, NO_ROLE

MAX_LEADER_ASKS = 12  # residents a team leader can ask in person in one week
COMMITTEE_SEATS = 1  # seats of the residents' committee a class offers
FORMAT_NAMES = tuple(FORMATS)


@dataclass(frozen=True, slots=True)
class NeighbourSeen:
    """A resident of the leader's building."""

    slot: int
    age_group: str
    active_recently: bool
    volunteer: bool


@dataclass(frozen=True, slots=True)
class LeaderView:
    """What a building team leader knows in the week about to run.

    Attributes:
        slot: The leader's resident slot.
        week: Weeks run so far.
        building: The building the leader serves.
        leads: Whether the resident still holds the leader role (a leader who quit plays no longer).
        neighbours: The building's other residents, whom the leader may ask.
        issues: Open issues of the building and its compound.
        max_asks: Residents the leader can ask this week.
    """

    slot: int
    week: int
    building: int
    leads: bool
    neighbours: tuple[NeighbourSeen, ...]
    issues: tuple[IssueSeen, ...]
    max_asks: int = MAX_LEADER_ASKS

    @property
    def reportable(self) -> tuple[int, ...]:
        """Issues the leader may report: open ones the committee does not know of yet."""
        return tuple(seen.issue for seen in self.issues if not seen.known_to_committee)


@dataclass(frozen=True, slots=True)
class CommitteeIssue:
    """An issue the committee knows of and that is still open."""

    issue: int
    category: str
    weeks_open: int
    format: str
    next_meeting: int
    cost_yuan: float


@dataclass(frozen=True, slots=True)
class CommitteeView:
    """What the residents' committee knows in the week about to run.

    Attributes:
        seat: The committee seat.
        week: Weeks run so far.
        issues: Open issues reported to the committee, by category.
        rule_formats: The format each category goes to by the community's rule.
        fund_balance: Yuan in the autonomy fund for projects.
        open_days: Open days held so far.
        last_open_day: Week of the last open day (None: none yet).
    """

    seat: int
    week: int
    issues: tuple[CommitteeIssue, ...]
    rule_formats: dict[str, str]
    fund_balance: float
    open_days: int
    last_open_day: int | None
    formats: tuple[str, ...] = FORMAT_NAMES


@dataclass(frozen=True, slots=True)
class OrganisationView:
    """What an organisation's representative knows in the week about to run.

    Attributes:
        organisation: The organisation's index.
        week: Weeks run so far.
        colour: ``red`` (party and government), ``white`` (business) or ``green`` (social).
        in_library: Whether it is enrolled in the resource library.
        has_space: Whether it has space it could offer.
        staff_hours: Staff hours a week it has at most.
        engagement: A word for its engagement with the community.
        gave_staff_hours: Staff hours it gave last week.
        gave_space: Share of last week its space hosted helpers.
        support_hours_asked: Support work all of last week's participation needed (hours).
        volunteers: Residents holding a volunteer role, who carry that work.
    """

    organisation: int
    week: int
    colour: str
    in_library: bool
    has_space: bool
    staff_hours: float
    engagement: str
    gave_staff_hours: float
    gave_space: float
    support_hours_asked: float
    volunteers: int


def leader_view(model, slot: int) -> LeaderView:
    """The view of the team leader in resident ``slot`` (who leads the building they live in)."""
    residents, step = model.residents, model.steps
    slot = int(slot)
    building = int(residents.building[slot])
    recent = residents.last_any() > step - model.p["recent_window_weeks"]
    others = np.flatnonzero(residents.building == building)
    neighbours = tuple(
        NeighbourSeen(
            slot=int(other),
            age_group=AGE_GROUPS[int(residents.age_group[other])],
            active_recently=bool(recent[other]),
            volunteer=bool(residents.role[other] != NO_ROLE),
        )
        for other in others
        if other != slot
    )
    return LeaderView(
        slot=slot,
        week=step,
        building=building,
        leads=bool(residents.role[slot] == LEADER),
        neighbours=neighbours,
        issues=issues_of_building(model, building),
    )


def committee_view(model, seat: int) -> CommitteeView:
    """The view of the residents' committee (``seat`` is the student's committee seat)."""
    issues, step, tiered = model.issues, model.steps, model.p["tiered_formats"]
    known = np.flatnonzero(issues.open & issues.known)
    known = known[np.argsort(issues.category[known], kind="stable")]  # by kind of issue, then as reported
    seen = tuple(
        CommitteeIssue(
            issue=int(k),
            category=CATEGORIES[int(issues.category[k])],
            weeks_open=int(step - issues.raised_step[k]),
            format=format_for(int(issues.category[k]), tiered).name,
            next_meeting=int(issues.next_meeting[k]),
            cost_yuan=float(issues.cost[k]),
        )
        for k in known
    )
    record = model.disclosure
    return CommitteeView(
        seat=int(seat),
        week=step,
        issues=seen,
        rule_formats={name: format_for(c, tiered).name for c, name in enumerate(CATEGORIES)},
        fund_balance=float(model.finance.fund_balance),
        open_days=record.open_days,
        last_open_day=record.last_step if record.last_step >= 0 else None,
    )


def organisation_view(model, organisation: int) -> OrganisationView:
    """The view of the representative of ``organisation``."""
    orgs, params = model.organisations, model.p
    k = int(organisation)
    return OrganisationView(
        organisation=k,
        week=model.steps,
        colour=COLOURS[int(orgs.colour[k])],
        in_library=bool(orgs.in_library[k]),
        has_space=bool(orgs.space[k]),
        staff_hours=float(orgs.staff_hours[k]),
        engagement=feeling(float(orgs.engagement[k])),
        gave_staff_hours=float(orgs.staff_given[k]),
        gave_space=float(orgs.space_given[k]),
        support_hours_asked=float(params["support_hours_per_act"] * model.week.acts.sum()),
        volunteers=int(np.sum(model.residents.role != NO_ROLE)),
    )
