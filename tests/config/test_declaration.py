"""The single parameter declaration: every parameter, lever and rule declared once, and a broken declaration refused."""

from __future__ import annotations

import pytest

from commsim.config.declaration import levers, parameters
from commsim.config.paths import config_dir

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


def test_rules_are_declared_once_with_their_parameters():
    from commsim.config.declaration import rules

    declared = {rule.name: rule.parameters for rule in rules()}
    assert declared["age_groups"] == ("share_youth", "share_elderly")
    assert len(declared) == 3 and all(rule.help for rule in rules())


def test_a_broken_parameter_declaration_is_a_clean_error(tmp_path, monkeypatch):
    import shutil

    from commsim.config import declaration as params

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
