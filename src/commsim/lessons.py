"""Guided lessons: the schema of a lessons file and its reading, for every face that uses one.

A lesson names a community profile, a policy package, lever edits, a size and a number of
weeks, with the story and the steps a teacher writes. :func:`read_lessons` checks a file
against this schema and the parameter declaration (every preset and edit must resolve);
a face with narrower bounds (the dashboard's interactive limits) passes a stricter schema
and its own check.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from commsim.config.presets import resolve_parameters
from commsim.config.yaml_files import ConfigError, read_yaml, validation_message


class Lesson(BaseModel):
    """A guided lesson: a preset to load, the practice behind it, steps and what to look for."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    practice: str
    profile: str
    policy: str
    overrides: dict[str, Any] = Field(default_factory=dict)
    n_residents: int = Field(ge=1)
    steps: int = Field(ge=1)
    story: str
    steps_to_try: list[str] = Field(min_length=1)
    look_for: list[str] = Field(min_length=1)
    question: str


def check_resolves(lesson: Lesson) -> None:
    """Refuse a lesson whose presets, edits or size the parameter declaration rejects.

    Raises:
        ConfigError: On an unknown preset or parameter, or a value outside its declared range.
    """
    resolve_parameters(lesson.profile, lesson.policy, {**lesson.overrides, "n_residents": lesson.n_residents})


def read_lessons(
    path: Path, *, schema: type[Lesson] = Lesson, check: Callable[[Lesson], None] = check_resolves
) -> tuple[Lesson, ...]:
    """Read and check a lessons file.

    Args:
        path: The lessons file (a YAML list of lessons).
        schema: The lesson schema to validate each entry against (:class:`Lesson` or a stricter subclass).
        check: Refuses a validated lesson that cannot be loaded, raising :class:`ConfigError`.

    Returns:
        The lessons in file order.

    Raises:
        ConfigError: Naming the file, line and field of a bad lesson (unknown preset or
            parameter, out-of-range value, missing key, repeated id).
    """
    data, node = read_yaml(path)
    if not isinstance(data, list):
        raise ConfigError(f"{path}: expected a list of lessons")
    found, seen = [], set()
    for index, entry in enumerate(data):
        try:
            lesson = schema.model_validate(entry)
        except ValidationError as error:
            raise ConfigError(validation_message(path, node, error, prefix=(index,))) from error
        if lesson.id in seen:
            raise ConfigError(f"{path}: lesson {index + 1}: id {lesson.id!r} is used twice")
        seen.add(lesson.id)
        try:
            check(lesson)
        except ConfigError as error:
            raise ConfigError(f"{path}: lesson {lesson.id!r}: {error}") from error
        found.append(lesson)
    return tuple(found)
