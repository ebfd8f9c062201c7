"""A class run end to end without a browser: students join, choose, drop out; weeks run; the debrief compares."""

from __future__ import annotations

import pytest

from commsim.classroom.roster import ClassLimits, ClassroomError
from commsim.classroom.run import ClassRun, ClassSetup

SETUP = ClassSetup(n_residents=300, weeks=6, seed=7)


@pytest.fixture
def run() -> ClassRun:
    return ClassRun.open(SETUP, pace=30.0, limits=ClassLimits(actions="50/10 seconds"))


def test_a_class_plays_weeks_and_the_debrief_compares_with_the_model(run):
    keen = run.roster.join(run.roster.code, "Keen")
    run.roster.join(run.roster.code, "Idle")
    leaver = run.roster.join(run.roster.code, "Leaver")
    run.clock.run_to(6, now=0.0)
    now = 0.0
    while run.clock.state == "running":
        run.choose(keen.token, {"activity": True, "ask_help": False, "offer_help": True, "deliberation": True})
        if run.model.steps < 2:
            run.choose(leaver.token, {"activity": False})
        elif leaver.token in run.roster.students:
            run.roster.leave(leaver.token)  # dropped out: the model plays the resident from now on
        now += run.clock.window_s
        assert run.tick(now)
    assert run.model.steps == 6 and run.clock.state == "ended"
    assert not run.tick(now + 100)

    timeline = run.timeline_table()
    assert (
        len(timeline[timeline["student"] == "Keen"]) == 6
        and timeline.loc[timeline["student"] == "Keen", "chose_in_time"].all()
    )
    assert not timeline.loc[timeline["student"] == "Idle", "chose_in_time"].any()  # the model chose for them
    assert timeline.loc[timeline["student"] == "Idle", "activity"].isna().all()
    assert len(timeline[timeline["student"] == "Leaver"]) == 2
    assert (timeline.loc[timeline["student"] == "Leaver", "acts_activities"] == 0).all()

    debrief = run.debrief().set_index("channel")
    assert list(debrief.index) == ["activities", "deliberation", "mutual aid"]
    assert (debrief["residents"] == 3).all()
    assert debrief.loc["activities", "difference"] == pytest.approx(
        debrief.loc["activities", "class"] - debrief.loc["activities", "model"]
    )
    with pytest.raises(ClassroomError, match="ended"):
        run.choose(keen.token, {"activity": True})


def test_nobody_choosing_gives_the_model_s_own_run(run):
    run.roster.join(run.roster.code, "Silent")
    run.clock.step()
    run.tick(0.0)
    twin = SETUP.build()
    twin.step()
    assert (run.model.residents.acts_activities == twin.residents.acts_activities).all()


@pytest.mark.parametrize(
    "payload", [{"activity": "yes"}, {"activity": 1}, {"vote": True}, ["activity"], {"activity": True, "x": False}]
)
def test_choices_other_than_four_yes_no_answers_are_refused(run, payload):
    student = run.roster.join(run.roster.code, "A")
    with pytest.raises(ClassroomError, match="yes or no"):
        run.choose(student.token, payload)
    assert run.pending == {}


def test_a_stranger_cannot_choose_or_look_and_a_flood_is_cut_off():
    run = ClassRun.open(SETUP, limits=ClassLimits(actions="3/10 seconds"))
    with pytest.raises(ClassroomError, match=r"not .*in this class"):
        run.choose("forged-token", {"activity": True})
    with pytest.raises(ClassroomError, match=r"not .*in this class"):
        run.view(run.roster.teacher_token)  # the teacher's token is not a student's
    student = run.roster.join(run.roster.code, "A")
    for _ in range(3):
        run.choose(student.token, {"activity": True})
    with pytest.raises(ClassroomError, match="too many"):
        run.choose(student.token, {"activity": False})
    assert run.pending[student.token].activity is True
    assert run.view(student.token).slot == student.seat.agent
