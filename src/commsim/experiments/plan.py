"""From a spec to the list of runs: factors resolved, design drawn, seeds spawned, keys made.

Everything is checked here, before anything runs or is written: the target is a model
class or a function (read from its source, never imported: see
:func:`commsim.experiments.targets.inspect_target`), every name is a parameter the target
accepts, every value is in its declared range, and every run's parameter set resolves.
Errors name the spec file, the line and the field.

The plan is sized before its design is drawn: the number of points follows from the
design (a grid's product of levels, a Saltelli design's N x (factors + 2), ...), so a plan
over the run ceiling of :mod:`commsim.limits` is refused at once, and one within it is
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
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from commsim import limits
from commsim.config import ConfigError, line_of, load_preset, preset_names, resolve_parameters
from commsim.experiments import designs
from commsim.experiments.designs import FactorSpace
from commsim.experiments.spec import ExperimentSpec, Factor, load_spec
from commsim.experiments.targets import RunTask, TargetError, TargetInfo, inspect_target, model_version
from commsim.limits import Work, check_plan_memory, check_work
from commsim.metric_table import METRIC_NAMES
from commsim.params import check_values, parameters
from commsim.provenance import canonical_hash, seed_integer

PRESET_KEYS = ("profile", "policy")
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


class _Locator:
    """Turns a field path into ``file:line: field: reason`` errors."""

    def __init__(self, source: Path | None, node: Any) -> None:
        self.source, self.node = source, node

    def error(self, location: tuple[Any, ...], reason: str) -> ConfigError:
        field = ".".join(str(part) for part in location) or "(top level)"
        if self.source is None:
            return ConfigError(f"{field}: {reason}")
        line = line_of(self.node, location)
        where = f"{self.source}:{line}" if line else str(self.source)
        return ConfigError(f"{where}: {field}: {reason}")


def load_plan(path: str | Path, **options: Any) -> Plan:
    """Read, validate and plan an experiment spec file.

    Args:
        path: The spec (YAML).
        **options: Passed to :func:`make_plan` (``allow_large``, ``workers``, ...).

    Returns:
        The plan.

    Raises:
        ConfigError: Naming file, line, field and reason.
        ResourceError: If the plan is over a ceiling of :mod:`commsim.limits`.
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
        check_size: Refuse a plan over the ceilings of :mod:`commsim.limits` (off for a
            plan rebuilt from a folder the sweep already ran).
        allow_large: Lift the run and resident-week ceilings (never the memory limits).
        workers: Models held in memory at once, for the memory check.

    Returns:
        The plan.

    Raises:
        ConfigError: If anything in the spec cannot be run.
        ResourceError: If the plan is over a ceiling (with its planned size).
    """
    where = _Locator(source, node)
    try:
        target = inspect_target(spec.target)
    except TargetError as error:
        raise where.error(("target",), str(error)) from error
    commsim_model = target.commsim_model
    allowed = {*PRESET_KEYS, *parameters()} if commsim_model else target.keywords
    _check_factor_names(spec, where)
    _check_names(spec, allowed, target.target, where)
    if spec.reference is not None and spec.reference not in spec.scenarios:
        raise where.error(("reference",), f"{spec.reference!r} is not one of the scenarios")
    if commsim_model:
        _check_metrics(spec, where)

    base_values = _base_values(spec, commsim_model, where)
    spaces = [
        _space(spec, index, factor, commsim_model, base_values, where) for index, factor in enumerate(spec.factors)
    ]
    csv_frame = None
    if spec.design.kind == "csv" and spaces:
        per_point = len(spec.scenario_names) * spec.replicates
        most = limits.MAX_RUNS // per_point if check_size and not allow_large else None
        csv_frame = _csv_design(spec, spaces, source, where, points, most)
    size = _design_size(spec, spaces, csv_frame, where)
    runs_count = size * len(spec.scenario_names) * spec.replicates
    label = str(source) if source is not None else f"experiment {spec.name!r}"
    if check_size:
        # Refused before anything is drawn: a design's size follows from the spec alone.
        check_plan_memory(runs_count, where=label)
        check_work(Work(0, runs_count, 0), where=label, allow_large=allow_large)
    design_seed, runs_seed = np.random.SeedSequence(spec.seed).spawn(2)
    design = csv_frame if csv_frame is not None else _design(spec, spaces, np.random.default_rng(design_seed), where)
    _check_finite(design, spaces, where)
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


# ------------------------------------------------------------------ names and values


def _check_factor_names(spec: ExperimentSpec, where: _Locator) -> None:
    seen: dict[str, int] = {}
    for index, factor in enumerate(spec.factors):
        if factor.name in seen:
            raise where.error(("factors", index, "name"), f"{factor.name!r} already names factor {seen[factor.name]}")
        seen[factor.name] = index


def _check_names(spec: ExperimentSpec, allowed: set[str] | frozenset[str] | None, target: str, where: _Locator) -> None:
    if allowed is None:
        return
    kind = "a parameter of commsim's model" if "policy" in allowed else f"a keyword argument of {target}"
    for name in spec.base:
        if name not in allowed:
            raise where.error(("base", name), f"{name!r} is not {kind}")
    for scenario, settings in spec.scenarios.items():
        for name in settings:
            if name not in allowed:
                raise where.error(("scenarios", scenario, name), f"{name!r} is not {kind}")
    varied: dict[str, str] = {}
    for index, factor in enumerate(spec.factors):
        for name in factor.parameters:
            location = ("factors", index, "sets" if factor.sets else "name")
            if name not in allowed:
                raise where.error(location, f"{name!r} is not {kind}")
            if name in varied:
                raise where.error(location, f"{name!r} is already set by factor {varied[name]!r}")
            varied[name] = factor.name
    for scenario, settings in spec.scenarios.items():
        for name in settings:
            if name in varied:
                raise where.error(
                    ("scenarios", scenario, name),
                    f"{name!r} is varied by factor {varied[name]!r}; a scenario cannot fix it",
                )


def _check_metrics(spec: ExperimentSpec, where: _Locator) -> None:
    kept = spec.output.metrics or list(METRIC_NAMES)
    for location, names in (
        (("output", "metrics"), spec.output.metrics or []),
        (("analysis", "tolerances"), list(spec.analysis.tolerances)),
        (("analysis", "report_metrics"), spec.analysis.report_metrics or []),
    ):
        for name in names:
            if name not in METRIC_NAMES:
                raise where.error(location, f"{name!r} is not a metric (see docs/metrics.md)")
            if location[0] == "analysis" and name not in kept:
                raise where.error(location, f"{name!r} is not among output.metrics")


def _base_values(spec: ExperimentSpec, commsim_model: bool, where: _Locator) -> dict[str, Any]:
    """Every parameter's value in the base scenario (commsim), else the base keywords."""
    if not commsim_model:
        return dict(spec.base)
    profile = spec.base.get("profile", "old_inner_city")
    policy = spec.base.get("policy", "baseline")
    overrides = {name: value for name, value in spec.base.items() if name not in PRESET_KEYS}
    try:
        values = resolve_parameters(profile, policy, overrides)
    except ConfigError as error:
        raise where.error(("base",), str(error)) from error
    return values | {"profile": profile, "policy": policy}


