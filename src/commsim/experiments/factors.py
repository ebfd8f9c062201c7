"""A spec's factors checked and resolved into spaces, and its design drawn or read.

Every name is checked against what the target accepts, every value against its declared
range (and coerced to the declared type); the design is sized before it is drawn, and a
CSV design is read with its rows checked against the spaces. Errors name the spec file,
the line and the field (:class:`Locator`).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from commsim.config import limits
from commsim.config.declaration import check_values, parameters
from commsim.config.presets import load_preset, preset_names, resolve_parameters
from commsim.config.yaml_files import ConfigError, line_of
from commsim.experiments import designs
from commsim.experiments.designs import FactorSpace
from commsim.experiments.spec import ExperimentSpec, Factor
from commsim.metric_table import METRIC_NAMES

PRESET_KEYS = ("profile", "policy")


class Locator:
    """Turns a field path into ``file:line: field: reason`` errors."""

    def __init__(self, source: Path | None, node: Any) -> None:
        self.source, self.node = source, node

    def error(self, location: tuple[Any, ...], reason: str) -> ConfigError:
        """A :class:`ConfigError` naming the spec file, the line of ``location``, the field and the reason."""
        field = ".".join(str(part) for part in location) or "(top level)"
        if self.source is None:
            return ConfigError(f"{field}: {reason}")
        line = line_of(self.node, location)
        where = f"{self.source}:{line}" if line else str(self.source)
        return ConfigError(f"{where}: {field}: {reason}")


# ------------------------------------------------------------------ names and values


def check_factor_names(spec: ExperimentSpec, where: Locator) -> None:
    """Refuse a factor named twice."""
    seen: dict[str, int] = {}
    for index, factor in enumerate(spec.factors):
        if factor.name in seen:
            raise where.error(("factors", index, "name"), f"{factor.name!r} already names factor {seen[factor.name]}")
        seen[factor.name] = index


def check_names(spec: ExperimentSpec, allowed: set[str] | frozenset[str] | None, target: str, where: Locator) -> None:
    """Refuse a base, factor or scenario name the target does not accept (None: it accepts any)."""
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


def check_metrics(spec: ExperimentSpec, where: Locator) -> None:
    """Refuse kept or reported metrics the model does not report."""
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


def base_values(spec: ExperimentSpec, commsim_model: bool, where: Locator) -> dict[str, Any]:
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


def factor_space(
    spec: ExperimentSpec, index: int, factor: Factor, commsim_model: bool, base: dict[str, Any], where: Locator
) -> FactorSpace:
    """The space of one factor: its type, levels or range, checked against the declaration and the base."""
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


def design_size(spec: ExperimentSpec, spaces: list[FactorSpace], csv_frame: pd.DataFrame | None, where: Locator) -> int:
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


def draw_design(
    spec: ExperimentSpec, spaces: list[FactorSpace], rng: np.random.Generator, where: Locator
) -> pd.DataFrame:
    """Draw the design of a grid, one-at-a-time, sampled or Saltelli spec over the spaces."""
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


def check_finite(design: pd.DataFrame, spaces: list[FactorSpace], where: Locator) -> None:
    """Refuse a drawn value that is not a finite number (a distribution too wide for floating point)."""
    for index, space in enumerate(spaces):
        column = design[space.name]
        if space.levels is None and pd.api.types.is_float_dtype(column) and not np.isfinite(column).all():
            raise where.error(
                ("factors", index, "distribution"), f"{space.name} drew values that are not finite numbers"
            )


def csv_design(
    spec: ExperimentSpec,
    spaces: list[FactorSpace],
    source: Path | None,
    where: Locator,
    points: list[dict[str, Any]] | None,
    most_rows: int | None = None,
) -> pd.DataFrame:
    """Read a CSV design, checking its size, columns and every value against the spaces."""
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


def _check_rows(path: Path, most: int, where: Locator) -> None:
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
