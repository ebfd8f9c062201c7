"""The single declaration of every parameter, read from ``configs/parameters.yaml``.

Each parameter has a group (``profile``, ``policy`` or ``behaviour``), a type, a default,
an allowed range or set of choices, a unit, a label in plain words and a one-line
meaning. The same file's ``levers`` section gives each policy lever a title and a
description, and its ``rules`` section declares the groups of parameters whose values
must add up to at most a bound. Validation, the CLI, generated docs and the dashboard
all read :func:`parameters`, :func:`lever_declarations` and :func:`rules`; nothing else
declares a parameter, a lever or a rule.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from commsim.config.paths import config_dir

GROUPS = ("profile", "policy", "behaviour")
RULES_KEY = "rules"  # the section of parameters.yaml that declares rules, not a parameter
LEVERS_KEY = "levers"  # the section that declares the policy levers
SECTIONS = (RULES_KEY, LEVERS_KEY)
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
        label: A few plain words naming it (what the dashboard, reports and the CLI show).
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
    label: str
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

    def problem(self, value: Any) -> str | None:
        """Say what is wrong with a value, without the parameter's name.

        Args:
            value: Candidate value.

        Returns:
            The reason the value is refused, or None if it is allowed.
        """
        if self.type == "bool":
            return (
                None if isinstance(value, bool | int) and value in (0, 1) else f"expected true or false, got {value!r}"
            )
        if self.type == "choice":
            return None if value in self.choices else f"expected one of {list(self.choices)}, got {value!r}"
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"expected a number, got {value!r}"
        if isinstance(value, float) and not math.isfinite(value):
            return f"{'not a number' if math.isnan(value) else 'infinite'} ({value!r}); give a finite number"
        if self.type == "int" and int(value) != value:
            return f"expected a whole number, got {value!r}"
        if not self.minimum <= value <= self.maximum:
            return f"{value!r} is outside the allowed range [{self.minimum}, {self.maximum}] ({self.unit})"
        return None

    def check(self, value: Any) -> Any:
        """Coerce and range-check one value.

        Args:
            value: Candidate value.

        Returns:
            The value converted to the parameter's type.

        Raises:
            ValueError: If the value has the wrong type or lies outside the allowed range.
        """
        problem = self.problem(value)
        if problem:
            raise ValueError(f"{self.name}: {problem}")
        if self.type == "bool":
            return bool(value)
        if self.type == "choice":
            return str(value)
        return int(value) if self.type == "int" else float(value)


class DeclarationError(ValueError):
    """A ``parameters.yaml`` that cannot be read (one named by ``COMMSIM_CONFIG_DIR``, say)."""


def _parse(name: str, entry: dict[str, Any]) -> Parameter:
    try:
        return _parse_entry(name, entry)
    except (KeyError, TypeError, ValueError) as error:
        reason = f"missing {error}" if isinstance(error, KeyError) else str(error)
        raise DeclarationError(f"{config_dir() / 'parameters.yaml'}: {name}: {reason}") from None


def _parse_entry(name: str, entry: dict[str, Any]) -> Parameter:
    kind = entry["type"]
    if entry["group"] not in GROUPS or kind not in TYPES:
        raise ValueError("unknown group or type")
    spec = Parameter(
        name=name,
        group=entry["group"],
        type=kind,
        default=entry["default"],
        unit=str(entry.get("unit", "")),
        label=entry["label"],
        help=entry["help"],
        minimum=entry.get("min"),
        maximum=entry.get("max"),
        choices=tuple(entry["choices"]) if "choices" in entry else None,
        lever=entry.get("lever"),
        structural=bool(entry.get("structural", False)),
    )
    spec.check(spec.default)
    return spec


@dataclass(frozen=True, slots=True)
class Lever:
    """A policy lever of MODEL_SPEC section 4, set by the policy parameters that name it.

    Attributes:
        name: Identifier the parameters' ``lever`` field uses.
        title: Its name in plain words.
        description: What it is, in one plain line.
    """

    name: str
    title: str
    description: str


@dataclass(frozen=True, slots=True)
class Rule:
    """A declared rule tying several parameters: their values add up to at most a bound.

    Attributes:
        name: Short identifier of the rule.
        parameters: The parameters whose values are added.
        sum_at_most: The largest allowed sum.
        help: Why the rule holds, in one line.
    """

    name: str
    parameters: tuple[str, ...]
    sum_at_most: float
    help: str

    def total(self, values: dict[str, Any]) -> float:
        """The sum the rule bounds, over a complete parameter set."""
        return float(sum(values[name] for name in self.parameters))

    def holds(self, values: dict[str, Any]) -> bool:
        """Whether a complete parameter set keeps the rule (up to rounding)."""
        return self.total(values) <= self.sum_at_most + 1e-9


class RuleError(ValueError):
    """A parameter set that breaks a declared rule.

    Attributes:
        rule: The broken rule.
        values: The values of the rule's parameters.
    """

    def __init__(self, rule: Rule, values: dict[str, Any]) -> None:
        self.rule = rule
        self.values = {name: values[name] for name in rule.parameters}
        terms = " + ".join(rule.parameters)
        super().__init__(f"{terms} = {rule.total(self.values):g} exceeds {rule.sum_at_most:g}")

    def describe(self) -> str:
        """The sum, the bound and the rule's reason, without saying where the values came from."""
        return f"{self} (rule {self.rule.name}: {self.rule.help})"


