"""The Classroom page's lessons: the classroom lessons it offers, checked against its limits, and their notes.

The lessons file and its schema are :mod:`commsim.classroom.lessons`; here each lesson is
also checked against what the Classroom page's form can open (its presets, its residents
and weeks bounds, and lever edits a control could make), so a lesson can never open a
class the form would refuse. The teacher's notes are markdown written by whoever wrote the
file: they are shown with :class:`commsim.dashboard.markup.SafeMarkdown`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import solara

from commsim.classroom.lessons import CLASSROOM_LESSONS, ClassroomLesson, check_setup_resolves, read_classroom_lessons
from commsim.classroom.roster import ROLE_LABELS
from commsim.config.yaml_files import ConfigError
from commsim.dashboard.markup import SafeMarkdown
from commsim.dashboard.settings import Bound, LimitError, check_lever_edits, check_preset, error_text
from commsim.lessons import FieldCheck
from commsim.runs.labels import parameter_in_words, parameter_label

CLASS_RESIDENTS = Bound("residents", 200, 2000)
CLASS_WEEKS = Bound("weeks", 1, 104)
NO_LESSON = "(none: choose the setup)"


def _check_openable(lesson: ClassroomLesson) -> list[FieldCheck]:
    """The checks that refuse a classroom lesson the Classroom page could not open, field by field."""
    edits = list(lesson.overrides.items())
    return [
        (("profile",), lambda: check_preset("profile", lesson.profile)),
        (("policy",), lambda: check_preset("policy", lesson.policy)),
        (("n_residents",), lambda: CLASS_RESIDENTS.check(lesson.n_residents)),
        (("weeks",), lambda: CLASS_WEEKS.check(lesson.weeks)),
        *((("overrides", name), lambda edit={name: value}: check_lever_edits(edit)) for name, value in edits),
    ]


def _limit_as_config_error(check):
    """A check that raises ``ConfigError`` where a dashboard check raises ``LimitError``."""

    def run():
        try:
            return check()
        except LimitError as error:
            raise ConfigError(error_text(error)) from None

    return run


@cache
def classroom_lessons(path: Path = CLASSROOM_LESSONS) -> tuple[ClassroomLesson, ...]:
    """The classroom lessons, checked against the presets, the declaration and this page's limits.

    Raises:
        ConfigError: Naming the file, line and field of a lesson that cannot open a class.
    """

    def checks(lesson: ClassroomLesson) -> list[FieldCheck]:
        ours = [(field, _limit_as_config_error(check)) for field, check in _check_openable(lesson)]
        return [*ours, *check_setup_resolves(lesson)]

    return read_classroom_lessons(path, check=checks)


def classroom_lesson(lesson_id: object) -> ClassroomLesson | None:
    """The shipped classroom lesson of this id, or None."""
    return next((lesson for lesson in classroom_lessons() if lesson.id == lesson_id), None)


def lesson_edits_text(lesson: ClassroomLesson) -> str:
    """A lesson's lever edits and open roles in words."""
    edits = [f"{parameter_label(name)}: {parameter_in_words(name, value)}" for name, value in lesson.overrides.items()]
    roles = ", ".join(ROLE_LABELS[role] for role in lesson.roles)
    return f"{'; '.join(edits) or 'the package as it is'}; seats for {roles}"


@solara.component
def TeacherNotesCard(lesson: ClassroomLesson, *, week: int | None):
    """The lesson's notes: before the class, what to watch for at which week (this week's marked), the debrief."""
    notes = lesson.notes
    watch = "\n".join(
        f"- **week {point.week}**{' (now)' if week is not None and point.week == week else ''}: {point.what}"
        for point in notes.watch_for
    )
    questions = "\n".join(f"- {question}" for question in notes.debrief_questions)
    with solara.Card(f"Teacher notes: {lesson.title}", style={"max-width": "900px"}):
        SafeMarkdown(f"*{lesson.practice}*\n\n#### Before the class\n{notes.before_class}")
        SafeMarkdown(f"#### What to watch for\n{watch}\n\n#### Debrief questions\n{questions}")
