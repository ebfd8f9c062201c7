"""Estimates shared by the runner, the experiment analysis and the reports.

Plumbing only: means with t-based confidence intervals, and the replicates a tolerance
needs. No behavioural rule lives here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True, slots=True)
class Estimate:
    """Mean, standard deviation and t-based confidence interval of a sample."""

    mean: float
    sd: float
    ci_low: float
    ci_high: float
    n: int

    @property
    def half_width(self) -> float:
        """Half the width of the confidence interval (NaN below two values)."""
        return (self.ci_high - self.ci_low) / 2


def estimate(values: np.ndarray, level: float = 0.95) -> Estimate:
    """Mean, SD and t-based confidence interval of the finite values of a sample.

    Args:
        values: The sample; NaN and infinite values are left out.
        level: Confidence level.

    Returns:
        The estimate; SD and interval are NaN with fewer than two values.
    """
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    n = len(values)
    if n == 0:
        return Estimate(np.nan, np.nan, np.nan, np.nan, 0)
    mean = float(values.mean())
    if n == 1:
        return Estimate(mean, np.nan, np.nan, np.nan, 1)
    sd = float(values.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * sd / np.sqrt(n))
    return Estimate(mean, sd, mean - half, mean + half, n)


def replicates_needed(sd: float, tolerance: float, level: float = 0.95, *, limit: int = 1_000_000) -> int:
    """Smallest number of replicates whose t-interval half-width is at most the tolerance.

    Solves ``t(level, n - 1) * sd / sqrt(n) <= tolerance`` for ``n`` (at least 2), starting
    from the normal approximation and stepping up while the t quantile is still too wide.

    Args:
        sd: Standard deviation between replicates.
        tolerance: Acceptable half-width of the interval (> 0).
        level: Confidence level.
        limit: Largest answer returned.

    Returns:
        The number of replicates; ``limit`` if even that many are not enough, 2 if the
        sample has no spread.

    Raises:
        ValueError: If the tolerance is not positive.
    """
    if not tolerance > 0:
        raise ValueError(f"tolerance must be positive, got {tolerance}")
    if not np.isfinite(sd) or sd <= 0:
        return 2
    z = stats.norm.ppf(0.5 + level / 2)
    n = max(2, math.ceil((z * sd / tolerance) ** 2))
    while n < limit and stats.t.ppf(0.5 + level / 2, n - 1) * sd / math.sqrt(n) > tolerance:
        n += max(1, n // 50)
    # The coarse steps above may overshoot by a few; walk back to the smallest n that works.
    while n > 2 and stats.t.ppf(0.5 + level / 2, n - 2) * sd / math.sqrt(n - 1) <= tolerance:
        n -= 1
    return min(n, limit)
