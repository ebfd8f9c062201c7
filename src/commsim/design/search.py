"""The search for the best mixes: pymoo's NSGA-II (up to 3 objectives) or NSGA-III (more).

pymoo is maintained, seeded, and has an ask-and-tell interface, so each generation's
candidates are evaluated by commsim's own runner (:mod:`commsim.design.evaluate`: the
experiment runner's executors and run store) rather than by pymoo. Choices and whole
numbers are searched as real numbers and rounded when a candidate is decoded, so the
standard operators (simulated binary crossover, polynomial mutation) apply to every lever.

Noise is handled in the open: every candidate meets the same seeds; the final front is
re-evaluated with ``final_replicates`` seeds (the first of which are the search's), points
that then break a constraint are dropped, and two points whose intervals overlap on
every objective are flagged as ties. The search is deterministic given the spec's seed
and the stored runs, so a killed search run again makes the same choices, finds every
run it had finished stored, and ends on the same front.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from commsim.design.evaluate import Evaluator, aggregate, best_per_profile, candidate_id, constraint_values
from commsim.design.spec import DesignSpec, Lever
from commsim.runs.statistics import estimate

# Reference directions of NSGA-III: Das-Dennis partitions by number of objectives.
NSGA3_PARTITIONS = {4: 6, 5: 5, 6: 4, 7: 3, 8: 3}


def bounds(spec: DesignSpec) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds of the search space (choices as indices 0 to n)."""
    low = [lever.range[0] if lever.range else 0.0 for lever in spec.levers]
    high = [lever.range[1] if lever.range else float(len(lever.values)) - 1e-9 for lever in spec.levers]
    return np.array(low, dtype=float), np.array(high, dtype=float)


def decode(spec: DesignSpec, x: np.ndarray) -> dict[str, Any]:
    """A candidate's lever values from a point of the search space.

    Args:
        spec: The spec.
        x: One value per lever.

    Returns:
        Lever name to value (a choice, a whole number, or a real rounded to 4 significant digits).
    """
    found: dict[str, Any] = {}
    for lever, value in zip(spec.levers, x, strict=True):
        found[lever.name] = _decoded(lever, float(value))
    return found


def _decoded(lever: Lever, value: float) -> Any:
    if lever.values is not None:
        return lever.values[min(int(math.floor(value)), len(lever.values) - 1)]
    low, high = lever.range
    value = min(max(value, low), high)
    if lever.integer:
        return int(round(value))
    # Rounding keeps candidates that differ only in far digits one candidate (one set of runs).
    return float(f"{value:.4g}")


@dataclass
class Scored:
    """A candidate and its scores.

    Attributes:
        levers: Lever values.
        values: Outcomes: profiles x replicates x metrics.
        generation: The generation that first proposed it.
    """

    levers: dict[str, Any]
    values: np.ndarray
    generation: int

    @property
    def name(self) -> str:
        """Its stable short name."""
        return candidate_id(self.levers)


@dataclass
class SearchState:
    """Every candidate evaluated so far, in the order first proposed."""

    archive: dict[str, Scored] = field(default_factory=dict)

    def add(self, levers: dict[str, Any], values: np.ndarray, generation: int) -> Scored:
        """Record a candidate (the first scores of a candidate proposed twice are kept)."""
        name = candidate_id(levers)
        if name not in self.archive:
            self.archive[name] = Scored(levers, values, generation)
        return self.archive[name]


def objective_matrix(spec: DesignSpec, scored: list[Scored], pool: list[Scored]) -> tuple[np.ndarray, np.ndarray]:
    """Objectives (to minimise, as pymoo does) and constraint excesses of candidates.

    Args:
        spec: The spec.
        scored: The candidates scored.
        pool: Every candidate so far (the best value per profile, for regret).

    Returns:
        F: candidates x objectives (maximised objectives negated); G: candidates x constraints.
    """
    rows, excess = [], []
    bests = _bests(spec, pool)
    for item in scored:
        rows.append([_minimised(spec, index, item.values, bests[index]) for index in range(len(spec.objectives))])
        excess.append(constraint_values(spec, item.values))
    return np.array(rows, dtype=float), np.array(excess, dtype=float).reshape(len(scored), len(spec.constraints))


