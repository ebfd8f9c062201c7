"""Analysis: Sobol indices of functions with known indices, paired effects, sufficiency, outcomes."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from commsim.experiments.analysis import analyze, sufficiency_table
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
