"""Presets and the resolution of a run's parameters: defaults, then profile, package and overrides.

A broken rule of the declaration (shares that must sum to at most 1) is reported at the
line of the value set last, with where each of its values came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from commsim.config.declaration import RuleError, check_consistency, defaults, parameters
from commsim.config.paths import config_dir
from commsim.config.schemas import preset_model
from commsim.config.yaml_files import ConfigError, line_of, read_yaml, suggestion, validate_yaml


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
    names = preset_names(group)
    if not isinstance(name, str) or name not in names:  # never a path to some other file
        kind = "community profile" if group == "profile" else "policy package"
        raise ConfigError(f"unknown {kind} {name!r}; available: {', '.join(names)}{suggestion(name, names)}")
    path = preset_path(group, name)
    preset, node = validate_yaml(path, preset_model(group))
    if preset.name != name:
        raise ConfigError(
            f"{path}:{line_of(node, ('name',))}: name: {preset.name!r} differs from the file name {name!r}"
        )
    return preset


@dataclass(frozen=True, slots=True)
class Located:
    """Where a mapping of parameter values sits in a YAML file, to name a value's line.

    Attributes:
        path: The file.
        node: Its composed tree.
        prefix: Key path of the mapping within the file (``("overrides",)``).
    """

    path: Path
    node: yaml.Node | None
    prefix: tuple[Any, ...] = ()

    def line(self, name: str) -> str:
        """``file:line`` of one parameter of the mapping (``file`` alone without a line)."""
        line = line_of(self.node, (*self.prefix, name))
        return f"{self.path}:{line}" if line else str(self.path)

    def where(self, name: str) -> str:
        """``file:line: field`` of one parameter of the mapping."""
        return f"{self.line(name)}: {'.'.join(str(part) for part in (*self.prefix, name))}"


@cache
def _preset_location(group: str, name: str) -> Located:
    path = preset_path(group, name)
    _, node = read_yaml(path)
    return Located(path, node, ("values",))


@cache
def _declaration_location() -> Located:
    path = config_dir() / "parameters.yaml"
    _, node = read_yaml(path)
    return Located(path, node)


def resolve_parameters(
    profile: str, policy: str, overrides: dict[str, Any] | None = None, *, source: Located | None = None
) -> dict[str, Any]:
    """Combine defaults, a profile, a policy package and overrides into one parameter set.

    Args:
        profile: Community profile preset name.
        policy: Policy package preset name.
        overrides: Flat parameter overrides applied last.
        source: Where the overrides were written, so errors name their lines.

    Returns:
        Every declared parameter with its resolved value.

    Raises:
        ConfigError: On an unknown preset or parameter, or an invalid value; a broken
            rule names the line of each value in the file that set it.
    """
    declared = parameters()
    values = defaults()
    layer = dict.fromkeys(values, ("default", None))
    for group, name in (("profile", profile), ("policy", policy)):
        preset = load_preset(group, name)
        for key, value in preset.values.model_dump(exclude_none=True).items():
            values[key], layer[key] = value, (group, name)
    for key, value in (overrides or {}).items():
        where = source.where(key) if source else str(key)
        if key not in declared:
            raise ConfigError(f"{where}: unknown parameter")
        problem = declared[key].problem(value)
        if problem:
            raise ConfigError(f"{where}: {problem}")
        values[key], layer[key] = declared[key].check(value), ("override", None)
    try:
        check_consistency(values)
    except RuleError as error:
        # Without a file (the dashboard, the Python API) the sum alone says it.
        raise ConfigError(rule_message(error, layer, source) if source else str(error)) from None
    return values


_LAYER_ORDER = ("default", "profile", "policy", "override")


def rule_message(error: RuleError, layer: dict[str, tuple[str, str | None]], source: Located | None) -> str:
    """Name the value set last first, then where each value of the broken rule came from."""

    def located(name: str) -> Located | None:
        kind, preset = layer[name]
        if kind == "override":
            return source
        return _declaration_location() if kind == "default" else _preset_location(kind, preset)

    def line(name: str) -> str:
        found = located(name)
        text = found.line(name) if found else "the overrides"
        return f"{text}, the default" if layer[name][0] == "default" else text

    def order(name: str) -> tuple[int, int]:  # the layer applied last, then the later line
        found = located(name)
        return _LAYER_ORDER.index(layer[name][0]), (line_of(found.node, (*found.prefix, name)) or 0) if found else 0

    offender = max(error.rule.parameters, key=order)
    found = located(offender)
    where = found.where(offender) if found else offender
    sources = ", ".join(f"{name} = {error.values[name]:g} ({line(name)})" for name in error.rule.parameters)
    return f"{where}: {error.describe()}; {sources}"
