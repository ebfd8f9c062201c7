"""Configuration files: pydantic models built from the parameter declaration, and loaders.

Three kinds of YAML file exist:

* a **community profile** (``configs/profiles/<name>.yaml``) and a **policy package**
  (``configs/policies/<name>.yaml``): a name, a description of the practice it stands
  for, its source, and ``values`` overriding parameter defaults of its group;
* a **run config** (``configs/*.yaml``): which profile and package, overrides, steps,
  replicates and root seed.

Every error names the file, the field, the YAML line where it can be found, and the
reason; :class:`ConfigError` carries that message.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from commsim.params import check_consistency, check_values, defaults, parameters
from commsim.paths import config_dir


class ConfigError(ValueError):
    """A configuration file or value that commsim rejects; the message says where and why."""


def _field_for(spec) -> tuple[Any, Any]:
    description = f"{spec.help} [{spec.unit}]" if spec.unit else spec.help
    if spec.type == "choice":
        return (Literal[spec.choices] | None, Field(default=None, description=description))
    if spec.type == "bool":
        return (bool | None, Field(default=None, description=description))
    kind = int if spec.type == "int" else float
    constrained = Annotated[kind, Field(ge=spec.minimum, le=spec.maximum, strict=spec.type == "int")]
    return (constrained | None, Field(default=None, description=description))


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
    return create_model(title, __config__=ConfigDict(extra="forbid"), **fields)


def _strict_config() -> ConfigDict:
    return ConfigDict(extra="forbid")


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

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Name of the scenario; results go to results/<name>/")
    description: str = Field(default="", description="What the scenario is for")
    profile: str = Field(default="old_inner_city", description="Community profile preset")
    policy: str = Field(default="baseline", description="Policy package preset")
    steps: int = Field(default=104, ge=1, le=5200, description="Weeks to simulate")
    replicates: int = Field(default=10, ge=1, le=10000, description="Replicates (seeds)")
    seed: int = Field(default=20261122, ge=0, description="Root seed; replicate seeds are spawned")
    compare_with_baseline: bool = Field(
        default=True,
        description="Also run the baseline package on the same seeds to measure additional participants",
    )
    overrides: dict[str, Any] = Field(
        default_factory=dict, description="Parameter values overriding profile and package"
    )


def run_config_schema() -> dict[str, Any]:
    """Return the JSON Schema of a run config, with every parameter documented."""
    schema = RunConfig.model_json_schema()
    schema["properties"]["overrides"] = overrides_model().model_json_schema()
    schema["properties"]["overrides"]["description"] = (
        "Parameter values overriding profile and package (see configs/parameters.yaml)"
    )
    return schema


# ------------------------------------------------------------------ YAML with line numbers


def read_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """Read a YAML file as data and as a composed tree that knows each key's line.

    Args:
        path: The file.

    Returns:
        The parsed data and its composed tree (None for an empty file).

    Raises:
        ConfigError: If the file cannot be read or is not valid YAML, with the line.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: cannot read file ({error.strerror})") from error
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        reason = getattr(error, "problem", None) or str(error)
        raise ConfigError(f"{where}: broken YAML: {reason}") from error
    return data, node


def line_of(node: yaml.Node | None, location: tuple[Any, ...]) -> int | None:
    """Find the 1-based line of a key path (keys and list indices) in a composed YAML tree.

    Args:
        node: The composed document, from :func:`read_yaml`.
        location: Keys of mappings and integer indices of lists, outermost first.

    Returns:
        The line of the deepest part of the path that exists; None without a document.
    """
    line = node.start_mark.line + 1 if node is not None else None
    for key in location:
        if isinstance(node, yaml.SequenceNode) and isinstance(key, int):
            if not 0 <= key < len(node.value):
                break
            node = node.value[key]
            line = node.start_mark.line + 1
            continue
        if not isinstance(node, yaml.MappingNode):
            break
        for key_node, value_node in node.value:
            if key_node.value == str(key):
                line = key_node.start_mark.line + 1
                node = value_node
                break
        else:
            break
    return line


def validation_message(path: Path, node: yaml.Node | None, error: ValidationError, prefix: tuple[Any, ...] = ()) -> str:
    """Turn a pydantic error into one ``file:line: field: reason`` line per problem.

    Args:
        path: The file that was validated.
        node: Its composed tree.
        error: The validation error.
        prefix: Key path of the validated part within the file.

    Returns:
        The message.
    """
    lines = []
    for problem in error.errors():
        location = (*prefix, *problem["loc"])
        field = ".".join(str(part) for part in location) or "(top level)"
        line = line_of(node, location)
        where = f"{path}:{line}" if line else str(path)
        message = problem["msg"]
        if problem["type"] == "extra_forbidden":
            message = "unknown key"
        lines.append(f"{where}: {field}: {message}")
    return "\n".join(lines)