def _bests(spec: DesignSpec, pool: list[Scored]) -> list[np.ndarray | None]:
    if spec.robustness != "regret":
        return [None] * len(spec.objectives)
    return [
        best_per_profile((item.values for item in pool), spec.metrics.index(objective.metric), objective.sense)
        for objective in spec.objectives
    ]


def per_replicate(spec: DesignSpec, index: int, values: np.ndarray, best: np.ndarray | None) -> np.ndarray:
    """Objective ``index`` per replicate seed, in its own unit (a regret for ``regret``)."""
    objective = spec.objectives[index]
    column = values[:, :, spec.metrics.index(objective.metric)]
    return aggregate(column, objective.sense, spec.robustness, best)


def _minimised(spec: DesignSpec, index: int, values: np.ndarray, best: np.ndarray | None) -> float:
    value = float(per_replicate(spec, index, values, best).mean())
    maximised = spec.objectives[index].sense == "maximise" and spec.robustness != "regret"
    return -value if maximised else value


def make_algorithm(spec: DesignSpec) -> Any:
    """NSGA-II for up to three objectives, NSGA-III with Das-Dennis reference directions beyond."""
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.algorithms.moo.nsga3 import NSGA3
    from pymoo.util.ref_dirs import get_reference_directions

    count = len(spec.objectives)
    if count <= 3:
        return NSGA2(pop_size=spec.search.population, eliminate_duplicates=True)
    directions = get_reference_directions("das-dennis", count, n_partitions=NSGA3_PARTITIONS[count])
    return NSGA3(ref_dirs=directions, pop_size=spec.search.population, eliminate_duplicates=True)


def _problem(spec: DesignSpec) -> Any:
    from pymoo.core.problem import Problem

    low, high = bounds(spec)
    return Problem(n_var=len(low), n_obj=len(spec.objectives), n_ieq_constr=len(spec.constraints), xl=low, xu=high)


def run_search(
    spec: DesignSpec, evaluator: Evaluator, *, on_generation: Callable[[int, int, int], None] | None = None
) -> SearchState:
    """Run the generations of the search; every candidate is evaluated through ``evaluator``.

    Args:
        spec: The spec.
        evaluator: Runs and scores candidates.
        on_generation: Called after each generation with (generation, candidates so far, front size).

    Returns:
        Every candidate evaluated, with its scores.
    """
    from pymoo.core.evaluator import Evaluator as PymooEvaluator
    from pymoo.problems.static import StaticProblem

    problem = _problem(spec)
    algorithm = make_algorithm(spec)
    algorithm.setup(problem, termination=("n_gen", spec.search.generations), seed=spec.seed % 2**32, verbose=False)
    state = SearchState()
    generation = 0
    while algorithm.has_next():
        population = algorithm.ask()
        candidates = [decode(spec, x) for x in population.get("X")]
        outcomes = evaluator.evaluate(candidates, spec.replicates)
        scored = [state.add(levers, values, generation) for levers, values in zip(candidates, outcomes, strict=True)]
        objectives, excess = objective_matrix(spec, scored, list(state.archive.values()))
        static = (
            StaticProblem(problem, F=objectives, G=excess) if spec.constraints else StaticProblem(problem, F=objectives)
        )
        PymooEvaluator().eval(static, population)
        algorithm.tell(infills=population)
        generation += 1
        if on_generation is not None:
            on_generation(generation, len(state.archive), len(front_of(spec, list(state.archive.values()))))
    return state


def front_of(spec: DesignSpec, scored: list[Scored]) -> list[Scored]:
    """The candidates that meet every constraint and that no other such candidate dominates."""
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    if not scored:
        return []
    objectives, excess = objective_matrix(spec, scored, scored)
    feasible = [index for index in range(len(scored)) if not len(excess[index]) or np.all(excess[index] <= 0)]
    if not feasible:
        return []
    front = NonDominatedSorting().do(objectives[feasible], only_non_dominated_front=True)
    chosen = sorted(feasible[index] for index in front)
    return [scored[index] for index in chosen]


