"""The Learn page's content: shipped lessons load and run, bad lesson files are refused, Info sections."""

from __future__ import annotations

import re

import pytest
import yaml

from commsim.config.declaration import lever_declarations
from commsim.config.paths import project_root
from commsim.config.yaml_files import ConfigError
from commsim.dashboard import state
from commsim.dashboard.learn import (
    CONTENT,
    INFO_SECTIONS,
    Lesson,
    info_sections,
    info_text,
    lesson_by_id,
    lesson_scenario,
    lessons,
    load_lesson,
)
from commsim.dashboard.settings import LIMITS, Scenario, lever_parameters
from commsim.model import CommunityModel

REQUIRED = ("putuo_centres", "xidu_acquaintance", "lanzhou_committee", "complete_community", "migrant_mutual_aid")
SHIPPED = lessons()


def a_lesson(**fields) -> dict:
    values = {
        "id": "tiny",
        "title": "A tiny lesson",
        "practice": "somewhere",
        "profile": "old_inner_city",
        "policy": "centres",
        "overrides": {"n_centres": 2},
        "n_residents": 200,
        "steps": 13,
        "story": "Once upon a time.",
        "steps_to_try": ["Press **Play**."],
        "look_for": ["The map."],
        "question": "Why?",
    }
    return values | fields


def write(tmp_path, entries, name="lessons.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(entries, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def fresh_state():
    state.scenario.set(Scenario())
    state.lesson.set(None)
    state.lesson_progress.set({})
    yield
    state.scenario.set(Scenario())
    state.lesson.set(None)
    state.lesson_progress.set({})


def test_the_shipped_lessons_include_the_five_required_ones():
    ids = [lesson.id for lesson in SHIPPED]
    assert len(SHIPPED) >= 5
    assert set(REQUIRED) <= set(ids)
    assert len(set(ids)) == len(ids)
    assert len({lesson.title for lesson in SHIPPED}) == len(SHIPPED), "the page selects lessons by title"


@pytest.mark.parametrize("lesson", SHIPPED, ids=lambda lesson: lesson.id)
def test_each_lesson_builds_a_model_that_steps(lesson):
    scenario = lesson_scenario(lesson, seed=4)
    assert scenario == Scenario(lesson.profile, lesson.policy, dict(lesson.overrides), lesson.n_residents, 4)
    model = CommunityModel(**scenario.model_kwargs())
    for _ in range(2):
        model.step()
    assert model.steps == 2
    assert len(model.residents) == lesson.n_residents
    assert (model.profile, model.policy) == (lesson.profile, lesson.policy)
    for name, value in lesson.overrides.items():
        assert model.p[name] == value
    assert 1 <= lesson.steps <= LIMITS.weeks.high


def test_the_steps_name_levers_and_parameters_that_exist():
    """What a lesson tells students to find must be on the page: lever titles and parameter controls."""
    titles = {lever.title for lever in lever_declarations().values()}
    controls = {spec.name for specs in lever_parameters().values() for spec in specs}
    experiments = {path.stem for path in (project_root() / "experiments").glob("*.yaml")}
    for lesson in SHIPPED:
        for step in lesson.steps_to_try:
            for title in re.findall(r"Under \*\*([^*]+)\*\*|\*\*([^*]+)\*\* →", step):
                named = title[0] or title[1]
                assert named in titles, (lesson.id, named)
            for name in re.findall(r"`([^`]+)`", step):
                # a parameter, an experiment, or a path (alone or ending a command) in the project
                path = project_root() / name.split()[-1]
                assert name in controls or name in experiments or path.is_file(), (lesson.id, name)


def test_lessons_are_found_by_id():
    assert lesson_by_id("putuo_centres").policy == "centres"
    with pytest.raises(KeyError):
        lesson_by_id("no_such_lesson")


def test_loading_a_lesson_sets_the_scenario_and_keeps_the_seed(fresh_state):
    state.scenario.set(Scenario(seed=42))
    load_lesson(lesson_by_id("migrant_mutual_aid"))
    assert state.scenario.value == Scenario("migrant_heavy", "acquaintance", {"time_bank": False}, 2000, 42)
    assert state.lesson.value == "migrant_mutual_aid"


def test_a_good_lesson_file_loads(tmp_path):
    path = write(tmp_path, [a_lesson(), a_lesson(id="other", title="Another")])
    loaded = lessons(path)
    assert [lesson.id for lesson in loaded] == ["tiny", "other"]
    assert isinstance(loaded[0], Lesson) and lesson_scenario(loaded[0]).overrides == {"n_centres": 2}


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([a_lesson(overrides={"warp_speed": 3})], "0.overrides.warp_speed: 'warp_speed': not a lever parameter"),
        (
            [a_lesson(overrides={"n_centres": -2})],
            "0.overrides.n_centres: n_centres: -2 is outside the range the dashboard allows",
        ),
        ([a_lesson(profile="atlantis")], "0.profile: unknown community profile 'atlantis'"),
        ([a_lesson(policy="free_lunch")], "0.policy: unknown policy package 'free_lunch'"),
        ([a_lesson(), a_lesson(title="Again")], "1.id: id 'tiny' is used twice (also by lesson 1)"),
        ([a_lesson(n_residents=50)], "0.n_residents: Input should be greater than or equal to 100"),
        ([a_lesson(steps=1000)], "0.steps: Input should be less than or equal to 260"),
        ([a_lesson(mood="sunny")], "0.mood: unknown key"),
        ([{k: v for k, v in a_lesson().items() if k != "question"}], "0.question: Field required"),
        ([a_lesson(id="Bad Id")], "0.id: String should match pattern"),
        ({"id": "not a list"}, "expected a list of lessons"),
    ],
    ids=[
        "unknown parameter",
        "out-of-range parameter",
        "unknown profile",
        "unknown package",
        "duplicate id",
        "too few residents",
        "too many weeks",
        "unknown key",
        "missing key",
        "bad id",
        "not a list",
    ],
)
def test_a_bad_lesson_file_is_refused_naming_the_file(tmp_path, entries, message):
    path = write(tmp_path, entries, name="bad_lessons.yaml")
    with pytest.raises(ConfigError) as raised:
        lessons(path)
    text = str(raised.value)
    assert text.startswith(str(path)), text
    assert message in text


