"""The one path from runs to estimates: outcomes, estimates over replicates, paired effects, sufficiency."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from commsim.experiments.store import RUN_COLUMNS
from commsim.runs.statistics import estimate, paired_effects, replicates_needed, run_outcomes


def test_estimate_matches_the_t_interval_and_skips_missing_values():
    values = np.array([0.2, 0.4, 0.35, 0.5, np.nan])
    result = estimate(values)
    finite = values[:4]
    low, high = stats.t.interval(0.95, 3, loc=finite.mean(), scale=stats.sem(finite))
    assert result.n == 4 and result.mean == pytest.approx(finite.mean())
    assert (result.ci_low, result.ci_high) == pytest.approx((low, high))
    assert result.sd == pytest.approx(finite.std(ddof=1))
    single = estimate(np.array([1.0]))
    assert single.mean == 1.0 and np.isnan(single.ci_low) and single.n == 1
    assert estimate(np.array([np.nan])).n == 0


def outcome_frame(values: dict[str, list[float]]) -> pd.DataFrame:
    rows = []
    for scenario, series in values.items():
        for replicate, value in enumerate(series):
            rows.append(
                {"run": len(rows), "point": 0, "scenario": scenario, "replicate": replicate, "seed": replicate}
                | {"window": "window", "metric": "m", "value": value}
            )
    return pd.DataFrame(rows)


def test_paired_effects_are_the_mean_paired_difference_with_its_t_interval():
    reference = [1.0, 2.0, 3.0, 4.0, 5.0]
    treated = [1.5, 2.1, 3.9, 4.2, 5.6]
    effects = paired_effects(outcome_frame({"ref": reference, "new": treated}), "ref")
    row = effects.iloc[0]
    difference = np.subtract(treated, reference)
    half = stats.t.ppf(0.975, 4) * difference.std(ddof=1) / math.sqrt(5)
    assert row["difference"] == pytest.approx(difference.mean())
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((difference.mean() - half, difference.mean() + half))
    assert row["p_value"] == pytest.approx(stats.ttest_rel(treated, reference).pvalue)
    assert row["reference_mean"] == pytest.approx(3.0)


def test_a_difference_equal_in_every_pair_up_to_rounding_is_certain_and_raises_no_warning(recwarn):
    """The same count in every pair differs only by rounding error: no spread to test, p = 0 (or 1 if none)."""
    reference = [0.1, 0.7, 0.3]  # 0.1 + 3/13 and 0.7 + 3/13 differ from 3/13 in their last bits
    effects = paired_effects(
        outcome_frame({"ref": reference, "new": [r + 3 / 13 for r in reference], "same": reference}), "ref"
    ).set_index("scenario")
    assert np.std(np.subtract([r + 3 / 13 for r in reference], reference)) > 0  # the rounding the test is about
    assert effects.loc["new", "p_value"] == 0.0 and effects.loc["same", "p_value"] == 1.0
    assert effects.loc["new", "difference"] == pytest.approx(3 / 13)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_pairing_removes_the_shared_noise():
    """A constant shift on heavy shared noise is detected only because replicates are paired."""
    rng = np.random.default_rng(4)
    shared = rng.normal(0, 10, size=8)
    effects = paired_effects(outcome_frame({"ref": list(shared), "new": list(shared + 0.5)}), "ref")
    assert effects.iloc[0]["difference"] == pytest.approx(0.5)
    assert effects.iloc[0]["ci_high"] - effects.iloc[0]["ci_low"] < 1e-9
    assert stats.ttest_ind(shared + 0.5, shared).pvalue > 0.5  # unpaired, the shift is invisible


@pytest.mark.parametrize("sd", [0.3, 1.0, 4.0])
@pytest.mark.parametrize("tolerance", [0.25, 1.0])
def test_replicates_needed_is_the_smallest_n_whose_interval_fits(sd, tolerance):
    n = replicates_needed(sd, tolerance)

    def half(count):
        return stats.t.ppf(0.975, count - 1) * sd / math.sqrt(count)

    assert half(n) <= tolerance
    assert n == 2 or half(n - 1) > tolerance


def test_outcomes_are_the_final_value_and_the_mean_over_the_last_window():
    data = pd.DataFrame(
        {
            "run": [0] * 6,
            "point": 0,
            "scenario": "s",
            "replicate": 0,
            "seed": 1,
            "step": [0, 1, 2, 3, 4, 5],
            "m": [100.0, 1.0, 2.0, 3.0, 4.0, 5.0],
        }
    )
    outcomes = run_outcomes(data, ["m"], window=3, identity=RUN_COLUMNS).set_index("window")["value"]
    assert outcomes["final"] == 5.0
    assert outcomes["window"] == pytest.approx(4.0)  # steps 3, 4, 5
    assert run_outcomes(data, ["m"], window=52, identity=RUN_COLUMNS).set_index("window").loc[
        "window", "value"
    ] == pytest.approx(3.0)
