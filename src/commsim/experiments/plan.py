"""From a spec to the list of runs: factors resolved, design drawn, seeds spawned, keys made.

Everything is checked here, before anything runs or is written: the target is a model
class or a function (read from its source, never imported: see
:func:`commsim.experiments.targets.inspect_target`), every name is a parameter the target
accepts, every value is in its declared range, and every run's parameter set resolves.
Errors name the spec file, the line and the field.

The plan is sized before its design is drawn: the number of points follows from the
design (a grid's product of levels, a Saltelli design's N x (factors + 2), ...), so a plan
over the run ceiling of :mod:`commsim.config.limits` is refused at once, and one within it is
then sized exactly (resident-weeks summed over runs, with ``n_residents`` as a factor,
and the largest model) and checked again.

Seeds: the root seed's ``SeedSequence`` spawns two children, one for the design's own
randomness (sample scrambling) and one for the runs. The runs' child spawns one sequence
per design point and each of those one per replicate. Every scenario at a point reuses
the same replicate seeds (common random numbers), so scenario comparisons are paired.

Each run's key is the SHA-256 of (target, its resolved parameters, seed, horizon,
kept metrics and steps, model version): the name of its stored result, so a resumed or
extended sweep recognises what it has already done.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from commsim.config import limits
from commsim.config.declaration import parameters
from commsim.config.limits import Work, check_plan_memory, check_work
from commsim.config.presets import resolve_parameters
from commsim.config.yaml_files import ConfigError
from commsim.experiments.designs import FactorSpace
from commsim.experiments.factors import (
    PRESET_KEYS,
    Locator,
    base_values,
    check_factor_names,
    check_finite,
    check_metrics,
    check_names,
    csv_design,
    design_size,
    draw_design,
    factor_space,
)
from commsim.experiments.spec import ExperimentSpec, load_spec
from commsim.experiments.targets import RunTask, TargetError, TargetInfo, inspect_target, model_version
from commsim.runs.provenance import canonical_hash, seed_integer

DESIGN_COLUMNS = ("point", "block", "sample")


@dataclass(frozen=True, slots=True)
class PlannedRun:
    """One run of an experiment.

    Attributes:
        index: Position in the plan (point, then scenario, then replicate).
        point: Design point.
        scenario: Scenario name.
        replicate: Replicate index at the point.
        seed: Integer seed (the same for every scenario at a point and replicate).
        parameters: Keyword arguments passed to the target.
        key: Hash naming the run's stored result.
    """

    index: int
    point: int
    scenario: str
    replicate: int
    seed: int
    parameters: dict[str, Any]
    key: str


@dataclass(slots=True)
class Plan:
    """A validated experiment ready to run.

    Attributes:
        spec: The spec.
        source: The spec file, if it came from one.
        spec_hash: SHA-256 of the spec's canonical JSON.
        spaces: The resolved factors.
        design: One row per point: ``point`` (and ``block``, ``sample`` for Saltelli),
            then one column per factor.
        runs: Every run, in order.
        version: Model version that enters the keys.
        commsim_model: Whether the target is commsim's model.
        target: What the target is (read from its source).
        work: The planned size: resident-weeks, runs, largest model.
    """

    spec: ExperimentSpec
    source: Path | None
    spec_hash: str
    spaces: list[FactorSpace]
    design: pd.DataFrame
    runs: list[PlannedRun]
    version: str
    commsim_model: bool
    target: TargetInfo
    work: Work = field(default_factory=lambda: Work(0, 0, 0))

    @property
    def stepped(self) -> bool:
        """Whether runs step a model (else they call a function once)."""
        return self.target.kind == "model"

    @property
    def factor_names(self) -> list[str]:
        """Factor names, in the spec's order."""
        return [space.name for space in self.spaces]

    def task(self, run: PlannedRun) -> RunTask:
        """The worker's task for one run."""
        spec = self.spec
        metrics = tuple(spec.output.metrics) if spec.output.metrics else None
        return RunTask(
            target=spec.target,
            parameters=run.parameters,
            seed=run.seed,
            steps=spec.steps,
            every=spec.output.every,
            metrics=metrics,
            timeout_s=spec.timeout_s,
        )


def load_plan(path: str | Path, **options: Any) -> Plan:
    """Read, validate and plan an experiment spec file.

    Args:
        path: The spec (YAML).
        **options: Passed to :func:`make_plan` (``allow_large``, ``workers``, ...).

    Returns:
        The plan.

    Raises:
        ConfigError: Naming file, line, field and reason.
        ResourceError: If the plan is over a ceiling of :mod:`commsim.config.limits`.
    """
    path = Path(path)
    spec, node = load_spec(path)
    return make_plan(spec, source=path, node=node, **options)