def test_a_validation_error_names_the_line_of_the_bad_lesson(tmp_path):
    path = write(tmp_path, [a_lesson(), a_lesson(id="second", title="Second", n_residents=10)])
    with pytest.raises(ConfigError) as raised:
        lessons(path)
    line = next(number for number, text in enumerate(path.read_text().splitlines(), 1) if "n_residents: 10" in text)
    assert f"{path}:{line}" in str(raised.value)


TEXT_FIELDS = ("title", "practice", "story", "question", "steps_to_try", "look_for")


def _with_text(field: str, text: str) -> dict:
    return a_lesson(**{field: [text] if field in ("steps_to_try", "look_for") else text})


def _field(field: str) -> str:
    return f"0.{field}.0" if field in ("steps_to_try", "look_for") else f"0.{field}"


def _refusal(tmp_path, entries) -> str:
    path = write(tmp_path, entries, name="bad_lessons.yaml")
    with pytest.raises(ConfigError) as raised:
        lessons(path)
    text = str(raised.value)
    assert "\n" not in text and text.startswith(f"{path}:"), text
    return text.removeprefix(f"{path}:")


@pytest.mark.parametrize("field", TEXT_FIELDS)
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<img src=x onerror=alert(1)>", "holds HTML ('<img src=x onerror=a'...)"),
        ("before <script>alert(1)</script> after", "holds HTML ('<script'...)"),
        ("a comment <!-- hidden -->", "holds HTML ('<!-- hidden --'...)"),
        ("closing </div> tag", "holds HTML"),
        ("[click](javascript:alert(1))", "holds a link to javascript:; links may go to http, https, mailto only"),
        ("[click]( data:text/html,x)", "holds a link to data:"),
        ("[x]\n\n[x]: vbscript:msgbox", "holds a link to vbscript:"),
        ("![a picture](https://example.org/a.png)", "holds an image"),
        ("bell \x07 in the text", "holds the hidden character U+0007"),
        ("\u202eevil", "holds the hidden character U+202E"),
        ("", "String should have at least 1 character"),
    ],
    ids=[
        "img",
        "script",
        "comment",
        "closing tag",
        "javascript",
        "data",
        "reference link",
        "image",
        "bell",
        "bidi",
        "empty",
    ],
)
def test_every_text_field_of_a_lesson_refuses_html_links_and_hidden_characters(tmp_path, field, text, message):
    refusal = _refusal(tmp_path, [_with_text(field, text)])
    line, rest = refusal.split(": ", 1)
    assert line.isdigit(), refusal
    assert rest.startswith(f"{_field(field)}: "), refusal
    assert message in rest, refusal


