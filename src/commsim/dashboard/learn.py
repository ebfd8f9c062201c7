"""The Learn page: the model explained in the sections of NetLogo's Info tab, and guided lessons.

The text lives in ``content/info.md`` and the lessons in ``content/lessons.yaml`` (or the
file ``COMMSIM_LESSONS`` names); each lesson is validated against the presets, the
parameter declaration and the dashboard's limits when loaded, so a lesson can never load
a scenario the dashboard refuses. A lesson's texts are markdown written by whoever wrote
the file: they are shown with :class:`commsim.dashboard.markup.SafeMarkdown`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Annotated, Any

import solara
import solara.lab
from markupsafe import Markup
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from commsim.config import ConfigError, line_of, read_yaml, validation_message
from commsim.dashboard import state
from commsim.dashboard.markup import URL_SCHEMES, SafeHTML, SafeMarkdown
from commsim.dashboard.settings import LIMITS, Scenario, check_lever_edits, check_preset, error_text

CONTENT = Path(__file__).resolve().parent / "content"
INFO_SECTIONS = (
    "What is it?",
    "How it works",
    "How to use it",
    "Things to notice",
    "Things to try",
    "Extending the model",
)


# Ceilings of a lessons file (the shipped lessons use well under a tenth of each).
MAX_LESSONS = 100
MAX_LIST_ITEMS = 30
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


def _lesson_text(text: str) -> str:
    """Refuse text a lesson may not hold (HTML, images, links other than http/https/mailto, hidden characters)."""
    if hidden := _HIDDEN.search(text):
        raise ValueError(f"holds the hidden character U+{ord(hidden.group()):04X}; write plain text")
    if tag := _HTML.search(text):
        snippet = text[tag.start() : tag.start() + 20].split(">")[0]
        raise ValueError(
            f"holds HTML ({snippet!r}...); lessons are markdown without HTML, which is never shown as such"
        )
    if "![" in text:
        raise ValueError("holds an image; the Learn page shows no images, so describe it in words")
    for link in _LINK.finditer(text):
        scheme = (link.group("scheme") or link.group("ref")).lower()
        if scheme not in URL_SCHEMES:
            raise ValueError(f"holds a link to {scheme}:; links may go to {', '.join(sorted(URL_SCHEMES))} only")
    return text


def _text(longest: int) -> Any:
    """A lesson's text field: a non-empty string of at most ``longest`` characters, checked by :func:`_lesson_text`."""
    return Annotated[str, Field(min_length=1, max_length=longest), AfterValidator(_lesson_text)]


class Lesson(BaseModel):
    """A guided lesson: a preset to load, the practice behind it, steps and what to look for.

    Strict, like every file commsim reads: values keep their YAML types (``steps: "26"``
    or ``n_residents: true`` is refused), unknown keys are refused, and every text is
    bounded and holds no HTML (see :func:`_lesson_text`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)
    title: _text(200)
    practice: _text(500)
    profile: str = Field(max_length=80)
    policy: str = Field(max_length=80)
    overrides: dict[str, Any] = Field(default_factory=dict, max_length=50)
    n_residents: int = Field(ge=LIMITS.explore_residents.low, le=LIMITS.explore_residents.high)
    steps: int = Field(ge=1, le=LIMITS.weeks.high)
    story: _text(20_000)
    steps_to_try: list[_text(2_000)] = Field(min_length=1, max_length=MAX_LIST_ITEMS)
    look_for: list[_text(2_000)] = Field(min_length=1, max_length=MAX_LIST_ITEMS)
    question: _text(2_000)

    def scenario(self, seed: int = 1) -> Scenario:
        """The Explore scenario this lesson loads."""
        return Scenario(self.profile, self.policy, dict(self.overrides), self.n_residents, seed)


def _check_scenario(lesson: Lesson, where: Callable[..., str]) -> None:
    """Refuse a lesson whose scenario the dashboard would refuse, naming the field at fault.

    Args:
        lesson: The lesson.
        where: ``file:line: index.field`` of a field path within the lesson.

    Raises:
        ConfigError: One line naming file, line and field.
    """
    edits = list(lesson.overrides.items())
    checks: list[tuple[tuple[str, ...], Callable[[], Any]]] = [
        (("profile",), lambda: check_preset("profile", lesson.profile)),
        (("policy",), lambda: check_preset("policy", lesson.policy)),
        *((("overrides", name), lambda edit={name: value}: check_lever_edits(edit)) for name, value in edits),
        (("overrides",), lambda: lesson.scenario().check()),
    ]
    for field, check in checks:
        try:
            check()
        except ConfigError as error:
            raise ConfigError(f"{where(*field)}: {error}") from error


@cache
def lessons(path: Path = CONTENT / "lessons.yaml") -> tuple[Lesson, ...]:
    """Read and check the lessons.

    Args:
        path: The lessons file.

    Returns:
        The lessons in file order.

    Raises:
        ConfigError: Naming the file, line and field of a bad lesson (unknown key,
            preset or parameter, wrong type, missing field, out-of-range value, text
            with HTML or over its length, repeated id), of a file that is not a list
            of 1 to :data:`MAX_LESSONS` lessons, or of YAML that cannot be read.
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
            lesson = Lesson.model_validate(entry)
        except ValidationError as error:
            raise ConfigError(validation_message(path, node, error, prefix=(index,))) from error
        if lesson.id in seen:
            raise ConfigError(
                f"{where(index, 'id')}: id {lesson.id!r} is used twice (also by lesson {seen[lesson.id] + 1})"
            )
        seen[lesson.id] = index
        _check_scenario(lesson, lambda *field, index=index: where(index, *field))
        found.append(lesson)
    return tuple(found)


