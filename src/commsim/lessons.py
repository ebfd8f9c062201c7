"""Guided lessons: the schema of a lessons file and its reading, for every face that uses one.

A lesson names a community profile, a policy package, lever edits, a size and a number of
weeks, with the story and the steps a teacher writes. :func:`read_lessons` checks a file
against this schema and the parameter declaration (every preset and edit must resolve);
a face with narrower bounds (the dashboard's interactive limits) passes a stricter schema
and its own checks.

The schema is strict, like every file commsim reads: values keep their YAML types
(``steps: "26"`` or ``n_residents: true`` is refused), unknown keys are refused, and every
text is bounded and holds no HTML, images, links other than http/https/mailto, or hidden
characters (:func:`lesson_text`). Every refusal is one line naming file, line and field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from commsim.config.presets import load_preset, resolve_parameters
from commsim.config.yaml_files import ConfigError, line_of, read_yaml, validation_message

# Ceilings of a lessons file (the shipped lessons use well under a tenth of each).
MAX_LESSONS = 100
MAX_LIST_ITEMS = 30
URL_SCHEMES = ("http", "https", "mailto")
# What a lesson's text may not hold: it is markdown, shown with raw HTML turned off, so
# HTML would show as its characters; control characters (YAML lets a quoted string
# write them as escapes) and bidirectional overrides would hide what the text says.
_HTML = re.compile(r"<(?!(?:https?|mailto):[^\s<>]*>)[A-Za-z!/?]")
_LINK = re.compile(
    r"\]\(\s*<?\s*(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*):"  # [text](scheme:...)
    r"|^\s*\[[^\]]+\]:\s*<?(?P<ref>[A-Za-z][A-Za-z0-9+.-]*):",  # [name]: scheme:...
    re.M,
)
_HIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# A check of a validated lesson: the field it concerns and a call that raises ConfigError.
FieldCheck = tuple[tuple[str, ...], Callable[[], Any]]


def lesson_text(text: str) -> str:
    """Refuse text a lesson may not hold (HTML, images, links other than http/https/mailto, hidden characters)."""
    if hidden := _HIDDEN.search(text):
        raise ValueError(f"holds the hidden character U+{ord(hidden.group()):04X}; write plain text")
    if tag := _HTML.search(text):
        snippet = text[tag.start() : tag.start() + 20].split(">")[0]
        raise ValueError(f"holds HTML ({snippet!r}...); lessons are markdown without HTML, never shown as such")
    if "![" in text:
        raise ValueError("holds an image; the Learn page shows no images, so describe it in words")
    for link in _LINK.finditer(text):
        scheme = (link.group("scheme") or link.group("ref")).lower()
        if scheme not in URL_SCHEMES:
            raise ValueError(f"holds a link to {scheme}:; links may go to {', '.join(URL_SCHEMES)} only")
    return text


def text_field(longest: int) -> Any:
    """A lesson's text field: a non-empty string of at most ``longest`` characters, checked by :func:`lesson_text`."""
    return Annotated[str, Field(min_length=1, max_length=longest), AfterValidator(lesson_text)]


class Lesson(BaseModel):
    """A guided lesson: a preset to load, the practice behind it, steps and what to look for."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)
    title: text_field(200)
    practice: text_field(500)
    profile: str = Field(max_length=80)
    policy: str = Field(max_length=80)
    overrides: dict[str, Any] = Field(default_factory=dict, max_length=50)
    n_residents: int = Field(ge=1)
    steps: int = Field(ge=1)
    story: text_field(20_000)
    steps_to_try: list[text_field(2_000)] = Field(min_length=1, max_length=MAX_LIST_ITEMS)
    look_for: list[text_field(2_000)] = Field(min_length=1, max_length=MAX_LIST_ITEMS)
    question: text_field(2_000)


def check_resolves(lesson: Any) -> Sequence[FieldCheck]:
    """The checks that a lesson's presets, edits and size resolve against the parameter declaration.

    ``lesson`` is any lesson naming its community by ``profile``, ``policy``, ``overrides``
    and ``n_residents`` (an Explore lesson, a classroom lesson).

    Returns:
        Per field, a call raising ConfigError on an unknown preset or parameter, or a
        value outside its declared range.
    """
    return [
        (("profile",), lambda: load_preset("profile", lesson.profile)),
        (("policy",), lambda: load_preset("policy", lesson.policy)),
        (
            ("overrides",),
            lambda: resolve_parameters(
                lesson.profile, lesson.policy, {**lesson.overrides, "n_residents": lesson.n_residents}
            ),
        ),
    ]


def read_lessons(
    path: Path,
    *,
    schema: type[BaseModel] = Lesson,
    check: Callable[[Any], Sequence[FieldCheck]] = check_resolves,
) -> tuple[Any, ...]:
    """Read and check a lessons file.

    Args:
        path: The lessons file (a YAML list of 1 to :data:`MAX_LESSONS` lessons).
        schema: The lesson schema to validate each entry against (:class:`Lesson`, a stricter
            subclass, or another kind of lesson with an ``id``, such as a classroom lesson).
        check: The field checks of a validated lesson that refuse one that cannot be
            loaded (each raising :class:`ConfigError`), in order.

    Returns:
        The lessons in file order.

    Raises:
        ConfigError: Naming the file, line and field of a bad lesson (unknown key,
            preset or parameter, wrong type, missing field, out-of-range value, text
            with HTML or over its length, repeated id), of a file that is not a list
            of lessons, or of YAML that cannot be read.
    """
    data, node = read_yaml(path)

    def where(*location: Any) -> str:
        line = line_of(node, location)
        field = ".".join(str(part) for part in location) or "(top level)"
        return f"{path}:{line}: {field}" if line else f"{path}: {field}"

    if not isinstance(data, list) or not data:
        raise ConfigError(f"{where()}: expected a list of lessons, got {_kind(data)}")
    if len(data) > MAX_LESSONS:
        raise ConfigError(f"{where()}: {len(data):,} lessons; a lessons file holds at most {MAX_LESSONS}")
    found, seen = [], {}
    for index, entry in enumerate(data):
        if not isinstance(entry, dict):
            raise ConfigError(f"{where(index)}: expected a lesson (a mapping of keys to values), got {_kind(entry)}")
        try:
            lesson = schema.model_validate(entry)
        except ValidationError as error:
            raise ConfigError(validation_message(path, node, error, prefix=(index,), model=schema)) from error
        if lesson.id in seen:
            raise ConfigError(
                f"{where(index, 'id')}: id {lesson.id!r} is used twice (also by lesson {seen[lesson.id] + 1})"
            )
        seen[lesson.id] = index
        for field, run_check in check(lesson):
            try:
                run_check()
            except ConfigError as error:
                raise ConfigError(f"{where(index, *field)}: {error}") from error
        found.append(lesson)
    return tuple(found)


def _kind(value: Any) -> str:
    """What a YAML value is, in words (for messages)."""
    if value is None:
        return "nothing"
    if isinstance(value, list):
        return "an empty list" if not value else "a list"
    return "a mapping" if isinstance(value, dict) else f"{type(value).__name__} {value!r}"[:60]
