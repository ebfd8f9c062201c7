"""Configuration: the single parameter declaration, presets, and rejection of bad files."""

from __future__ import annotations

import textwrap

import pytest

from commsim.config import (
    ConfigError,
    load_preset,
    load_run_config,
    preset_names,
    resolve_parameters,
    run_config_schema,
    validate_file,
)
from commsim.params import defaults, levers, parameters
from commsim.paths import config_dir

LEVERS = {
    "service_centres",
    "targeted_services",
    "digital_platform",
    "transparency",
    "deliberation",
    "team_leaders",
    "points_incentive",
    "autonomy_fund",
    "resource_library",
    "expert_pool",
    "time_bank",
    "self_financing",
}


def test_every_parameter_is_fully_declared():
    for spec in parameters().values():
        assert spec.help and spec.group in {"profile", "policy", "behaviour"}
        if spec.type in {"int", "float"}:
            assert spec.minimum <= spec.default <= spec.maximum
            assert spec.unit
        if spec.type == "choice":
            assert spec.default in spec.choices


def test_all_twelve_levers_are_declared():
    assert set(levers()) == LEVERS
    assert all(parameters()[name].group == "policy" for names in levers().values() for name in names)


def test_presets_exist_and_describe_their_practice():
    profiles, packages = preset_names("profile"), preset_names("policy")
    assert {"old_inner_city", "new_commercial_estate", "migrant_heavy", "semi_rural_village"} <= set(profiles)
    assert {
        "baseline",
        "centres",
        "consultation",
        "acquaintance",
        "social_work_committee",
        "complete_community",
    } <= set(packages)
    for group, names in (("profile", profiles), ("policy", packages)):
        for name in names:
            preset = load_preset(group, name)
            assert len(preset.description) > 100
            assert all(parameters()[key].group == group for key in preset.values.model_dump(exclude_none=True))


def test_baseline_package_restates_the_defaults():
    resolved = resolve_parameters("old_inner_city", "baseline")
    policy_defaults = defaults("policy")
    assert {k: resolved[k] for k in policy_defaults} == policy_defaults


def test_resolution_order_defaults_profile_policy_overrides():
    resolved = resolve_parameters("semi_rural_village", "centres", {"n_centres": 7})
    assert resolved["n_centres"] == 7
    assert (
        resolved["residents_per_building"] == load_preset("profile", "semi_rural_village").values.residents_per_building
    )


def test_shipped_run_configs_validate():
    for path in sorted(config_dir().glob("*.yaml")):
        if path.name != "parameters.yaml":
            assert "valid run config" in validate_file(path)


def test_schema_names_every_parameter():
    schema = run_config_schema()
    assert set(parameters()) <= set(schema["properties"]["overrides"]["properties"])


def _write(tmp_path, text: str):
    path = tmp_path / "scenario.yaml"
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ("name: x\nreplicatez: 3\n", ["scenario.yaml:2", "replicatez", "unknown key"]),
        ("name: x\nsteps: many\n", ["scenario.yaml:2", "steps", "integer"]),
        (
            "name: x\noverrides:\n  leader_coverage: 1.5\n",
            ["scenario.yaml:3", "overrides.leader_coverage", "less than or equal to 1"],
        ),
        ("name: x\noverrides:\n  n_centres: 2.5\n", ["scenario.yaml:3", "overrides.n_centres"]),
        (
            "name: x\noverrides:\n  magic_wand: 1\n",
            ["scenario.yaml:3", "overrides.magic_wand", "unknown key"],
        ),
        ("name: x\noverrides:\n  disclosure: weekly\n", ["scenario.yaml:3", "overrides.disclosure"]),
        (
            "name: x\nprofile: atlantis\n",
            ["scenario.yaml:2", "profile", "unknown community profile 'atlantis'"],
        ),
        ("name: x\npolicy: utopia\n", ["scenario.yaml:2", "policy", "unknown policy package 'utopia'"]),
        ("name: x\nsteps: [1,\n", ["scenario.yaml", "broken YAML"]),
        ("- just\n- a list\n", ["scenario.yaml", "mapping"]),
        (
            "name: x\noverrides:\n  share_youth: 0.7\n  share_elderly: 0.6\n",
            ["scenario.yaml", "share_youth + share_elderly"],
        ),
    ],
)
def test_bad_run_configs_are_rejected_with_file_line_field_and_reason(tmp_path, text, needles):
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_run_config(path)
    message = str(caught.value)
    for needle in needles:
        assert needle in message, message


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_run_config(tmp_path / "nope.yaml")


def test_bad_preset_file_is_rejected(tmp_path):
    folder = tmp_path / "policies"
    folder.mkdir()
    path = folder / "bad.yaml"
    path.write_text("name: bad\ntitle: t\ndescription: d\nvalues:\n  share_youth: 0.2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad.yaml:5: values.share_youth: unknown key"):
        validate_file(path)
