"""A scenario as a link and as a run config: both read back to the same run."""

from __future__ import annotations

import pytest
import yaml

from commsim.config.loading import RunConfig
from commsim.dashboard.links import read_query, run_config, run_config_yaml, scenario_query
from commsim.dashboard.settings import LimitError, Scenario
from commsim.model import CommunityModel
from commsim.runs.runner import replicate_seeds, scenario_settings, simulate

EDITED = Scenario("migrant_heavy", "centres", {"n_centres": 2, "time_bank": True, "inclusiveness": 0.4}, 300, 7)


def test_a_link_reads_back_to_the_same_scenario_and_week():
    query = scenario_query(EDITED, 17)
    assert query.startswith("profile=migrant_heavy&package=centres&residents=300&seed=7&week=17&")
    assert read_query(query) == (EDITED, 17)
    assert read_query(scenario_query(Scenario(), 0)) == (Scenario(), 0)


def test_an_address_without_a_query_names_no_scenario():
    assert read_query(None) is None
    assert read_query("") is None


def test_missing_fields_take_the_defaults():
    scenario, week = read_query("package=acquaintance")
    assert scenario == Scenario(policy="acquaintance") and week == 0


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("profile=../../etc", "unknown community profile '../../etc'"),
        ("residents=2000000", "residents: 2,000,000 is outside the range the dashboard allows"),
        ("residents=many", "residents: expected a whole number, got 'many'"),
        ("week=9999", "week: 9,999 is outside the range the dashboard allows (0 to 260)"),
        ("n_centres=500", "n_centres: 500 is outside the range the dashboard allows (0 to 40)"),
        ("time_bank=maybe", "time_bank: expected true or false, got 'maybe'"),
        (
            "walking_speed_m_per_min=60",
            "the link names 'walking_speed_m_per_min', which is neither a setting nor a lever",
        ),
        ("seed=1&seed=2", "the link names 'seed' more than once"),
    ],
)
def test_a_link_a_control_could_not_have_made_is_refused(query, message):
    with pytest.raises(LimitError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_query(query)


def test_the_exported_run_config_is_valid_and_reruns_the_pages_run():
    config = RunConfig.model_validate(yaml.safe_load(run_config_yaml(EDITED, 6)))
    assert config == RunConfig.model_validate(run_config(EDITED, 6))
    assert (config.steps, config.replicates, config.seed, config.compare_with_baseline) == (6, 1, 7, False)
    (settings,) = scenario_settings(config).values()
    exported = simulate(replicate_seeds(config.seed, 1)[0].seed, config.steps, settings)
    page = CommunityModel(**EDITED.model_kwargs())
    for _ in range(6):
        page.step()
    shown = page.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    assert exported.drop(columns="step").equals(shown)


def test_a_run_config_at_week_zero_still_runs_a_week():
    assert run_config(Scenario(), 0)["steps"] == 1
