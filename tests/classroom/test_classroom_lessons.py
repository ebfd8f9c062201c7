"""Classroom lessons: the shipped file reads, a bad lesson is refused naming file, line and field."""

from __future__ import annotations

import pytest
import yaml

from commsim.classroom.clock import PACE_RANGE
from commsim.classroom.lessons import CLASSROOM_LESSONS, ClassroomLesson, is_classroom_lessons, read_classroom_lessons
from commsim.classroom.roster import ROLES
from commsim.classroom.run import ClassRun
from commsim.config.yaml_files import ConfigError
from commsim.dashboard.class_lessons import CLASS_RESIDENTS, classroom_lesson, classroom_lessons, lesson_edits_text


def a_lesson(**fields) -> dict:
    """The first shipped classroom lesson as a fresh entry ``tiny``, with the fields given."""
    first = yaml.safe_load(CLASSROOM_LESSONS.read_text(encoding="utf-8"))[0]
    return first | {"id": "tiny"} | fields


def write(tmp_path, entries):
    path = tmp_path / "classroom_lessons.yaml"
    path.write_text(yaml.safe_dump(entries, sort_keys=False), encoding="utf-8")
    return path


def test_the_shipped_classroom_lessons_set_up_a_whole_class():
    found = classroom_lessons()
    assert {lesson.id for lesson in found} >= {"xidu_team_leaders", "changning_council"}
    for lesson in found:
        assert isinstance(lesson, ClassroomLesson)
        assert "resident" in lesson.roles and set(lesson.roles) <= set(ROLES)
        assert PACE_RANGE[0] <= lesson.pace <= PACE_RANGE[1]
        assert lesson.notes.before_class and lesson.notes.watch_for and lesson.notes.debrief_questions
        assert all(point.week <= lesson.weeks for point in lesson.notes.watch_for)
        setup = lesson.setup()
        assert (setup.profile, setup.policy, setup.seed) == (lesson.profile, lesson.policy, lesson.seed)
        assert (setup.n_residents, setup.weeks, dict(setup.overrides)) == (
            lesson.n_residents,
            lesson.weeks,
            lesson.overrides,
        )


def test_the_xidu_lesson_edits_the_team_leaders_and_opens_the_leaders_seats():
    lesson = classroom_lesson("xidu_team_leaders")
    assert lesson.policy == "acquaintance" and lesson.overrides == {"leader_coverage": 0.5}
    assert "Share of buildings with a team leader: 50.0%" in lesson_edits_text(lesson)  # a share in percent
    assert "a building team leader" in lesson_edits_text(lesson)
    assert classroom_lesson("no_such_lesson") is None and classroom_lesson(None) is None


def test_a_class_opened_from_a_lesson_plays_its_community_with_its_roles_open():
    lesson = classroom_lesson("xidu_team_leaders").model_copy(update={"n_residents": 200, "weeks": 2})
    run = ClassRun.open(lesson.setup(), pace=lesson.pace)
    run.roster.set_open_roles(run.roster.teacher_token, lesson.roles)
    assert run.roster.open_roles == set(lesson.roles)
    assert run.model.p["leader_coverage"] == 0.5  # the lesson's edit of the acquaintance package
    assert run.clock.pace == lesson.pace and run.clock.last_week == 2


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"roles": ["resident", "mayor"]}, "0.roles.1: Input should be"),
        ({"roles": ["leader"]}, "roles must include resident"),
        ({"pace": 90.0}, "0.pace: Input should be less than or equal to 30"),
        ({"weeks": "26"}, "0.weeks: Input should be a valid integer"),
        ({"overrides": {"warp_speed": 3}}, "0.overrides: warp_speed: unknown parameter"),
        ({"profile": "atlantis"}, "0.profile: unknown community profile 'atlantis'"),
        ({"mood": "sunny"}, "0.mood: unknown key"),
    ],
    ids=["unknown role", "no residents", "pace too fast", "weeks as text", "unknown lever", "unknown profile", "key"],
)
def test_a_bad_classroom_lesson_is_refused_naming_the_file(tmp_path, fields, message):
    path = write(tmp_path, [a_lesson(**fields)])
    with pytest.raises(ConfigError) as raised:
        read_classroom_lessons(path)
    assert str(raised.value).startswith(str(path)) and message in str(raised.value)


def test_notes_are_checked_like_every_lesson_text(tmp_path):
    notes = a_lesson()["notes"]
    late = {**notes, "watch_for": [{"week": 99, "what": "too late"}]}
    with pytest.raises(ConfigError, match="names week 99, after the class's last week 26"):
        read_classroom_lessons(write(tmp_path, [a_lesson(notes=late)]))
    html = {**notes, "debrief_questions": ["<script>alert(1)</script>"]}
    with pytest.raises(ConfigError, match=r"notes.debrief_questions.0: .*holds HTML"):
        read_classroom_lessons(write(tmp_path, [a_lesson(notes=html)]))
    without = {key: value for key, value in notes.items() if key != "before_class"}
    with pytest.raises(ConfigError, match=r"notes\.before_class"):
        read_classroom_lessons(write(tmp_path, [a_lesson(notes=without)]))


def test_the_classroom_page_refuses_a_lesson_beyond_its_limits(tmp_path):
    path = write(tmp_path, [a_lesson(n_residents=CLASS_RESIDENTS.high + 1)])
    assert read_classroom_lessons(path)[0].n_residents == CLASS_RESIDENTS.high + 1  # the neutral schema takes it
    with pytest.raises(ConfigError, match=r"0.n_residents: .*residents"):
        classroom_lessons(path)


def test_a_classroom_lessons_file_is_told_from_the_learn_page_s():
    assert is_classroom_lessons([a_lesson()])
    assert not is_classroom_lessons([{"id": "x", "story": "s", "steps": 3}])
    assert not is_classroom_lessons({"notes": {}})
