"""Analysis: Sobol indices of functions with known indices, paired effects, sufficiency, outcomes."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from commsim.experiments.analysis import analyze, paired_effects, run_outcomes, sufficiency_table
from commsim.experiments.plan import make_plan
from commsim.experiments.reference import ishigami_indices
from commsim.experiments.spec import ExperimentSpec
from commsim.experiments.store import ExperimentStore
from commsim.experiments.sweep import run_sweep
from commsim.runs.statistics import replicates_needed

PI = math.pi


def sobol_of(tmp_path, spec: ExperimentSpec) -> pd.DataFrame:
    plan = make_plan(spec)
    store = ExperimentStore(tmp_path / spec.name)
    run_sweep(plan, store.folder, executor="inline", progress=False)
    sobol = analyze(plan, store).sobol
    return sobol[sobol["window"] == "final"].set_index("factor")


def test_the_sobol_pipeline_recovers_the_ishigami_indices(tmp_path):
    spec = ExperimentSpec(
        name="ishigami",
        target="commsim.experiments.reference:ishigami",
        factors=[{"name": name, "range": [-PI, PI]} for name in ("x1", "x2", "x3")],
        design={"kind": "saltelli", "points": 256},
        replicates=1,
        analysis={"bootstrap": 300},
    )
    sobol = sobol_of(tmp_path, spec)
    known = ishigami_indices()
    for kind in ("first", "total"):
        for factor, value in known[kind].items():
            row = sobol.loc[factor]
            assert row[f"{kind}_low"] <= value <= row[f"{kind}_high"], (kind, factor)
            assert row[kind] == pytest.approx(value, abs=0.08), (kind, factor)
    assert sobol["total"].idxmax() == "x1" and sobol["first"].idxmax() == "x2"


def test_the_sobol_pipeline_recovers_a_linear_function_with_normal_inputs(tmp_path):
    spec = ExperimentSpec(
        name="linear",
        target="commsim.experiments.reference:linear",
        factors=[{"name": name, "distribution": {"kind": "normal", "mean": 1.0, "sd": 1.0}} for name in "abc"],
        design={"kind": "saltelli", "points": 256},
        replicates=1,
        analysis={"bootstrap": 300},
    )
    sobol = sobol_of(tmp_path, spec)
    expected = np.array([1, 4, 9]) / 14
    np.testing.assert_allclose(sobol.loc[list("abc"), "first"], expected, atol=0.06)
    np.testing.assert_allclose(sobol.loc[list("abc"), "total"], expected, atol=0.06)


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


def test_sufficiency_compares_half_width_with_tolerance():
    points = pd.DataFrame(
        [
            {"point": 0, "scenario": "s", "window": "window", "metric": "a", "mean": 10.0, "sd": 1.0}
            | {"ci_low": 9.9, "ci_high": 10.1, "n": 10},
            {"point": 0, "scenario": "s", "window": "window", "metric": "b", "mean": 10.0, "sd": 3.0}
            | {"ci_low": 8.0, "ci_high": 12.0, "n": 10},
        ]
    )
    table = sufficiency_table(points, relative=0.05, tolerances={}).set_index("metric")
    assert table.loc["a", "sufficient"] and not table.loc["b", "sufficient"]
    assert table.loc["b", "replicates_needed"] == replicates_needed(3.0, 0.5)
    absolute = sufficiency_table(points, relative=0.05, tolerances={"b": 5.0}).set_index("metric")
    assert absolute.loc["b", "sufficient"]


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
    outcomes = run_outcomes(data, ["m"], window=3).set_index("window")["value"]
    assert outcomes["final"] == 5.0
    assert outcomes["window"] == pytest.approx(4.0)  # steps 3, 4, 5
    assert run_outcomes(data, ["m"], window=52).set_index("window").loc["window", "value"] == pytest.approx(3.0)
