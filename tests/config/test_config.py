"""Configuration: the single parameter declaration, presets, and rejection of bad files."""

from __future__ import annotations

import textwrap
from pathlib import Path

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


# ------------------------------------------------------------------ strict values, names and rules


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ("name: x\nsteps: true\n", ["scenario.yaml:2", "steps", "valid integer, got true"]),
        ("name: x\nreplicates: 2.0\n", ["scenario.yaml:2", "replicates", "got 2.0"]),
        ("name: x\ncompare_with_baseline: 1\n", ["scenario.yaml:2", "compare_with_baseline", "boolean"]),
        ("name: x\noverrides:\n  platform_booking: 'yes'\n", ["scenario.yaml:3", "platform_booking", "got 'yes'"]),
        ("name: x\noverrides:\n  share_youth: true\n", ["scenario.yaml:3", "overrides.share_youth", "got true"]),
        ("name: x\noverrides:\n  share_youth: .nan\n", ["scenario.yaml:3", "overrides.share_youth", "not a number"]),
        ("name: x\noverrides:\n  homophily: .inf\n", ["scenario.yaml:3", "overrides.homophily", "infinite"]),
        ("name: x\noverrides:\n  n_residents: .nan\n", ["scenario.yaml:3", "overrides.n_residents", "not a number"]),
        ("name: x\noverrides:\n  fund_per_household_year: 1e3\n", ["scenario.yaml:3", "1.0e+3"]),
        ("name: x\nseed: -1\n", ["scenario.yaml:2", "seed", "greater than or equal to 0"]),
        ("name: x\nseed: 1180591620717411303424\n", ["scenario.yaml:2", "seed", "less than or equal to"]),
        ("name: x\nname: y\n", ["scenario.yaml:2", "'name' is repeated (lines 1 and 2)"]),
        ("name: x\noverrides:\n  n_residents: 300\n  n_residents: 400\n", ["scenario.yaml:4", "lines 3 and 4"]),
        ("name: x\nprofile: ../policies/centres\n", ["scenario.yaml:2", "unknown community profile"]),
    ],
)
def test_wrong_values_are_refused_not_coerced(tmp_path, text, needles):
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_run_config(path)
    message = str(caught.value)
    for needle in needles:
        assert needle in message, message


@pytest.mark.parametrize("name", ["", ".", "..", "../x", "/tmp/x", "a/b", ".hidden", "-rf", "名字", "x" * 81, "a b"])
def test_run_names_are_safe_folder_names(tmp_path, name):
    path = _write(tmp_path, f"description: d\nname: {name!r}\n")
    with pytest.raises(ConfigError, match=r"scenario\.yaml:2: name: must be a folder name"):
        load_run_config(path)


@pytest.mark.parametrize(
    ("body", "first", "lines"),
    [
        ("  share_youth: 0.5\n  share_elderly: 0.6\n", "scenario.yaml:4: overrides.share_elderly", ["scenario.yaml:3"]),
        ("  share_elderly: 0.9\n", "scenario.yaml:3: overrides.share_elderly", ["old_inner_city.yaml:"]),
        ("  share_free_riders: 0.6\n", "scenario.yaml:3: overrides.share_free_riders", ["parameters.yaml:"]),
    ],
)
def test_rule_errors_name_the_file_and_line_that_set_each_value(tmp_path, body, first, lines):
    path = _write(tmp_path, f"name: x\noverrides:\n{body}")
    with pytest.raises(ConfigError) as caught:
        load_run_config(path)
    message = str(caught.value)
    assert message.startswith(str(tmp_path / first)), message
    assert "exceeds 1 (rule " in message and "\n" not in message
    for needle in lines:
        assert needle in message, message


def test_rules_are_declared_once_with_their_parameters():
    from commsim.params import rules

    declared = {rule.name: rule.parameters for rule in rules()}
    assert declared["age_groups"] == ("share_youth", "share_elderly")
    assert len(declared) == 3 and all(rule.help for rule in rules())


