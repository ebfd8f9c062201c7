"""Students playing team leaders, the committee and organisations: seats, views, checked choices, the debrief."""

from __future__ import annotations

import numpy as np
import pytest

from commsim.classroom.official_views import MAX_LEADER_ASKS, LeaderView
from commsim.classroom.roster import ClassLimits, ClassroomError
from commsim.classroom.run import ClassRun, ClassSetup
from commsim.state.issue_table import CATEGORIES
from commsim.state.residents import LEADER

SETUP = ClassSetup(n_residents=300, weeks=8, seed=7, policy="acquaintance")
OFFICIALS = ("resident", "leader", "committee", "organisation")


def open_class(setup: ClassSetup = SETUP, roles=OFFICIALS) -> ClassRun:
    return ClassRun.open(setup, pace=30.0, limits=ClassLimits(actions="100/10 seconds"), roles=roles)


def play(run: ClassRun, weeks: int, choose) -> None:
    """Step ``weeks`` weeks, calling ``choose()`` before each."""
    for _ in range(weeks):
        choose()
        run.clock.step()
        assert run.tick(0.0)


def test_seats_per_role_are_leaders_the_committee_and_organisations():
    run = open_class()
    assert run.roster.open_roles == set(OFFICIALS)
    leader = run.roster.join(run.roster.code, "Lead", "leader")
    assert run.model.residents.role[leader.seat.agent] == LEADER
    committee = run.roster.join(run.roster.code, "Chair", "committee")
    assert committee.seat.agent == 0
    with pytest.raises(ClassroomError, match="every seat"):
        run.roster.join(run.roster.code, "Second chair", "committee")
    org = run.roster.join(run.roster.code, "Rep", "organisation")
    assert 0 <= org.seat.agent < len(run.model.organisations)
    shut = open_class(roles=("resident",))
    with pytest.raises(ClassroomError, match="has not opened"):
        shut.roster.join(shut.roster.code, "Lead", "leader")
    with pytest.raises(ClassroomError, match="no role"):
        open_class(roles=("mayor",))


def test_a_leader_sees_their_building_and_can_act_only_within_it():
    run = open_class()
    leader = run.roster.join(run.roster.code, "Lead", "leader")
    view = run.view(leader.token)
    assert isinstance(view, LeaderView) and view.leads
    building = run.model.residents.building
    assert {n.slot for n in view.neighbours} == set(np.flatnonzero(building == view.building)) - {view.slot}
    neighbours = [n.slot for n in view.neighbours]
    run.choose(leader.token, {"ask": neighbours[:3], "report": None})
    stranger = int(np.flatnonzero(building != view.building)[0])
    with pytest.raises(ClassroomError, match="does not live in your building"):
        run.choose(leader.token, {"ask": [stranger]})
    with pytest.raises(ClassroomError, match=f"at most {MAX_LEADER_ASKS}"):
        run.choose(leader.token, {"ask": neighbours[: MAX_LEADER_ASKS + 1]})
    elsewhere = np.flatnonzero(run.model.issues.open & (run.model.issues.scope_id != view.building))
    if len(elsewhere):
        with pytest.raises(ClassroomError, match="not an unreported open issue"):
            run.choose(leader.token, {"report": int(elsewhere[0])})
    with pytest.raises(ClassroomError, match="not an unreported open issue"):
        run.choose(leader.token, {"report": 10**6})
    assert run.pending[leader.token].ask == neighbours[:3]


@pytest.mark.parametrize(
    ("role", "payload"),
    [
        ("leader", {"ask": ["5"]}),
        ("leader", {"ask": [True]}),
        ("leader", {"ask": 5}),
        ("leader", {"report": 1.0}),
        ("leader", {"ask": [], "vote": 1}),
        ("committee", {"formats": {"environment": "referendum"}}),
        ("committee", {"formats": {"weather": "council"}}),
        ("committee", {"fund": "everything"}),
        ("committee", {"fund_yuan": -5}),
        ("committee", {"fund": "issue", "fund_issue": 0, "fund_yuan": float("nan")}),
        ("committee", {"disclose": True}),
        ("organisation", {"space": "yes"}),
        ("organisation", {"staff_hours": -1}),
        ("organisation", {"staff_hours": "3"}),
        ("organisation", {"staff_hours": float("nan")}),
        ("organisation", {"staff_hours": float("inf")}),
        ("leader", {"ask": list(range(100))}),
        ("organisation", {"money": 100}),
        ("resident", {"ask": []}),
    ],
)
def test_hostile_choices_are_refused_and_nothing_is_recorded(role, payload):
    run = open_class()
    student = run.roster.join(run.roster.code, "X", role)
    with pytest.raises(ClassroomError):
        run.choose(student.token, payload)
    assert run.pending == {}


def test_the_committee_and_a_representative_act_within_what_they_have():
    run = open_class()
    chair = run.roster.join(run.roster.code, "Chair", "committee")
    view = run.view(chair.token)
    with pytest.raises(ClassroomError, match="reported to the committee"):
        run.choose(chair.token, {"fund": "issue", "fund_issue": 10**6, "fund_yuan": 10})
    with pytest.raises(ClassroomError, match="name an issue only"):
        run.choose(chair.token, {"fund": "withhold", "fund_issue": 3})
    play(run, 6, lambda: None)
    view = run.view(chair.token)
    if view.issues:
        with pytest.raises(ClassroomError, match="the fund holds"):
            run.choose(
                chair.token, {"fund": "issue", "fund_issue": view.issues[0].issue, "fund_yuan": view.fund_balance + 1}
            )
    rep = run.roster.join(run.roster.code, "Rep", "organisation")
    org = run.view(rep.token)
    with pytest.raises(ClassroomError, match="staff hours a week"):
        run.choose(rep.token, {"space": False, "staff_hours": org.staff_hours + 1})
    if not org.has_space:
        with pytest.raises(ClassroomError, match="no space"):
            run.choose(rep.token, {"space": True, "staff_hours": 0})


