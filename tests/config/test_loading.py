"""Loading run configs: the shipped ones validate, bad ones are refused with file, line, field and reason."""

from __future__ import annotations

import pytest

from commsim.config.loading import load_run_config, validate_file
from commsim.config.paths import config_dir
from commsim.config.yaml_files import ConfigError


def test_shipped_run_configs_validate():
    for path in sorted(config_dir().glob("*.yaml")):
        if path.name not in ("parameters.yaml", "costs.yaml"):  # costs.yaml: tests/costs
            assert "valid run config" in validate_file(path)


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
def test_bad_run_configs_are_rejected_with_file_line_field_and_reason(tmp_path, text, needles, write_yaml):
    path = write_yaml(text)
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
