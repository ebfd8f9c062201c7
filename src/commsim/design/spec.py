"""Design specs: the YAML files that ask ``commsim design`` for the best mixes of measures.

A design spec names the levers the search may set (decision variables, with ranges or
choices), what it optimises (objectives), what every mix must satisfy (constraints,
e.g. a budget per household per year), the community profiles a mix must do well in
and how (``mean``, ``worst`` case or ``regret`` across profiles), replicates per
candidate (every candidate on the same seeds: common random numbers), more replicates
for the final front, and which target scenario discovery looks for.

The spec is validated with pydantic (field by field, with the file's line); checks that
need the model's declarations (a lever that names no parameter, a value out of its
declared range, a metric that does not exist) are made by :func:`check_spec`, with the
same ``file:line: field: reason`` errors. Nothing is run or written by either.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from commsim.config.declaration import check_values, parameters
from commsim.config.presets import preset_names, resolve_parameters
from commsim.config.yaml_files import ConfigError, line_of, validate_yaml
from commsim.experiments.spec import DEFAULT_TARGET, Finite, Label, Scalar, _name
from commsim.experiments.targets import TargetError, inspect_target
from commsim.metric_table import METRIC_NAMES
from commsim.runs.costs import COST_METRIC, COST_METRICS

SENSES = ("maximise", "minimise")
ROBUSTNESS = ("mean", "worst", "regret")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)


class Lever(_Strict):
    """A decision variable: a parameter the search sets, within a range or among choices."""

    name: Label = Field(description="The parameter the search sets")
    range: tuple[float, float] | None = Field(default=None, description="Lowest and highest value (numbers)")
    values: list[Scalar] | None = Field(default=None, min_length=2, description="Choices (names, true/false, levels)")
    integer: bool = Field(default=False, description="Whole numbers only (with range)")

    @model_validator(mode="after")
    def _one_domain(self) -> Lever:
        if (self.range is None) == (self.values is None):
            raise ValueError("give exactly one of range and values")
        if self.range is not None and not self.range[0] < self.range[1]:
            raise ValueError(f"range must rise: {self.range[0]} is not below {self.range[1]}")
        if self.values is not None and len({repr(value) for value in self.values}) < len(self.values):
            raise ValueError("a choice repeats")
        return self


class Objective(_Strict):
    """A quantity to maximise or minimise: a metric, or the programme cost."""

    metric: str = Field(description=f"A metric (its mean over the last `window` weeks), or {COST_METRIC}")
    sense: Literal["maximise", "minimise"] = Field(description="maximise or minimise")


class Constraint(_Strict):
    """A bound every mix must meet in every profile (e.g. a budget per household per year)."""

    metric: str = Field(description=f"A metric, or {COST_METRIC}")
    max: float | None = Field(default=None, description="Highest allowed value")
    min: float | None = Field(default=None, description="Lowest allowed value")

    @model_validator(mode="after")
    def _a_bound(self) -> Constraint:
        if self.max is None and self.min is None:
            raise ValueError("give max, min or both")
        if self.max is not None and self.min is not None and not self.min <= self.max:
            raise ValueError(f"min ({self.min}) is above max ({self.max})")
        return self


class Search(_Strict):
    """How the search runs (pymoo's NSGA-II for up to 3 objectives, NSGA-III beyond)."""

    population: int = Field(default=16, ge=4, le=1000, description="Candidates per generation")
    generations: int = Field(default=6, ge=1, le=1000, description="Generations (including the first)")


class Discovery(_Strict):
    """The target scenario discovery (PRIM) looks for: mixes whose metric reaches a value."""

    metric: str = Field(description="The metric of the target")
    at_least: float | None = Field(default=None, description="The target is reached at or above this value")
    at_most: float | None = Field(default=None, description="The target is reached at or below this value")
    density: float = Field(default=0.8, gt=0, le=1, description="Share of mixes in a box that must reach the target")

    @model_validator(mode="after")
    def _a_target(self) -> Discovery:
        if (self.at_least is None) == (self.at_most is None):
            raise ValueError("give exactly one of at_least and at_most")
        return self


class DesignSpec(_Strict):
    """A policy design: which mixes of measures do best, for their cost, across communities."""

    name: Annotated[str, AfterValidator(_name)] = Field(description="Plain folder name; results go to results/<name>/")
    description: str = Field(default="", description="What the design asks")
    target: str = Field(
        default=DEFAULT_TARGET,
        pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$",
        description="module:attribute of a Mesa model class, or of a function(seed=..., **levers) -> dict",
    )
    base: dict[str, Finite] = Field(default_factory=dict, description="Keyword arguments of every run")
    profiles: dict[Label, dict[str, Finite]] = Field(
        min_length=1, description="Communities a mix must do well in: name -> settings (e.g. {profile: ...})"
    )
    levers: list[Lever] = Field(min_length=1, description="Decision variables")
    objectives: list[Objective] = Field(min_length=1, max_length=8, description="What the search optimises")
    constraints: list[Constraint] = Field(default_factory=list, description="Bounds every mix must meet")
    robustness: Literal["mean", "worst", "regret"] = Field(
        default="mean", description="Across profiles: the mean, the worst case, or the largest regret"
    )
    replicates: int = Field(default=2, ge=1, le=1000, description="Replicates per candidate (the same seeds for all)")
    final_replicates: int = Field(default=6, ge=2, le=1000, description="Replicates of the final front")
    seed: int = Field(default=20261122, ge=0, description="Root seed of the replicates and the search")
    steps: int = Field(default=104, ge=1, le=5200, description="Horizon in weeks (ignored by functions)")
    window: int = Field(default=52, ge=1, le=5200, description="Outcomes: a run's mean over its last `window` weeks")
    search: Search = Field(default_factory=Search)
    discovery: Discovery | None = Field(default=None, description="Target for scenario discovery (PRIM)")
    timeout_s: float | None = Field(default=None, gt=0, description="Per-run time limit in seconds")

    @model_validator(mode="after")
    def _consistent(self) -> DesignSpec:
        if self.final_replicates < self.replicates:
            raise ValueError(f"final_replicates ({self.final_replicates}) is below replicates ({self.replicates})")
        return self

    @field_validator("levers")
    @classmethod
    def _levers_once(cls, levers: list[Lever]) -> list[Lever]:
        names = [lever.name for lever in levers]
        if len(set(names)) < len(names):
            raise ValueError("a lever is listed twice")
        return levers

    @field_validator("objectives")
    @classmethod
    def _objectives_once(cls, objectives: list[Objective]) -> list[Objective]:
        metrics = [objective.metric for objective in objectives]
        if len(set(metrics)) < len(metrics):
            raise ValueError("an objective's metric is listed twice")
        return objectives

    @property
    def metrics(self) -> list[str]:
        """The metrics the objectives, constraints and discovery read (the cost included)."""
        found = [item.metric for item in (*self.objectives, *self.constraints)]
        if self.discovery is not None:
            found.append(self.discovery.metric)
        return list(dict.fromkeys(found))


def load_design_spec(path: str | Path) -> DesignSpec:
    """Read, validate and check a design spec; nothing is run or written.

    Args:
        path: The YAML file.

    Returns:
        The spec.

    Raises:
        ConfigError: With file, line, field and reason.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such design spec")
    spec, node = validate_yaml(path, DesignSpec)
    check_spec(spec, source=path, node=node)
    return spec


def _error(source: Path | None, node: Any, location: tuple[Any, ...], reason: str) -> ConfigError:
    field = ".".join(str(part) for part in location)
    line = line_of(node, location) if source is not None else None
    where = f"{source}:{line}" if line else str(source) if source is not None else ""
    return ConfigError(f"{where + ': ' if where else ''}{field}: {reason}")


def check_spec(spec: DesignSpec, *, source: Path | None = None, node: Any = None) -> None:
    """The checks that need the target's declarations: names, ranges, metrics.

    Args:
        spec: A validated spec.
        source: Its file, for errors.
        node: Its composed YAML tree, for line numbers.

    Raises:
        ConfigError: Naming file, line, field and reason.
    """
    try:
        info = inspect_target(spec.target)
    except TargetError as error:
        raise _error(source, node, ("target",), str(error)) from error
    if not info.commsim_model:
        for index, item in enumerate((*spec.objectives, *spec.constraints)):
            if item.metric == COST_METRIC:
                where = ("objectives", index) if index < len(spec.objectives) else ("constraints", index)
                raise _error(source, node, (*where, "metric"), f"{COST_METRIC} is priced for commsim's model only")
        allowed = info.keywords
        for index, lever in enumerate(spec.levers):
            if allowed is not None and lever.name not in allowed:
                raise _error(source, node, ("levers", index, "name"), f"{lever.name!r} is not a keyword of the target")
        return
    _check_commsim(spec, source, node)


def _check_commsim(spec: DesignSpec, source: Path | None, node: Any) -> None:
    declared = parameters()
    for index, lever in enumerate(spec.levers):
        location = ("levers", index)
        parameter = declared.get(lever.name)
        if parameter is None or parameter.group != "policy":
            raise _error(source, node, (*location, "name"), f"{lever.name!r} is not a policy lever of commsim's model")
        if parameter.type in ("bool", "choice") and lever.values is None:
            raise _error(source, node, (*location, "range"), f"a {parameter.type} lever takes values, not a range")
        shown = lever.values if lever.values is not None else list(lever.range)
        for value in shown:
            try:
                check_values({lever.name: value})
            except (ConfigError, ValueError) as error:
                raise _error(source, node, (*location, "values" if lever.values else "range"), str(error)) from error
    known = {*METRIC_NAMES, COST_METRIC}
    parts = [("objectives", spec.objectives), ("constraints", spec.constraints)]
    parts.append(("discovery", [spec.discovery] if spec.discovery else []))
    for field, items in parts:
        for index, item in enumerate(items):
            if item.metric not in known:
                location = (field, "metric") if field == "discovery" else (field, index, "metric")
                raise _error(source, node, location, f"{item.metric!r} is not a metric (see docs/metrics.md)")
    levers = {lever.name for lever in spec.levers}
    for name in spec.base:
        if name in levers:
            raise _error(source, node, ("base", name), f"{name!r} is a lever; the search sets it")
    for profile, settings in spec.profiles.items():
        chosen = settings.get("profile", spec.base.get("profile", "old_inner_city"))
        if str(chosen) not in preset_names("profile"):
            raise _error(source, node, ("profiles", profile, "profile"), f"{chosen!r} is not a community profile")
        overrides = {k: v for k, v in (spec.base | settings).items() if k not in ("profile", "policy")}
        try:
            resolve_parameters(str(chosen), str((spec.base | settings).get("policy", "baseline")), overrides)
        except ConfigError as error:
            raise _error(source, node, ("profiles", profile), str(error)) from error


def kept_metrics(spec: DesignSpec, commsim_model: bool) -> tuple[str, ...] | None:
    """The metrics each run keeps: what the spec reads plus what pricing needs (None: all, for functions)."""
    if not commsim_model:
        return None
    named = [metric for metric in spec.metrics if metric != COST_METRIC]
    return tuple(sorted({*named, *COST_METRICS}))
