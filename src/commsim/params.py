"""The single declaration of every parameter, read from ``configs/parameters.yaml``.

Each parameter has a group (``profile``, ``policy`` or ``behaviour``), a type, a default,
an allowed range or set of choices, a unit and a one-line meaning. Validation, the CLI,
generated docs and the dashboard all read :data:`PARAMETERS`; nothing else declares a
parameter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from commsim.paths import config_dir

GROUPS = ("profile", "policy", "behaviour")
TYPES = {"int": int, "float": float, "bool": bool, "choice": str}
# A resolved parameter set, as the model and its processes read it.
Params = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Parameter:
    """One declared model parameter.

    Attributes:
        name: Flat keyword name, used in YAML files and as a model keyword.
        group: ``profile``, ``policy`` or ``behaviour``.
        type: ``int``, ``float``, ``bool`` or ``choice``.
        default: Default value.
        unit: Unit of measurement ("" for flags and choices).
        help: One-line meaning.
        minimum: Lowest allowed value (numbers only).
        maximum: Highest allowed value (numbers only).
        choices: Allowed values (choices only).
        lever: For policy parameters, the lever of MODEL_SPEC section 4 it belongs to.
        structural: A fixed design choice or definition, neither a lever nor a
            calibration target.
    """

    name: str
    group: str
    type: str
    default: Any
    unit: str
    help: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] | None = None
    lever: str | None = None
    structural: bool = False

    @property
    def python_type(self) -> type:
        """The Python type of the parameter's values."""
        return TYPES[self.type]

    def check(self, value: Any) -> Any:
        """Coerce and range-check one value.

        Args:
            value: Candidate value.

        Returns:
            The value converted to the parameter's type.

        Raises:
            ValueError: If the value has the wrong type or lies outside the allowed range.
        """
        if self.type == "bool":
            if isinstance(value, bool | int) and value in (0, 1):
                return bool(value)
            raise ValueError(f"{self.name}: expected true or false, got {value!r}")
        if self.type == "choice":
            if value not in self.choices:
                raise ValueError(f"{self.name}: expected one of {list(self.choices)}, got {value!r}")
            return str(value)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{self.name}: expected a number, got {value!r}")
        if self.type == "int":
            if int(value) != value:
                raise ValueError(f"{self.name}: expected a whole number, got {value!r}")
            value = int(value)
        else:
            value = float(value)
        if not self.minimum <= value <= self.maximum:
            raise ValueError(
                f"{self.name}: {value!r} is outside the allowed range [{self.minimum}, {self.maximum}] ({self.unit})"
            )
        return value


def _parse(name: str, entry: dict[str, Any]) -> Parameter:
    kind = entry["type"]
    if entry["group"] not in GROUPS or kind not in TYPES:
        raise ValueError(f"parameters.yaml: {name} has an unknown group or type")
    spec = Parameter(
        name=name,
        group=entry["group"],
        type=kind,
        default=entry["default"],
        unit=str(entry.get("unit", "")),
        help=entry["help"],
        minimum=entry.get("min"),
        maximum=entry.get("max"),
        choices=tuple(entry["choices"]) if "choices" in entry else None,
        lever=entry.get("lever"),
        structural=bool(entry.get("structural", False)),
    )
    spec.check(spec.default)
    return spec


@cache
def parameters() -> dict[str, Parameter]:
    """Return all declared parameters by name, in declaration order.

    Returns:
        Mapping from parameter name to its declaration.
    """
    with open(config_dir() / "parameters.yaml", encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    return {name: _parse(name, entry) for name, entry in raw.items()}


def defaults(group: str | None = None) -> dict[str, Any]:
    """Return default values, optionally of one group only.

    Args:
        group: ``profile``, ``policy``, ``behaviour`` or None for all.

    Returns:
        Mapping from parameter name to its default.
    """
    return {name: spec.default for name, spec in parameters().items() if group is None or spec.group == group}


def levers() -> dict[str, list[str]]:
    """Return the twelve policy levers with the parameters that set each one."""
    grouped: dict[str, list[str]] = {}
    for spec in parameters().values():
        if spec.lever:
            grouped.setdefault(spec.lever, []).append(spec.name)
    return grouped


def check_values(values: dict[str, Any]) -> dict[str, Any]:
    """Check a flat mapping of parameter values against their declarations.

    Args:
        values: Parameter names and values.

    Returns:
        The values, coerced to their declared types.

    Raises:
        ValueError: On an unknown name, a wrong type or an out-of-range value.
    """
    declared = parameters()
    checked = {}
    for name, value in values.items():
        if name not in declared:
            raise ValueError(f"{name}: unknown parameter")
        checked[name] = declared[name].check(value)
    return checked


def check_consistency(values: dict[str, Any]) -> None:
    """Check rules that tie several parameters together.

    Args:
        values: A complete, individually valid parameter set.

    Raises:
        ValueError: If shares that must add up to at most one exceed it.
    """
    pairs = [
        ("share_youth", "share_elderly"),
        ("targeted_share_elderly", "targeted_share_children"),
        ("share_conditional_cooperators", "share_free_riders"),
    ]
    for first, second in pairs:
        if values[first] + values[second] > 1.0 + 1e-9:
            raise ValueError(f"{first} + {second} = {values[first] + values[second]:g} exceeds 1")
