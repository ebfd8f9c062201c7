"""The Classroom page's lessons: starting the form from a lesson, and its notes."""

from __future__ import annotations

import ipyvuetify as v
import solara

from commsim.classroom.registry import CLASSES
from commsim.dashboard.class_lessons import NO_LESSON, TeacherNotesCard, classroom_lesson
from commsim.dashboard.classroom import NewClass
from commsim.dashboard.server import CLASSROOM_LESSON_VARIABLE


def slider(rc, label: str):
    return rc.find(v.Slider, label=label).widget.v_model


def test_starting_from_a_lesson_fills_the_form_and_opens_its_class(monkeypatch):
    monkeypatch.delenv(CLASSROOM_LESSON_VARIABLE, raising=False)
    opened = []
    _, rc = solara.render(NewClass(lambda run, lesson: opened.append((run, lesson))), handle_error=False)
    select = rc.find(v.Select, label="Start from a lesson").widget
    assert select.v_model == NO_LESSON
    lesson = classroom_lesson("changning_council")
    select.v_model = lesson.title
    assert slider(rc, "weeks the class runs") == lesson.weeks and slider(rc, "residents") == lesson.n_residents
    assert slider(rc, "pace (weeks per minute)") == lesson.pace
    assert (
        rc.find(v.Select, label="policy package").widget.v_model
        == "Consultation and participatory planning (Shanghai Changning)"
    )
    rc.find(v.CardTitle, children=[f"Teacher notes: {lesson.title}"]).assert_single()
    rc.find(v.Btn, children=["Open the class"]).widget.click()
    run, chosen = opened[0]
    try:
        assert chosen is lesson and run.setup == lesson.setup()
        assert run.roster.open_roles == set(lesson.roles) and run.clock.pace == lesson.pace
    finally:
        CLASSES.close(run, run.roster.teacher_token)
    select.v_model = NO_LESSON
    rc.find(v.CardTitle, children=[f"Teacher notes: {lesson.title}"]).assert_empty()


def test_a_lesson_named_at_start_up_is_preselected(monkeypatch):
    monkeypatch.setenv(CLASSROOM_LESSON_VARIABLE, "xidu_team_leaders")
    lesson = classroom_lesson("xidu_team_leaders")
    _, rc = solara.render(NewClass(lambda run, lesson: None), handle_error=False)
    assert rc.find(v.Select, label="Start from a lesson").widget.v_model == lesson.title
    assert slider(rc, "weeks the class runs") == lesson.weeks
    rc.find(v.CardTitle, children=[f"Teacher notes: {lesson.title}"]).assert_single()


def test_the_notes_mark_what_to_watch_for_this_week():
    lesson = classroom_lesson("xidu_team_leaders")
    week = lesson.notes.watch_for[1].week
    _, rc = solara.render(TeacherNotesCard(lesson, week=week), handle_error=False)
    markdown = " ".join(widget.unsafe_innerHTML for widget in rc.find(solara.widgets.widgets.HTML).widgets)
    assert f"<strong>week {week}</strong> (now)" in markdown
    assert markdown.count("(now)") == 1


def test_the_teacher_sees_how_late_the_weeks_ran():
    from commsim.classroom.run import ClassRun, ClassSetup
    from commsim.dashboard.classroom import TeacherView

    run = ClassRun.open(ClassSetup(n_residents=200, weeks=3), pace=30.0)
    _, rc = solara.render(TeacherView(run, run.roster.teacher_token, on_close=lambda: None), handle_error=False)
    texts = [child for widget in rc.find(v.Html).widgets for child in widget.children if isinstance(child, str)]
    assert any(text.startswith("Week 0 of 3") for text in texts)
    assert not any("Keeping time" in text for text in texts)  # no week has run yet
    rc.close()
    run.clock.start(now=0.0)
    run.tick(2.5)  # due at 2.0
    run.tick(4.5)  # due at 4.5
    _, rc = solara.render(TeacherView(run, run.roster.teacher_token, on_close=lambda: None), handle_error=False)
    rc.find(
        children=["Keeping time: the weeks ran 0.25 s after their time at the median and 0.50 s at most (2 weeks)"]
    ).assert_single()
    rc.close()