def validate_yaml(path: Path, model: type[BaseModel]) -> tuple[BaseModel, yaml.Node | None]:
    """Validate a YAML file whose top level is a mapping against a pydantic model.

    Args:
        path: The file.
        model: The pydantic model.

    Returns:
        The validated model and the file's composed tree.

    Raises:
        ConfigError: Naming file, line, field and reason of every problem.
    """
    data, node = read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of keys to values at the top level")
    try:
        return model.model_validate(data), node
    except ValidationError as error:
        raise ConfigError(validation_message(path, node, error)) from error


# ------------------------------------------------------------------ presets


def preset_path(group: str, name: str) -> Path:
    """Return the file of a profile or package preset."""
    folder = "profiles" if group == "profile" else "policies"
    return config_dir() / folder / f"{name}.yaml"


def preset_names(group: str) -> list[str]:
    """List the shipped presets of a group (``profile`` or ``policy``)."""
    folder = "profiles" if group == "profile" else "policies"
    return sorted(path.stem for path in (config_dir() / folder).glob("*.yaml"))


@cache
def load_preset(group: str, name: str) -> BaseModel:
    """Load and validate one preset.

    Args:
        group: ``profile`` or ``policy``.
        name: Preset name.

    Returns:
        The validated preset.

    Raises:
        ConfigError: If the preset does not exist or is invalid.
    """
    path = preset_path(group, name)
    if not path.is_file():
        kind = "community profile" if group == "profile" else "policy package"
        raise ConfigError(f"unknown {kind} {name!r}; available: {', '.join(preset_names(group))}")
    preset, _ = validate_yaml(path, preset_model(group))
    if preset.name != name:
        raise ConfigError(f"{path}: name: {preset.name!r} differs from the file name {name!r}")
    return preset


def resolve_parameters(profile: str, policy: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Combine defaults, a profile, a policy package and overrides into one parameter set.

    Args:
        profile: Community profile preset name.
        policy: Policy package preset name.
        overrides: Flat parameter overrides applied last.

    Returns:
        Every declared parameter with its resolved value.

    Raises:
        ConfigError: On an unknown preset or parameter, or an invalid value.
    """
    values = defaults()
    for group, name in (("profile", profile), ("policy", policy)):
        preset = load_preset(group, name)
        values.update(preset.values.model_dump(exclude_none=True))
    try:
        values.update(check_values(overrides or {}))
        check_consistency(values)
    except ValueError as error:
        raise ConfigError(str(error)) from error
    return values


def load_run_config(path: str | Path) -> RunConfig:
    """Load, validate and resolve a run config file.

    Args:
        path: The YAML file.

    Returns:
        The validated run config. Its presets exist and its overrides are valid.

    Raises:
        ConfigError: With file, line, field and reason, if anything is wrong.
    """
    path = Path(path)
    config, node = validate_yaml(path, RunConfig)
    try:
        overrides_model().model_validate(config.overrides)
    except ValidationError as error:
        raise ConfigError(validation_message(path, node, error, ("overrides",))) from error
    for group in ("profile", "policy"):
        name = getattr(config, group)
        try:
            load_preset(group, name)
        except ConfigError as error:
            raise ConfigError(f"{path}:{line_of(node, (group,))}: {group}: {error}") from error
    try:
        resolve_parameters(config.profile, config.policy, config.overrides)
    except ConfigError as error:
        raise ConfigError(f"{path}: {error}") from error
    return config


def validate_file(path: str | Path) -> str:
    """Validate any commsim YAML file, telling its kind from its folder and keys.

    Args:
        path: A run config, profile or policy package file.

    Returns:
        A one-line description of what was validated.

    Raises:
        ConfigError: If the file is invalid.
    """
    path = Path(path)
    data, _ = read_yaml(path)
    if isinstance(data, dict) and "values" in data:
        group = "profile" if path.parent.name == "profiles" else "policy"
        preset, _ = validate_yaml(path, preset_model(group))
        return f"{path}: valid {group} preset {preset.name!r}"
    config = load_run_config(path)
    return f"{path}: valid run config {config.name!r} ({config.profile} + {config.policy})"
