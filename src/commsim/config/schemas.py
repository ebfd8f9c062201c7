"""The pydantic models of commsim's files, built from the parameter declaration.

A **community profile** (``configs/profiles/<name>.yaml``) and a **policy package**
(``configs/policies/<name>.yaml``) hold a name, a description of the practice it stands
for, its source, and ``values`` overriding parameter defaults of its group; a **run
config** (:class:`RunConfig`) names which profile and package, overrides and run settings.
Everything is strict: ``steps: true`` or ``time_bank: "yes"`` is an error.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any, Literal

import annotated_types
from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator

from commsim.config.declaration import parameters
from commsim.config.paths import check_safe_name

BASELINE = "baseline"


def _field_for(spec) -> tuple[Any, Any]:
    description = f"{spec.help} [{spec.unit}]" if spec.unit else spec.help
    if spec.type == "choice":
        return (Literal[spec.choices] | None, Field(default=None, description=description))
    if spec.type == "bool":
        return (bool | None, Field(default=None, description=description))
    kind = int if spec.type == "int" else float
    # Strict: a boolean is not a number and a string is not a boolean; floats take whole
    # numbers but neither NaN nor infinity.
    constrained = Annotated[kind, Field(ge=spec.minimum, le=spec.maximum, allow_inf_nan=False)]
    return (constrained | None, Field(default=None, description=description))


# Strict everywhere: ``steps: true`` or ``time_bank: "yes"`` is an error, not a 1 or a True.
_STRICT = ConfigDict(extra="forbid", strict=True)


@cache
def overrides_model(group: str | None = None) -> type[BaseModel]:
    """Build the pydantic model of parameter overrides, optionally of one group.

    Args:
        group: Restrict to ``profile``, ``policy`` or ``behaviour``; None allows all.

    Returns:
        A pydantic model class with one optional field per parameter, extra keys forbidden.
    """
    fields = {name: _field_for(spec) for name, spec in parameters().items() if group is None or spec.group == group}
    title = f"{(group or 'parameter').capitalize()}Values"
    return create_model(title, __config__=_STRICT, **fields)


def _strict_config() -> ConfigDict:
    return _STRICT


def preset_model(group: str) -> type[BaseModel]:
    """Build the pydantic model of a profile (``group='profile'``) or package file."""
    return create_model(
        f"{group.capitalize()}Preset",
        __config__=_strict_config(),
        name=(str, Field(description="Short identifier, equal to the file name")),
        title=(str, Field(description="Human-readable name")),
        description=(str, Field(description="The practice or place the preset stands for")),
        source=(str, Field(default="", description="Where its facts come from")),
        values=(overrides_model(group), Field(default_factory=overrides_model(group))),
    )


class RunConfig(BaseModel):
    """A scenario to run: community profile, policy package, overrides and run settings."""

    model_config = _STRICT

    name: str = Field(
        description="Name of the scenario; results go to results/<name>/ (letters, digits, '_', '-', '.')"
    )
    description: str = Field(default="", description="What the scenario is for")
    profile: str = Field(default="old_inner_city", description="Community profile preset")
    policy: str = Field(default=BASELINE, description="Policy package preset")
    steps: int = Field(default=104, ge=1, le=5200, description="Weeks to simulate")
    replicates: int = Field(default=10, ge=1, le=10000, description="Replicates (seeds)")
    seed: int = Field(
        default=20261122, ge=0, le=2**63 - 1, description="Root seed (0 to 2^63-1); replicate seeds are spawned"
    )
    compare_with_baseline: bool = Field(
        default=True,
        description="Also run the baseline package on the same seeds to measure additional participants",
    )
    overrides: dict[str, Any] = Field(
        default_factory=dict, description="Parameter values overriding profile and package"
    )

    @field_validator("name")
    @classmethod
    def _safe_name(cls, name: str) -> str:
        return check_safe_name(name)

    def scenario_names(self) -> list[str]:
        """The scenarios a run of this config simulates: its package, then a paired baseline."""
        if self.compare_with_baseline and self.policy != BASELINE:
            return [self.policy, BASELINE]
        return [self.policy]


def setting_bounds(name: str) -> tuple[int, int]:
    """The declared range of a whole-number run setting (``steps``, ``replicates``).

    Args:
        name: A field of :class:`RunConfig` declared with ``ge`` and ``le``.

    Returns:
        The lowest and highest allowed value.
    """
    metadata = RunConfig.model_fields[name].metadata
    low = next(item.ge for item in metadata if isinstance(item, annotated_types.Ge))
    high = next(item.le for item in metadata if isinstance(item, annotated_types.Le))
    return int(low), int(high)


def run_config_schema() -> dict[str, Any]:
    """Return the JSON Schema of a run config, with every parameter documented."""
    schema = RunConfig.model_json_schema()
    schema["properties"]["overrides"] = overrides_model().model_json_schema()
    schema["properties"]["overrides"]["description"] = (
        "Parameter values overriding profile and package (see configs/parameters.yaml)"
    )
    return schema