def _space(
    spec: ExperimentSpec, index: int, factor: Factor, commsim_model: bool, base: dict[str, Any], where: _Locator
) -> FactorSpace:
    location = ("factors", index)
    first = factor.parameters[0]
    declared = parameters().get(first) if commsim_model else None
    try:
        if commsim_model and first in PRESET_KEYS:
            kind = "choice"
            levels = tuple(factor.values) if factor.values is not None else tuple(preset_names(first))
            for level in levels:
                load_preset(first, str(level))
            low = high = None
        else:
            kind = factor.type or (declared.type if declared else _inferred_type(factor))
            levels, low, high = _levels_and_range(factor, kind, declared)
            for name in factor.parameters if commsim_model else ():
                for value in (*(levels or ()), *((low, high) if low is not None else ())):
                    check_values({name: value})
    except (ConfigError, ValueError) as error:
        raise where.error(location, str(error)) from error
    if kind in ("bool", "choice") and levels is None:
        raise where.error(location, f"a {kind} factor needs values")
    for given in ("range", "distribution", "levels"):
        if kind in ("bool", "choice") and getattr(factor, given) is not None:
            raise where.error(
                (*location, given), f"a {kind} factor takes values (or none, for all of them), not {given}"
            )
    if factor.distribution is not None and spec.design.kind in ("grid", "oat"):
        raise where.error(
            (*location, "distribution"),
            f"a {spec.design.kind} design takes values or a range; a distribution goes with the sampling "
            "designs (lhs, sobol, halton, saltelli)",
        )
    if kind == "int" and levels is not None:
        for value in levels:
            if not isinstance(value, int) or isinstance(value, bool):
                raise where.error((*location, "values"), f"an int factor takes whole numbers, got {value!r}")
    if levels is not None and spec.design.kind in ("grid", "oat") and len(set(map(repr, levels))) < len(levels):
        raise where.error((*location, "values"), "a level repeats, so the design would run the same point twice")
    distribution = None
    if factor.distribution is not None:
        fields = factor.distribution.model_dump(exclude={"kind"})
        distribution = designs.distribution_of(factor.distribution.kind, **fields)
    baseline = factor.baseline if factor.baseline is not None else base.get(first)
    if baseline is None and spec.design.kind == "oat":
        options = levels or (low, high)
        baseline = options[len(options) // 2] if levels else (low + high) / 2
    return FactorSpace(
        name=factor.name,
        sets=tuple(factor.parameters),
        type=kind,
        levels=levels,
        low=low,
        high=high,
        grid_levels=factor.levels or designs.DEFAULT_LEVELS,
        distribution=distribution,
        baseline=baseline,
    )


def _inferred_type(factor: Factor) -> str:
    if factor.values is None:
        return "float"
    if all(isinstance(value, bool) for value in factor.values):
        return "bool"
    if any(isinstance(value, str) for value in factor.values):
        return "choice"
    if all(isinstance(value, int) for value in factor.values):
        return "int"
    return "float"


def _levels_and_range(factor: Factor, kind: str, declared: Any) -> tuple[tuple[Any, ...] | None, Any, Any]:
    if factor.values is not None:
        return tuple(_coerce(value, kind) for value in factor.values), None, None
    if kind == "bool":
        return (False, True), None, None
    if kind == "choice":
        return (tuple(declared.choices) if declared else None), None, None
    if factor.range is not None:
        low, high = factor.range
    elif factor.distribution is not None:
        low, high = factor.distribution.low, factor.distribution.high
    elif declared is not None:
        low, high = declared.minimum, declared.maximum
    else:
        raise ValueError("give values, range or distribution")
    if kind == "int" and low is not None:
        low, high = int(round(low)), int(round(high))
    return None, low, high


def _coerce(value: Any, kind: str) -> Any:
    if kind == "int" and isinstance(value, float) and value.is_integer():
        return int(value)
    if kind == "float" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


# ------------------------------------------------------------------ design


def _design_size(
    spec: ExperimentSpec, spaces: list[FactorSpace], csv_frame: pd.DataFrame | None, where: _Locator
) -> int:
    """The number of design points, from the spec alone (nothing is drawn)."""
    design = spec.design
    if not spaces:
        if design.kind not in ("grid", "oat"):
            raise where.error(("design", "kind"), f"a {design.kind} design needs factors")
        return 1
    if csv_frame is not None:
        return len(csv_frame)
    try:
        if design.kind == "grid":
            return math.prod(len(space.discrete_levels()) for space in spaces)
        if design.kind == "oat":
            return 1 + sum(sum(1 for level in space.discrete_levels() if level != space.baseline) for space in spaces)
    except ValueError as error:
        raise where.error(("design",), str(error)) from error
    if design.points is None:
        raise where.error(("design",), f"a {design.kind} design needs points")
    return design.points * (len(spaces) + 2) if design.kind == "saltelli" else design.points


def _design(spec: ExperimentSpec, spaces: list[FactorSpace], rng: np.random.Generator, where: _Locator) -> pd.DataFrame:
    design = spec.design
    if not spaces:
        return designs.single_point()
    try:
        if design.kind == "grid":
            return designs.full_grid(spaces)
        if design.kind == "oat":
            return designs.one_at_a_time(spaces)
        if design.kind == "saltelli":
            return designs.saltelli(spaces, design.points, rng)
        unit = designs.unit_sample(design.kind, len(spaces), design.points, rng, scramble=design.scramble)
        return designs.sampled(spaces, unit)
    except ValueError as error:
        raise where.error(("design",), str(error)) from error


def _check_finite(design: pd.DataFrame, spaces: list[FactorSpace], where: _Locator) -> None:
    """Refuse a drawn value that is not a finite number (a distribution too wide for floating point)."""
    for index, space in enumerate(spaces):
        column = design[space.name]
        if space.levels is None and pd.api.types.is_float_dtype(column) and not np.isfinite(column).all():
            raise where.error(
                ("factors", index, "distribution"), f"{space.name} drew values that are not finite numbers"
            )


def _csv_design(
    spec: ExperimentSpec,
    spaces: list[FactorSpace],
    source: Path | None,
    where: _Locator,
    points: list[dict[str, Any]] | None,
    most_rows: int | None = None,
) -> pd.DataFrame:
    names = [space.name for space in spaces]
    if points is not None:  # recorded in a manifest: the file may have moved or changed since
        frame = pd.DataFrame(points)
        path: Path | str = "the manifest's design_points"
        if sorted(column for column in frame.columns if column != "point") != sorted(names):
            raise where.error(("design",), f"{path} do not match the factors {names}")
    else:
        if spec.design.file is None:
            raise where.error(("design",), "a csv design needs file")
        path = spec.design.file
        if not path.is_absolute() and source is not None:
            path = source.parent / path
        if not path.is_file():
            raise where.error(("design", "file"), f"{path} is not a file")
        if most_rows is not None:
            _check_rows(path, most_rows, where)
        try:
            frame = pd.read_csv(path)
        except (OSError, ValueError, UnicodeDecodeError) as error:
            raise where.error(("design", "file"), f"cannot read {path}: {error}") from error
        if sorted(frame.columns) != sorted(names):
            raise where.error(("design", "file"), f"{path}: columns {list(frame.columns)} must be the factors {names}")
    frame = frame[names]
    for space in spaces:
        for row, value in enumerate(frame[space.name].tolist()):
            problem = _out_of_space(space, value)
            if problem:
                raise where.error(("design", "file"), f"{path}:{row + 2}: {space.name}: {problem}")
    return frame.reset_index(drop=True)


def _check_rows(path: Path, most: int, where: _Locator) -> None:
    """Refuse a design file of more rows than the run ceiling allows, reading no further than that."""
    rows = -1  # the header
    with path.open("rb") as stream:
        for _ in stream:
            rows += 1
            if rows > most:
                located = where.error(
                    ("design", "file"),
                    f"{path} has more than {most:,} points, which with the scenarios and replicates is over the "
                    f"ceiling of {limits.MAX_RUNS:,} runs; pass --allow-large to run it anyway",
                )
                raise limits.ResourceError(str(located))


def _out_of_space(space: FactorSpace, value: Any) -> str | None:
    if space.levels is not None:
        return None if value in space.levels else f"{value!r} is not one of {list(space.levels)}"
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        return f"{value!r} is not a finite number"
    if space.type == "int" and not float(value).is_integer():
        return f"{value!r} is not a whole number"
    if space.low is not None and not space.low <= value <= space.high:
        return f"{value} is outside {space.low}-{space.high}"
    return None


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
    where: _Locator,
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
    kwargs: dict[str, Any], commsim_model: bool, point: int, scenario: str, values: dict[str, Any], where: _Locator
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
