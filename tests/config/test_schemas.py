"""The schemas built from the declaration: every parameter in the schema, strict values, safe run names."""

from __future__ import annotations

import pytest

from commsim.config.declaration import parameters
from commsim.config.loading import load_run_config
from commsim.config.schemas import run_config_schema
from commsim.config.yaml_files import ConfigError


def test_schema_names_every_parameter():
    schema = run_config_schema()
    assert set(parameters()) <= set(schema["properties"]["overrides"]["properties"])


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
def test_wrong_values_are_refused_not_coerced(tmp_path, text, needles, write_yaml):
    path = write_yaml(text)
    with pytest.raises(ConfigError) as caught:
        load_run_config(path)
    message = str(caught.value)
    for needle in needles:
        assert needle in message, message


@pytest.mark.parametrize("name", ["", ".", "..", "../x", "/tmp/x", "a/b", ".hidden", "-rf", "名字", "x" * 81, "a b"])
def test_run_names_are_safe_folder_names(tmp_path, name, write_yaml):
    path = write_yaml(f"description: d\nname: {name!r}\n")
    with pytest.raises(ConfigError, match=r"scenario\.yaml:2: name: must be a folder name"):
        load_run_config(path)
