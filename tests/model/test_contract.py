"""The public contract: names, agent views, batch_run, data collection and reproducibility."""

from __future__ import annotations

import hashlib

import mesa
import numpy as np
import pandas as pd
import pytest

import commsim
import commsim.config.paths
import commsim.mechanisms
from commsim import CommunityModel, Organization, Resident, Volunteer
from commsim.config.yaml_files import ConfigError
from commsim.metric_table import METRIC_NAMES

SMALL = {"n_residents": 300}


def _run(seed, steps=12, **kwargs):
    model = CommunityModel(rng=seed, **{**SMALL, **kwargs})
    for _ in range(steps):
        model.step()
    return model


def _digest(frame: pd.DataFrame) -> str:
    return hashlib.sha256(frame.to_csv(float_format="%.17g").encode()).hexdigest()


def test_same_seed_gives_identical_outputs():
    first = _run(7, policy="complete_community").datacollector.get_model_vars_dataframe()
    second = _run(7, policy="complete_community").datacollector.get_model_vars_dataframe()
    assert _digest(first) == _digest(second)


def test_different_seeds_give_different_outputs():
    first = _run(7).datacollector.get_model_vars_dataframe()
    second = _run(8).datacollector.get_model_vars_dataframe()
    assert _digest(first) != _digest(second)


def test_model_is_a_mesa_model_with_agent_types():
    model = _run(1, steps=3, policy="acquaintance")
    assert isinstance(model, mesa.Model)
    residents = model.agents_by_type[Resident]
    assert len(residents) == 300
    assert len(model.agents_by_type[Organization]) == len(model.organisations)
    volunteers = model.agents_by_type[Volunteer]
    assert {v.slot for v in volunteers} == set(np.flatnonzero(model.residents.role > 0).tolist())
    for agent in [*list(residents)[:20], *list(volunteers)[:5]]:
        assert agent.age_group in {"youth", "adult", "elderly"}
        assert agent.tenure in {"long_term", "migrant"}
        assert 0 <= agent.belonging <= 1 and 0 <= agent.trust <= 1
        assert agent.participation_count == model.residents.participation_count[agent.slot]
    assert all(v.role in {"team_leader", "expert", "organiser", "helper", "aid_station"} for v in volunteers)
    assert {o.colour for o in model.agents_by_type[Organization]} <= {"red", "white", "green"}


def test_agent_views_read_the_arrays():
    model = _run(2, steps=1)
    agent = model.resident_agents[5]
    model.residents.belonging[5] = 0.123
    assert agent.belonging == pytest.approx(0.123)
    # Mesa's AgentSet API works over the views.
    belonging = model.agents_by_type[Resident].get("belonging")
    assert np.allclose(sorted(belonging), sorted(model.residents.belonging))


def test_churn_replaces_resident_agents():
    model = CommunityModel(rng=3, n_residents=300, profile="migrant_heavy", migrant_turnover_per_year=2.0)
    before = [a.unique_id for a in model.resident_agents]
    for _ in range(20):
        model.step()
    assert len(model.agents_by_type[Resident]) == 300
    arrived = model.residents.arrival_step > 0
    assert arrived.any()
    ids = [a.unique_id for a in model.resident_agents]
    assert len(set(ids)) == 300 and max(ids) > 300
    changed = np.flatnonzero(np.array(ids) != np.array(before))
    assert np.array_equal(changed, np.flatnonzero(arrived))  # a new view for each newcomer, no other


def test_agent_views_are_built_only_when_asked_for():
    model = _run(5, steps=3, profile="migrant_heavy", migrant_turnover_per_year=2.0)
    assert not model.views.built and len(model._all_agents) == 0
    assert len(model.agents) == 300 + len(model.volunteer_agents) + len(model.organisations)
    assert model.views.built


def test_datacollector_has_one_column_per_metric_documented():
    frame = _run(4, steps=5).datacollector.get_model_vars_dataframe()
    assert list(frame.columns) == list(METRIC_NAMES)
    assert len(frame) == 6
    with open(commsim.config.paths.project_root() / "docs" / "metrics.md", encoding="utf-8") as handle:
        documented = handle.read()
    missing = [name for name in METRIC_NAMES if f"`{name}`" not in documented]
    assert not missing, f"undocumented metrics: {missing}"


def test_batch_run_works_unchanged():
    results = mesa.batch_run(
        CommunityModel,
        parameters={"n_residents": 150, "policy": ["baseline", "centres"], "leader_coverage": [0.0, 1.0]},
        rng=[1, 2],
        max_steps=4,
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
    )
    frame = pd.DataFrame(results)
    assert len(frame) == 8
    assert {"rate_any", "policy", "leader_coverage", "mean_trust"} <= set(frame.columns)


def test_overrides_win_over_presets_and_are_validated():
    model = CommunityModel(rng=1, n_residents=200, policy="centres", n_centres=2)
    assert model.p["n_centres"] == 2 and model.p["n_residents"] == 200
    with pytest.raises(ConfigError, match="unknown parameter"):
        CommunityModel(rng=1, n_residents=200, not_a_lever=3)
    with pytest.raises(ConfigError, match="outside the allowed range"):
        CommunityModel(rng=1, n_residents=200, leader_coverage=2.0)
    with pytest.raises(ConfigError, match="unknown policy package"):
        CommunityModel(rng=1, n_residents=200, policy="utopia")


def test_model_params_for_solaraviz_are_keywords():
    # SolaraViz's Reset calls type(model)(**params): every parameter must be a keyword.
    model = CommunityModel(
        **{
            "rng": 3,
            "n_residents": 120,
            "profile": "semi_rural_village",
            "policy": "baseline",
            "disclosure": "monthly",
        }
    )
    model.step()
    assert model.steps == 1 and model.running


def test_public_mechanism_is_exported():
    opinions = np.linspace(0, 1, 50)
    result = commsim.mechanisms.bounded_confidence(
        opinions, epsilon=0.5, mu=0.5, encounters=2000, rng=np.random.default_rng(0)
    )
    assert result.std() < 0.05 and np.allclose(opinions, np.linspace(0, 1, 50))
