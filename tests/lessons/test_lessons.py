"""The face-neutral lesson schema: a lessons file is checked against the schema and the declaration."""

from __future__ import annotations

import pytest
import yaml

from commsim.config.paths import project_root
from commsim.config.yaml_files import ConfigError
from commsim.lessons import Lesson, check_resolves, read_lessons

SHIPPED = project_root() / "src" / "commsim" / "dashboard" / "content" / "lessons.yaml"


def a_lesson(**fields) -> dict:
    """The first shipped lesson as a fresh entry ``tiny``, with the fields given."""
    first = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))[0]
    return (
        first | {"id": "tiny", "profile": "old_inner_city", "policy": "centres", "overrides": {"n_centres": 2}} | fields
    )


def write(tmp_path, entries):
    path = tmp_path / "lessons.yaml"
    path.write_text(yaml.safe_dump(entries, sort_keys=False), encoding="utf-8")
    return path


def test_the_shipped_lessons_read_with_the_neutral_schema():
    found = read_lessons(SHIPPED)
    assert len(found) >= 5
    assert all(isinstance(lesson, Lesson) for lesson in found)


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([a_lesson(profile="atlantis")], "0.profile: unknown community profile 'atlantis'"),
        ([a_lesson(overrides={"n_centres": -2})], "0.overrides: n_centres: -2 is outside the allowed range"),
        ([a_lesson(overrides={"warp_speed": 3})], "0.overrides: warp_speed: unknown parameter"),
        ([a_lesson(), a_lesson(title="Again")], "1.id: id 'tiny' is used twice (also by lesson 1)"),
        ([a_lesson(steps=0)], "0.steps: Input should be greater than or equal to 1"),
        ([a_lesson(mood="sunny")], "0.mood: unknown key"),
        ({"id": "not a list"}, "expected a list of lessons"),
    ],
    ids=[
        "unknown profile",
        "out of declared range",
        "unknown parameter",
        "duplicate id",
        "no weeks",
        "unknown key",
        "not a list",
    ],
)
def test_a_bad_lesson_is_refused_naming_the_file(tmp_path, entries, message):
    path = write(tmp_path, entries)
    with pytest.raises(ConfigError) as raised:
        read_lessons(path)
    assert str(raised.value).startswith(str(path))
    assert message in str(raised.value)


def test_a_face_passes_a_stricter_schema_and_check(tmp_path):
    class Small(Lesson):
        n_residents: int = 200

    calls = []
    path = write(tmp_path, [a_lesson()])
    found = read_lessons(path, schema=Small, check=lambda lesson: calls.append(lesson) or [])
    assert [lesson.id for lesson in found] == ["tiny"]
    assert [type(lesson) for lesson in calls] == [Small]

    def too_long() -> None:
        raise ConfigError("too long for this face")

    with pytest.raises(ConfigError, match=r"lessons.yaml:\d+: 0.story: too long for this face$"):
        read_lessons(path, check=lambda lesson: [(("story",), too_long)])


def test_the_default_check_resolves_the_lessons_parameters():
    for _field, check in check_resolves(Lesson.model_validate(a_lesson())):
        check()
    checks = dict(check_resolves(Lesson.model_validate(a_lesson(n_residents=10**9))))
    with pytest.raises(ConfigError, match="n_residents"):
        checks[("overrides",)]()