def make_plan(
    spec: ExperimentSpec,
    *,
    source: Path | None = None,
    node: Any = None,
    points: list[dict[str, Any]] | None = None,
    check_size: bool = True,
    allow_large: bool = False,
    workers: int = 1,
) -> Plan:
    """Plan a validated spec: resolve factors, size and draw the design, spawn seeds, key the runs.

    Args:
        spec: The spec.
        source: Its file (relative design files are found next to it; errors name it).
        node: Its composed YAML tree, for line numbers in errors.
        points: The points of a CSV design as recorded in a manifest (``point`` and one
            entry per factor), used instead of reading the design file again.
        check_size: Refuse a plan over the ceilings of :mod:`commsim.config.limits` (off for a
            plan rebuilt from a folder the sweep already ran).
        allow_large: Lift the run and resident-week ceilings (never the memory limits).
        workers: Models held in memory at once, for the memory check.

    Returns:
        The plan.

    Raises:
        ConfigError: If anything in the spec cannot be run.
        ResourceError: If the plan is over a ceiling (with its planned size).
    """
    where = Locator(source, node)
    try:
        target = inspect_target(spec.target)
    except TargetError as error:
        raise where.error(("target",), str(error)) from error
    commsim_model = target.commsim_model
    allowed = {*PRESET_KEYS, *parameters()} if commsim_model else target.keywords
    check_factor_names(spec, where)
    check_names(spec, allowed, target.target, where)
    if spec.reference is not None and spec.reference not in spec.scenarios:
        raise where.error(("reference",), f"{spec.reference!r} is not one of the scenarios")
    if commsim_model:
        check_metrics(spec, where)

    base = base_values(spec, commsim_model, where)
    spaces = [
        factor_space(spec, index, factor, commsim_model, base, where) for index, factor in enumerate(spec.factors)
    ]
    csv_frame = None
    if spec.design.kind == "csv" and spaces:
        per_point = len(spec.scenario_names) * spec.replicates
        most = limits.MAX_RUNS // per_point if check_size and not allow_large else None
        csv_frame = csv_design(spec, spaces, source, where, points, most)
    size = design_size(spec, spaces, csv_frame, where)
    runs_count = size * len(spec.scenario_names) * spec.replicates
    label = str(source) if source is not None else f"experiment {spec.name!r}"
    if check_size:
        # Refused before anything is drawn: a design's size follows from the spec alone.
        check_plan_memory(runs_count, where=label)
        check_work(Work(0, runs_count, 0), where=label, allow_large=allow_large)
    design_seed, runs_seed = np.random.SeedSequence(spec.seed).spawn(2)
    design = (
        csv_frame if csv_frame is not None else draw_design(spec, spaces, np.random.default_rng(design_seed), where)
    )
    check_finite(design, spaces, where)
    design.insert(0, "point", np.arange(len(design)))

    work = _work(spec, spaces, design, commsim_model, workers)
    if check_size:
        check_work(work, where=label, allow_large=allow_large)
    version = model_version(spec.target)
    runs = _runs(spec, spaces, design, runs_seed, commsim_model, version, where)
    # The points of a CSV design are part of what is run, so they enter the hash too.
    spec_hash = canonical_hash({"spec": spec.model_dump(mode="json"), "design": design.to_dict(orient="list")})
    if spec.design.kind != "csv":
        spec_hash = canonical_hash(spec.model_dump(mode="json"))  # unchanged for generated designs
    return Plan(spec, source, spec_hash, spaces, design, runs, version, commsim_model, target, work)


def _work(
    spec: ExperimentSpec, spaces: list[FactorSpace], design: pd.DataFrame, commsim_model: bool, workers: int
) -> Work:
    """The plan's size: resident-weeks summed over every run, runs, and the largest model.

    Residents are known for commsim's model only (``n_residents`` as set by the base, a
    scenario, a factor or the profile); other targets count runs alone.
    """
    runs = len(design) * len(spec.scenario_names) * spec.replicates
    if not commsim_model:
        return Work(0.0, runs, 0, workers)
    defaults: dict[tuple[str, str], int] = {}
    columns = {name: design[space.name].tolist() for space in spaces for name in space.sets}
    total, largest = 0.0, 0
    for settings in (spec.scenarios or {"base": {}}).values():
        fixed = dict(spec.base) | dict(settings)
        for point in range(len(design)):
            given = {name: columns[name][point] for name in ("profile", "policy", "n_residents") if name in columns}
            chosen = fixed | given
            residents = chosen.get("n_residents")
            if residents is None:
                preset = (chosen.get("profile", "old_inner_city"), chosen.get("policy", "baseline"))
                if preset not in defaults:
                    defaults[preset] = int(resolve_parameters(*preset)["n_residents"])
                residents = defaults[preset]
            total += float(residents) * spec.steps * spec.replicates
            largest = max(largest, int(residents))
    return Work(total, runs, largest, workers)


