"""Presets and the resolution of parameters: shipped presets, the layer order, and rule errors that name their lines."""

from __future__ import annotations

import pytest

from commsim.config.declaration import defaults, parameters
from commsim.config.loading import load_run_config, validate_file
from commsim.config.presets import load_preset, preset_names, resolve_parameters
from commsim.config.yaml_files import ConfigError


def test_presets_exist_and_describe_their_practice():
    profiles, packages = preset_names("profile"), preset_names("policy")
    assert {"old_inner_city", "new_commercial_estate", "migrant_heavy", "semi_rural_village", "putuo_street"} <= set(
        profiles
    )
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


@pytest.mark.parametrize(
    ("body", "first", "lines"),
    [
        ("  share_youth: 0.5\n  share_elderly: 0.6\n", "scenario.yaml:4: overrides.share_elderly", ["scenario.yaml:3"]),
        ("  share_elderly: 0.9\n", "scenario.yaml:3: overrides.share_elderly", ["old_inner_city.yaml:"]),
        ("  share_free_riders: 0.6\n", "scenario.yaml:3: overrides.share_free_riders", ["parameters.yaml:"]),
    ],
)
def test_rule_errors_name_the_file_and_line_that_set_each_value(tmp_path, body, first, lines, write_yaml):
    path = write_yaml(f"name: x\noverrides:\n{body}")
    with pytest.raises(ConfigError) as caught:
        load_run_config(path)
    message = str(caught.value)
    assert message.startswith(str(tmp_path / first)), message
    assert "exceeds 1 (rule " in message and "\n" not in message
    for needle in lines:
        assert needle in message, message


def test_a_preset_breaking_a_rule_is_refused_with_its_line(tmp_path):
    folder = tmp_path / "profiles"
    folder.mkdir()
    path = folder / "odd.yaml"
    path.write_text("name: odd\ntitle: t\ndescription: d\nvalues:\n  share_youth: 0.5\n  share_elderly: 0.7\n")
    with pytest.raises(ConfigError, match=r"odd\.yaml:6: values\.share_elderly: share_youth \+ share_elderly"):
        validate_file(path)
