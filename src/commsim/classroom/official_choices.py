"""The choices of students playing officials, checked on the server against what their agent knows.

Each choice is a strict pydantic model (no extra fields, no coercion) and is then checked
against the student's own view (:mod:`commsim.classroom.official_views`): a leader asks
only residents of their own building and reports only an open issue of it the committee
does not know yet; the committee sends categories to formats that exist and pays from the
fund only for an issue it knows, within the balance; a representative gives at most the
staff hours the organisation has and space only if it has some. A refused choice raises
:class:`~commsim.classroom.roster.ClassroomError` with the reason. The checked choices of
the week become :class:`commsim.state.forced.ForcedRoles`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError

from commsim.classroom.official_views import FORMAT_NAMES, CommitteeView, LeaderView, OrganisationView
from commsim.classroom.roster import ClassroomError
from commsim.state.forced import NO, NO_ISSUE, YES, ForcedRoles
from commsim.state.issue_table import CATEGORIES

Category = Literal["environment", "disputes", "public_services", "facilities", "safety_health"]
FormatName = Literal["on_the_spot", "on_site", "council", "immediate", "multi_round"]
assert set(Category.__args__) == set(CATEGORIES) and set(FormatName.__args__) == set(FORMAT_NAMES)


# Yuan or hours: a finite number, at least 0 (an integer is taken as a float; a string or a bool is not).
Amount = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class LeaderChoice(_Strict):
    """A team leader's week: whom to ask in person, and which issue to report (None: none)."""

    ask: list[StrictInt] = Field(default_factory=list, max_length=64)
    report: StrictInt | None = None


class CommitteeChoice(_Strict):
    """The committee's week: formats by category, the fund, the open day (``rule``: the community's rule)."""

    formats: dict[Category, FormatName] = Field(default_factory=dict)
    fund: Literal["rule", "withhold", "issue"] = "rule"
    fund_issue: StrictInt | None = None
    fund_yuan: Amount = 0.0
    disclose: Literal["rule", "yes", "no"] = "rule"


class OrganisationChoice(_Strict):
    """A representative's week: whether to offer the organisation's space, and staff hours to give."""

    space: StrictBool = False
    staff_hours: Amount = 0.0


CHOICES = {"leader": LeaderChoice, "committee": CommitteeChoice, "organisation": OrganisationChoice}
HINTS = {
    "leader": "a leader's choice is the residents asked (slots) and an issue to report, or none",
    "committee": "a committee's choice is formats by category, the fund (rule, withhold or issue) and disclose",
    "organisation": "a representative's choice is space (yes or no) and staff hours (a number)",
}


def parse_choice(role: str, payload: Mapping[str, Any]) -> BaseModel:
    """The strict model of an official's choice.

    Raises:
        ClassroomError: If the payload is not a choice of that role.
    """
    try:
        return CHOICES[role].model_validate(dict(payload))
    except (ValidationError, TypeError, ValueError):
        raise ClassroomError(HINTS[role]) from None


def check_against_view(choice: BaseModel, view: Any) -> None:
    """Refuse a choice that reaches outside what the student's agent knows or has.

    Raises:
        ClassroomError: With the reason.
    """
    if isinstance(view, LeaderView):
        _check_leader(choice, view)
    elif isinstance(view, CommitteeView):
        _check_committee(choice, view)
    elif isinstance(view, OrganisationView):
        _check_organisation(choice, view)


def _check_leader(choice: LeaderChoice, view: LeaderView) -> None:
    if not view.leads:
        raise ClassroomError("you no longer lead the building: the model plays your resident")
    if len(choice.ask) > view.max_asks:
        raise ClassroomError(f"you can ask at most {view.max_asks} residents in a week")
    known = {neighbour.slot for neighbour in view.neighbours}
    strangers = [slot for slot in choice.ask if slot not in known]
    if strangers:
        raise ClassroomError(f"resident {strangers[0]} does not live in your building")
    if choice.report is not None and choice.report not in view.reportable:
        raise ClassroomError(f"issue {choice.report} is not an unreported open issue of your building")


def _check_committee(choice: CommitteeChoice, view: CommitteeView) -> None:
    if choice.fund == "issue":
        known = {seen.issue for seen in view.issues}
        if choice.fund_issue not in known:
            raise ClassroomError("the fund pays only for an open issue reported to the committee")
        if choice.fund_yuan > view.fund_balance:
            raise ClassroomError(f"the fund holds {view.fund_balance:.0f} yuan")
    elif choice.fund_issue is not None:
        raise ClassroomError("name an issue only when the fund pays for one")


def _check_organisation(choice: OrganisationChoice, view: OrganisationView) -> None:
    if choice.space and not view.has_space:
        raise ClassroomError("your organisation has no space to offer")
    if choice.staff_hours > view.staff_hours:
        raise ClassroomError(f"your organisation has {view.staff_hours:.1f} staff hours a week")


def forced_roles_by(
    forced: ForcedRoles,
    served: Mapping[int, tuple[int, Sequence[int]]],
    leaders: Mapping[int, LeaderChoice],
    committee: CommitteeChoice | None,
    organisations: Mapping[int, OrganisationChoice],
) -> ForcedRoles:
    """Write the week's checked choices into ``forced`` (the model's elsewhere) and return it.

    Args:
        forced: Nobody's choices yet (``CommunityModel.no_forced_roles``).
        served: Per played leader's slot, their building and its residents' slots.
        leaders: Choices by leader slot.
        committee: The committee's choice, if one was sent.
        organisations: Choices by organisation index.
    """
    for slot, choice in leaders.items():
        building, slots = served[slot]
        forced.leader_asks[list(slots)] = NO
        forced.leader_asks[list(choice.ask)] = YES
        forced.leader_report[building] = NO_ISSUE if choice.report is None else choice.report
    if committee is not None:
        formats = dict(zip(CATEGORIES, forced.formats, strict=True)) | dict(committee.formats)
        forced.formats = tuple(formats[name] for name in CATEGORIES)
        if committee.fund == "withhold":
            forced.fund_issue = NO_ISSUE
        elif committee.fund == "issue":
            forced.fund_issue, forced.fund_cap_yuan = int(committee.fund_issue), float(committee.fund_yuan)
        if committee.disclose != "rule":
            forced.disclose = YES if committee.disclose == "yes" else NO
    for organisation, choice in organisations.items():
        forced.org_space[organisation] = YES if choice.space else NO
        forced.org_staff_hours[organisation] = float(choice.staff_hours)
    return forced
