"""Analysis of an experiment: estimates per point, paired effects, Sobol indices, sufficiency.

Each run is reduced to two **outcomes** per metric: its value at the last kept step
(``final``) and its mean over the last ``analysis.window`` steps (``window``; never the
initial state unless it is all there is). Then:

* **point estimates**: per design point, scenario, outcome window and metric, the mean
  over replicates with SD, 95% t-interval and n;
* **effects**: each scenario minus the reference scenario on the same seeds (paired by
  replicate), with a 95% t-interval and the paired t-test's p-value; for commsim's model
  also the extra programme cost per additional participant;
* **Sobol indices** (Saltelli designs): first-order and total indices of the replicate
  means, by the Saltelli (2010) and Jansen estimators of ``scipy.stats.sobol_indices``,
  with bootstrap 95% intervals;
* **replicate sufficiency**: the interval's half-width against a tolerance, with the
  number of replicates that would meet it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from commsim.experiments.plan import Plan
from commsim.experiments.store import RUN_COLUMNS, ExperimentStore
from commsim.runs.provenance import write_file_atomically
from commsim.runs.statistics import estimate, replicates_needed

WINDOWS = ("final", "window")
COST_PER_ADDITIONAL = "cost_per_additional_participant"


@dataclass(slots=True)
class Analysis:
    """The tables of an analysis.

    Attributes:
        outcomes: One row per run, window and metric.
        points: Estimates per point, scenario, window and metric.
        effects: Paired effects against the reference scenario (empty with one scenario).
        sobol: Sobol indices with intervals (empty unless the design is Saltelli).
        sufficiency: Half-width against tolerance per point, scenario and metric (window outcome).
    """

    outcomes: pd.DataFrame
    points: pd.DataFrame
    effects: pd.DataFrame
    sobol: pd.DataFrame
    sufficiency: pd.DataFrame

    TABLES = ("points", "effects", "sobol", "sufficiency")

    def write(self, folder: Path) -> list[Path]:
        """Write ``outcomes.parquet`` and one CSV per table into ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        written = [folder / "outcomes.parquet"]
        write_file_atomically(written[0], lambda path: self.outcomes.to_parquet(path, index=False))
        for name in self.TABLES:
            path = folder / f"{name}.csv"
            table = getattr(self, name)
            write_file_atomically(path, lambda target, table=table: table.to_csv(target, index=False))
            written.append(path)
        return written


def analyze(plan: Plan, store: ExperimentStore) -> Analysis:
    """Analyse the consolidated data of an experiment.

    Args:
        plan: The experiment.
        store: Its folder, after a sweep consolidated it.

    Returns:
        The tables.
    """
    data = store.read_data()
    spec = plan.spec
    metrics = [column for column in data.columns if column not in (*RUN_COLUMNS, *plan.factor_names, "step")]
    outcome = run_outcomes(data, metrics, spec.analysis.window)
    factors = plan.design[["point", *plan.factor_names]]
    points = point_estimates(outcome).merge(factors, on="point", how="left")
    effects = paired_effects(outcome, spec.reference_scenario, with_cost=plan.commsim_model)
    if not effects.empty:
        effects = effects.merge(factors, on="point", how="left")
    sobol = pd.DataFrame()
    if spec.design.kind == "saltelli":
        sobol = sobol_table(outcome, plan, resamples=spec.analysis.bootstrap)
    sufficiency = sufficiency_table(points, spec.analysis.relative_tolerance, spec.analysis.tolerances)
    return Analysis(outcome, points, effects, sobol, sufficiency)


def run_outcomes(data: pd.DataFrame, metrics: list[str], window: int) -> pd.DataFrame:
    """Reduce each run's time series to its final value and its mean over the last window.

    Args:
        data: Consolidated data (run identity, step, metrics).
        metrics: Metric columns.
        window: Steps averaged by the ``window`` outcome.

    Returns:
        Long table: run identity, ``window`` (``final`` or ``window``), ``metric``, ``value``.
    """
    identity = list(RUN_COLUMNS)
    last = data.groupby("run")["step"].transform("max")
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
    return pd.concat(frames, ignore_index=True).sort_values(["run", "window", "metric"], kind="stable")


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


def _effect_row(point, scenario, window, metric, difference: np.ndarray, base: np.ndarray) -> dict:
    found = estimate(difference)
    finite = difference[np.isfinite(difference)]
    p_value = np.nan
    if len(finite) > 1 and np.std(finite) > 0:
        p_value = float(stats.ttest_1samp(finite, 0.0).pvalue)
    elif len(finite) > 1:
        p_value = 1.0 if np.all(finite == 0) else 0.0
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


def _cost_rows(table: pd.DataFrame, reference: str, scenarios: list[str]) -> list[dict]:
    """Extra programme cost over extra unique participants, per replicate pair."""
    metrics = table.index.get_level_values("metric")
    if not {"programme_cost", "unique_participants"} <= set(metrics):
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


