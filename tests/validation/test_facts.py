"""The stylized facts of MODEL_SPEC section 8: their measurement, and where the shipped defaults land."""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import pytest

from commsim.validation.facts import (
    TARGETS_BY_NAME,
    calibration_distance,
    fit_exponential_decay,
    pooled_value,
    scenario_seeds,
    stylized_facts,
)


def test_target_band_and_distance():
    """A value inside the band is a hit; the distance is 0 at the centre and grows away from it."""
    top10 = TARGETS_BY_NAME["top10_share"]
    assert top10.hit(0.5) and not top10.hit(0.44) and not top10.hit(0.61) and not top10.hit(math.nan)
    assert top10.distance(top10.centre) == 0.0
    assert top10.distance(0.40) > top10.distance(0.45) > 0
    gradient = TARGETS_BY_NAME["age_gradient"]  # open band: "at least three times"
    assert gradient.hit(12.0) and not gradient.hit(2.9)
    assert gradient.distance(12.0) == 0.0 and gradient.distance(2.0) > 0


def test_calibration_distance_is_zero_only_at_every_centre():
    centres = {name: target.centre for name, target in TARGETS_BY_NAME.items()}
    assert calibration_distance(centres) == 0.0
    assert calibration_distance({**centres, "formal_volunteering": 0.04}) > 0.9


@pytest.mark.parametrize("rate", [0.5, 0.87, 1.5])
def test_exponential_decay_fit_recovers_a_known_rate(rate):
    """Poisson visits with mean exp(a - rate * km): the fit recovers the rate and ln 2 / rate."""
    rng = np.random.default_rng(4)
    km = rng.uniform(0.0, 2.0, 20_000)
    visits = rng.poisson(np.exp(2.0 - rate * km))
    fitted, half = fit_exponential_decay(km, visits)
    assert fitted == pytest.approx(rate, rel=0.03)
    assert half == pytest.approx(math.log(2) / rate, rel=0.03)


def test_flat_attendance_has_no_half_distance():
    fitted, half = fit_exponential_decay(np.linspace(0, 2, 100), np.full(100, 3.0))
    assert abs(fitted) < 1e-3
    assert half == math.inf or half > 100


def test_pooled_ratios_are_ratios_of_means():
    """Replicates with few youth deliberating: the gradient pools the rates, not the per-run ratios."""
    runs = {
        "deliberation_youth": np.array([0.01, 0.03]),
        "deliberation_elderly": np.array([0.08, 0.04]),
        "credits_earned": np.array([100.0, 300.0]),
        "credits_spent": np.array([90.0, 270.0]),
        "attendance_decay_per_km": np.array([0.8, 1.0]),
        "top10_share": np.array([0.4, 0.5]),
    }
    assert pooled_value("age_gradient", runs) == pytest.approx(0.06 / 0.02)
    assert pooled_value("credits_balance", runs) == pytest.approx(0.9)
    assert pooled_value("half_distance_km", runs) == pytest.approx(math.log(2) / 0.9)
    assert pooled_value("top10_share", runs) == pytest.approx(0.45)


def test_scenario_seeds_are_spawned_distinct_and_reproducible():
    assert scenario_seeds(5) == scenario_seeds(5)
    assert len(set(scenario_seeds(5))) == 3
    assert set(scenario_seeds(5)).isdisjoint(scenario_seeds(6))


SEEDS = (101, 102, 103)


@cache
def _facts_at_defaults() -> dict[str, np.ndarray]:
    runs = [stylized_facts(seed=seed, n_residents=2000) for seed in SEEDS]
    return {name: np.array([run[name] for run in runs]) for name in runs[0]}


@pytest.mark.slow
@pytest.mark.parametrize("name", ["age_gradient", "half_distance_km", "formal_volunteering", "credits_balance"])
def test_shipped_defaults_hit_the_calibrated_facts(name):
    """At the shipped defaults the facts the calibration hit land inside their bands (3 seeds pooled)."""
    value = pooled_value(name, _facts_at_defaults())
    assert TARGETS_BY_NAME[name].hit(value), (name, value)


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="off target at the shipped defaults: see docs/validation.md, calibration")
@pytest.mark.parametrize("name", ["top10_share"])
def test_shipped_defaults_miss_the_facts_the_calibration_could_not_ship(name):
    """Recorded misses: strict, so that this test fails (and the docs get updated) once they are hit."""
    value = pooled_value(name, _facts_at_defaults())
    assert TARGETS_BY_NAME[name].hit(value), (name, value)
