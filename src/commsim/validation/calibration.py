"""Calibration of free behavioural parameters to the stylized facts, by approximate Bayesian rejection.

The design (``experiments/validation_calibration.yaml``) draws the parameters from uniform
priors on a scrambled Sobol sequence and measures every fact at each point
(:func:`commsim.validation.facts.stylized_facts`, one replicate). Here:

1. :func:`abc_rejection` keeps the share of points nearest the targets (the approximate
   posterior) and summarises it;
2. :func:`refine` re-runs the accepted points nearest the targets on fresh seeds and picks
   the point whose pooled facts lie nearest (single runs are noisy, the pooled facts less so);
3. :func:`verify` measures every fact at a parameter setting on many seeds, with 95%
   intervals (bootstrap over replicates, because two facts are ratios of means).

Seeds are spawned from :class:`numpy.random.SeedSequence`, never derived by arithmetic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from commsim.runs.provenance import seed_integer
from commsim.validation.facts import TARGETS, calibration_distance, pooled_value, stylized_facts

CALIBRATED = (
    "attend_intercept",
    "social_threshold_mean",
    "volunteer_recruit_rate",
    "w_delib_time_cost",
    "distance_decay_per_km",
    "time_bank_overdraft_h",
)
# Displayed precision of calibrated values: what the defaults are rounded to.
DECIMALS = {
    "attend_intercept": 2,
    "social_threshold_mean": 3,
    "volunteer_recruit_rate": 3,
    "w_delib_time_cost": 2,
    "distance_decay_per_km": 2,
    "time_bank_overdraft_h": 1,
}


def spawn_seeds(root: int, count: int) -> list[int]:
    """``count`` independent integer seeds spawned from ``root``."""
    return [seed_integer(child) for child in np.random.SeedSequence(root).spawn(count)]


def point_distances(results: pd.DataFrame) -> pd.DataFrame:
    """Add each point's calibration distance and which targets it hits (one replicate per row).

    Args:
        results: One row per design point: the calibrated parameters and the facts.

    Returns:
        The rows with ``distance``, ``hits`` (targets hit) sorted nearest first.
    """
    table = results.copy()
    table["distance"] = [calibration_distance(row) for row in table.to_dict("records")]
    table["hits"] = [sum(target.hit(row[target.name]) for target in TARGETS) for row in table.to_dict("records")]
    return table.sort_values("distance", kind="stable").reset_index(drop=True)


@dataclass(frozen=True, slots=True)
class Posterior:
    """The accepted points of the rejection step.

    Attributes:
        accepted: The accepted rows (parameters, facts, distance).
        tolerance: The largest accepted distance.
        summary: Per parameter: prior low/high, posterior median and 5-95% quantiles.
    """

    accepted: pd.DataFrame
    tolerance: float
    summary: pd.DataFrame


def abc_rejection(
    table: pd.DataFrame, priors: Mapping[str, tuple[float, float]], *, accept_share: float = 0.1
) -> Posterior:
    """Keep the ``accept_share`` of design points nearest the targets (rejection ABC).

    Args:
        table: Output of :func:`point_distances`.
        priors: Prior (uniform) range of each calibrated parameter.
        accept_share: Share of points accepted.

    Returns:
        The approximate posterior.
    """
    count = max(2, int(round(accept_share * len(table))))
    accepted = table.nsmallest(count, "distance")
    rows = []
    for name, (low, high) in priors.items():
        values = accepted[name].to_numpy(float)
        rows.append(
            {
                "parameter": name,
                "prior_low": low,
                "prior_high": high,
                "posterior_median": float(np.median(values)),
                "posterior_q05": float(np.quantile(values, 0.05)),
                "posterior_q95": float(np.quantile(values, 0.95)),
            }
        )
    return Posterior(accepted, float(accepted["distance"].max()), pd.DataFrame(rows))


def pooled_facts(runs: pd.DataFrame) -> dict[str, float]:
    """Every target's pooled value over replicate runs (see :func:`~commsim.validation.facts.pooled_value`)."""
    columns = {name: runs[name].to_numpy(float) for name in runs.columns}
    return {target.name: pooled_value(target.name, columns) for target in TARGETS}


