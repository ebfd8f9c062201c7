"""Configuration files: pydantic models built from the parameter declaration, and loaders.

Three kinds of YAML file exist:

* a **community profile** (``configs/profiles/<name>.yaml``) and a **policy package**
  (``configs/policies/<name>.yaml``): a name, a description of the practice it stands
  for, its source, and ``values`` overriding parameter defaults of its group;
* a **run config** (``configs/*.yaml``): which profile and package, overrides, steps,
  replicates and root seed.

Every error names the file, the field, the YAML line where it can be found, and the
reason; :class:`ConfigError` carries that message. Every YAML file commsim reads goes
through :func:`read_yaml`, which refuses what no config needs and a hostile file could
use: more than :data:`MAX_YAML_BYTES`, text that is not UTF-8, repeated keys, nesting
deeper than :data:`MAX_YAML_DEPTH`, aliases that expand past :data:`MAX_YAML_VALUES`
values or refer to themselves, and anything that is not a regular file.
"""

from __future__ import annotations

import math
import os
import re
import stat
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import annotated_types
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator

from commsim.params import RuleError, check_consistency, defaults, parameters
from commsim.paths import check_safe_name, config_dir

if TYPE_CHECKING:
    from commsim.limits import Work

# Ceilings of a YAML file: shipped configs, specs and lesson files are a few kilobytes,
# nest at most six levels and hold a few hundred values.
MAX_YAML_BYTES = 1_000_000
MAX_YAML_DEPTH = 64
MAX_YAML_VALUES = 100_000
BASELINE = "baseline"


class ConfigError(ValueError):
    """A configuration file or value that commsim rejects; the message says where and why."""


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


def run_work(
    config: RunConfig, *, steps: int | None = None, replicates: int | None = None, n_residents: int | None = None
) -> Work:
    """The planned size of running a config (see :mod:`commsim.limits`).

    Args:
        config: A validated run config.
        steps: Weeks instead of ``config.steps``.
        replicates: Replicates instead of ``config.replicates``.
        n_residents: Residents per model; None resolves the config's parameters.

    Returns:
        Resident-weeks over every scenario and replicate, runs, and the model's size.
    """
    from commsim.limits import Work  # limits builds on this module's ConfigError

    steps = config.steps if steps is None else steps
    replicates = config.replicates if replicates is None else replicates
    if n_residents is None:
        n_residents = resolve_parameters(config.profile, config.policy, config.overrides)["n_residents"]
    runs = replicates * len(config.scenario_names())
    return Work(resident_weeks=float(n_residents) * steps * runs, runs=runs, largest_residents=n_residents)


def run_config_schema() -> dict[str, Any]:
    """Return the JSON Schema of a run config, with every parameter documented."""
    schema = RunConfig.model_json_schema()
    schema["properties"]["overrides"] = overrides_model().model_json_schema()
    schema["properties"]["overrides"]["description"] = (
        "Parameter values overriding profile and package (see configs/parameters.yaml)"
    )
    return schema


# ------------------------------------------------------------------ YAML with line numbers


class _YAMLLimitError(Exception):
    """A YAML document over one of the ceilings; carries the line where it was noticed."""

    def __init__(self, line: int | None, reason: str) -> None:
        super().__init__(reason)
        self.line, self.reason = line, reason


_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
# How a number reads the same in every YAML version and to every reader (YAML 1.1
# also reads 010 as 8, 0x10 as 16, 1:30 as 90 and 1_000 as 1000).
_DECIMAL = re.compile(r"[-+]?(0|[1-9][0-9]*)(\.[0-9]*)?([eE][-+]?[0-9]+)?|[-+]?\.[0-9]+([eE][-+]?[0-9]+)?")


def _plain_number(text: str) -> bool:
    """Whether a YAML number is written in plain decimal digits (or is .nan or .inf, refused later by name)."""
    return bool(_DECIMAL.fullmatch(text)) or text.lower().lstrip("+-") in (".nan", ".inf")