def test_a_preset_breaking_a_rule_is_refused_with_its_line(tmp_path):
    folder = tmp_path / "profiles"
    folder.mkdir()
    path = folder / "odd.yaml"
    path.write_text("name: odd\ntitle: t\ndescription: d\nvalues:\n  share_youth: 0.5\n  share_elderly: 0.7\n")
    with pytest.raises(ConfigError, match=r"odd\.yaml:6: values\.share_elderly: share_youth \+ share_elderly"):
        validate_file(path)


# ------------------------------------------------------------------ read_yaml refuses what no config needs


LAUGHS = "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
    f"{name}: &{name} [{', '.join([f'*{previous}'] * 10)}]\n" for previous, name in zip("abcde", "bcdef", strict=True)
)


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"name: caf\xe9\n", "scenario.yaml:1: not UTF-8 text (byte 0xe9)"),
        (b"name: x\nsteps: 2\n\xff\xfe\x00\x01", "scenario.yaml:3: not UTF-8"),
        (b"name: x\x00\n", "scenario.yaml:1: character #x0000 is not allowed"),
        (b"a: " + b"[" * 50_000, "scenario.yaml:1: nested more than 64 levels deep"),
        (b"a:\n" + b"".join(b"  " * depth + b"b:\n" for depth in range(1, 80)), "nested more than 64 levels"),
        (LAUGHS.encode(), "expands to more than 100,000 values"),
        (b"a: &a [*a]\n", "an alias refers to the value that holds it"),
        (b"seed: " + b"9" * 5000 + b"\n", "scenario.yaml:1: cannot read 'this value': more than 4,300 digits"),
        (b"a: 1\n---\nb: 2\n", "broken YAML: expected a single document"),
        (b"a: 1\na: 2\n", "scenario.yaml:2: key 'a' is repeated (lines 1 and 2)"),
        (b"x: &base {a: 1}\ny:\n  <<: *base\n  a: 2\n", None),  # a merge key is not a repeat
    ],
)
def test_read_yaml_refuses_hostile_text_with_a_line(tmp_path, content, needle):
    from commsim.config import read_yaml

    path = tmp_path / "scenario.yaml"
    path.write_bytes(content)
    if needle is None:
        assert read_yaml(path)[0]["y"] == {"a": 2}
        return
    with pytest.raises(ConfigError) as caught:
        read_yaml(path)
    assert needle in str(caught.value) and "\n" not in str(caught.value), caught.value


def test_read_yaml_refuses_files_over_the_size_limit(tmp_path):
    from commsim.config import MAX_YAML_BYTES, read_yaml

    path = tmp_path / "big.yaml"
    path.write_text("# " + "x" * MAX_YAML_BYTES + "\n")
    with pytest.raises(ConfigError, match=r"big\.yaml: is larger than 1,000,000 bytes"):
        read_yaml(path)


def test_read_yaml_refuses_folders_devices_and_pipes_without_opening_them(tmp_path):
    import os

    from commsim.config import read_yaml

    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)  # opening it would block forever
    for path, needle in ((tmp_path, "is a folder"), (Path("/dev/zero"), "not a regular file"), (fifo, "not a regular")):
        with pytest.raises(ConfigError, match=needle):
            read_yaml(path)


def test_read_yaml_accepts_a_byte_order_mark(tmp_path):
    from commsim.config import read_yaml

    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfname: x\n")
    assert read_yaml(path)[0] == {"name": "x"}


def test_a_broken_parameter_declaration_is_a_clean_error(tmp_path, monkeypatch):
    import shutil

    from commsim import params

    shutil.copytree(config_dir(), tmp_path / "configs")
    with (tmp_path / "configs" / "parameters.yaml").open("a", encoding="utf-8") as handle:
        handle.write("broken_parameter: {group: profile}\n")
    monkeypatch.setenv("COMMSIM_CONFIG_DIR", str(tmp_path / "configs"))
    for function in (params._declaration, params.parameters):
        function.cache_clear()
    try:
        with pytest.raises(params.DeclarationError, match=r"parameters\.yaml: broken_parameter: missing 'type'"):
            params.parameters()
    finally:
        monkeypatch.undo()
        for function in (params._declaration, params.parameters):
            function.cache_clear()
