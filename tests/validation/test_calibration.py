"""Rejection ABC, refinement bookkeeping and intervals of the calibration."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from commsim.config.declaration import defaults
from commsim.config.paths import shipped_reports
from commsim.validation.calibration import (
    CALIBRATED,
    abc_rejection,
    bootstrap_interval,
    point_distances,
    rounded,
    spawn_seeds,
    verify,
)
from commsim.validation.facts import TARGETS


def _synthetic_design(n: int = 200, seed: int = 0) -> pd.DataFrame:
    """Facts that depend on one parameter only: the best points have attend_intercept near -5."""
    rng = np.random.default_rng(seed)
    table = pd.DataFrame({name: rng.uniform(0, 1, n) for name in CALIBRATED})
    table["attend_intercept"] = rng.uniform(-6.5, -3.5, n)
    off = table["attend_intercept"] + 5.0
    for target in TARGETS:
        table[target.name] = target.centre + 0.5 * target.scale * off
    return table


def test_point_distances_sort_nearest_first_and_count_hits():
    table = point_distances(_synthetic_design())
    assert table["distance"].is_monotonic_increasing
    assert abs(table["attend_intercept"].iloc[0] + 5.0) < 0.05
    assert table["hits"].iloc[0] == len(TARGETS)


def test_abc_rejection_concentrates_the_posterior_where_the_facts_are_met():
    priors = {"attend_intercept": (-6.5, -3.5), "social_threshold_mean": (0.0, 1.0)}
    posterior = abc_rejection(point_distances(_synthetic_design()), priors, accept_share=0.1)
    assert len(posterior.accepted) == 20
    row = posterior.summary.set_index("parameter").loc["attend_intercept"]
    assert -5.3 < row["posterior_q05"] <= row["posterior_median"] <= row["posterior_q95"] < -4.7
    uninformative = posterior.summary.set_index("parameter").loc["social_threshold_mean"]
    assert uninformative["posterior_q95"] - uninformative["posterior_q05"] > 0.5  # a parameter the facts ignore


def test_bootstrap_interval_covers_the_pooled_estimate_and_verify_flags_hits():
    rng = np.random.default_rng(1)
    runs = pd.DataFrame(
        {
            "top10_share": rng.normal(0.5, 0.02, 20),
            "deliberation_youth": rng.uniform(0.02, 0.04, 20),
            "deliberation_elderly": rng.uniform(0.12, 0.16, 20),
            "attendance_decay_per_km": rng.normal(0.87, 0.05, 20),
            "formal_volunteering": rng.normal(0.05, 0.01, 20),
            "informal_helping": rng.normal(0.5, 0.02, 20),
            "credits_earned": rng.uniform(300, 400, 20),
        }
    )
    runs["credits_spent"] = 0.9 * runs["credits_earned"]
    estimate, low, high = bootstrap_interval(runs, "top10_share")
    assert low < estimate < high and high - low < 0.05
    table = verify(runs).set_index("target")
    assert table.loc["top10_share", "hit"] and table.loc["age_gradient", "hit"]
    assert not table.loc["formal_volunteering", "hit"] and not table.loc["formal_volunteering", "interval_inside"]
    assert table.loc["credits_balance", "estimate"] == pytest.approx(0.9)
    assert table.loc["informal_helping", "hit"] and table.loc["informal_helping", "interval_inside"]


def test_spawned_seeds_and_rounding():
    assert spawn_seeds(3, 4) == spawn_seeds(3, 4) and len(set(spawn_seeds(3, 4))) == 4
    values = rounded({name: 0.123456 for name in CALIBRATED})
    assert values["social_threshold_mean"] == 0.123 and values["time_bank_overdraft_h"] == 0.1


def test_shipped_defaults_match_the_recorded_calibration():
    """configs/parameters.yaml holds what the committed calibration table says was shipped."""
    table = pd.read_csv(shipped_reports() / "validation" / "tables" / "calibration_parameters.csv")
    shipped = defaults()
    for row in table.itertuples():
        assert shipped[row.parameter] == pytest.approx(row.shipped_default), row.parameter


def test_shipped_defaults_are_the_abc_smc_posterior_medians():
    """Each calibrated default is the committed ABC-SMC posterior's median, rounded as the defaults are written."""
    posterior = pd.read_csv(shipped_reports() / "validation" / "tables" / "abc_posterior.csv").set_index("parameter")
    shipped = defaults()
    assert set(posterior.index) == set(CALIBRATED)
    medians = rounded(posterior["posterior_median"])
    for name in CALIBRATED:
        assert shipped[name] == medians[name], name
        assert posterior.loc[name, "posterior_q05"] <= shipped[name] <= posterior.loc[name, "posterior_q95"], name