def test_silent_officials_leave_the_model_s_own_run():
    run = open_class()
    for role in ("leader", "committee", "organisation"):
        run.roster.join(run.roster.code, role, role)
    play(run, 4, lambda: None)
    twin = SETUP.build()
    for _ in range(4):
        twin.step()
    for name in ("acts_activities", "trust", "role"):
        assert np.array_equal(getattr(run.model.residents, name), getattr(twin.residents, name))
    assert run.model.finance.project_spent == twin.finance.project_spent
    timeline = run.timeline_table()
    assert set(timeline["role"]) == {"leader", "committee", "organisation"}
    assert not timeline["chose_in_time"].any()


def leader_class(asks: bool) -> tuple[ClassRun, list[int]]:
    setup = ClassSetup(
        n_residents=300,
        weeks=20,
        seed=9,
        policy="acquaintance",
        overrides={"leader_reach": 0.1, "leader_training": 0.0, "quit_base": 0.0, "quit_burnout": 0.0},
    )
    run = open_class(setup)
    first = min(run.roster.agents["leader"])  # the same leader in both classes (seats are shuffled)
    run.roster.agents = {**run.roster.agents, "leader": [first]}
    leader = run.roster.join(run.roster.code, "Lead", "leader")
    neighbours = [n.slot for n in run.view(leader.token).neighbours][:MAX_LEADER_ASKS]
    play(run, 20, lambda: run.choose(leader.token, {"ask": neighbours if asks else []}))
    return run, neighbours


def test_residents_a_played_leader_asks_take_part_more_than_when_nobody_is_asked():
    asking, neighbours = leader_class(True)
    silent, same = leader_class(False)
    assert neighbours == same
    acts = [run.model.residents.acts_activities[neighbours].sum() for run in (asking, silent)]
    assert acts[0] > acts[1]
    table = asking.comparisons().set_index(["role", "measure"])
    asked = table.loc[("leader", "residents asked in person")]
    assert asked["class"] == MAX_LEADER_ASKS * 20 and asked["class"] > asked["model"] and asked["agents"] == 1


def test_a_committee_that_withholds_the_fund_and_opens_every_week_shows_in_the_debrief():
    setup = ClassSetup(n_residents=300, weeks=30, seed=8, policy="acquaintance")
    run = open_class(setup)
    chair = run.roster.join(run.roster.code, "Chair", "committee")
    formats = {"environment": "immediate", "disputes": "on_the_spot"}
    play(run, 30, lambda: run.choose(chair.token, {"fund": "withhold", "disclose": "yes", "formats": formats}))
    assert run.model.finance.project_spent == 0 and run.model.disclosure.open_days == 30
    table = run.comparisons().set_index(["role", "measure"])
    assert table.loc[("committee", "open days held"), "class"] == 30
    assert table.loc[("committee", "open days held"), "model"] < 30
    spent = table.loc[("committee", "fund spent on projects (yuan)")]
    assert spent["class"] == 0 < spent["model"]
    timeline = run.timeline_table()
    assert timeline["open_day"].all() and (timeline["fund_spent_yuan"] == 0).all()
    assert "immediate" in timeline["choice"].iloc[0]


def test_a_representative_s_staff_hours_are_given_and_compared_with_the_model_s():
    setup = ClassSetup(n_residents=300, weeks=5, seed=4, policy="social_work_committee")
    run = open_class(setup)
    rep = run.roster.join(run.roster.code, "Rep", "organisation")
    hours = run.view(rep.token).staff_hours
    play(run, 5, lambda: run.choose(rep.token, {"space": False, "staff_hours": hours}))
    timeline = run.timeline_table()
    assert np.allclose(timeline["staff_hours_given"], hours) and (timeline["space_given"] == 0).all()
    csv = timeline.to_csv(index=False)
    assert csv.splitlines()[0].startswith("week,role,student,agent")
    table = run.comparisons().set_index(["role", "measure"])
    assert table.loc[("organisation", "staff hours given"), "class"] == pytest.approx(5 * hours)
    assert table.loc[("organisation", "staff hours given"), "model"] < 5 * hours


def test_the_committee_sees_reported_open_issues_by_kind_and_the_fund_and_a_representative_their_own():
    run = open_class(ClassSetup(n_residents=300, weeks=20, seed=3, policy="acquaintance"))
    play(run, 12, lambda: None)
    chair = run.roster.join(run.roster.code, "Chair", "committee")
    view = run.view(chair.token)
    issues = run.model.issues
    assert {seen.issue for seen in view.issues} == set(np.flatnonzero(issues.open & issues.known))
    order = [CATEGORIES.index(seen.category) for seen in view.issues]
    assert order == sorted(order)
    assert view.fund_balance == run.model.finance.fund_balance and view.open_days == run.model.disclosure.open_days
    assert view.rule_formats == dict.fromkeys(CATEGORIES, "council")  # acquaintance: no tiered formats
    rep = run.roster.join(run.roster.code, "Rep", "organisation")
    org = run.view(rep.token)
    orgs = run.model.organisations
    assert org.organisation == rep.seat.agent and org.staff_hours == orgs.staff_hours[rep.seat.agent]
    assert org.has_space == orgs.space[rep.seat.agent] and org.volunteers > 0
