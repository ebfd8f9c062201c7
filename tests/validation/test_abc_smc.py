"""ABC-SMC calibration (pyabc): it recovers a known truth, reproducibly, whatever the number of workers."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from commsim.validation import abc_smc
from commsim.validation.abc_smc import CALIBRATION_TARGETS, CENTRE_PATTERN

PRIORS = {"a": (0.0, 1.0), "b": (0.0, 1.0)}
TRUTH = {"a": 0.3, "b": 0.7}


def synthetic_facts(parameters) -> dict[str, float]:
    """Every target at its centre when the parameters are TRUTH; away from it, each fact moves with them.

    Facts depend on a and b in different mixes (so both are identified) plus noise drawn,
    as the real model's seed is, from numpy's global generator.
    """
    a, b = parameters["a"] - TRUTH["a"], parameters["b"] - TRUTH["b"]
    noise = np.random.normal(0.0, 0.05, len(CALIBRATION_TARGETS))
    return {
        target.name: target.centre + target.scale * (4 * a * (1 + index % 2) + 4 * b * (index % 3 - 1) + noise[index])
        for index, target in enumerate(CALIBRATION_TARGETS)
    }


@pytest.fixture(scope="module")
def histories(tmp_path_factory):
    logging.getLogger("ABC").setLevel(logging.WARNING)
    folder = tmp_path_factory.mktemp("abc")
    return [
        abc_smc.calibrate(
            PRIORS,
            model=synthetic_facts,
            population=50,
            generations=5,
            seed=11,
            workers=workers,
            database=folder / f"abc-{workers}.db",
        )
        for workers in (1, 2)
    ]


def test_abc_smc_recovers_the_parameters_that_made_the_facts(histories):
    table = abc_smc.posterior_table(histories[0], PRIORS).set_index("parameter")
    for name, truth in TRUTH.items():
        assert table.loc[name, "posterior_q05"] <= truth <= table.loc[name, "posterior_q95"]
        assert table.loc[name, "posterior_median"] == pytest.approx(truth, abs=0.08)
        assert table.loc[name, "posterior_q95"] - table.loc[name, "posterior_q05"] < 0.5  # narrower than the prior
    generations = abc_smc.generations_table(histories[0])
    assert generations["tolerance"].is_monotonic_decreasing and len(generations) == 5
    assert generations["effective_particles"].iloc[0] == pytest.approx(50.0)  # the first generation is unweighted
    assert (generations["effective_particles"] <= generations["particles"] + 1e-9).all()
    assert (generations["effective_particles"] > 1).all()


def test_the_posterior_does_not_depend_on_the_number_of_workers(histories):
    one, two = (abc_smc.posterior_table(history, PRIORS) for history in histories)
    pd.testing.assert_frame_equal(one, two)
    pd.testing.assert_frame_equal(*(abc_smc.generations_table(history) for history in histories))


def test_an_unmeasured_fact_counts_as_far_but_does_not_hide_the_others():
    centres = {target.name: target.centre for target in CALIBRATION_TARGETS}
    assert abc_smc.facts_distance(centres, {}) == 0.0
    one_missing = {**centres, CALIBRATION_TARGETS[0].name: float("nan")}
    expected = abc_smc.UNMEASURED_DISTANCE / np.sqrt(len(CALIBRATION_TARGETS))
    assert abc_smc.facts_distance(one_missing, {}) == pytest.approx(expected)


def test_a_particle_that_breaks_the_centre_pattern_is_far_even_with_every_fact_on_target():
    """Pattern-oriented: the facts at their centres do not make up for centres that raise nothing."""
    on_target = {target.name: target.centre for target in CALIBRATION_TARGETS}
    assert abc_smc.facts_distance({**on_target, CENTRE_PATTERN.name: 0.08}, {}) == 0.0
    flat = abc_smc.facts_distance({**on_target, CENTRE_PATTERN.name: 0.0}, {})
    reversed_ = abc_smc.facts_distance({**on_target, CENTRE_PATTERN.name: -0.03}, {})
    assert 0.0 < flat < reversed_
    assert not CENTRE_PATTERN.hit(-0.01) and CENTRE_PATTERN.hit(0.01)


def test_weighted_quantiles_follow_the_weights():
    values, weights = np.array([1.0, 2.0, 3.0]), np.array([0.1, 0.1, 0.8])
    assert abc_smc.weighted_quantile(values, weights, 0.5) == 3.0
    assert abc_smc.weighted_quantile(values, np.ones(3), 0.5) == 2.0


def test_the_predictive_check_measures_every_fact_for_particles_drawn_by_weight(histories):
    check = abc_smc.predictive_check(histories[0], model=synthetic_facts, draws=30, seed=3)
    assert list(check["target"]) == [target.name for target in CALIBRATION_TARGETS]
    assert (check["share_in_band"] > 0.5).all() and (check["q05"] <= check["median"]).all()
    again = abc_smc.predictive_check(histories[1], model=synthetic_facts, draws=30, seed=3)
    pd.testing.assert_frame_equal(check, again)