def _kind(value: Any) -> str:
    """What a YAML value is, in words (for messages)."""
    if value is None:
        return "nothing"
    if isinstance(value, list):
        return "an empty list" if not value else "a list"
    return "a mapping" if isinstance(value, dict) else f"{type(value).__name__} {value!r}"[:60]


def lessons_file() -> Path:
    """The lessons the dashboard shows: the file ``COMMSIM_LESSONS`` names, or the shipped ones."""
    if env := os.environ.get("COMMSIM_LESSONS"):
        return Path(env)
    return CONTENT / "lessons.yaml"


@cache
def info_text(path: Path = CONTENT / "info.md") -> str:
    """The Info text (markdown)."""
    return path.read_text(encoding="utf-8")


def info_sections(text: str) -> dict[str, str]:
    """Split the Info text at its ``## `` headings: heading to body."""
    sections: dict[str, str] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("## "):
            current = line[3:].strip()
            sections[current] = ""
        elif current is not None:
            sections[current] += line + "\n"
    return sections


def lesson_by_id(lesson_id: str) -> Lesson:
    """The lesson with this id (KeyError if none)."""
    for lesson in lessons(lessons_file()):
        if lesson.id == lesson_id:
            return lesson
    raise KeyError(lesson_id)


def load_lesson(lesson: Lesson) -> None:
    """Load a lesson's preset into the Explore page of this browser session."""
    state.scenario.set(lesson.scenario(seed=state.scenario.value.seed))
    state.lesson.set(lesson.id)


@solara.component
def LessonSteps(lesson: Lesson):
    """A lesson's steps as a checklist, what to look for and the question; progress is kept per session."""
    done = state.lesson_progress.value.get(lesson.id, frozenset())

    def toggle(index: int, checked: bool) -> None:
        if not 0 <= index < len(lesson.steps_to_try):
            return
        marks = set(state.lesson_progress.value.get(lesson.id, frozenset()))
        (marks.add if checked else marks.discard)(index)
        state.lesson_progress.set({**state.lesson_progress.value, lesson.id: frozenset(marks)})

    SafeMarkdown(f"**Steps** ({len(done)} of {len(lesson.steps_to_try)} done)")
    for index, step in enumerate(lesson.steps_to_try):
        with solara.Row(style={"align-items": "flex-start"}):
            solara.Checkbox(
                label=f"step {index + 1}",
                value=index in done,
                on_value=lambda checked, i=index: toggle(i, checked is True),
            )
            SafeMarkdown(step)
    SafeHTML(Markup("<strong>Look for</strong>"))
    for item in lesson.look_for:
        SafeMarkdown(f"- {item}")
    SafeHTML(Markup("<strong>To discuss:</strong>"))
    SafeMarkdown(lesson.question)
    if len(done) == len(lesson.steps_to_try):
        solara.Success("Lesson complete: every step is ticked. Discuss the question above with your group.")


@solara.component
def Learn():
    """The Learn page."""
    router = solara.use_router()
    try:
        found = lessons(lessons_file())
    except ConfigError as error:  # a teacher's lessons file that does not check: say why, keep serving
        found, problem = (), error_text(error)
    else:
        problem = None
    known = {lesson.id: lesson for lesson in found}
    chosen = solara.use_reactive(state.lesson.value if state.lesson.value in known else next(iter(known), None))
    sections = info_sections(info_text())
    tab = solara.use_reactive(0)

    with solara.lab.Tabs(value=tab.value, on_value=tab.set):
        with solara.lab.Tab("Lessons"):
            SafeMarkdown("### Guided lessons\nEach lesson loads a community and a package into **Explore**.")
            if problem is not None:
                solara.Error(f"The lessons cannot be shown: {problem}")
            lesson = known.get(chosen.value)
            if lesson is not None:
                LessonCard(lesson, known, chosen, router)
        with solara.lab.Tab("About the model"):
            for heading, body in sections.items():
                with solara.Details(summary=heading, expand=heading == INFO_SECTIONS[0]):
                    SafeMarkdown(body)


@solara.component
def LessonCard(lesson: Lesson, known: dict[str, Lesson], chosen: solara.Reactive, router):
    """The chosen lesson: its story, what it loads, the button that loads it, and its steps."""
    ids: dict[str, str] = {}
    for item in known.values():  # a title used twice is told apart by its lesson's id
        ids[item.title if item.title not in ids else f"{item.title} ({item.id})"] = item.id
    shown = next(title for title, lesson_id in ids.items() if lesson_id == lesson.id)
    solara.Select(
        "lesson",
        values=list(ids),
        value=shown,
        on_value=lambda title: chosen.set(ids.get(title, chosen.value)),
    )
    with solara.Card(lesson.title, subtitle=lesson.practice):
        SafeMarkdown(lesson.story)
        edits = Markup("").join(
            Markup(", <code>{}</code> = {}").format(name, value) for name, value in lesson.overrides.items()
        )
        SafeHTML(
            Markup(
                "<p><em>Loads:</em> profile <code>{}</code>, package <code>{}</code>, {:,} residents, {} weeks{}</p>"
            ).format(lesson.profile, lesson.policy, lesson.n_residents, lesson.steps, edits)
        )

        def open_in_explore() -> None:
            load_lesson(lesson)
            router.push("/")

        solara.Button("Load this lesson in Explore", color="primary", on_click=open_in_explore)
        LessonSteps(lesson)