def test_run_to_week_refuses_what_is_not_a_whole_number_and_leaves_the_clock_alone():
    """The box is text, so what the teacher sees in it is what the server checks (no stale last valid week)."""
    from commsim.classroom.run import ClassRun, ClassSetup
    from commsim.dashboard.classroom import TeacherView

    run = ClassRun.open(ClassSetup(n_residents=200, weeks=6), pace=30.0)
    _, rc = solara.render(TeacherView(run, run.roster.teacher_token, on_close=lambda: None), handle_error=False)
    field = rc.find(v.TextField, label="run to week").widget
    for typed, refusal in (("abc", "'abc' is not a whole number"), ("99", "at most 6"), ("<b>1</b>", "not a whole")):
        field.v_model = typed
        rc.find(v.Btn, children=["Run to week"]).widget.click()
        assert run.clock.state != "running", typed
        rc.find(v.Alert).assert_single()
        assert refusal in str(rc.find(v.Alert).widget.children), typed
    field.v_model = "4"
    rc.find(v.Btn, children=["Run to week"]).widget.click()
    assert run.clock.state == "running" and run.clock.target == 4
    rc.close()


def test_a_teacher_whose_page_reloaded_takes_the_class_back_with_its_key():
    """A reload is a new browser session: the join code and the teacher key give the class back, nothing else does."""
    from commsim.classroom.run import ClassSetup
    from commsim.dashboard import state
    from commsim.dashboard.classroom import Classroom

    for key in [key for key in state._KEPT if key.startswith("classroom:")]:
        state._KEPT.pop(key).set(None)
    run = CLASSES.open(ClassSetup(n_residents=200, weeks=4), pace=30.0)
    _, rc = solara.render(Classroom(), handle_error=False)
    try:
        code, key = rc.find(v.TextField, label="join code").widget, rc.find(v.TextField, label="teacher key").widget
        attempts = ((run.roster.code, "guess"), ("NOPE99", run.roster.teacher_token), (run.roster.code, ""))
        for typed_code, typed_key in attempts:
            code.v_model, key.v_model = typed_code, typed_key
            rc.find(v.Btn, children=["Return to the class"]).widget.click()
            assert "Refused" in str(rc.find(v.Alert).widget.children)
            assert not rc.find(children=[f"Join code: {run.roster.code}"])
        code.v_model, key.v_model = run.roster.code.lower(), run.roster.teacher_token
        rc.find(v.Btn, children=["Return to the class"]).widget.click()
        rc.find(children=[f"Join code: {run.roster.code}"]).assert_single()
        assert state.kept("classroom:token").peek() == run.roster.teacher_token
    finally:
        rc.close()
        CLASSES.close(run, run.roster.teacher_token)
        for key in [key for key in state._KEPT if key.startswith("classroom:")]:
            state._KEPT.pop(key).set(None)


def test_the_setup_sliders_say_their_values_and_survive_what_a_browser_sends(monkeypatch):
    monkeypatch.delenv(CLASSROOM_LESSON_VARIABLE, raising=False)
    _, rc = solara.render(NewClass(lambda run, lesson: None), handle_error=False)
    texts = [child for widget in rc.find(v.Html).widgets for child in widget.children if isinstance(child, str)]
    assert any(text.startswith("1,000 residents (from ") for text in texts)
    assert any(text.startswith("26 weeks (from ") for text in texts)
    assert "4 weeks a minute: 15 s to choose each week" in texts
    rc.find(v.Slider, label="pace (weeks per minute)").widget.v_model = 0  # no control sends this; a script can
    texts = [child for widget in rc.find(v.Html).widgets for child in widget.children if isinstance(child, str)]
    assert not any("s to choose each week" in text for text in texts)  # and the page still draws
    rc.close()


def test_a_student_whose_page_reloaded_takes_their_seat_back_with_its_key():
    from commsim.classroom.run import ClassSetup
    from commsim.dashboard import state
    from commsim.dashboard.classroom import JoinClass

    run = CLASSES.open(ClassSetup(n_residents=200, weeks=4), pace=30.0)
    student = run.roster.join(run.roster.code, "Ana")
    for key in [key for key in state._KEPT if key.startswith("join:")]:
        state._KEPT.pop(key).set(None)
    _, rc = solara.render(JoinClass(), handle_error=False)
    try:
        code = rc.find(v.TextField, label="your class's code").widget
        key = rc.find(v.TextField, label="seat key").widget
        code.v_model, key.v_model = run.roster.code, run.roster.teacher_token  # not a seat's key
        rc.find(v.Btn, children=["Back to my seat"]).widget.click()
        assert "not the key of a seat" in str(rc.find(v.Alert).widget.children)
        key.v_model = student.token
        rc.find(v.Btn, children=["Back to my seat"]).widget.click()
        assert state.kept("join:token").peek() == student.token
        assert len(run.roster.students) == 1  # the same seat, not a new one
    finally:
        rc.close()
        CLASSES.close(run, run.roster.teacher_token)
        for key in [key for key in state._KEPT if key.startswith("join:")]:
            state._KEPT.pop(key).set(None)