def sobol_table(outcome: pd.DataFrame, plan: Plan, *, resamples: int = 1000) -> pd.DataFrame:
    """First-order and total Sobol indices of each metric, with bootstrap 95% intervals.

    The replicate mean at each point of the Saltelli design is the model output; metrics
    that are constant or not finite everywhere are left out.

    Args:
        outcome: Run outcomes.
        plan: A plan with a Saltelli design.
        resamples: Bootstrap resamples.

    Returns:
        One row per scenario, window, metric and factor: ``first``, ``first_low``,
        ``first_high``, ``total``, ``total_low``, ``total_high``, and ``variance`` of the output.
    """
    design = plan.design.set_index("point")
    n = int((design["block"] == "A").sum())
    factors = plan.factor_names
    means = outcome.groupby(["scenario", "window", "metric", "point"], sort=False)["value"].mean()
    rows = []
    for (scenario, window), by_metric in means.groupby(level=["scenario", "window"], sort=False):
        outputs, names = [], []
        for metric, series in by_metric.groupby(level="metric", sort=False):
            values = series.droplevel(["scenario", "window", "metric"]).reindex(design.index).to_numpy()
            if np.all(np.isfinite(values)) and np.ptp(values) > 0:
                outputs.append(values)
                names.append(metric)
        if not outputs:
            continue
        result, intervals = _sobol(np.array(outputs), design, factors, n, plan.spec.seed, resamples)
        shape = (len(names), len(factors))  # scipy drops the output axis when there is one output
        first, total = np.reshape(result.first_order, shape), np.reshape(result.total_order, shape)
        first_ci, total_ci = intervals.first_order.confidence_interval, intervals.total_order.confidence_interval
        first_low, first_high = np.reshape(first_ci.low, shape), np.reshape(first_ci.high, shape)
        total_low, total_high = np.reshape(total_ci.low, shape), np.reshape(total_ci.high, shape)
        for m, metric in enumerate(names):
            variance = float(np.var(np.array(outputs)[m][design["block"].isin(["A", "B"]).to_numpy()]))
            for f, factor in enumerate(factors):
                rows.append(
                    {
                        "scenario": scenario,
                        "window": window,
                        "metric": metric,
                        "factor": factor,
                        "first": first[m, f],
                        "first_low": first_low[m, f],
                        "first_high": first_high[m, f],
                        "total": total[m, f],
                        "total_low": total_low[m, f],
                        "total_high": total_high[m, f],
                        "variance": variance,
                    }
                )
    return pd.DataFrame(rows)


def _sobol(outputs: np.ndarray, design: pd.DataFrame, factors: list[str], n: int, seed: int, resamples: int):
    """Run ``scipy.stats.sobol_indices`` on outputs laid out by the Saltelli design's blocks."""
    block = design["block"].to_numpy()
    sample = design["sample"].to_numpy()

    def rows_of(label: str) -> np.ndarray:
        where = np.flatnonzero(block == label)
        return outputs[:, where[np.argsort(sample[where])]]

    func = {
        "f_A": rows_of("A"),
        "f_B": rows_of("B"),
        "f_AB": np.stack([rows_of(f"AB{i}") for i in range(len(factors))]),
    }
    result = stats.sobol_indices(func=func, n=n, rng=np.random.default_rng(seed))
    with np.errstate(divide="ignore", invalid="ignore"):
        intervals = result.bootstrap(confidence_level=0.95, n_resamples=resamples)
    return result, intervals


def sufficiency_table(points: pd.DataFrame, relative: float, tolerances: dict[str, float]) -> pd.DataFrame:
    """Whether each estimate's 95% interval is as narrow as wanted, and how many replicates would be.

    The tolerance of a metric is its entry in ``tolerances``, else ``relative`` times the
    absolute mean (no tolerance, and no verdict, where that is zero).

    Args:
        points: Point estimates.
        relative: Relative tolerance.
        tolerances: Absolute tolerances per metric.

    Returns:
        One row per point, scenario and metric (window outcome): n, half-width,
        tolerance, ``sufficient`` and ``replicates_needed``.
    """
    rows = []
    for row in points[points["window"] == "window"].itertuples(index=False):
        half = (row.ci_high - row.ci_low) / 2
        tolerance = tolerances.get(row.metric, relative * abs(row.mean))
        usable = np.isfinite(half) and np.isfinite(tolerance) and tolerance > 0
        rows.append(
            {
                "point": row.point,
                "scenario": row.scenario,
                "metric": row.metric,
                "mean": row.mean,
                "n": row.n,
                "half_width": half,
                "tolerance": tolerance,
                "sufficient": bool(half <= tolerance) if usable else None,
                "replicates_needed": replicates_needed(row.sd, tolerance) if usable else None,
            }
        )
    return pd.DataFrame(rows)
