"""Experiment specs: the YAML files in ``experiments/``, validated with pydantic.

A spec states what to run (a target: commsim's model by default), the base scenario,
the factors and the design that varies them, the scenarios compared at every design
point, replicates and the root seed, the horizon and which metrics to keep. Checks that
need more than one field (a factor that names no parameter, two factors of one name, a
CSV design without its file, a scenario that sets a factor) are made when the spec is
planned (:mod:`commsim.experiments.plan`), with the same ``file:line: field: reason`` errors.

Here: ``name`` is a plain folder name (results go to ``results/<name>/``), factor and
scenario names are labels without control characters (:func:`file_label` spells them
safely wherever they become part of a file name), and no number is NaN or infinite.
Whole numbers and flags are strict, as in run configs: ``steps: true``, ``steps: "10"``,
``steps: 2.0`` and ``scramble: "no"`` are refused rather than converted.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from commsim.config.yaml_files import validate_yaml

DEFAULT_TARGET = "commsim:CommunityModel"
DESIGN_KINDS = ("grid", "oat", "lhs", "sobol", "halton", "saltelli", "csv")
# A name becomes the folder results/<name>/: one plain path component, never "." or "..".
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
LABEL_LENGTH = 100
# Columns of the design and of the consolidated data; a factor may not take their names.
RESERVED_COLUMNS = ("run", "point", "scenario", "replicate", "seed", "step", "block", "sample")


def _finite(value: Any) -> Any:
    """Refuse NaN and infinities anywhere in a value (numbers, lists, mappings)."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {value}")
    if isinstance(value, (list, tuple)):
        for item in value:
            _finite(item)
    if isinstance(value, dict):
        for item in value.values():
            _finite(item)
    return value


def _scalar(value: Any) -> Any:
    if not isinstance(value, (bool, int, float, str)):
        raise ValueError(f"expected a number, true/false or a name, got {type(value).__name__}")
    return _finite(value)


def _name(value: str) -> str:
    if not NAME_PATTERN.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a plain folder name: use 1-100 letters, digits, '_', '-' or '.', "
            "starting with a letter or digit (results go to results/<name>/)"
        )
    return value


def check_label(value: str) -> str:
    """Refuse an empty or overlong label, or one holding control characters (a factor or scenario name).

    Other characters are allowed; wherever a label becomes part of a file name it is
    made safe (:func:`file_label`).

    Args:
        value: The label.

    Returns:
        The label.

    Raises:
        ValueError: With the reason.
    """
    if not value.strip():
        raise ValueError("a name cannot be empty")
    if len(value) > LABEL_LENGTH:
        raise ValueError(f"a name has at most {LABEL_LENGTH} characters, got {len(value)}")
    if any(unicodedata.category(character).startswith("C") for character in value):
        raise ValueError(f"{value!r} holds a control character")
    return value


def file_label(label: str) -> str:
    """A label as a safe file-name part: unsafe characters become ``_``, plus a short digest if any did.

    The digest keeps two labels that differ only in unsafe characters apart
    (``a/b`` and ``a:b``).

    Args:
        label: A factor or scenario name.

    Returns:
        The label itself if it is safe, else its safe spelling.
    """
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", label).lstrip(".") or "_"
    if safe == label:
        return label
    return f"{safe[:60]}-{hashlib.sha256(label.encode('utf-8')).hexdigest()[:8]}"


