"""The class roster (join code, tokens, seats, rate limit) and the class clock, enforced on the server."""

from __future__ import annotations

import pytest

from commsim.classroom.clock import ClassClock, ClockError
from commsim.classroom.roster import CODE_ALPHABET, ClassLimits, ClassroomError, Roster

AGENTS = {"resident": [10, 11, 12], "leader": [40], "committee": [0], "organisation": [0, 1]}


@pytest.fixture
def roster() -> Roster:
    return Roster.open(AGENTS, limits=ClassLimits(students=4, actions="3/10 seconds"))


def test_a_class_has_a_code_without_look_alikes_and_a_teacher_token(roster):
    assert len(roster.code) == 6 and set(roster.code) <= set(CODE_ALPHABET)
    assert not set("0O1IL") & set(roster.code)
    assert roster.is_teacher(roster.teacher_token) and not roster.is_teacher("guess") and not roster.is_teacher(None)
    assert len({Roster.open(AGENTS).code for _ in range(50)}) >= 45  # drawn afresh (31^6 codes), not fixed


def test_students_join_with_the_code_and_get_distinct_agents(roster):
    first = roster.join(roster.code.lower(), "  Li Wei ")
    second = roster.join(roster.code, "<b>Zhang</b>")
    assert first.name == "Li Wei" and second.name == "<b>Zhang</b>"  # kept as text; the page escapes it
    assert first.seat.role == second.seat.role == "resident" and first.seat.agent != second.seat.agent
    assert {first.seat.agent, second.seat.agent} <= set(AGENTS["resident"])
    assert first.token != second.token and roster.student(first.token) is first
    assert not roster.is_teacher(first.token)


@pytest.mark.parametrize(
    ("code", "name", "role", "message"),
    [
        ("WRONG1", "Ann", "resident", "not this class's"),
        (None, "Ann", "resident", "not this class's"),
        ("{code}", "", "resident", "type a name"),
        ("{code}", "x" * 41, "resident", "at most 40 characters"),
        ("{code}", "Ann\nBob", "resident", "one line"),
        ("{code}", "Ann", "mayor", "no role 'mayor'"),
        ("{code}", "Ann", "leader", "has not opened seats"),
    ],
)
def test_bad_joins_are_refused_with_the_reason(roster, code, name, role, message):
    with pytest.raises(ClassroomError, match=message):
        roster.join(roster.code if code == "{code}" else code, name, role)
    assert roster.students == {}


def test_seats_run_out_and_a_class_fills(roster):
    roster.set_open_roles(roster.teacher_token, ["resident", "leader"])
    roster.join(roster.code, "A", "leader")
    with pytest.raises(ClassroomError, match="every seat for a building team leader is taken"):
        roster.join(roster.code, "B", "leader")
    for name in ("C", "D", "E"):
        roster.join(roster.code, name)
    with pytest.raises(ClassroomError, match="the class is full"):
        roster.join(roster.code, "F")


def test_only_the_teacher_opens_roles_and_a_leaver_gives_the_agent_back(roster):
    student = roster.join(roster.code, "A")
    with pytest.raises(ClassroomError, match="only the teacher"):
        roster.set_open_roles(student.token, ["leader"])
    with pytest.raises(ClassroomError, match="no role"):
        roster.set_open_roles(roster.teacher_token, ["king"])
    assert roster.played("resident") == {student.seat.agent: student.token}
    assert roster.leave(student.token) == student.seat
    assert roster.played("resident") == {}
    with pytest.raises(ClassroomError, match="no longer"):
        roster.student(student.token)


def test_actions_are_rate_limited_per_token(roster):
    first, second = roster.join(roster.code, "A"), roster.join(roster.code, "B")
    assert [roster.allow(first.token) for _ in range(4)] == [True, True, True, False]
    assert roster.allow(second.token)  # another student's budget is their own


def test_the_clock_runs_weeks_at_the_pace_and_stops_at_the_target():
    clock = ClassClock(last_week=10, pace=6.0)  # a week every 10 s
    assert not clock.due(0.0) and clock.window_s == 10.0
    clock.run_to(3, now=0.0)
    assert not clock.due(9.9) and clock.due(10.0) and clock.remaining_s(4.0) == 6.0
    for now in (10.0, 20.0, 30.0):
        assert clock.due(now)
        clock.ran(now)
    assert (clock.week, clock.state) == (3, "paused") and not clock.due(1e9)
    clock.step()
    assert clock.due(0.0)
    clock.ran(0.0)
    assert (clock.week, clock.state) == (4, "paused")
    clock.start(100.0)
    with pytest.raises(ClockError, match="pause the class"):
        clock.step()


def test_the_clock_ends_at_the_last_week_and_refuses_bad_commands():
    clock = ClassClock(last_week=2, pace=30.0)
    clock.start(0.0)
    clock.ran(2.0)
    clock.ran(4.0)
    assert clock.state == "ended" and not clock.due(100.0)
    with pytest.raises(ClockError, match="ended"):
        clock.start(5.0)
    for bad in (0.1, 31, float("nan"), "4"):
        with pytest.raises(ClockError, match="weeks per minute"):
            ClassClock(last_week=5).set_pace(bad)
    with pytest.raises(ClockError, match="run to a week after 0"):
        ClassClock(last_week=5).run_to(9, now=0.0)
    with pytest.raises(ClockError, match="at least one week"):
        ClassClock(last_week=0)


def test_the_clock_records_how_late_each_running_week_ran():
    clock = ClassClock(last_week=4, pace=30.0)  # a 2-second window
    clock.start(now=100.0)
    clock.ran(now=102.25)  # due at 102.0
    clock.ran(now=104.25)  # due at 104.25: on time
    clock.pause()
    clock.step()
    clock.ran(now=500.0)  # a step asked by hand has no deadline to be late for
    assert clock.late_s == pytest.approx([0.25, 0.0])
    assert clock.week == 3