# ------------------------------------------------------------------ runs


def _runs(
    spec: ExperimentSpec,
    spaces: list[FactorSpace],
    design: pd.DataFrame,
    runs_seed: np.random.SeedSequence,
    commsim_model: bool,
    version: str,
    where: Locator,
) -> list[PlannedRun]:
    scenarios = spec.scenarios or {"base": {}}
    metrics = sorted(spec.output.metrics) if spec.output.metrics else None
    columns = {space.name: design[space.name].tolist() for space in spaces}
    runs: list[PlannedRun] = []
    point_seeds = runs_seed.spawn(len(design))
    for point, point_seed in enumerate(point_seeds):
        values = {name: column[point] for name, column in columns.items()}
        seeds = [seed_integer(child) for child in point_seed.spawn(spec.replicates)]
        for scenario, settings in scenarios.items():
            kwargs = dict(spec.base) | dict(settings)
            for space in spaces:
                for name in space.sets:
                    kwargs[name] = values[space.name]
            identity = _identity(kwargs, commsim_model, point, scenario, values, where)
            before, after = _key_parts(spec, identity, metrics, version)
            for replicate, seed in enumerate(seeds):
                key = hashlib.sha256(f"{before}{seed}{after}".encode()).hexdigest()
                runs.append(PlannedRun(len(runs), point, scenario, replicate, seed, kwargs, key))
    return runs


def run_key(spec: ExperimentSpec, identity: dict[str, Any], seed: int, version: str) -> str:
    """A run's key: the SHA-256 of the canonical JSON of what its result depends on.

    Args:
        spec: The spec (target, horizon, kept steps and metrics).
        identity: The run's parameters (for commsim's model: fully resolved).
        seed: Its seed.
        version: The target's model version.

    Returns:
        The hex digest.
    """
    metrics = sorted(spec.output.metrics) if spec.output.metrics else None
    return canonical_hash(
        {
            "target": spec.target,
            "parameters": identity,
            "seed": seed,
            "steps": spec.steps,
            "every": spec.output.every,
            "metrics": metrics,
            "version": version,
        }
    )


def _key_parts(
    spec: ExperimentSpec, identity: dict[str, Any], metrics: list[str] | None, version: str
) -> tuple[str, str]:
    """The canonical JSON of :func:`run_key` before and after the seed, shared by a point's replicates."""

    def canonical(value: dict[str, Any]) -> str:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)

    before = canonical({"every": spec.output.every, "metrics": metrics, "parameters": identity})
    after = canonical({"steps": spec.steps, "target": spec.target, "version": version})
    return f'{before[:-1]},"seed":', f",{after[1:]}"


def _identity(
    kwargs: dict[str, Any], commsim_model: bool, point: int, scenario: str, values: dict[str, Any], where: Locator
) -> dict[str, Any]:
    """What a run's result depends on: commsim's fully resolved parameters, else its keywords."""
    if not commsim_model:
        return kwargs
    overrides = {name: value for name, value in kwargs.items() if name not in PRESET_KEYS}
    try:
        return resolve_parameters(kwargs.get("profile", "old_inner_city"), kwargs.get("policy", "baseline"), overrides)
    except ConfigError as error:
        shown = ", ".join(f"{name}={value!r}" for name, value in values.items())
        raise where.error(("scenarios", scenario), f"design point {point} ({shown}): {error}") from error


def work_summary(work: Work) -> str:
    """The planned size in words: runs, resident-weeks, the largest model and its memory.

    Args:
        work: A plan's size.

    Returns:
        One phrase for command output.
    """
    if not work.largest_residents:
        return f"{work.runs:,} runs; residents not counted (not commsim's model)"
    return (
        f"{work.runs:,} runs, {work.resident_weeks:,.0f} resident-weeks; largest model "
        f"{work.largest_residents:,} residents, about {work.peak_bytes / 1e9:,.1f} GB with "
        f"{max(1, work.concurrent)} at once"
    )


def plan_summary(plan: Plan) -> dict[str, Any]:
    """Counts of a plan: points, scenarios, replicates, runs."""
    return {
        "points": len(plan.design),
        "scenarios": plan.spec.scenario_names,
        "replicates": plan.spec.replicates,
        "runs": len(plan.runs),
    }


__all__ = ["DESIGN_COLUMNS", "Plan", "PlannedRun", "load_plan", "make_plan", "plan_summary", "run_key", "work_summary"]