Scalar = Annotated[bool | int | float | str, BeforeValidator(_scalar)]
Label = Annotated[str, AfterValidator(check_label)]
Finite = Annotated[Any, AfterValidator(_finite)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Distribution(_Strict):
    """A probability distribution a continuous design draws a factor from.

    Which fields are needed depends on ``kind``: ``uniform`` and ``loguniform`` need
    ``low`` and ``high``; ``normal`` needs ``mean`` and ``sd``; ``truncnormal`` needs
    ``mean``, ``sd``, ``low`` and ``high``; ``triangular`` needs ``low``, ``mode`` and
    ``high``; ``beta`` needs ``alpha`` and ``beta`` and is scaled to ``low``-``high``
    (default 0-1).
    """

    kind: Literal["uniform", "loguniform", "normal", "truncnormal", "triangular", "beta"]
    low: float | None = None
    high: float | None = None
    mean: float | None = None
    sd: Annotated[float, Field(gt=0)] | None = None
    mode: float | None = None
    alpha: Annotated[float, Field(gt=0)] | None = None
    beta: Annotated[float, Field(gt=0)] | None = None

    @model_validator(mode="after")
    def _complete(self) -> Distribution:
        needed = {
            "uniform": ("low", "high"),
            "loguniform": ("low", "high"),
            "normal": ("mean", "sd"),
            "truncnormal": ("mean", "sd", "low", "high"),
            "triangular": ("low", "mode", "high"),
            "beta": ("alpha", "beta"),
        }[self.kind]
        missing = [name for name in needed if getattr(self, name) is None]
        if missing:
            raise ValueError(f"a {self.kind} distribution needs {', '.join(missing)}")
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if self.kind == "loguniform" and self.low is not None and self.low <= 0:
            raise ValueError("a loguniform distribution needs low > 0")
        if self.kind == "triangular" and not self.low <= self.mode <= self.high:
            raise ValueError(f"mode ({self.mode}) must lie between low and high")
        return self


class Factor(_Strict):
    """One input the design varies.

    Give at most one of ``values`` (levels, also for categories), ``range`` (``levels``
    evenly spaced levels for grids; uniform for sampling designs) or ``distribution``
    (sampling designs only). For commsim's model a factor named after a declared
    parameter may give none: its declared range, choices or true/false are used.
    """

    name: Label = Field(description="The parameter set, or a label when `sets` names the parameters")
    sets: list[str] | None = Field(
        default=None, min_length=1, description="Parameters that all take this factor's value (default: [name])"
    )
    values: list[Scalar] | None = Field(default=None, min_length=1, description="Levels of the factor")
    range: tuple[float, float] | None = Field(default=None, description="Lowest and highest value")
    levels: int | None = Field(
        default=None, ge=2, le=1000, strict=True, description="Grid levels drawn from `range` (default 5)"
    )
    distribution: Distribution | None = Field(default=None, description="Distribution for sampling designs")
    type: Literal["float", "int", "bool", "choice"] | None = Field(
        default=None, description="Value type (default: the declared type, else inferred)"
    )
    baseline: Scalar | None = Field(
        default=None, description="Reference value for one-at-a-time designs (default: the base scenario's)"
    )

    @field_validator("name")
    @classmethod
    def _not_reserved(cls, name: str) -> str:
        if name in RESERVED_COLUMNS:
            raise ValueError(f"a factor cannot be called {name!r}: the results tables use that column")
        return name

    @model_validator(mode="after")
    def _one_source(self) -> Factor:
        given = [name for name in ("values", "range", "distribution") if getattr(self, name) is not None]
        if len(given) > 1:
            raise ValueError(f"give only one of values, range and distribution (got {', '.join(given)})")
        if self.range is not None and not self.range[0] < self.range[1]:
            raise ValueError(f"range must rise: {self.range[0]} is not below {self.range[1]}")
        if self.levels is not None and self.range is None:
            raise ValueError("levels goes with range")
        return self

    @property
    def parameters(self) -> list[str]:
        """The parameters this factor sets."""
        return self.sets or [self.name]


class Design(_Strict):
    """How the factors' values are combined into design points."""

    kind: Literal["grid", "oat", "lhs", "sobol", "halton", "saltelli", "csv"] = Field(
        default="grid",
        description=(
            "grid: full factorial; oat: one factor at a time around the baseline; lhs, sobol, halton: "
            "space-filling samples (scipy.stats.qmc); saltelli: the A, B and AB matrices for Sobol "
            "indices; csv: points listed in a file"
        ),
    )
    points: int | None = Field(
        default=None,
        ge=1,
        le=1_000_000,
        strict=True,
        description="Points for lhs, sobol and halton; base samples N for saltelli (N x (factors + 2) points)",
    )
    file: Path | None = Field(default=None, description="CSV of points, one column per factor (relative to the spec)")
    scramble: bool = Field(
        default=True, strict=True, description="Scramble sobol and halton sequences (seeded by the root seed)"
    )


class Output(_Strict):
    """What each run keeps."""

    metrics: list[str] | None = Field(default=None, min_length=1, description="Metrics kept (default: all)")
    every: int = Field(
        default=1, ge=1, le=10_000, strict=True, description="Keep every k-th step; the last step is always kept"
    )


class Analysis(_Strict):
    """Settings of ``commsim analyze`` and ``commsim report``."""

    window: int = Field(
        default=52, ge=1, strict=True, description="Outcome: a run's mean over its last `window` kept steps' weeks"
    )
    relative_tolerance: float = Field(
        default=0.05, gt=0, description="Replicate sufficiency: acceptable CI half-width as a share of |mean|"
    )
    tolerances: dict[str, Annotated[float, Field(gt=0)]] = Field(
        default_factory=dict, description="Acceptable CI half-width per metric, overriding the relative tolerance"
    )
    bootstrap: int = Field(
        default=1000, ge=10, le=100_000, strict=True, description="Bootstrap resamples for Sobol index CIs"
    )
    report_metrics: list[str] | None = Field(
        default=None, min_length=1, description="Metrics the report plots (default: a key set, or all metrics)"
    )


class ExperimentSpec(_Strict):
    """An experiment: a design over factors, scenarios compared at each point, replicates."""

    name: Annotated[str, AfterValidator(_name)] = Field(
        description="Identifier: a plain folder name (letters, digits, _ - .); results go to results/<name>/"
    )
    description: str = Field(default="", description="What the experiment asks")
    target: str = Field(
        default=DEFAULT_TARGET,
        pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$",
        description="module:attribute of a Mesa model class, or of a function(seed=..., **parameters) -> dict",
    )
    base: dict[str, Finite] = Field(
        default_factory=dict,
        description="Keyword arguments of every run; for commsim: profile, policy and parameter overrides",
    )
    factors: list[Factor] = Field(default_factory=list, description="Inputs the design varies")
    design: Design = Field(default_factory=Design)
    scenarios: dict[Label, dict[str, Finite]] = Field(
        default_factory=dict,
        description="Named settings run at every design point on the same seeds (e.g. {policy: centres})",
    )
    reference: str | None = Field(default=None, description="Scenario others are compared with (default: the first)")
    replicates: int = Field(default=5, ge=1, le=100_000, strict=True, description="Replicates (seeds) per design point")
    seed: int = Field(
        default=20261122,
        ge=0,
        le=2**63 - 1,
        strict=True,
        description="Root seed (0 to 2^63-1); per point and replicate seeds are spawned",
    )
    steps: int = Field(default=104, ge=1, le=5200, strict=True, description="Horizon in steps (weeks for commsim)")
    timeout_s: float | None = Field(default=None, gt=0, description="Per-run time limit in seconds")
    output: Output = Field(default_factory=Output)
    analysis: Analysis = Field(default_factory=Analysis)

    @property
    def scenario_names(self) -> list[str]:
        """Scenario names in order; a spec without scenarios has one called ``base``."""
        return list(self.scenarios) or ["base"]

    @property
    def reference_scenario(self) -> str:
        """The scenario the others are compared with."""
        return self.reference or self.scenario_names[0]


def load_spec(path: str | Path) -> tuple[ExperimentSpec, Any]:
    """Read and validate an experiment spec.

    Args:
        path: The YAML file.

    Returns:
        The spec and the file's composed YAML tree (for locating later errors).

    Raises:
        ConfigError: With file, line, field and reason.
    """
    return validate_yaml(Path(path), ExperimentSpec)  # a missing file, a folder or a device is a one-line error


def spec_schema() -> dict[str, Any]:
    """The JSON Schema of experiment specs."""
    return ExperimentSpec.model_json_schema()
