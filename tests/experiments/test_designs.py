"""Designs: points fall in range, follow their construction and are reproducible from the seed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from commsim.experiments import designs
from commsim.experiments.designs import FactorSpace
from commsim.experiments.plan import make_plan
from commsim.experiments.spec import ExperimentSpec

REFERENCE = "commsim.experiments.reference:ishigami"


def continuous(name: str, low: float, high: float, kind: str = "float") -> FactorSpace:
    return FactorSpace(name=name, sets=(name,), type=kind, low=low, high=high)


def test_full_grid_is_every_combination_with_the_first_factor_slowest():
    spaces = [
        FactorSpace("a", ("a",), "int", levels=(1, 2, 3)),
        FactorSpace("b", ("b",), "choice", levels=("x", "y")),
    ]
    grid = designs.full_grid(spaces)
    assert grid.to_dict("list") == {"a": [1, 1, 2, 2, 3, 3], "b": ["x", "y", "x", "y", "x", "y"]}


def test_range_levels_are_evenly_spaced_and_whole_for_int_factors():
    assert continuous("a", 0.0, 1.0).discrete_levels() == (0.0, 0.25, 0.5, 0.75, 1.0)
    assert continuous("n", 1, 3, "int").discrete_levels() == (1, 2, 3)  # 5 levels collapse to 3 whole numbers
    with pytest.raises(ValueError, match="need values or a range"):
        FactorSpace("d", ("d",), "float", distribution=stats.norm()).discrete_levels()


def test_one_at_a_time_moves_one_factor_from_the_baseline():
    spaces = [
        FactorSpace("a", ("a",), "int", levels=(1, 2, 3), baseline=2),
        FactorSpace("b", ("b",), "float", levels=(0.1, 0.2), baseline=0.1),
    ]
    design = designs.one_at_a_time(spaces)
    assert design.iloc[0].to_dict() == {"a": 2, "b": 0.1}
    assert len(design) == 1 + 2 + 1
    moved = (design != design.iloc[0]).sum(axis=1)
    assert moved.tolist() == [0, 1, 1, 1]


@pytest.mark.parametrize("kind", ["lhs", "sobol", "halton"])
def test_samples_lie_in_the_unit_cube_and_repeat_with_the_seed(kind):
    first = designs.unit_sample(kind, 3, 64, np.random.default_rng(7))
    again = designs.unit_sample(kind, 3, 64, np.random.default_rng(7))
    other = designs.unit_sample(kind, 3, 64, np.random.default_rng(8))
    assert first.shape == (64, 3)
    assert np.all((first >= 0) & (first < 1))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_latin_hypercube_puts_one_point_in_each_stratum_of_each_dimension():
    sample = designs.unit_sample("lhs", 4, 50, np.random.default_rng(1))
    for dimension in range(4):
        strata = np.floor(sample[:, dimension] * 50).astype(int)
        assert sorted(strata) == list(range(50))


def test_sobol_needs_a_power_of_two():
    with pytest.raises(ValueError, match="power of two"):
        designs.unit_sample("sobol", 2, 48, np.random.default_rng(1))


def test_values_follow_the_inverse_distribution():
    unit = (np.arange(10_000) + 0.5) / 10_000
    normal = FactorSpace("x", ("x",), "float", distribution=designs.distribution_of("normal", mean=3.0, sd=2.0))
    values = np.array(normal.from_unit(unit))
    assert values.mean() == pytest.approx(3.0, abs=1e-3)
    assert values.std() == pytest.approx(2.0, rel=0.01)
    triangular = designs.distribution_of("triangular", low=0.0, mode=1.0, high=4.0)
    assert np.median(FactorSpace("t", ("t",), "float", distribution=triangular).from_unit(unit)) == pytest.approx(
        triangular.median(), abs=1e-3
    )


def test_whole_numbers_and_levels_get_equal_shares_of_the_unit_interval():
    unit = (np.arange(6000) + 0.5) / 6000
    whole = np.array(continuous("n", 1, 3, "int").from_unit(unit))
    assert np.bincount(whole)[1:].tolist() == [2000, 2000, 2000]
    levels = FactorSpace("c", ("c",), "choice", levels=("a", "b", "c"))
    assert pd.Series(levels.from_unit(unit)).value_counts().tolist() == [2000, 2000, 2000]


def test_saltelli_blocks_are_a_b_and_a_with_one_column_from_b():
    spaces = [continuous(name, 0.0, 1.0) for name in ("x", "y", "z")]
    design = designs.saltelli(spaces, 16, np.random.default_rng(3))
    assert len(design) == 16 * (3 + 2)
    a = design[design["block"] == "A"].set_index("sample")[["x", "y", "z"]]
    b = design[design["block"] == "B"].set_index("sample")[["x", "y", "z"]]
    for i, column in enumerate(("x", "y", "z")):
        ab = design[design["block"] == f"AB{i}"].set_index("sample")[["x", "y", "z"]]
        pd.testing.assert_series_equal(ab[column], b[column])
        others = [name for name in ("x", "y", "z") if name != column]
        pd.testing.assert_frame_equal(ab[others], a[others])
    with pytest.raises(ValueError, match="power of two"):
        designs.saltelli(spaces, 12, np.random.default_rng(3))


@pytest.mark.parametrize("kind", ["lhs", "sobol", "halton", "saltelli"])
def test_planned_designs_stay_in_range_and_repeat_from_the_root_seed(kind):
    def plan(seed):
        return make_plan(
            ExperimentSpec(
                name="d",
                target=REFERENCE,
                factors=[
                    {"name": "x1", "range": [-1.0, 2.0]},
                    {"name": "x2", "distribution": {"kind": "truncnormal", "mean": 0, "sd": 1, "low": -0.5, "high": 3}},
                    {"name": "x3", "values": [1.0, 2.0, 5.0]},
                ],
                design={"kind": kind, "points": 32},
                replicates=1,
                seed=seed,
            )
        ).design

    first, again, other = plan(5), plan(5), plan(6)
    assert first["x1"].between(-1.0, 2.0).all()
    assert first["x2"].between(-0.5, 3.0).all()
    assert set(first["x3"]) <= {1.0, 2.0, 5.0}
    pd.testing.assert_frame_equal(first, again)
    assert not first["x1"].equals(other["x1"])


@pytest.mark.parametrize("kind", ["sobol", "halton"])
def test_unscrambled_sequences_give_finite_values_for_unbounded_distributions(kind):
    unit = designs.unit_sample(kind, 2, 8, np.random.default_rng(1), scramble=False)
    assert np.all((unit > 0) & (unit < 1))
    normal = FactorSpace("x", ("x",), "float", distribution=designs.distribution_of("normal", mean=0.0, sd=1.0))
    assert np.all(np.isfinite(normal.from_unit(unit[:, 0])))