@pytest.mark.parametrize(
    "text",
    [
        "Less than 5 < 6 and 3 > 2",
        "see <https://example.org> and [a page](https://example.org/a)",
        "mail <mailto:a@b.org>",
    ],
)
def test_markdown_without_html_is_a_lesson_text(tmp_path, text):
    assert lessons(write(tmp_path, [_with_text("story", text)]))[0].story == text


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"steps": "13"}, "0.steps: Input should be a valid integer, got '13'"),
        ({"steps": True}, "0.steps: Input should be a valid integer, got true"),
        ({"n_residents": 200.0}, "0.n_residents: Input should be a valid integer, got 200.0"),
        ({"title": 123}, "0.title: Input should be a valid string, got 123"),
        ({"story": ["a", "b"]}, "0.story: Input should be a valid string, got a list"),
        ({"steps_to_try": "Press Play."}, "0.steps_to_try: Input should be a valid list"),
        ({"steps_to_try": []}, "0.steps_to_try: List should have at least 1 item"),
        ({"look_for": ["x"] * 31}, "0.look_for: List should have at most 30 items"),
        ({"overrides": [1, 2]}, "0.overrides: Input should be a valid dictionary"),
        ({"overrides": {"n_centres": True}}, "0.overrides.n_centres:"),
        ({"profile": None}, "0.profile: Input should be a valid string, got null"),
        ({"id": "x" * 41}, "0.id: String should have at most 40 characters"),
        ({"story": "x" * 20_001}, "0.story: String should have at most 20000 characters"),
        ({"title": "x" * 201}, "0.title: String should have at most 200 characters"),
    ],
    ids=lambda value: str(value)[:30],
)
def test_a_lesson_field_of_the_wrong_type_or_size_is_refused_naming_line_and_field(tmp_path, fields, message):
    refusal = _refusal(tmp_path, [a_lesson(**fields)])
    assert message in refusal, refusal
    assert refusal.split(": ", 1)[0].isdigit(), refusal


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([], "1: (top level): expected a list of lessons, got an empty list"),
        (None, "(top level): expected a list of lessons, got nothing"),
        ("just text", "1: (top level): expected a list of lessons, got str 'just text'"),
        ([a_lesson(), "second"], "0.id:"),
        ([a_lesson(), ["nested"]], "1: expected a lesson (a mapping of keys to values), got a list"),
        ([a_lesson(id=f"l{index}") for index in range(101)], "101 lessons; a lessons file holds at most 100"),
    ],
    ids=["empty list", "empty file", "scalar", "text entry", "list entry", "too many"],
)
def test_a_lessons_file_of_the_wrong_shape_is_one_line_naming_the_file(tmp_path, entries, message):
    path = write(tmp_path, entries, name="bad_lessons.yaml")
    if entries is None:
        path.write_text("# nothing here\n", encoding="utf-8")
    elif entries and entries[-1] == "second":
        entries[-1], message = "second", "1: expected a lesson (a mapping of keys to values), got str 'second'"
    with pytest.raises(ConfigError) as raised:
        lessons(path)
    text = str(raised.value)
    assert "\n" not in text and text.startswith(f"{path}:"), text
    assert message in text, text


def test_the_info_text_has_the_six_netlogo_sections_in_order():
    sections = info_sections(info_text())
    headings = list(sections)
    assert [heading for heading in headings if heading in INFO_SECTIONS] == list(INFO_SECTIONS)
    assert headings[: len(INFO_SECTIONS)] == list(INFO_SECTIONS)
    for heading in INFO_SECTIONS:
        assert len(sections[heading].strip()) > 200, heading
    assert (CONTENT / "info.md").is_file()


def test_info_sections_split_at_level_two_headings_only():
    text = "preamble\n## First\none\n### Sub\ntwo\n## Second\nthree\n"
    assert info_sections(text) == {"First": "one\n### Sub\ntwo\n", "Second": "three\n"}