def evaluate(parameters: Mapping[str, Any], seeds: Sequence[int], **base: Any) -> pd.DataFrame:
    """Measure the facts at one parameter setting on each seed.

    Args:
        parameters: Parameter values (overrides of the defaults).
        seeds: One run of :func:`stylized_facts` per seed.
        **base: Further keyword arguments of :func:`stylized_facts` (``n_residents``...).

    Returns:
        One row per seed with every measurement.
    """
    return pd.DataFrame([{"seed": seed, **stylized_facts(seed=seed, **base, **parameters)} for seed in seeds])


def refine(posterior: Posterior, *, candidates: int, seeds: Sequence[int], **base: Any) -> pd.DataFrame:
    """Re-run the ``candidates`` nearest accepted points on ``seeds`` and rank them by pooled distance.

    Returns:
        One row per candidate: its parameters, pooled facts, pooled distance and hits,
        nearest first.
    """
    rows = []
    for _, point in posterior.accepted.head(candidates).iterrows():
        parameters = {name: float(point[name]) for name in CALIBRATED}
        pooled = pooled_facts(evaluate(parameters, seeds, **base))
        rows.append(
            {
                **parameters,
                **pooled,
                "distance": calibration_distance(pooled),
                "hits": sum(target.hit(pooled[target.name]) for target in TARGETS),
            }
        )
    return pd.DataFrame(rows).sort_values(["hits", "distance"], ascending=[False, True]).reset_index(drop=True)


def rounded(parameters: Mapping[str, float]) -> dict[str, float]:
    """Calibrated values rounded to the precision the defaults are written with."""
    return {name: round(float(parameters[name]), DECIMALS[name]) for name in CALIBRATED}


def bootstrap_interval(
    runs: pd.DataFrame, name: str, *, resamples: int = 2000, seed: int = 0
) -> tuple[float, float, float]:
    """A target's pooled value over replicates with a percentile bootstrap 95% interval.

    Args:
        runs: One row per replicate (output of :func:`evaluate`).
        name: Target name.
        resamples: Bootstrap resamples of the replicates.
        seed: Seed of the resampling.

    Returns:
        Estimate, lower and upper bound.
    """
    columns = {column: runs[column].to_numpy(float) for column in runs.columns}
    estimate = pooled_value(name, columns)
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(resamples):
        pick = rng.integers(0, len(runs), len(runs))
        draws.append(pooled_value(name, {column: values[pick] for column, values in columns.items()}))
    finite = np.asarray(draws, dtype=float)
    finite = finite[np.isfinite(finite)]
    low, high = np.quantile(finite, [0.025, 0.975]) if len(finite) else (np.nan, np.nan)
    return float(estimate), float(low), float(high)


def verify(runs: pd.DataFrame) -> pd.DataFrame:
    """Every fact at one setting, with its interval, its band and whether it is hit.

    Args:
        runs: One row per replicate (output of :func:`evaluate`).

    Returns:
        One row per target: label, band, estimate with its 95% bootstrap interval, ``hit``
        (estimate inside the band) and ``interval_inside`` (whole interval inside).
    """
    rows = []
    for target in TARGETS:
        estimate, low, high = bootstrap_interval(runs, target.name)
        rows.append(
            {
                "target": target.name,
                "label": target.label,
                "band_low": target.low,
                "band_high": target.high if target.high is not None else np.inf,
                "estimate": estimate,
                "ci_low": low,
                "ci_high": high,
                "replicates": len(runs),
                "hit": target.hit(estimate),
                "interval_inside": target.hit(low) and target.hit(high),
                "source": target.source,
            }
        )
    return pd.DataFrame(rows)
