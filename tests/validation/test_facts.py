"""The stylized facts of MODEL_SPEC section 8: their measurement, and where the shipped defaults land."""

from __future__ import annotations

import math

import numpy as np
import pytest
from tests.shared_runs import shared

from commsim import CommunityModel
from commsim.validation.facts import (
    TARGETS_BY_NAME,
    calibration_distance,
    credit_facts,
    fit_exponential_decay,
    pooled_value,
    resident_walking_km,
    run_model,
    scenario_seeds,
    street_settings,
    stylized_facts,
    urban_facts,
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


def test_informal_helping_target_is_about_half_of_adults():
    target = TARGETS_BY_NAME["informal_helping"]
    assert (target.low, target.high, target.centre) == (0.40, 0.60, 0.5) and "AmeriCorps" in target.source
    assert target.hit(0.51) and target.hit(0.54) and not target.hit(0.27)


def test_informal_helping_and_credits_are_measured_from_the_agents_over_the_last_year():
    """Informal helping: residents whose last help to a tie or neighbour fell in the last 52 weeks.

    Credits: earned and spent in the last 52 weeks only, read from the bank's running totals.
    """
    model = CommunityModel(rng=7, n_residents=500, time_bank=True, platform_reach=0.5)
    totals = []
    for _ in range(60):
        model.step()
        totals.append((model.time_bank.credits_earned, model.time_bank.credits_spent))
    helped = model.residents.last_helped_informally > model.steps - 52
    assert urban_facts(model)["informal_helping"] == pytest.approx(helped.mean())
    credits = credit_facts(model)
    (earned_then, spent_then), (earned_now, spent_now) = totals[60 - 53], totals[-1]
    assert credits["credits_earned"] == pytest.approx(earned_now - earned_then) and credits["credits_earned"] > 0
    assert credits["credits_spent"] == pytest.approx(spent_now - spent_then)
    assert credits["credits_balance"] == pytest.approx(credits["credits_spent"] / credits["credits_earned"])
    assert 0.0 <= credits["credits_idle_share"] <= 1.0 and 0.0 <= credits["spenders_overdrawn"] <= 1.0


def test_scenario_seeds_are_spawned_distinct_and_reproducible():
    assert scenario_seeds(5) == scenario_seeds(5)
    assert len(set(scenario_seeds(5))) == 3
    assert set(scenario_seeds(5)).isdisjoint(scenario_seeds(6))


SEEDS = (101, 102, 103)


def test_the_half_distance_is_measured_on_the_street_where_walks_span_two_kilometres():
    """The dispersed scenario is the street profile at its own size; its walks run from near 0 to ~2 km."""
    settings = street_settings()
    assert settings["profile"] == "putuo_street" and settings["n_residents"] >= 20_000
    model, _ = run_model(1, 0, settings)
    km = resident_walking_km(model)
    assert km.min() < 0.3 and 1.5 < km.max() <= 2.0
    assert street_settings(2000)["n_residents"] == 2000


def _facts_at_defaults() -> dict[str, np.ndarray]:
    """Every fact on the three seeds, computed once per session for the six tests below."""

    def compute() -> dict[str, np.ndarray]:
        runs = [stylized_facts(seed=seed, n_residents=2000) for seed in SEEDS]
        return {name: np.array([run[name] for run in runs]) for name in runs[0]}

    return shared("facts-at-defaults", compute)


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    ["top10_share", "age_gradient", "half_distance_km", "formal_volunteering", "informal_helping", "credits_balance"],
)
def test_shipped_defaults_hit_the_calibrated_facts(name):
    """At the shipped defaults the facts the calibration hit land inside their bands (3 seeds pooled)."""
    value = pooled_value(name, _facts_at_defaults())
    assert TARGETS_BY_NAME[name].hit(value), (name, value)
