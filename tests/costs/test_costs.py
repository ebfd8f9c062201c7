import shutil
from pathlib import Path

import pytest

from commsim.config.paths import config_dir
from commsim.config.presets import resolve_parameters
from commsim.config.yaml_files import ConfigError
from commsim.experiments.targets import RunTask, execute
from commsim.runs import costs


def _run(policy: str, **overrides):
    settings = {"profile": "old_inner_city", "policy": policy, "n_residents": 200, **overrides}
    output = execute(RunTask("commsim:CommunityModel", settings, seed=3, steps=60))
    assert output.status == "done", output.error
    values = resolve_parameters("old_inner_city", policy, {"n_residents": 200, **overrides})
    return output.frame, values


@pytest.fixture(scope="module")
def acquaintance():
    return _run("acquaintance")


def _copy_configs(tmp_path: Path) -> Path:
    folder = tmp_path / "configs"
    shutil.copytree(config_dir(), folder)
    return folder


def test_every_declared_item_has_a_unit_and_a_source():
    table = costs.load_costs()
    for item in table.items.values():
        assert item.unit and item.source
    assert any(item.income for item in table.items.values())


def test_the_fund_is_priced_at_its_lever_and_income_is_subtracted(acquaintance):
    frame, values = acquaintance
    cost = costs.price_run(frame, values)
    households = values["n_residents"] / values["persons_per_household"]
    assert cost.lines["autonomy_fund"] == pytest.approx(values["fund_per_household_year"] * households)
    assert cost.per_household_year == pytest.approx(sum(cost.lines.values()) / households)
    assert cost.lines["points_redeemed"] > 0
    financed = costs.price_run(*_run("centres", self_financing=1.0, centre_public_funding_weeks=10))
    unfinanced = costs.price_run(*_run("centres", self_financing=0.0, centre_public_funding_weeks=10))
    assert financed.lines["self_financing_income"] < 0
    assert unfinanced.lines["self_financing_income"] == 0
    # Income is subtracted: it pays for exactly the sessions it keeps open once public
    # funding ends, so net of it the centres cost what the unfinanced run's did (no fund
    # in this package), and the total is below the sum of the positive lines.
    net_sessions = financed.lines["centre_sessions"] + financed.lines["self_financing_income"]
    assert financed.lines["centre_sessions"] > unfinanced.lines["centre_sessions"]
    assert net_sessions == pytest.approx(unfinanced.lines["centre_sessions"])
    assert financed.total_year < sum(value for value in financed.lines.values() if value > 0)


def test_no_levers_cost_nothing():
    cost = costs.price_run(*_run("no_levers"))
    assert cost.total_year == pytest.approx(sum(v for k, v in cost.lines.items() if k == "deliberation"))


def test_a_price_change_changes_the_version_and_the_price(tmp_path, monkeypatch, acquaintance):
    frame, values = acquaintance
    before_version = costs.costs_version()
    before = costs.price_run(frame, values)
    folder = _copy_configs(tmp_path)
    path = folder / "costs.yaml"
    path.write_text(path.read_text().replace("price: 150000", "price: 180000"))
    monkeypatch.setenv("COMMSIM_CONFIG_DIR", str(folder))
    assert costs.costs_version() != before_version
    after = costs.price_run(frame, values)
    assert after.lines["centre_operation"] == pytest.approx(before.lines["centre_operation"] * 1.2)


def test_a_bad_costs_file_names_file_line_and_field(tmp_path):
    path = tmp_path / "costs.yaml"
    path.write_text(
        "items:\n  centre_operation:\n    label: x\n    unit: y\n    price: -5\n    driver: centres\n"
        "    source: illustrative\n"
    )
    with pytest.raises(ConfigError, match=r"costs.yaml:5: items.centre_operation.price"):
        costs.load_costs(path)
    path.write_text(
        "items:\n  a:\n    label: x\n    unit: y\n    price_parameter: no_such\n    driver: centres\n"
        "    source: illustrative\n"
    )
    with pytest.raises(ConfigError, match="no_such"):
        costs.load_costs(path)