@cache
def _declaration() -> dict[str, Any]:
    path = config_dir() / "parameters.yaml"
    try:
        with open(path, encoding="utf-8") as handle:
            raw = yaml.safe_load(handle)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise DeclarationError(f"{path}: cannot be read ({' '.join(str(error).split())})") from None
    if not isinstance(raw, dict):
        raise DeclarationError(f"{path}: expected a mapping of parameter names to declarations")
    return raw


@cache
def parameters() -> dict[str, Parameter]:
    """Return all declared parameters by name, in declaration order.

    Returns:
        Mapping from parameter name to its declaration.
    """
    return {name: _parse(name, entry) for name, entry in _declaration().items() if name not in SECTIONS}


@cache
def rules() -> tuple[Rule, ...]:
    """Return the declared rules, in declaration order.

    Returns:
        Every rule of the ``rules`` section of ``parameters.yaml``.

    Raises:
        ValueError: If a rule names an undeclared or non-numeric parameter, or the
            parameters' defaults break it.
    """
    return _rules_of(_declaration(), parameters())


def _rules_of(raw: Mapping[str, Any], declared: Mapping[str, Parameter]) -> tuple[Rule, ...]:
    found = []
    values = {name: spec.default for name, spec in declared.items()}
    for name, entry in (raw.get(RULES_KEY) or {}).items():
        rule = Rule(
            name=name,
            parameters=tuple(entry["parameters"]),
            sum_at_most=float(entry["sum_at_most"]),
            help=entry["help"],
        )
        for member in rule.parameters:
            if member not in declared or declared[member].type not in ("int", "float"):
                raise ValueError(f"parameters.yaml: rule {name} names {member!r}, which is not a numeric parameter")
        if not rule.holds(values):
            raise ValueError(f"parameters.yaml: the defaults break rule {name}")
        found.append(rule)
    return tuple(found)


@cache
def lever_declarations() -> dict[str, Lever]:
    """Return the declared policy levers by name, in declaration order.

    Returns:
        Every lever of the ``levers`` section of ``parameters.yaml``.

    Raises:
        DeclarationError: If a lever lacks its title or description, a policy parameter
            names an undeclared lever, or a declared lever has no parameter.
    """
    return _levers_of(_declaration(), parameters(), config_dir() / "parameters.yaml")


def _levers_of(raw: Mapping[str, Any], declared: Mapping[str, Parameter], path: Path) -> dict[str, Lever]:
    found = {}
    for name, entry in (raw.get(LEVERS_KEY) or {}).items():
        try:
            found[name] = Lever(name=name, title=entry["title"], description=entry["description"])
        except (KeyError, TypeError) as error:
            raise DeclarationError(f"{path}: levers: {name}: missing {error}") from None
    named = {spec.lever for spec in declared.values() if spec.lever}
    if named != set(found):
        unknown, unused = sorted(named - set(found)), sorted(set(found) - named)
        raise DeclarationError(f"{path}: levers: undeclared {unknown}, without parameters {unused}")
    return found


def is_declaration(data: Any) -> bool:
    """Whether a YAML file's content is a parameter declaration (it has the rules and levers sections)."""
    return isinstance(data, dict) and all(isinstance(data.get(section), dict) for section in SECTIONS)


def check_declaration(path: Path, raw: Mapping[str, Any], line: Callable[[str], int | None]) -> str:
    """Check a parameter declaration file as :mod:`commsim.config.declaration` reads one.

    Args:
        path: The file (``configs/parameters.yaml`` or a copy).
        raw: Its content.
        line: The line of a top-level key.

    Returns:
        A one-line description of what was checked.

    Raises:
        DeclarationError: Naming the file, the line and the entry of the first problem.
    """
    declared = {}
    for name, entry in raw.items():
        if name in SECTIONS:
            continue
        try:
            declared[name] = _parse_entry(name, entry)
        except (KeyError, TypeError, ValueError) as error:
            reason = f"missing {error}" if isinstance(error, KeyError) else str(error)
            raise DeclarationError(f"{path}:{line(name)}: {name}: {reason}") from None
    try:
        found = _rules_of(raw, declared)
    except (KeyError, TypeError, ValueError) as error:
        raise DeclarationError(f"{path}:{line(RULES_KEY)}: {RULES_KEY}: {error}") from None
    levers = _levers_of(raw, declared, path)
    return f"{path}: valid parameter declaration ({len(declared)} parameters, {len(found)} rules, {len(levers)} levers)"


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
    """Check the declared rules (:func:`rules`) that tie several parameters together.

    Args:
        values: A complete, individually valid parameter set.

    Raises:
        RuleError: Naming the first rule the values break.
    """
    for rule in rules():
        if not rule.holds(values):
            raise RuleError(rule, values)
