"""Analysis: Sobol indices of functions with known indices, paired effects, sufficiency, outcomes."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from commsim.experiments.analysis import analyze, noise_corrected_sobol, sufficiency_table
from commsim.experiments.plan import make_plan
from commsim.experiments.reference import ishigami, ishigami_indices
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


def ishigami_spec(*, points: int, bootstrap: int = 300, name: str = "ishigami", **extra) -> ExperimentSpec:
    """A Saltelli experiment on the Ishigami function over its usual cube, one run per point."""
    return ExperimentSpec(
        name=name,
        target="commsim.experiments.reference:ishigami",
        factors=[{"name": x, "range": [-PI, PI]} for x in ("x1", "x2", "x3")],
        design={"kind": "saltelli", "points": points},
        replicates=1,
        analysis={"bootstrap": bootstrap},
        **extra,
    )


def test_the_sobol_pipeline_recovers_the_ishigami_indices(tmp_path):
    spec = ishigami_spec(points=256)
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


def test_taking_out_noise_recovers_the_indices_of_the_noiseless_ishigami_function(tmp_path):
    """Noise of a fifth of the output variance inflates every total index; the correction restores the analytic ones.

    The noise variance is measured as the validation step measures it: replicates at points
    of the design, the mean of their variances, with a bootstrap interval over the points.
    """
    noise_sd = 2.0
    spec = ishigami_spec(points=512, name="noisy_ishigami", base={"noise": noise_sd})
    raw = sobol_of(tmp_path, spec).reset_index()
    rng = np.random.default_rng(3)
    points = rng.uniform(-PI, PI, (40, 3))
    variances = [
        np.var(
            [ishigami(seed=int(rng.integers(2**31)), x1=a, x2=b, x3=c, noise=noise_sd)["y"] for _ in range(8)], ddof=1
        )
        for a, b, c in points
    ]
    interval = stats.bootstrap((np.array(variances),), np.mean, rng=np.random.default_rng(4)).confidence_interval
    noise = pd.DataFrame(
        {
            "metric": ["y"],
            "noise_variance": [np.mean(variances)],
            "noise_low": [interval.low],
            "noise_high": [interval.high],
        }
    )
    corrected = noise_corrected_sobol(raw, noise).set_index("factor")
    raw = raw.set_index("factor")
    known = ishigami_indices()
    assert corrected["noise_share"].iloc[0] == pytest.approx(noise_sd**2 / raw["variance"].iloc[0], rel=0.2)
    for factor, value in known["total"].items():
        assert raw.loc[factor, "total"] > value, factor  # inflated by the noise before the correction
        assert corrected.loc[factor, "total_low"] <= value <= corrected.loc[factor, "total_high"], factor
    for factor, value in known["first"].items():
        assert corrected.loc[factor, "first_low"] <= value <= corrected.loc[factor, "first_high"], factor
    assert raw.loc["x3", "total_low"] > known["total"]["x3"]
    assert corrected.loc["x3", "total"] == pytest.approx(known["total"]["x3"], abs=0.06)


def test_noise_as_large_as_the_output_variance_leaves_no_index_to_estimate():
    sobol = pd.DataFrame(
        {"metric": ["y"], "factor": ["x"], "first": [0.1], "first_low": [0.0], "first_high": [0.2], "total": [0.9],
         "total_low": [0.8], "total_high": [1.0], "variance": [1.0]}
    )  # fmt: skip
    noise = pd.DataFrame({"metric": ["y"], "noise_variance": [1.0], "noise_low": [0.9], "noise_high": [1.1]})
    corrected = noise_corrected_sobol(sobol, noise)
    assert corrected[["first", "total"]].isna().all(axis=None)


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


def test_the_same_outputs_give_the_same_sobol_intervals_and_leave_numpy_s_global_state_alone(tmp_path):
    spec = ishigami_spec(points=64, bootstrap=50, seed=2**63 - 1)
    plan = make_plan(spec)
    store = ExperimentStore(tmp_path / spec.name)
    run_sweep(plan, store.folder, executor="inline", progress=False)
    np.random.seed(7)
    before = np.random.get_state()[1].copy()
    first = analyze(plan, store).sobol
    assert np.array_equal(np.random.get_state()[1], before)
    np.random.random(1000)  # another global state: the intervals must not follow it
    second = analyze(plan, store).sobol
    pd.testing.assert_frame_equal(first, second, check_exact=True)
