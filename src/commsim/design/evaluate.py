"""Evaluating candidate mixes through the experiment runner: every candidate on the same seeds.

A candidate is one value per lever. It is run in every profile of the spec on the same
replicate seeds (common random numbers: the seeds are spawned from the spec's root seed
once, so every candidate meets the same draws, and the first ``replicates`` seeds of the
final re-evaluation are those of the search). Each run is a task of the experiment
runner (:func:`commsim.experiments.targets.execute`) on its executors, stored under its
run key in the design folder's ``runs/`` (:class:`commsim.experiments.store.ExperimentStore`),
so a stored run is never run again: an interrupted search resumes where it stopped.

A run's outcome on a metric is its mean over the last ``window`` weeks (a function
target's single row); its cost is priced by :mod:`commsim.runs.costs`. Outcomes are kept
as an array per candidate: profiles x replicates x metrics.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from commsim.config.presets import resolve_parameters
from commsim.design.spec import DesignSpec, kept_metrics
from commsim.experiments.executors import finished_runs
from commsim.experiments.plan import PlannedRun, run_key
from commsim.experiments.spec import ExperimentSpec, Output
from commsim.experiments.store import ExperimentStore
from commsim.experiments.targets import RunTask
from commsim.runs.costs import COST_METRIC, CostTable, load_costs, price_run
from commsim.runs.provenance import seed_integer

PRESET_KEYS = ("profile", "policy")


class DesignRunError(RuntimeError):
    """A run of a candidate failed; the message names the candidate and the error."""


def replicate_seeds(root: int, count: int) -> list[int]:
    """The first ``count`` replicate seeds of a design (the same for every candidate).

    Args:
        root: The spec's root seed.
        count: How many.

    Returns:
        Integer seeds; a longer list starts with a shorter one.
    """
    return [seed_integer(child) for child in np.random.SeedSequence(root).spawn(count)]


def candidate_id(levers: dict[str, Any]) -> str:
    """A short stable name of a candidate mix (from its lever values)."""
    text = json.dumps(levers, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:10]


@dataclass
class Evaluator:
    """Runs and scores candidates for one spec.

    Attributes:
        spec: The design spec.
        store: The design folder's run store.
        pool: The executor runs go to.
        in_flight: Runs kept submitted at once.
        commsim_model: Whether the target is commsim's model (else a function or another model).
        costs: The cost table (commsim's model only).
        version: The target's model version (part of every run key).
        on_run: Called after each run finishes (for progress).
    """

    spec: DesignSpec
    store: ExperimentStore
    pool: Executor
    in_flight: int
    commsim_model: bool
    costs: CostTable | None
    version: str
    on_run: Callable[[], None] | None = None
    executed: int = 0
    _outcomes: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def metrics(self) -> list[str]:
        """Metrics scored, in the order of the outcome arrays' last axis."""
        return self.spec.metrics

    def _key_spec(self) -> ExperimentSpec:
        spec = self.spec
        output = Output(metrics=list(kept_metrics(spec, self.commsim_model) or []) or None)
        return ExperimentSpec(name=spec.name, target=spec.target, steps=spec.steps, output=output)

    def runs(self, levers: dict[str, Any], replicates: int) -> list[tuple[PlannedRun, dict[str, Any]]]:
        """A candidate's runs in every profile and replicate, with each run's resolved parameters."""
        key_spec = self._key_spec()
        seeds = replicate_seeds(self.spec.seed, replicates)
        found = []
        for profile_index, (profile, settings) in enumerate(self.spec.profiles.items()):
            kwargs = dict(self.spec.base) | dict(settings) | dict(levers)
            identity = self.identity(kwargs)
            for replicate, seed in enumerate(seeds):
                key = run_key(key_spec, identity, seed, self.version)
                run = PlannedRun(len(found), profile_index, profile, replicate, seed, kwargs, key)
                found.append((run, identity))
        return found

    def identity(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """What a run depends on: commsim's fully resolved parameters, else its keywords."""
        if not self.commsim_model:
            return kwargs
        overrides = {name: value for name, value in kwargs.items() if name not in PRESET_KEYS}
        return resolve_parameters(kwargs.get("profile", "old_inner_city"), kwargs.get("policy", "baseline"), overrides)

    def evaluate(self, candidates: list[dict[str, Any]], replicates: int) -> list[np.ndarray]:
        """Run what is not stored yet, then score every candidate.

        Args:
            candidates: Lever values of each candidate.
            replicates: Replicates per profile.

        Returns:
            Per candidate, outcomes: profiles x replicates x metrics.

        Raises:
            DesignRunError: If a run failed or timed out.
        """
        planned = [self.runs(levers, replicates) for levers in candidates]
        self._execute(run for runs in planned for run, _ in runs)
        return [self._score(runs, replicates) for runs in planned]

    def cost_lines(self, levers: dict[str, Any], replicates: int) -> pd.DataFrame:
        """Where a stored candidate's money goes: each cost item in yuan per household per year, per profile.

        Args:
            levers: The candidate's lever values (its runs must be stored).
            replicates: Replicates to average over.

        Returns:
            One row per cost item: ``item``, ``label``, ``source``, then one column per
            profile (the mean over replicates), items that cost nothing in every profile left out.
        """
        table = self.costs or load_costs()
        sums: dict[str, dict[str, list[float]]] = {name: {} for name in table.items}
        for run, identity in self.runs(levers, replicates):
            cost = price_run(pd.read_parquet(self.store.part_path(run.key)), identity, table)
            for name, amount in cost.lines.items():
                sums[name].setdefault(run.scenario, []).append(amount / cost.households)
        rows = []
        for name, item in table.items.items():
            row = {"item": name, "label": item.label, "source": item.source}
            row |= {profile: float(np.mean(sums[name].get(profile, [0.0]))) for profile in self.spec.profiles}
            if any(abs(row[profile]) > 0 for profile in self.spec.profiles):
                rows.append(row)
        return pd.DataFrame(rows)

    def _task(self, run: PlannedRun) -> RunTask:
        metrics = kept_metrics(self.spec, self.commsim_model)
        return RunTask(self.spec.target, run.parameters, run.seed, self.spec.steps, 1, metrics, self.spec.timeout_s)

    def _execute(self, runs: Iterable[PlannedRun]) -> None:
        stored = self.store.finished_keys()
        unique: dict[str, PlannedRun] = {}
        for run in runs:
            if run.key not in stored and run.key not in self._outcomes:
                unique.setdefault(run.key, run)
        failures = []
        with closing(finished_runs(self.pool, unique.values(), self._task, in_flight=self.in_flight)) as results:
            for run, output in results:
                self.store.save(run, output)
                self.executed += 1
                if output.status != "done":
                    failures.append(f"{run.scenario}, levers {_shown(run.parameters)}: {output.error}")
                if self.on_run is not None:
                    self.on_run()
        if failures:
            raise DesignRunError(f"{len(failures)} run(s) failed; the first: {failures[0]}")

    def _score(self, runs: list[tuple[PlannedRun, dict[str, Any]]], replicates: int) -> np.ndarray:
        values = np.full((len(self.spec.profiles), replicates, len(self.metrics)), np.nan)
        for run, identity in runs:
            if run.key not in self._outcomes:
                frame = pd.read_parquet(self.store.part_path(run.key))
                self._outcomes[run.key] = self._outcome(frame, identity)
            values[run.point, run.replicate] = self._outcomes[run.key]
        return values

    def _outcome(self, frame: pd.DataFrame, identity: dict[str, Any]) -> np.ndarray:
        last = int(frame["step"].max())
        window = frame[(frame["step"] > last - self.spec.window) & (frame["step"] >= min(1, last))]
        found = []
        for metric in self.metrics:
            if metric == COST_METRIC:
                found.append(price_run(frame, identity, self.costs).per_household_year)
            else:
                found.append(float(window[metric].mean()))
        return np.array(found, dtype=float)


def _shown(parameters: dict[str, Any]) -> str:
    return ", ".join(f"{name}={value}" for name, value in parameters.items() if name not in PRESET_KEYS)


# ------------------------------------------------------------------ scores across profiles


def aggregate(values: np.ndarray, sense: str, robustness: str, best: np.ndarray | None = None) -> np.ndarray:
    """One objective across profiles, per replicate seed.

    Args:
        values: Profiles x replicates of one metric.
        sense: ``maximise`` or ``minimise``.
        robustness: ``mean`` (over profiles), ``worst`` (the worst profile) or ``regret``
            (the largest shortfall from the best value found in each profile).
        best: For ``regret``, the best value found per profile.

    Returns:
        One value per replicate (for ``regret``: a regret, always to be minimised).
    """
    if robustness == "mean":
        return values.mean(axis=0)
    if robustness == "worst":
        return values.min(axis=0) if sense == "maximise" else values.max(axis=0)
    if best is None:
        raise ValueError("regret needs the best value per profile")
    gap = best[:, None] - values if sense == "maximise" else values - best[:, None]
    return np.maximum(gap, 0.0).max(axis=0)


def best_per_profile(outcomes: Iterable[np.ndarray], metric: int, sense: str) -> np.ndarray:
    """The best mean (over replicates) of a metric found in each profile."""
    means = np.array([values[:, :, metric].mean(axis=1) for values in outcomes])
    return means.max(axis=0) if sense == "maximise" else means.min(axis=0)


def constraint_values(spec: DesignSpec, values: np.ndarray) -> np.ndarray:
    """Each constraint's excess in its worst profile (at most 0 when met), from replicate means."""
    means = values.mean(axis=1)  # profiles x metrics
    found = []
    for constraint in spec.constraints:
        column = means[:, spec.metrics.index(constraint.metric)]
        excess = -math.inf
        if constraint.max is not None:
            excess = max(excess, float(np.max(column - constraint.max)))
        if constraint.min is not None:
            excess = max(excess, float(np.max(constraint.min - column)))
        found.append(excess)
    return np.array(found, dtype=float)