class _CheckedLoader(yaml.SafeLoader):
    """PyYAML's safe loader that refuses deep nesting and repeated keys while composing."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                line = self.peek_event().start_mark.line + 1
                raise _YAMLLimitError(line, f"nested more than {MAX_YAML_DEPTH} levels deep")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if isinstance(node, yaml.ScalarNode) and node.tag in _NUMBER_TAGS and not _plain_number(node.value):
            read = super().construct_object(node, deep)
            raise _YAMLLimitError(
                node.start_mark.line + 1,
                f"YAML 1.1 reads {node.value!r} as {read!r} (octal, hexadecimal, base 60 or with "
                "underscores); write the number in plain decimal digits",
            )
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError) as error:  # an integer of 5,000 digits, a 13th month
            shown = node.value if isinstance(node.value, str) and len(node.value) <= 40 else "this value"
            reason = "more than 4,300 digits" if "digits" in str(error) else str(error)
            raise _YAMLLimitError(node.start_mark.line + 1, f"cannot read {shown!r}: {reason}") from None

    def compose_mapping_node(self, anchor: str | None) -> yaml.MappingNode:
        node = super().compose_mapping_node(anchor)
        seen: dict[tuple[str, str], int] = {}
        for key, _ in node.value:
            if not isinstance(key, yaml.ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
                continue
            line = key.start_mark.line + 1
            first = seen.setdefault((key.tag, key.value), line)
            if first != line:
                raise _YAMLLimitError(line, f"key {key.value!r} is repeated (lines {first} and {line}); keep one")
        return node


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _check_expansion(node: yaml.Node) -> None:
    """Refuse aliases that make a document refer to itself or expand past the ceilings.

    Aliases share nodes, so sizes are counted once per node and summed as if expanded
    (a "billion laughs" document is refused without being expanded).
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    visiting: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    while stack:
        current, finished = stack.pop()
        key = id(current)
        if finished:
            children = _children(current)
            size[key] = 1 + sum(size[id(child)] for child in children)
            depth[key] = 1 + max((depth[id(child)] for child in children), default=0)
            visiting.discard(key)
            continue
        if key in size:
            continue
        if key in visiting:
            raise _YAMLLimitError(current.start_mark.line + 1, "an alias refers to the value that holds it")
        visiting.add(key)
        stack.append((current, True))
        stack.extend((child, False) for child in _children(current))
    line = node.start_mark.line + 1
    if size[id(node)] > MAX_YAML_VALUES:
        raise _YAMLLimitError(line, f"expands to more than {MAX_YAML_VALUES:,} values (through aliases?)")
    if depth[id(node)] > MAX_YAML_DEPTH:
        raise _YAMLLimitError(line, f"nested more than {MAX_YAML_DEPTH} levels deep (through aliases)")


def _read_text(path: Path) -> str:
    """The text of a small regular UTF-8 file, or a ConfigError saying why not."""
    try:
        info = path.stat()  # follows links; never opens a FIFO or a device
    except OSError as error:
        raise ConfigError(f"{path}: cannot read file ({error.strerror or error})") from error
    if stat.S_ISDIR(info.st_mode):
        raise ConfigError(f"{path}: is a folder, not a YAML file")
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"{path}: is not a regular file (a device, pipe or socket); give a YAML file")
    too_big = f"{path}: is larger than {MAX_YAML_BYTES:,} bytes, the limit for a commsim YAML file"
    if info.st_size > MAX_YAML_BYTES:
        raise ConfigError(too_big)
    try:
        # Non-blocking, and checked again once open: a file swapped for a pipe meanwhile cannot block.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        with os.fdopen(descriptor, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise ConfigError(f"{path}: is not a regular file (a device, pipe or socket); give a YAML file")
            raw = handle.read(MAX_YAML_BYTES + 1)
    except OSError as error:
        raise ConfigError(f"{path}: cannot read file ({error.strerror or error})") from error
    if len(raw) > MAX_YAML_BYTES:
        raise ConfigError(too_big)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}:{line}: not UTF-8 text (byte 0x{raw[error.start]:02x}); save the file as UTF-8"
        ) from None


def read_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """Read a YAML file as data and as a composed tree that knows each key's line.

    Args:
        path: The file.

    Returns:
        The parsed data and its composed tree (None for an empty file).

    Raises:
        ConfigError: If the file cannot be read, is not a small regular UTF-8 file, is
            not valid YAML, repeats a key, or nests or expands past the ceilings; with
            the line where there is one.
    """
    path = Path(path)
    text = _read_text(path)
    loader = None
    try:
        loader = _CheckedLoader(text)
        node = loader.get_single_node()
        if node is None:
            return None, None
        _check_expansion(node)
        return loader.construct_document(node), node
    except _YAMLLimitError as error:
        where = f"{path}:{error.line}" if error.line else str(path)
        raise ConfigError(f"{where}: {error.reason}") from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        context, problem = error.context or "", error.problem or ""
        joined = f"{context}{' ' if problem.startswith('but') else ': '}{problem}" if context and problem else None
        reason = " ".join((joined or problem or context or "unreadable").split())
        raise ConfigError(f"{where}: broken YAML: {reason}") from None
    except yaml.reader.ReaderError as error:
        line = text[: error.position].count("\n") + 1
        code = error.character if isinstance(error.character, int) else ord(error.character)
        raise ConfigError(f"{path}:{line}: character #x{code:04x} is not allowed in a YAML file") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: broken YAML: {' '.join(str(error).split())}") from None
    finally:
        if loader is not None:
            loader.dispose()


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


