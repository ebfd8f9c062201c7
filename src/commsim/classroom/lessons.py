"""Classroom lessons: a class run's setup with the teacher's notes, and the reading of a classroom lessons file.

A classroom lesson sets up a whole class: the community profile, the policy package, lever
edits, seed, residents, weeks, pace and the roles students may take; and it carries notes
for the teacher in plain words: what to do before the class, what to watch for at which
week, and the questions of the debrief. The file is read with the same strict reader as
the Learn page's lessons (:func:`commsim.lessons.read_lessons`): unknown keys, wrong
types, HTML or hidden characters in a text, and presets or edits that do not resolve are
refused with one line naming file, line and field. The dashboard adds its own limits on
size and length when it loads the file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from commsim.classroom.clock import PACE_RANGE
from commsim.classroom.roster import ROLES
from commsim.classroom.run import ClassSetup
from commsim.lessons import MAX_LIST_ITEMS, FieldCheck, check_resolves, read_lessons, text_field

CLASSROOM_LESSONS = Path(__file__).resolve().parents[1] / "dashboard" / "content" / "classroom_lessons.yaml"
# Keys only a classroom lesson has: how a file is told from the Learn page's lessons.
OWN_KEYS = frozenset({"notes", "pace", "roles", "weeks"})


class WatchPoint(BaseModel):
    """Something to watch for while the class runs, and the week it shows."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    week: int = Field(ge=0)
    what: text_field(2_000)


class TeacherNotes(BaseModel):
    """The teacher's notes of a classroom lesson."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    before_class: text_field(5_000)
    watch_for: list[WatchPoint] = Field(min_length=1, max_length=MAX_LIST_ITEMS)
    debrief_questions: list[text_field(2_000)] = Field(min_length=1, max_length=MAX_LIST_ITEMS)


class ClassroomLesson(BaseModel):
    """A classroom lesson: the setup a class opens with, and the teacher's notes."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)
    title: text_field(200)
    practice: text_field(500)
    profile: str = Field(max_length=80)
    policy: str = Field(max_length=80)
    overrides: dict[str, Any] = Field(default_factory=dict, max_length=50)
    seed: int = Field(ge=0, le=2**32 - 1)
    n_residents: int = Field(ge=1)
    weeks: int = Field(ge=1)
    pace: float = Field(ge=PACE_RANGE[0], le=PACE_RANGE[1])
    roles: list[Literal[ROLES]] = Field(min_length=1, max_length=len(ROLES))
    notes: TeacherNotes

    @model_validator(mode="after")
    def _watch_within_the_run(self) -> ClassroomLesson:
        late = [point.week for point in self.notes.watch_for if point.week > self.weeks]
        if late:
            raise ValueError(f"notes.watch_for names week {late[0]}, after the class's last week {self.weeks}")
        if "resident" not in self.roles:
            raise ValueError("roles must include resident: every class offers residents' seats")
        return self

    def setup(self) -> ClassSetup:
        """The class setup this lesson opens."""
        return ClassSetup(
            profile=self.profile,
            policy=self.policy,
            overrides=dict(self.overrides),
            seed=self.seed,
            n_residents=self.n_residents,
            weeks=self.weeks,
        )


def check_setup_resolves(lesson: ClassroomLesson) -> Sequence[FieldCheck]:
    """The checks that a classroom lesson's presets and edits resolve against the parameter declaration.

    The same checks as an Explore lesson's (:func:`commsim.lessons.check_resolves`): a
    classroom lesson names its community by the same four fields.
    """
    return check_resolves(lesson)


def read_classroom_lessons(
    path: Path = CLASSROOM_LESSONS,
    *,
    check: Callable[[ClassroomLesson], Sequence[FieldCheck]] = check_setup_resolves,
) -> tuple[ClassroomLesson, ...]:
    """Read and check a classroom lessons file.

    Args:
        path: The file (a YAML list of classroom lessons).
        check: The field checks of a validated lesson (each raising ``ConfigError``).

    Returns:
        The lessons in file order.

    Raises:
        ConfigError: Naming the file, line and field of a bad lesson.
    """
    return read_lessons(path, schema=ClassroomLesson, check=check)


def is_classroom_lessons(data: object) -> bool:
    """Whether YAML data looks like a classroom lessons file: a list with an entry holding a classroom key."""
    return isinstance(data, list) and any(isinstance(item, dict) and OWN_KEYS & set(item) for item in data)