def final_front(spec: DesignSpec, state: SearchState, evaluator: Evaluator) -> tuple[list[Scored], list[Scored]]:
    """Re-evaluate the search's front with ``final_replicates`` seeds and keep what still holds.

    Args:
        spec: The spec.
        state: The search's candidates.
        evaluator: Runs and scores candidates.

    Returns:
        The final front (feasible and non-dominated on the re-evaluated scores) and the
        points of the search's front dropped because they broke a constraint once re-evaluated.
    """
    front = front_of(spec, list(state.archive.values()))
    outcomes = evaluator.evaluate([item.levers for item in front], spec.final_replicates)
    again = [Scored(item.levers, values, item.generation) for item, values in zip(front, outcomes, strict=True)]
    kept = front_of(spec, again)
    names = {item.name for item in kept}
    _, excess = objective_matrix(spec, again, again)
    dropped = [item for item, row in zip(again, excess, strict=True) if len(row) and np.any(row > 0)]
    return [item for item in again if item.name in names], dropped


def front_table(spec: DesignSpec, front: list[Scored], pool: list[Scored]) -> pd.DataFrame:
    """The front, one row per point: its name, lever mix, each objective's estimate and 95% CI, ties.

    Args:
        spec: The spec.
        front: The final front.
        pool: Candidates whose best values per profile define regret.

    Returns:
        The table, sorted by the first objective.
    """
    bests = _bests(spec, pool + front)
    rows = []
    for item in front:
        row: dict[str, Any] = {"candidate": item.name, **item.levers}
        for index in range(len(spec.objectives)):
            found = estimate(per_replicate(spec, index, item.values, bests[index]))
            prefix = _column(spec, index)
            row |= {prefix: found.mean, f"{prefix}_ci_low": found.ci_low, f"{prefix}_ci_high": found.ci_high}
        for position, profile in enumerate(spec.profiles):
            for metric_index, metric in enumerate(spec.metrics):
                row[f"{metric}@{profile}"] = float(item.values[position, :, metric_index].mean())
        row["replicates"] = item.values.shape[1]
        rows.append(row)
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table["ties_with"] = _ties(spec, table)
    first = _column(spec, 0)
    return table.sort_values(first, ascending=spec.objectives[0].sense == "minimise", kind="stable").reset_index(
        drop=True
    )


def _column(spec: DesignSpec, index: int) -> str:
    objective = spec.objectives[index]
    return f"{'regret_' if spec.robustness == 'regret' else ''}{objective.metric}"


def _ties(spec: DesignSpec, table: pd.DataFrame) -> list[str]:
    """Per point, the points whose 95% intervals overlap its own on every objective."""
    columns = [_column(spec, index) for index in range(len(spec.objectives))]
    found = []
    for _, row in table.iterrows():
        tied = []
        for _, other in table.iterrows():
            if other["candidate"] == row["candidate"]:
                continue
            if all(_overlap(row, other, column) for column in columns):
                tied.append(other["candidate"])
        found.append(" ".join(tied))
    return found


def _overlap(row: pd.Series, other: pd.Series, column: str) -> bool:
    low, high = row[f"{column}_ci_low"], row[f"{column}_ci_high"]
    other_low, other_high = other[f"{column}_ci_low"], other[f"{column}_ci_high"]
    if any(pd.isna(value) for value in (low, high, other_low, other_high)):
        return row[column] == other[column]
    return bool(low <= other_high and other_low <= high)


def evaluations_table(spec: DesignSpec, state: SearchState) -> pd.DataFrame:
    """Every candidate of the search with its generation, mix, objectives and whether it meets the constraints."""
    scored = list(state.archive.values())
    if not scored:
        return pd.DataFrame()
    objectives, excess = objective_matrix(spec, scored, scored)
    rows = []
    for position, item in enumerate(scored):
        row: dict[str, Any] = {"candidate": item.name, "generation": item.generation, **item.levers}
        for index, objective in enumerate(spec.objectives):
            value = objectives[position, index]
            maximised = objective.sense == "maximise" and spec.robustness != "regret"
            row[_column(spec, index)] = -value if maximised else value
        for metric_index, metric in enumerate(spec.metrics):
            row[f"{metric}_mean"] = float(item.values[:, :, metric_index].mean())
            for place, profile in enumerate(spec.profiles):
                row[f"{metric}@{profile}"] = float(item.values[place, :, metric_index].mean())
        row["feasible"] = bool(not len(excess[position]) or np.all(excess[position] <= 0))
        rows.append(row)
    return pd.DataFrame(rows)
