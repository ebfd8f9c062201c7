"""Experimental designs: how factor values are combined into design points.

Pure functions. Sampling designs draw points in the unit hypercube with
``scipy.stats.qmc`` (Latin hypercube, Sobol, Halton) and map each coordinate to a factor
value through the factor's inverse distribution function (quantile), so a uniform
coordinate becomes a uniform, normal, triangular... value, a level of a categorical
factor, or a whole number. The Saltelli design builds the matrices A, B and AB_i
(A with column i taken from B) from one scrambled Sobol sequence of twice the factors'
dimension, as Saltelli et al. (2010) and ``scipy.stats.sobol_indices`` expect.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from scipy.stats import qmc

DEFAULT_LEVELS = 5


@dataclass(frozen=True, slots=True)
class FactorSpace:
    """The values one factor can take, resolved from its spec and its declaration.

    Attributes:
        name: Factor name (a column of the design).
        sets: Parameters that take the factor's value.
        type: ``float``, ``int``, ``bool`` or ``choice``.
        levels: Discrete levels (given values, choices, or true/false); None if continuous.
        low: Lowest value of a continuous factor.
        high: Highest value of a continuous factor.
        grid_levels: Levels drawn from ``low``-``high`` for grid and one-at-a-time designs.
        distribution: Frozen scipy distribution for sampling designs; None for uniform
            on ``low``-``high`` or for discrete levels.
        baseline: Reference value of one-at-a-time designs.
    """

    name: str
    sets: tuple[str, ...]
    type: str
    levels: tuple[Any, ...] | None = None
    low: float | None = None
    high: float | None = None
    grid_levels: int = DEFAULT_LEVELS
    distribution: Any = field(default=None, compare=False)
    baseline: Any = None

    def discrete_levels(self) -> tuple[Any, ...]:
        """Levels for grid and one-at-a-time designs.

        Returns:
            The given levels, or ``grid_levels`` values evenly spaced over the range
            (whole numbers for ``int`` factors, repeated values dropped).

        Raises:
            ValueError: For a factor given only as a distribution.
        """
        if self.levels is not None:
            return self.levels
        if self.low is None or self.high is None:
            raise ValueError(f"factor {self.name}: grid and one-at-a-time designs need values or a range")
        spaced = np.linspace(self.low, self.high, self.grid_levels)
        if self.type == "int":
            return tuple(dict.fromkeys(int(round(value)) for value in spaced))
        return tuple(float(value) for value in spaced)

    def from_unit(self, unit: np.ndarray) -> list[Any]:
        """Map coordinates in [0, 1) to factor values through the inverse distribution.

        Args:
            unit: Coordinates of sampled points in this factor's dimension.

        Returns:
            One value per coordinate, of the factor's type.
        """
        unit = np.clip(np.asarray(unit, dtype=float), 0.0, np.nextafter(1.0, 0.0))
        if self.levels is not None:
            index = np.minimum((unit * len(self.levels)).astype(int), len(self.levels) - 1)
            return [self.levels[i] for i in index]
        if self.distribution is not None:
            values = self.distribution.ppf(unit)
        elif self.type == "int":
            # Each whole number of low..high gets an equal share of the unit interval.
            values = np.floor(self.low + unit * (self.high - self.low + 1))
            values = np.minimum(values, self.high)
        else:
            values = self.low + unit * (self.high - self.low)
        if self.type == "int":
            return [int(round(value)) for value in values]
        return [float(value) for value in values]


def distribution_of(kind: str, **given: float | None) -> Any:
    """A frozen scipy distribution from a spec's distribution fields.

    Args:
        kind: ``uniform``, ``loguniform``, ``normal``, ``truncnormal``, ``triangular``
            or ``beta``.
        **given: ``low``, ``high``, ``mean``, ``sd``, ``mode``, ``alpha``, ``beta``.

    Returns:
        The distribution.
    """
    low, high = given.get("low"), given.get("high")
    if kind == "uniform":
        return stats.uniform(loc=low, scale=high - low)
    if kind == "loguniform":
        return stats.loguniform(low, high)
    if kind == "normal":
        return stats.norm(loc=given["mean"], scale=given["sd"])
    if kind == "truncnormal":
        mean, sd = given["mean"], given["sd"]
        return stats.truncnorm((low - mean) / sd, (high - mean) / sd, loc=mean, scale=sd)
    if kind == "triangular":
        return stats.triang((given["mode"] - low) / (high - low), loc=low, scale=high - low)
    if kind == "beta":
        low = 0.0 if low is None else low
        high = 1.0 if high is None else high
        return stats.beta(given["alpha"], given["beta"], loc=low, scale=high - low)
    raise ValueError(f"unknown distribution {kind!r}")


# ------------------------------------------------------------------ designs


def single_point() -> pd.DataFrame:
    """The design of an experiment without factors: one point, no factor columns."""
    return pd.DataFrame(index=pd.RangeIndex(1))


def full_grid(spaces: list[FactorSpace]) -> pd.DataFrame:
    """Every combination of every factor's levels (the first factor varies slowest).

    Args:
        spaces: The factors.

    Returns:
        One row per point, one column per factor.
    """
    levels = [space.discrete_levels() for space in spaces]
    rows = list(itertools.product(*levels))
    return pd.DataFrame(rows, columns=[space.name for space in spaces])


def one_at_a_time(spaces: list[FactorSpace]) -> pd.DataFrame:
    """The baseline point, then each factor through its other levels with the rest at baseline.

    Args:
        spaces: The factors, each with a baseline value.

    Returns:
        One row per point (the first is the baseline), one column per factor.
    """
    baseline = {space.name: space.baseline for space in spaces}
    rows = [baseline]
    for space in spaces:
        for level in space.discrete_levels():
            if level != space.baseline:
                rows.append(baseline | {space.name: level})
    return pd.DataFrame(rows, columns=[space.name for space in spaces])


def unit_sample(
    kind: str, dimensions: int, points: int, rng: np.random.Generator, *, scramble: bool = True
) -> np.ndarray:
    """Points in the unit hypercube from a ``scipy.stats.qmc`` engine.

    Args:
        kind: ``lhs``, ``sobol`` or ``halton``.
        dimensions: Number of factors.
        points: Number of points (a power of two for ``sobol``).
        rng: Seeds the engine's randomisation.
        scramble: Scramble Sobol and Halton sequences (LHS is always randomised).

    Returns:
        Array of shape (points, dimensions) in [0, 1).

    Raises:
        ValueError: If a Sobol sample is not a power of two in size.
    """
    if kind == "lhs":
        return qmc.LatinHypercube(d=dimensions, rng=rng).random(points)
    if kind == "sobol":
        if not _power_of_two(points):
            raise ValueError(f"a sobol design needs a power of two points (balance), got {points}")
        unit = qmc.Sobol(d=dimensions, scramble=scramble, rng=rng).random_base2(int(math.log2(points)))
    elif kind == "halton":
        unit = qmc.Halton(d=dimensions, scramble=scramble, rng=rng).random(points)
    else:
        raise ValueError(f"unknown sampling design {kind!r}")
    if not scramble:
        # Unscrambled sequences start at the origin, which an unbounded distribution maps
        # to -inf: move every point to the middle of its cell instead.
        unit = np.minimum(unit + 0.5 / points, np.nextafter(1.0, 0.0))
    return unit


def sampled(spaces: list[FactorSpace], unit: np.ndarray) -> pd.DataFrame:
    """Map unit-hypercube points to factor values, one column per factor.

    Args:
        spaces: The factors, in the columns' order.
        unit: Array of shape (points, factors).

    Returns:
        One row per point.
    """
    return pd.DataFrame({space.name: space.from_unit(unit[:, i]) for i, space in enumerate(spaces)})


def saltelli(spaces: list[FactorSpace], base_samples: int, rng: np.random.Generator) -> pd.DataFrame:
    """The Saltelli design: matrices A, B and AB_i for first-order and total Sobol indices.

    A and B are the two halves of a scrambled Sobol sequence in twice the factors'
    dimension; AB_i is A with column i taken from B (``scipy.stats.sobol_indices``'s
    convention). Rows come block by block: A, B, AB_0, ..., AB_{d-1}, each of
    ``base_samples`` rows.

    Args:
        spaces: The d factors.
        base_samples: N, a power of two; the design has N x (d + 2) points.
        rng: Seeds the scrambling.

    Returns:
        Columns ``block`` (``A``, ``B`` or ``AB<i>``), ``sample`` (0..N-1), then one per factor.

    Raises:
        ValueError: If N is not a power of two or there are no factors.
    """
    if not _power_of_two(base_samples):
        raise ValueError(f"a saltelli design needs a power of two base samples, got {base_samples}")
    d = len(spaces)
    if d == 0:
        raise ValueError("a saltelli design needs at least one factor")
    both = qmc.Sobol(d=2 * d, scramble=True, rng=rng).random_base2(int(math.log2(base_samples)))
    a, b = both[:, :d], both[:, d:]
    blocks = [("A", a), ("B", b)]
    for i in range(d):
        ab = a.copy()
        ab[:, i] = b[:, i]
        blocks.append((f"AB{i}", ab))
    frames = []
    for label, unit in blocks:
        frame = sampled(spaces, unit)
        frame.insert(0, "sample", np.arange(base_samples))
        frame.insert(0, "block", label)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _power_of_two(number: int) -> bool:
    return number >= 1 and number & (number - 1) == 0
