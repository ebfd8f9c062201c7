"""Estimates shared by the runner, the experiment analysis and the reports.

Plumbing only: means with t-based confidence intervals, the replicates a tolerance needs,
and the one path from runs' time series to estimates: each run reduced to its final value
and its mean over the last window (:func:`run_outcomes`), estimates over replicates
(:func:`point_estimates`) and paired effects against a reference scenario on the same
seeds, with the one definition of ``cost_per_additional_participant``
(:func:`paired_effects`). ``commsim run`` and the experiment analysis both use them. No
behavioural rule lives here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from commsim.metric_table import COST_PER_ADDITIONAL

WINDOWS = ("final", "window")
# The outcomes the cost per additional participant is computed from.
COST_INPUTS = ("programme_cost", "unique_participants")


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


def run_outcomes(data: pd.DataFrame, metrics: list[str], window: int, *, identity: Sequence[str]) -> pd.DataFrame:
    """Reduce each run's time series to its final value and its mean over the last window.

    Args:
        data: Time series of runs (run identity, step, metrics).
        metrics: Metric columns.
        window: Steps averaged by the ``window`` outcome.
        identity: Columns that together name one run (``point``, ``scenario`` and
            ``replicate`` among them); rows are ordered by the first.

    Returns:
        Long table: run identity, ``window`` (``final`` or ``window``), ``metric``, ``value``.
    """
    identity = list(identity)
    last = data.groupby(identity, sort=False, dropna=False)["step"].transform("max")
    final = data[data["step"] == last]
    first_kept = np.maximum(last - window, 0)
    # Never average the initial state in, unless a run kept nothing else (functions).
    inside = (data["step"] > first_kept) | (last == 0)
    averaged = data[inside].groupby(identity, sort=False)[metrics].mean().reset_index()
    frames = []
    for label, frame in (("final", final[identity + metrics]), ("window", averaged)):
        long = frame.melt(id_vars=identity, value_vars=metrics, var_name="metric", value_name="value")
        long.insert(len(identity), "window", label)
        frames.append(long)
    return pd.concat(frames, ignore_index=True).sort_values([identity[0], "window", "metric"], kind="stable")


def point_estimates(outcome: pd.DataFrame) -> pd.DataFrame:
    """Mean, SD, 95% t-interval and n over replicates per point, scenario, window and metric."""
    rows = []
    for (point, scenario, window, metric), group in outcome.groupby(
        ["point", "scenario", "window", "metric"], sort=False
    ):
        rows.append(
            {"point": point, "scenario": scenario, "window": window, "metric": metric}
            | asdict(estimate(group["value"].to_numpy()))
        )
    return pd.DataFrame(rows)


def paired_effects(outcome: pd.DataFrame, reference: str, *, with_cost: bool = False) -> pd.DataFrame:
    """Each scenario minus the reference on the same seeds, per point, window and metric.

    Args:
        outcome: Run outcomes.
        reference: The reference scenario.
        with_cost: Add the extra programme cost per additional unique participant.

    Returns:
        One row per point, scenario, window and metric: the mean paired difference,
        SD, 95% interval, n, the paired t-test p-value and the reference mean.
    """
    scenarios = [name for name in outcome["scenario"].unique() if name != reference]
    if not scenarios:
        return pd.DataFrame()
    table = outcome.pivot_table(
        index=["point", "window", "metric", "replicate"],
        columns="scenario",
        values="value",
        aggfunc="first",
        dropna=False,
    )
    # A scenario whose runs all failed (or the reference itself) has no column: nothing to pair.
    scenarios = [name for name in scenarios if name in table.columns]
    if reference not in table.columns or not scenarios:
        return pd.DataFrame()
    rows = []
    for (point, window, metric), group in table.groupby(level=["point", "window", "metric"], sort=False):
        base = group[reference].to_numpy()
        for scenario in scenarios:
            difference = group[scenario].to_numpy() - base
            rows.append(_effect_row(point, scenario, window, metric, difference, base))
    if with_cost:
        rows.extend(_cost_rows(table, reference, scenarios))
    return pd.DataFrame(rows)


def _effect_row(
    point: Any, scenario: str, window: str, metric: str, difference: np.ndarray, base: np.ndarray
) -> dict[str, Any]:
    """One row of paired effects: the mean difference, its interval, the paired t-test and the reference mean."""
    found = estimate(difference)
    finite = difference[np.isfinite(difference)]
    p_value = np.nan
    if len(finite) > 1 and np.allclose(finite, finite[0], rtol=1e-12, atol=1e-300):
        # Equal up to rounding (the same count in every pair, say): no spread to test against,
        # and the t-test would divide by rounding error.
        p_value = 1.0 if np.all(finite == 0) else 0.0
    elif len(finite) > 1:
        p_value = float(stats.ttest_1samp(finite, 0.0).pvalue)
    return {
        "point": point,
        "scenario": scenario,
        "window": window,
        "metric": metric,
        "difference": found.mean,
        "sd": found.sd,
        "ci_low": found.ci_low,
        "ci_high": found.ci_high,
        "n": found.n,
        "p_value": p_value,
        "reference_mean": float(np.nanmean(base)) if np.isfinite(base).any() else np.nan,
    }


def _cost_rows(table: pd.DataFrame, reference: str, scenarios: list[str]) -> list[dict[str, Any]]:
    """The one definition of the cost per additional participant, per point and window.

    Per replicate pair: the scenario's outcome of ``programme_cost`` minus the reference's,
    over its outcome of ``unique_participants`` minus the reference's (NaN where nobody is
    added); then the mean over pairs with its interval.
    """
    metrics = table.index.get_level_values("metric")
    if not set(COST_INPUTS) <= set(metrics):
        return []
    rows = []
    for (point, window), group in table.groupby(level=["point", "window"], sort=False):
        cost = group.xs("programme_cost", level="metric")
        people = group.xs("unique_participants", level="metric")
        for scenario in scenarios:
            added = (people[scenario] - people[reference]).to_numpy()
            extra = (cost[scenario] - cost[reference]).to_numpy()
            ratio = extra / np.where(added > 0, added, np.nan)
            rows.append(_effect_row(point, scenario, window, COST_PER_ADDITIONAL, ratio, np.zeros_like(ratio)))
            rows[-1]["reference_mean"] = np.nan
    return rows
