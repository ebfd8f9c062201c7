"""Analysis of an experiment: estimates per point, paired effects, Sobol indices, sufficiency.

Each run is reduced to two **outcomes** per metric: its value at the last kept step
(``final``) and its mean over the last ``analysis.window`` steps (``window``; never the
initial state unless it is all there is). Then:

The outcomes, point estimates and paired effects are those of :mod:`commsim.runs.statistics`,
which ``commsim run`` uses too:

* **point estimates**: per design point, scenario, outcome window and metric, the mean
  over replicates with SD, 95% t-interval and n;
* **effects**: each scenario minus the reference scenario on the same seeds (paired by
  replicate), with a 95% t-interval and the paired t-test's p-value; for commsim's model
  also the extra programme cost per additional participant;
* **Sobol indices** (Saltelli designs): first-order and total indices of the replicate
  means, by the Saltelli (2010) and Jansen estimators of ``scipy.stats.sobol_indices``,
  with bootstrap 95% intervals, and (given the noise variance replicates measured) the
  same indices with run-to-run noise taken out (:func:`noise_corrected_sobol`);
* **replicate sufficiency**: the interval's half-width against a tolerance, with the
  number of replicates that would meet it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from commsim.experiments.plan import Plan
from commsim.experiments.store import RUN_COLUMNS, ExperimentStore
from commsim.runs.provenance import write_file_atomically
from commsim.runs.statistics import paired_effects, point_estimates, replicates_needed, run_outcomes


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
    outcome = run_outcomes(data, metrics, spec.analysis.window, identity=RUN_COLUMNS)
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


def noise_corrected_sobol(sobol: pd.DataFrame, noise: pd.DataFrame) -> pd.DataFrame:
    """Sobol indices of the model's mean response, with the run-to-run noise taken out.

    A stochastic model's output is y = g(x) + e, with noise of mean variance s over the
    design. The Saltelli (2010) first-order numerator E[y_B (y_ABi - y_A)] is free of
    independent noise, the Jansen total numerator E[(y_A - y_ABi)^2] / 2 carries s once,
    and the output variance V carries it once. So for g alone

        first = first_raw * V / (V - s),    total = (total_raw * V - s) / (V - s),

    which removes the share s / V by which noise inflates every total index. The interval
    of each corrected index is the envelope of its bootstrap interval mapped at both ends
    of the noise variance's interval (total falls as s rises; first rises), so it carries
    both uncertainties.

    Args:
        sobol: :func:`sobol_table` rows: ``metric``, ``factor``, indices, intervals and
            ``variance`` (V).
        noise: One row per metric: ``noise_variance`` (s) and its 95% interval
            ``noise_low`` and ``noise_high``.

    Returns:
        ``sobol`` with the indices and intervals corrected, and each metric's
        ``noise_share`` (s / V); NaN where the noise is as large as the variance.
    """
    table = sobol.merge(noise[["metric", "noise_variance", "noise_low", "noise_high"]], on="metric", how="left")
    variance = table["variance"]

    def total(raw: pd.Series, s: pd.Series) -> pd.Series:
        return ((raw * variance - s) / (variance - s)).where(variance > s)

    def first(raw: pd.Series, s: pd.Series) -> pd.Series:
        return (raw * variance / (variance - s)).where(variance > s)

    corrected = table.copy()
    corrected["first"] = first(table["first"], table["noise_variance"])
    corrected["total"] = total(table["total"], table["noise_variance"])
    lows = (first(table["first_low"], table[end]) for end in ("noise_low", "noise_high"))
    highs = (first(table["first_high"], table[end]) for end in ("noise_low", "noise_high"))
    corrected["first_low"] = np.fmin(*lows)
    corrected["first_high"] = np.fmax(*highs)
    corrected["total_low"] = total(table["total_low"], table["noise_high"])
    corrected["total_high"] = total(table["total_high"], table["noise_low"])
    corrected["noise_share"] = table["noise_variance"] / variance
    return corrected.drop(columns=["noise_variance", "noise_low", "noise_high"])


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
    result = stats.sobol_indices(func=func, n=n)
    # SciPy's bootstrap of Sobol indices takes no generator and resamples from NumPy's
    # global one, so it is seeded here, and the caller's state put back, to make the same
    # outputs give the same intervals.
    state = np.random.get_state()
    np.random.seed(np.random.SeedSequence(seed).generate_state(4))  # any root seed up to 2^63 - 1
    try:
        with np.errstate(divide="ignore", invalid="ignore"):
            intervals = result.bootstrap(confidence_level=0.95, n_resamples=resamples)
    finally:
        np.random.set_state(state)
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