def _shown(value: Any) -> str:
    """A value as YAML spells it, short enough for a one-line message."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null (an empty value)"
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else (".inf" if value > 0 else "-.inf")
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else f"a text of {len(value):,} characters"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def problem_text(problem: dict[str, Any]) -> str:
    """The reason of one pydantic error, in words a config's author can act on.

    Args:
        problem: One entry of ``ValidationError.errors()``.

    Returns:
        The reason, ending with the value that was given where that helps.
    """
    kind, value, message = problem["type"], problem.get("input"), problem["msg"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "Field required (the key is missing)"
    if isinstance(value, float) and not math.isfinite(value):
        return f"{'not a number' if math.isnan(value) else 'infinite'} ({_shown(value)}); give a finite number"
    if kind == "value_error":
        return message.removeprefix("Value error, ")
    text = f"{message}, got {_shown(value)}"
    if isinstance(value, str) and kind in ("float_type", "int_type"):
        try:
            float(value)
        except ValueError:
            pass
        else:  # YAML 1.1 reads 1e3 (no dot) and quoted numbers as text
            text += "; write the number without quotes, and an exponent with a dot and a sign (1.0e+3)"
    return text


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
        location = tuple(part for part in (*prefix, *problem["loc"]) if part != "[key]")  # pydantic marks a bad key
        field = ".".join(str(part) if part != "" else "''" for part in location) or "(top level)"
        line = line_of(node, location)
        where = f"{path}:{line}" if line else str(path)
        lines.append(f"{where}: {field}: {problem_text(problem)}")
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
    names = preset_names(group)
    if not isinstance(name, str) or name not in names:  # never a path to some other file
        kind = "community profile" if group == "profile" else "policy package"
        raise ConfigError(f"unknown {kind} {name!r}; available: {', '.join(names)}")
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
        raise ConfigError(_rule_message(error, layer, source) if source else str(error)) from None
    return values


_LAYER_ORDER = ("default", "profile", "policy", "override")


def _rule_message(error: RuleError, layer: dict[str, tuple[str, str | None]], source: Located | None) -> str:
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
        resolve_parameters(config.profile, config.policy, config.overrides, source=Located(path, node, ("overrides",)))
    except ConfigError as error:
        if not str(error).startswith(str(path)):  # a value of a preset: say which config chose it
            raise ConfigError(f"{path}: {error}") from None
        raise
    return config


PRESET_FOLDERS = {"profiles": "profile", "policies": "policy"}


def is_preset_file(path: Path, data: Any) -> bool:
    """Whether a YAML file is a profile or policy package: it sits in their folder or has ``values``."""
    return Path(path).parent.name in PRESET_FOLDERS or (isinstance(data, dict) and "values" in data)


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
    data, node = read_yaml(path)
    if is_preset_file(path, data):
        group = PRESET_FOLDERS.get(path.parent.name, "policy")
        preset, node = validate_yaml(path, preset_model(group))
        if path.parent.name in PRESET_FOLDERS and preset.name != path.stem:
            raise ConfigError(
                f"{path}:{line_of(node, ('name',))}: name: {preset.name!r} differs from the file name {path.stem!r}"
            )
        values = preset.values.model_dump(exclude_none=True)
        try:
            check_consistency(defaults() | values)
        except RuleError as error:
            located = Located(path, node, ("values",))
            layer = dict.fromkeys(defaults(), ("default", None)) | dict.fromkeys(values, ("override", None))
            raise ConfigError(_rule_message(error, layer, located)) from None
        return f"{path}: valid {group} preset {preset.name!r}"
    config = load_run_config(path)
    return f"{path}: valid run config {config.name!r} ({config.profile} + {config.policy})"
