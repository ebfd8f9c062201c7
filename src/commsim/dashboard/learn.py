"""The Learn page: the model explained in the sections of NetLogo's Info tab, and guided lessons.

The text lives in ``content/info.md`` and the lessons in ``content/lessons.yaml`` (or the
file ``COMMSIM_LESSONS`` names); each lesson is validated against the presets, the
parameter declaration and the dashboard's limits when loaded, so a lesson can never load
a scenario the dashboard refuses; the schema itself is :mod:`commsim.lessons`. A lesson's
texts are markdown written by whoever wrote the file: they are shown with
:class:`commsim.dashboard.markup.SafeMarkdown`.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import solara
import solara.lab
from markupsafe import Markup
from pydantic import Field

from commsim.config.yaml_files import ConfigError
from commsim.dashboard import state
from commsim.dashboard.markup import SafeHTML, SafeMarkdown
from commsim.dashboard.settings import LIMITS, Scenario, error_text
from commsim.lessons import Lesson, read_lessons
from commsim.runs.labels import format_parameter_value, parameter_label, preset_title

CONTENT = Path(__file__).resolve().parent / "content"
INFO_SECTIONS = (
    "What is it?",
    "How it works",
    "How to use it",
    "Things to notice",
    "Things to try",
    "Extending the model",
)


class DashboardLesson(Lesson):
    """A lesson the dashboard can load: its size and weeks within the dashboard's limits."""

    n_residents: int = Field(ge=LIMITS.explore_residents.low, le=LIMITS.explore_residents.high)
    steps: int = Field(ge=1, le=LIMITS.weeks.high)


def lesson_scenario(lesson: Lesson, seed: int = 1) -> Scenario:
    """The Explore scenario a lesson loads."""
    return Scenario(lesson.profile, lesson.policy, dict(lesson.overrides), lesson.n_residents, seed)


def _check_loadable(lesson: Lesson) -> None:
    """Refuse a lesson whose scenario the dashboard would refuse (presets, lever edits, limits)."""
    lesson_scenario(lesson).check()


@cache
def lessons(path: Path = CONTENT / "lessons.yaml") -> tuple[Lesson, ...]:
    """Read and check the lessons against the presets, the declaration and the dashboard's limits.

    Args:
        path: The lessons file.

    Returns:
        The lessons in file order.

    Raises:
        ConfigError: Naming the file, line and field of a bad lesson.
    """
    return read_lessons(path, schema=DashboardLesson, check=_check_loadable)


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
    state.scenario.set(lesson_scenario(lesson, seed=state.scenario.value.seed))
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
            Markup(", {}: {}").format(parameter_label(name), format_parameter_value(name, value))
            for name, value in lesson.overrides.items()
        )
        SafeHTML(
            Markup("<p><em>Loads:</em> {}, {}, {:,} residents, {} weeks{}</p>").format(
                preset_title("profile", lesson.profile),
                preset_title("policy", lesson.policy),
                lesson.n_residents,
                lesson.steps,
                edits,
            )
        )

        def open_in_explore() -> None:
            load_lesson(lesson)
            router.push("/")

        solara.Button("Load this lesson in Explore", color="primary", on_click=open_in_explore)
        LessonSteps(lesson)
